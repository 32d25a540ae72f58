package io.jraid.ops;

/**
 * Where an {@link Operation} is in its life. Transitions:
 *
 * <pre>
 *   IDLE ──submit, dependency unsubmitted──▶ LINKED      (async_tx: parent set, cookie -EBUSY)
 *   IDLE ──submit, dependency submitted or none──▶ PENDING
 *   LINKED ──the chain's first operation submitted──▶ PENDING
 *   PENDING ──ran (or its dependency failed)──▶ COMPLETE
 *   IDLE, COMPLETE ──a builder──▶ IDLE
 * </pre>
 *
 * A PENDING operation is waiting for its dependency, queued on a channel, or running. A COMPLETE
 * one is also <em>settled</em> once its callback has returned; only then may its dependent start.
 * State changes and the {@code dependent} link are made under the operation's lock.
 */
enum OpState {
  /** Built (or new), not submitted. */
  IDLE,
  /** Submitted, but an operation before it in its chain has not been submitted yet. */
  LINKED,
  /** Submitted with every predecessor submitted: it will run. */
  PENDING,
  /** Ran; result and failure are final. */
  COMPLETE
}
