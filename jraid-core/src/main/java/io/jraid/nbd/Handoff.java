package io.jraid.nbd;

import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;
import org.jctools.queues.MpscArrayQueue;
import org.jspecify.annotations.Nullable;

/**
 * A bounded queue from any number of threads to one consumer thread that parks while it is empty:
 * no lock and no allocation per item (unlike {@code ArrayBlockingQueue}, whose waits allocate
 * condition nodes). Producers never block: the capacity is the number of items that exist, so an
 * offer always finds room.
 *
 * <p>Wake-ups: the consumer publishes itself in {@link #waiter} and polls once more before parking;
 * a producer publishes its item and then reads {@link #waiter}. Full fences on both sides make sure
 * at least one of them sees the other (a Dekker pattern), so no wake-up is lost; spurious ones just
 * loop.
 */
final class Handoff<T> {

  private final MpscArrayQueue<T> queue;
  private volatile @Nullable Thread waiter;
  private volatile boolean stopped;

  /** A handoff for at most {@code capacity} items at a time. */
  Handoff(int capacity) {
    this.queue = new MpscArrayQueue<>(Math.max(2, capacity)); // JCTools' smallest sound size
  }

  /**
   * Hands over an item.
   *
   * @throws IllegalStateException if more items are offered than the capacity given (a bug)
   */
  void offer(T item) {
    if (!queue.offer(item)) {
      throw new IllegalStateException("handoff over capacity " + queue.capacity());
    }
    VarHandle.fullFence();
    Thread w = waiter;
    if (w != null) {
      LockSupport.unpark(w);
    }
  }

  /** An item if one is waiting, else null (consumer thread only). */
  @Nullable T poll() {
    return queue.relaxedPoll();
  }

  /**
   * Waits for an item (consumer thread only).
   *
   * @return the item, or null once {@link #stop()} was called and no item is left
   */
  @Nullable T take() {
    T item = queue.relaxedPoll();
    while (item == null) {
      waiter = Thread.currentThread();
      VarHandle.fullFence();
      item = queue.poll();
      if (item == null) {
        if (stopped) {
          waiter = null;
          return queue.poll();
        }
        LockSupport.park(this);
        item = queue.poll();
      }
      waiter = null;
    }
    return item;
  }

  /** Items waiting now. */
  int size() {
    return queue.size();
  }

  /** Makes {@link #take()} return null once the queue is empty. */
  void stop() {
    stopped = true;
    VarHandle.fullFence();
    Thread w = waiter;
    if (w != null) {
      LockSupport.unpark(w);
    }
  }
}
