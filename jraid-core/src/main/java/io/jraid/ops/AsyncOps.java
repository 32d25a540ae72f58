package io.jraid.ops;

import static java.util.Objects.requireNonNull;

import io.jraid.parity.ParityKernels;
import io.jraid.parity.ParitySelection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Runs {@link Operation}s the way Linux's async_tx does (crypto/async_tx/async_tx.c): on a worker
 * channel that has the capability, else synchronously in the submitter; chained by dependency.
 *
 * <h2>Submission</h2>
 *
 * {@link #submit} never blocks (one exception below) and answers {@link SubmitStatus#RETRY} when
 * the chosen channel's queue is full, having changed nothing. For an operation with a dependency D:
 *
 * <ul>
 *   <li>D complete and its callback returned (or no D): the operation starts now — queued on its
 *       channel, or run inline;
 *   <li>D submitted, not yet through its callback: it is chained and starts when D has completed
 *       and called back. On D's channel it runs right after D on D's worker; on another channel D's
 *       completion queues it there (the channel switch, for which a slot is reserved now);
 *   <li>D not submitted yet (or itself waiting for an unsubmitted operation): it is linked to D and
 *       submitted together with D's chain when the chain's first operation is submitted (async_tx's
 *       {@code parent}/{@code next}; the slots are taken then, all or nothing).
 * </ul>
 *
 * D may have only one dependent: a second is refused with {@link IllegalStateException}.
 *
 * <h2>Channels and the inline path</h2>
 *
 * An operation goes to its dependency's channel when that channel has the capability (keeping a
 * chain on one worker), else to the next capable channel in round-robin order; when no channel has
 * the capability (always, for {@link #inline}), it runs inline: {@link #submit} runs it and calls
 * its callback before returning. The exception: an inline operation whose dependency is running or
 * queued elsewhere makes {@link #submit} wait for that dependency first ({@code async_tx_quiesce}).
 * On the inline path a kernel failure (or a callback's exception) is rethrown by {@link #submit},
 * after the operation completed and its callback ran.
 *
 * <h2>Callbacks</h2>
 *
 * A callback runs on the completing thread and must be short; it must never submit, await or close
 * — those throw {@link IllegalStateException} when called from a callback.
 *
 * <h2>Locks</h2>
 *
 * Each operation's state and dependent link change under that operation's lock. Linking to an
 * unsubmitted operation and submitting a chain whose tail was linked earlier also hold one global
 * lock ({@code CHAIN}), so that a chain does not grow while it is being submitted; taken before any
 * operation's lock, never inside one. Nothing is allocated per submission.
 */
public final class AsyncOps implements AutoCloseable {

  /** Serializes linking to unsubmitted operations with the submission of linked chains. */
  private static final Object CHAIN = new Object();

  final ParityKernels kernels;
  private final Channel[] channels;
  private final AtomicInteger nextChannel = new AtomicInteger();
  private volatile boolean closed;

  private AsyncOps(ParityKernels kernels, int queueCapacity, List<Set<OpKind>> capabilities) {
    this.kernels = requireNonNull(kernels, "kernels");
    if (queueCapacity > 1 << 30) {
      throw new IllegalArgumentException("queueCapacity=" + queueCapacity + " (at most 2^30)");
    }
    channels = new Channel[capabilities.size()];
    for (int i = 0; i < channels.length; i++) {
      channels[i] = new Channel(this, i, capabilities.get(i), queueCapacity);
    }
  }

  /** {@link #inline(ParityKernels)} on the kernels {@link ParitySelection} chose for this JVM. */
  public static AsyncOps inline() {
    return inline(ParitySelection.selected());
  }

  /** No channel: every operation runs synchronously in its submitter (async_tx's software path). */
  public static AsyncOps inline(ParityKernels kernels) {
    return new AsyncOps(kernels, 1, List.of());
  }

  /** {@link #withWorkers(ParityKernels, int, int)} on the kernels chosen for this JVM. */
  public static AsyncOps withWorkers(int channels, int queueCapacity) {
    return withWorkers(ParitySelection.selected(), channels, queueCapacity);
  }

  /**
   * {@code channels} worker channels that can each run every {@link OpKind}.
   *
   * @param queueCapacity operations each channel accepts before {@link #submit} answers RETRY
   */
  public static AsyncOps withWorkers(ParityKernels kernels, int channels, int queueCapacity) {
    if (channels < 1) {
      throw new IllegalArgumentException("channels=" + channels + " (must be at least 1)");
    }
    return withChannels(
        kernels, queueCapacity, Collections.nCopies(channels, EnumSet.allOf(OpKind.class)));
  }

  /**
   * One worker channel per entry, each running only the kinds listed (a device's capability mask);
   * an operation of a kind no channel has runs inline.
   */
  public static AsyncOps withChannels(
      ParityKernels kernels, int queueCapacity, List<? extends Set<OpKind>> capabilities) {
    List<Set<OpKind>> caps = List.copyOf(capabilities);
    AsyncOps ops = new AsyncOps(kernels, queueCapacity, caps);
    for (Channel c : ops.channels) {
      c.start();
    }
    return ops;
  }

  /** The number of worker channels (0 for the inline path). */
  public int channelCount() {
    return channels.length;
  }

  /**
   * Submits an operation built since its last use (see the class comment).
   *
   * @return RETRY, having changed nothing, when the chosen channel's queue is full
   * @throws IllegalStateException if called from a callback, after {@link #close}, for an operation
   *     that is unbuilt or already submitted, for a second dependent of one operation, for a cycle
   * @throws RuntimeException on the inline path, the kernel's failure, once the operation completed
   */
  public SubmitStatus submit(Operation op) {
    Completion.refuseInCallback("submit", op);
    if (closed) {
      throw new IllegalStateException("AsyncOps is closed: cannot submit " + op);
    }
    OpKind kind = op.kind();
    requireIdle(op);
    Operation d = op.dependency;
    if (d != null && Chains.claim(d, op)) {
      synchronized (CHAIN) {
        if (Chains.unsubmitted(d)) {
          Chains.link(this, op, d);
          return SubmitStatus.ACCEPTED;
        }
      }
    }
    boolean full;
    try {
      full = !activate(op, chooseChannel(kind, d == null ? null : d.channel));
    } catch (RuntimeException e) {
      Chains.unclaim(d, op);
      throw e;
    }
    if (full) {
      Chains.unclaim(d, op);
      return SubmitStatus.RETRY;
    }
    return start(op, d);
  }

  /**
   * Activates {@code op} for channel {@code ch} (null: inline), with the operations linked behind
   * it if any.
   *
   * @return false, having changed nothing, when a queue is full
   */
  private boolean activate(Operation op, @Nullable Channel ch) {
    synchronized (op.lock) {
      requireIdle(op);
      if (op.dependent == null) {
        if (ch != null && !ch.tryReserve()) {
          return false;
        }
        op.activate(this, ch);
        return true;
      }
    }
    synchronized (CHAIN) {
      return Chains.activate(this, op, ch);
    }
  }

  /** Starts an activated operation: now, when its dependency completes, or after waiting for it. */
  private SubmitStatus start(Operation op, @Nullable Operation d) {
    if (d != null) {
      boolean ready;
      boolean quiesce = false;
      synchronized (d.lock) {
        ready = d.state == OpState.COMPLETE && d.settled;
        if (!ready) {
          if (op.channel == null) {
            quiesce = true;
          } else {
            op.armed = true;
          }
        }
      }
      if (!ready && !quiesce) {
        return SubmitStatus.ACCEPTED;
      }
      if (quiesce) {
        awaitSettled(d);
      }
      op.failure = d.failure;
    }
    Channel c = op.channel;
    if (c != null) {
      c.enqueue(op);
      return SubmitStatus.ACCEPTED;
    }
    RuntimeException e = Completion.runChain(op, null);
    if (e != null) {
      throw e;
    }
    return SubmitStatus.ACCEPTED;
  }

  /**
   * Picks the channel for an operation of that kind: its predecessor's when capable, else the next
   * capable one in round-robin order, else null (inline).
   */
  @Nullable Channel chooseChannel(OpKind kind, @Nullable Channel predecessor) {
    int n = channels.length;
    if (n == 0) {
      return null;
    }
    if (predecessor != null && predecessor.owner == this && predecessor.can(kind)) {
      return predecessor;
    }
    int start = Math.floorMod(nextChannel.getAndIncrement(), n);
    for (int i = 0; i < n; i++) {
      Channel c = channels[(start + i) % n];
      if (c.can(kind)) {
        return c;
      }
    }
    return null;
  }

  /**
   * Waits until {@code op} has completed — also when it is linked in a chain whose first operation
   * has not been submitted yet (another thread must submit it), as Linux's {@code
   * dma_wait_for_async_tx} waits for a descriptor whose parent is still unsubmitted. It returns
   * once the operation is complete: on a worker, its callback may still be running.
   *
   * @throws IllegalStateException if called from a callback
   */
  public void await(Operation op) throws InterruptedException {
    Completion.refuseInCallback("await", op);
    synchronized (op.lock) {
      op.waiters++;
      try {
        while (op.state != OpState.COMPLETE) {
          op.lock.wait();
        }
      } finally {
        op.waiters--;
      }
    }
  }

  /**
   * Like {@link #await(Operation)}, giving up after the timeout.
   *
   * @return whether {@code op} completed in time
   */
  public boolean await(Operation op, long timeout, TimeUnit unit) throws InterruptedException {
    Completion.refuseInCallback("await", op);
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    synchronized (op.lock) {
      op.waiters++;
      try {
        while (op.state != OpState.COMPLETE) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            return false;
          }
          TimeUnit.NANOSECONDS.timedWait(op.lock, left);
        }
        return true;
      } finally {
        op.waiters--;
      }
    }
  }

  /** Waits, uninterruptibly, until {@code d} is complete and its callback returned. */
  private static void awaitSettled(Operation d) {
    boolean interrupted = false;
    synchronized (d.lock) {
      d.waiters++;
      try {
        while (d.state != OpState.COMPLETE || !d.settled) {
          try {
            d.lock.wait();
          } catch (InterruptedException e) {
            interrupted = true;
          }
        }
      } finally {
        d.waiters--;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Refuses further submissions, runs every accepted operation whose chain has started, and stops
   * the worker threads. Operations linked behind a never-submitted operation are not run.
   */
  @Override
  public void close() {
    if (Completion.inCallback()) {
      throw new IllegalStateException("cannot close AsyncOps from an operation callback");
    }
    closed = true;
    for (Channel c : channels) {
      c.close();
    }
  }

  /** The worker thread of a channel, for tests. */
  Thread channelThread(int index) {
    return channels[index].thread();
  }

  private static void requireIdle(Operation op) {
    if (op.state != OpState.IDLE) {
      throw new IllegalStateException(
          op + " was already submitted: call a builder before submitting it again");
    }
  }

  @Override
  public String toString() {
    return "AsyncOps(" + kernels.name() + ", " + channels.length + " channels)";
  }
}
