package io.jraid.array;

import io.jraid.device.IoCompletion;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * md's safe mode: the array is recorded dirty on every member before the first write after a quiet
 * period reaches any member, and clean again once writes have stopped for {@link #DEFAULT_DELAY_MS}
 * (md's {@code safe_mode_delay}, 200 ms). A crash therefore leaves the superblocks dirty exactly
 * when a write might have been half done, and assembly knows to resync.
 *
 * <p>Writes pass straight through while the array is dirty (one volatile read); only the first
 * write after a clean period waits, queued, until the dirty superblocks are on disk. The recorder
 * runs on this class's own thread, never on an I/O completion.
 */
final class SafeMode implements AutoCloseable {

  /** md's {@code safe_mode_delay}. */
  static final long DEFAULT_DELAY_MS = 200;

  /** Writes the array's state to every working member (and flushes). */
  interface Recorder {
    /**
     * Records the array dirty ({@code clean == false}) or clean with the given resync checkpoint.
     */
    void record(boolean clean) throws IOException;
  }

  /** Where the writes go once they may. */
  interface Sink {
    void write(MemorySegment src, long offset, boolean fua, IoCompletion done);

    /** Writes submitted so far (a counter that only grows). */
    long writesSubmitted();

    /** Writes not yet completed. */
    long writesInFlight();
  }

  private enum State {
    CLEAN,
    MARKING_DIRTY,
    DIRTY,
    MARKING_CLEAN
  }

  private record Queued(MemorySegment src, long offset, boolean fua, IoCompletion done) {}

  private final String name;
  private final Recorder recorder;
  private final Sink sink;
  private final long delayMs;
  private final ScheduledExecutorService thread;
  private final ArrayDeque<Queued> queued = new ArrayDeque<>();
  private final java.util.concurrent.ScheduledFuture<?> timer;

  private volatile State state;
  private long writesSeen = -1;
  private final java.util.concurrent.atomic.AtomicLong entering =
      new java.util.concurrent.atomic.AtomicLong();
  private @Nullable IOException failure;

  /** Why the last clean record failed (on this class's thread only), null after one worked. */
  private @Nullable String cleanFailure;

  SafeMode(String name, Recorder recorder, Sink sink, boolean startsClean, long delayMs) {
    this.name = name;
    this.recorder = recorder;
    this.sink = sink;
    this.delayMs = delayMs;
    this.state = startsClean ? State.CLEAN : State.DIRTY;
    this.thread =
        Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().name("jraid-safe-mode-" + name).daemon().unstarted(r));
    long period = Math.max(10, delayMs / 4);
    this.timer =
        thread.scheduleWithFixedDelay(
            () -> {
              try {
                maybeClean();
              } catch (RuntimeException e) {
                // An exception would end the schedule silently; staying dirty is safe, say why.
                System.getLogger(SafeMode.class.getName())
                    .log(System.Logger.Level.ERROR, name + ": safe-mode timer failed", e);
              }
            },
            period,
            period,
            TimeUnit.MILLISECONDS);
  }

  /** Whether the superblocks say clean right now. */
  boolean clean() {
    return state == State.CLEAN;
  }

  void write(MemorySegment src, long offset, boolean fua, IoCompletion done) {
    // Announce the write before looking at the state: the timer, having set MARKING_CLEAN, waits
    // for announced writes to reach the sink (and then stays dirty) — so no write slips past a
    // clean record.
    entering.incrementAndGet();
    try {
      if (state == State.DIRTY) {
        sink.write(src, offset, fua, done);
        return;
      }
    } finally {
      entering.decrementAndGet();
    }
    IOException error;
    synchronized (this) {
      switch (state) {
        case DIRTY -> {
          error = null;
        }
        case CLEAN -> {
          state = State.MARKING_DIRTY;
          queued.add(new Queued(src, offset, fua, done));
          thread.execute(this::markDirty);
          return;
        }
        default -> {
          if (failure != null) {
            error = failure;
          } else {
            queued.add(new Queued(src, offset, fua, done));
            return;
          }
        }
      }
    }
    if (error != null) {
      done.completed(error);
    } else {
      sink.write(src, offset, fua, done);
    }
  }

  private void markDirty() {
    IOException error = null;
    try {
      recorder.record(false);
    } catch (IOException e) {
      error =
          new IOException(
              name + ": cannot mark the array dirty before writing: " + e.getMessage(), e);
    }
    release(error == null ? State.DIRTY : State.CLEAN, error);
  }

  /** Leaves a transition: the queued writes go (or fail) in arrival order. */
  private void release(State next, @Nullable IOException error) {
    ArrayDeque<Queued> go;
    synchronized (this) {
      state = next;
      failure = null;
      go = new ArrayDeque<>(queued);
      queued.clear();
      if (next == State.CLEAN && error == null && !go.isEmpty()) {
        // Writes arrived while the clean state was being recorded: dirty again first.
        state = State.MARKING_DIRTY;
        queued.addAll(go);
        thread.execute(this::markDirty);
        return;
      }
    }
    for (Queued q : go) {
      if (error != null) {
        q.done().completed(error);
      } else {
        sink.write(q.src(), q.offset(), q.fua(), q.done());
      }
    }
  }

  /** Runs on the timer: dirty, and no write for a whole period → record clean. */
  private void maybeClean() {
    if (state != State.DIRTY) {
      return;
    }
    long seen = sink.writesSubmitted();
    if (seen != writesSeen || sink.writesInFlight() > 0) {
      writesSeen = seen;
      return;
    }
    synchronized (this) {
      if (state != State.DIRTY || sink.writesSubmitted() != seen) {
        return;
      }
      state = State.MARKING_CLEAN;
    }
    while (entering.get() > 0) {
      Thread.onSpinWait(); // a writer between its announcement and the sink: a few instructions
    }
    if (sink.writesSubmitted() != seen) {
      release(State.DIRTY, null); // one slipped in: still dirty
      return;
    }
    recordClean();
  }

  private void recordClean() {
    try {
      recorder.record(true);
      cleanFailure = null;
      release(State.CLEAN, null);
    } catch (IOException e) {
      // Staying dirty is always safe: the next assembly resyncs. Retried every quiet period: the
      // same reason again (a failed array left open) is said once, not every few milliseconds.
      String why = String.valueOf(e.getMessage());
      System.getLogger(SafeMode.class.getName())
          .log(
              why.equals(cleanFailure) ? System.Logger.Level.DEBUG : System.Logger.Level.WARNING,
              "{0}: cannot mark the array clean: {1}",
              name,
              why);
      cleanFailure = why;
      release(State.DIRTY, null);
    }
  }

  /**
   * Records the clean state again if the array is clean (a new resync checkpoint to save); does
   * nothing while dirty, since the next clean record saves it.
   */
  void refreshClean() {
    synchronized (this) {
      if (state != State.CLEAN) {
        return;
      }
      // At once, not on the thread: until the new checkpoint is written the superblocks do not
      // say what {@link #clean()} would claim.
      state = State.MARKING_CLEAN;
    }
    thread.execute(this::recordClean);
  }

  /**
   * Stops the timer; with writes drained by the caller, records the array clean (the stop of a
   * clean shutdown).
   */
  void closeClean() throws IOException {
    timer.cancel(false);
    thread.shutdownNow();
    try {
      thread.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // Always: the checkpoint may have moved since the last clean record (md writes the
    // superblocks at every stop).
    recorder.record(true);
    state = State.CLEAN;
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }

  long delayMs() {
    return delayMs;
  }
}
