package io.jraid.ops;

import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * A worker channel (async_tx's {@code dma_chan} of a device with a capability mask): one platform
 * thread that runs the operations of its queue in order, with the parity kernels.
 *
 * <h2>Queue</h2>
 *
 * A preallocated ring of references, many producers (submitters, and other channels handing over a
 * chain across a channel switch), one consumer (the worker). Admission control is separate from the
 * ring: {@link #tryReserve} takes one of {@code capacity} slots when an operation is accepted for
 * this channel — whether it is queued at once or waits for its dependency — and the slot is given
 * back once the operation has run, just before it is marked complete. So the ring never holds more
 * than {@code capacity} entries, a producer never finds it full, and an operation handed over by a
 * completion always has room. An operation started by its dependency's completion on this same
 * channel is run at once by the worker and never enters the ring.
 *
 * <h2>Idling</h2>
 *
 * With nothing to do the worker spins briefly, then parks; a producer unparks it when it has
 * announced that it parks ({@code parked} and the ring slot are both volatile, so either the worker
 * sees the entry or the producer sees the flag).
 *
 * <h2>Closing</h2>
 *
 * {@link #close} lets the worker run until no accepted operation is left (the reservation count is
 * zero), then the count is set to -1 so that late submitters are refused, and the thread ends.
 */
final class Channel implements Runnable {

  /** Empty polls before parking: ~25 µs of spinning, less than a park/unpark round trip. */
  private static final int SPINS = 500;

  /** How long a closing worker parks between checks for the last completions. */
  private static final long CLOSING_PARK_NANOS = 100_000;

  final AsyncOps owner;
  final int index;
  final int capacity;
  private final EnumSet<OpKind> capabilities;
  private final AtomicReferenceArray<@Nullable Operation> ring;
  private final int mask;
  private final AtomicLong tail = new AtomicLong();
  private final AtomicInteger reserved = new AtomicInteger();
  private final Thread thread;

  /** The next ring position to take; the worker's own. */
  private long head;

  private volatile boolean parked;
  private volatile boolean closing;

  Channel(AsyncOps owner, int index, Set<OpKind> capabilities, int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("queueCapacity=" + capacity + " (must be at least 1)");
    }
    this.owner = owner;
    this.index = index;
    this.capacity = capacity;
    this.capabilities = EnumSet.noneOf(OpKind.class);
    this.capabilities.addAll(capabilities);
    int size = Integer.highestOneBit(Math.max(1, capacity - 1)) << 1;
    this.ring = new AtomicReferenceArray<>(size);
    this.mask = size - 1;
    this.thread = Thread.ofPlatform().name("jraid-ops-" + index).daemon().unstarted(this);
  }

  void start() {
    thread.start();
  }

  Thread thread() {
    return thread;
  }

  /** Whether this channel runs operations of that kind. */
  boolean can(OpKind kind) {
    return capabilities.contains(kind);
  }

  /**
   * Takes a queue slot for an accepted operation.
   *
   * @return false when all {@code capacity} slots are taken
   * @throws IllegalStateException when the channel has closed
   */
  boolean tryReserve() {
    while (true) {
      int r = reserved.get();
      if (r < 0) {
        throw new IllegalStateException("channel " + index + " is closed");
      }
      if (r >= capacity) {
        return false;
      }
      if (reserved.compareAndSet(r, r + 1)) {
        return true;
      }
    }
  }

  /** Gives back the slot of a completed operation. */
  void release() {
    reserved.decrementAndGet();
  }

  /** Queues an operation that holds a slot and whose dependency (if any) has completed. */
  void enqueue(Operation op) {
    long t = tail.getAndIncrement();
    ring.set((int) (t & mask), op);
    if (parked) {
      LockSupport.unpark(thread);
    }
  }

  private @Nullable Operation poll() {
    int i = (int) (head & mask);
    Operation op = ring.get(i);
    if (op != null) {
      ring.set(i, null);
      head++;
    }
    return op;
  }

  @Override
  public void run() {
    int idle = 0;
    while (true) {
      Operation op = poll();
      if (op != null) {
        idle = 0;
        Completion.runChain(op, this);
        continue;
      }
      if (closing && reserved.compareAndSet(0, -1)) {
        return;
      }
      if (++idle <= SPINS) {
        Thread.onSpinWait();
        continue;
      }
      parked = true;
      if (ring.get((int) (head & mask)) == null) {
        if (closing) {
          LockSupport.parkNanos(this, CLOSING_PARK_NANOS);
        } else {
          LockSupport.park(this);
        }
      }
      parked = false;
    }
  }

  /** Runs what was accepted, then ends the thread; returns when it has ended. */
  void close() {
    closing = true;
    LockSupport.unpark(thread);
    boolean interrupted = false;
    while (true) {
      try {
        thread.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "channel " + index;
  }
}
