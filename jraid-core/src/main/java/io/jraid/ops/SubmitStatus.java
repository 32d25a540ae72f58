package io.jraid.ops;

/** The answer of {@link AsyncOps#submit}, which never blocks and never throws for capacity. */
public enum SubmitStatus {
  /** The operation was taken: it has run, is queued, or will start when its dependency does. */
  ACCEPTED,
  /**
   * The chosen channel's queue is full. Nothing changed: park the operation and submit it again
   * after a completion (SPDK's retry queue; a slot is free again by the time its operation is seen
   * complete).
   */
  RETRY
}
