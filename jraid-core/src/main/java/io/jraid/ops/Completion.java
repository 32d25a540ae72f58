package io.jraid.ops;

import org.jspecify.annotations.Nullable;

/**
 * Runs operations and completes them, on whichever thread does it: a channel's worker, or the
 * submitter on the inline path (async_tx's software path and {@code async_tx_sync_epilog}; for an
 * engine, the driver's cleanup and {@code dma_run_dependencies}).
 *
 * <p>Completion order for each operation: run the kernel (unless its dependency failed), set the
 * give back its channel slot, set the result and failure, mark it complete and wake its waiters,
 * call its callback, mark it settled, then start its dependent. A dependent never starts before its
 * dependency is settled, however it was submitted: armed before the completion or during the
 * callback, it is started here; submitted afterwards, it starts at once; on the inline path, its
 * submitter waits for the settling. A dependent on the same channel — or on no channel — runs next
 * on this thread (the chain stays hot in this core's cache); one on another channel is handed to
 * that channel's queue (the channel switch), where a slot was reserved for it at submission.
 *
 * <p>While a callback runs, the thread is marked so that {@link AsyncOps#submit} can refuse to be
 * called from it.
 */
final class Completion {

  private static final ThreadLocal<boolean[]> IN_CALLBACK =
      ThreadLocal.withInitial(() -> new boolean[1]);

  private Completion() {}

  /** Whether this thread is inside an {@link OpCallback}. */
  static boolean inCallback() {
    return IN_CALLBACK.get()[0];
  }

  /** Throws when this thread is inside a callback; {@code action} names what was attempted. */
  static void refuseInCallback(String action, Operation op) {
    if (inCallback()) {
      throw new IllegalStateException(
          "cannot "
              + action
              + " "
              + op
              + " from an operation callback: callbacks must be short and never submit or wait"
              + " (record the outcome and let the owner submit the follow-up)");
    }
  }

  /**
   * Runs {@code first} and every dependent that is ready after it and belongs on this thread.
   *
   * @param here the channel whose worker calls this, or null for the inline path
   * @return on the inline path, the first kernel failure or callback exception, to rethrow; else
   *     null (a worker reports callback exceptions to its uncaught exception handler)
   */
  static @Nullable RuntimeException runChain(Operation first, @Nullable Channel here) {
    RuntimeException firstError = null;
    Operation op = first;
    while (op != null) {
      RuntimeException failure = op.failure; // set when its dependency failed: do not run
      if (failure == null) {
        try {
          op.execute();
        } catch (RuntimeException e) {
          failure = e;
        }
      }
      Channel channel = op.channel;
      if (channel != null) {
        channel.release(); // before it is seen complete: whoever saw RETRY finds room then
      }
      OpCallback callback;
      Operation next;
      int generation;
      synchronized (op.lock) {
        op.failure = failure;
        callback = op.callback;
        next = takeArmedDependent(op);
        generation = op.generation;
        op.state = OpState.COMPLETE;
        op.settled = callback == null;
        if (op.waiters > 0) {
          op.lock.notifyAll();
        }
      }
      if (firstError == null && here == null) {
        firstError = failure;
      }
      if (callback != null) {
        RuntimeException e = call(callback, op, here);
        if (firstError == null) {
          firstError = e;
        }
        synchronized (op.lock) {
          if (op.generation == generation) { // not rebuilt meanwhile
            op.settled = true;
            if (next == null) {
              next = takeArmedDependent(op); // armed while the callback ran
            }
            if (op.waiters > 0) {
              op.lock.notifyAll();
            }
          }
        }
      }
      if (next == null) {
        break;
      }
      if (failure != null) {
        next.failure = failure;
      }
      Channel target = next.channel;
      if (target == null || target == here) {
        op = next;
      } else {
        target.enqueue(next);
        op = null;
      }
    }
    return firstError;
  }

  /** The dependent that this operation's completion must start, disarmed; under op's lock. */
  private static @Nullable Operation takeArmedDependent(Operation op) {
    Operation next = op.dependent;
    if (next == null || !next.armed) {
      return null;
    }
    next.armed = false;
    return next;
  }

  private static @Nullable RuntimeException call(
      OpCallback callback, Operation op, @Nullable Channel here) {
    boolean[] flag = IN_CALLBACK.get();
    flag[0] = true;
    try {
      callback.completed(op);
      return null;
    } catch (RuntimeException e) {
      if (here == null) {
        return e;
      }
      Thread t = Thread.currentThread();
      t.getUncaughtExceptionHandler().uncaughtException(t, e);
      return null;
    } finally {
      flag[0] = false;
    }
  }
}
