package io.jraid.ops;

/**
 * Called once when an {@link Operation} has completed (async_tx's {@code cb_fn}).
 *
 * <p>A callback runs on whichever thread completed the operation: a channel's worker thread, or on
 * the inline path the thread that called {@link AsyncOps#submit}. It must be short and must not
 * block; it must never submit an operation — {@link AsyncOps#submit} throws {@link
 * IllegalStateException} when called from a callback. Like raid5.c's {@code ops_complete_*}, it
 * should only record the outcome (check {@link Operation#failure()} and {@link Operation#result()})
 * and hand the follow-up work to its owner, which submits it on its own thread.
 */
@FunctionalInterface
public interface OpCallback {

  /** The operation completed: its result and failure are final until it is rebuilt. */
  void completed(Operation op);
}
