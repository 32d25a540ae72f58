package io.jraid.stripe;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.jctools.queues.MpmcArrayQueue;

/**
 * The threads that run the lanes. A lane is a unit of ownership, not a thread: whichever handler
 * thread takes it from the run queue owns it until it gives it back, so a lane's stripes are still
 * touched by one thread at a time and need no lock. There are a few lanes per thread: random
 * requests spread unevenly over lanes, and with one lane per thread the thread whose lane got fewer
 * sat idle while the other finished (random 4 KiB writes on 2 cores, one lane per thread: 0.16x of
 * one member with random positions, 0.20x when the positions alternated between the two lanes). A
 * thread that runs out of work now takes whichever lane has some; that won back part of it (see
 * {@link StripeEngine#LANES_PER_THREAD}).
 *
 * <p>A lane is on the run queue at most once ({@link Lane#scheduled}): whoever queues work for it
 * schedules it unless it is scheduled already, and the thread that ran it re-schedules it if work
 * arrived after it stopped looking. When the run queue is empty, a thread lets lanes with parked
 * partial writes pre-read (md's activate_delayed, when raid5d has nothing else to do), then stays
 * on its CPU for {@code idleMicros} (yielding it) before it parks.
 */
final class HandlerThreads {

  /** Queue work taken in one turn of a lane before the thread looks at the other lanes. */
  static final int TURN = 64;

  /**
   * Turns a thread takes from the run queue before it lets delayed stripes go anyway: a lane's
   * parked partial writes must not wait for the whole engine to fall idle while other lanes stay
   * busy (with one lane per thread, the lane's own bypass count covered this).
   */
  static final int TURNS_BEFORE_ACTIVATING = 16;

  private final Lane[] lanes;
  private final MpmcArrayQueue<Lane> runnable;
  private final Thread[] threads;

  /** Per thread: set while it is (about to be) parked, so that only then schedulers unpark it. */
  private final AtomicBoolean[] sleeping;

  private final long idleNanos;

  private volatile boolean stopping;

  HandlerThreads(Lane[] lanes, int threadCount, int idleMicros) {
    this.lanes = lanes;
    this.runnable = new MpmcArrayQueue<>(Math.max(2, lanes.length));
    this.idleNanos = TimeUnit.MICROSECONDS.toNanos(idleMicros);
    this.threads = new Thread[threadCount];
    this.sleeping = new AtomicBoolean[threadCount];
    for (int i = 0; i < threadCount; i++) {
      int index = i;
      sleeping[i] = new AtomicBoolean();
      threads[i] = Thread.ofPlatform().name("jraid-lane-" + i).daemon().unstarted(() -> run(index));
    }
  }

  void start() {
    for (Thread t : threads) {
      t.start();
    }
  }

  /** One of the threads (they are alike: for checks such as a buffer's accessibility). */
  Thread anyThread() {
    return threads[0];
  }

  /** Puts {@code lane} on the run queue unless it is there or running (any thread). */
  void schedule(Lane lane) {
    if (lane.scheduled.get() || !lane.scheduled.compareAndSet(false, true)) {
      return; // queued, or its thread looks at its queues again before it lets go
    }
    if (!runnable.offer(lane)) {
      throw new IllegalStateException("lane run queue overflow"); // a lane is on it at most once
    }
    for (int i = 0; i < threads.length; i++) {
      if (sleeping[i].get()) {
        LockSupport.unpark(threads[i]);
        return;
      }
    }
  }

  void stop() throws InterruptedException {
    stopping = true;
    for (Thread t : threads) {
      LockSupport.unpark(t);
    }
    for (Thread t : threads) {
      t.join(TimeUnit.SECONDS.toMillis(30));
    }
  }

  private void run(int index) {
    boolean idle = false;
    long idleSince = 0;
    int turns = 0;
    while (!stopping) {
      Lane lane = runnable.poll();
      if (lane != null) {
        turn(lane, false);
        idle = false;
        if (++turns >= TURNS_BEFORE_ACTIVATING) {
          turns = 0;
          activateDelayed();
        }
        continue;
      }
      turns = 0;
      if (activateDelayed()) {
        idle = false;
        continue;
      }
      long now = System.nanoTime();
      if (!idle) {
        idle = true;
        idleSince = now;
      }
      if (now - idleSince < idleNanos) {
        giveWayBriefly();
        continue;
      }
      idle = false;
      sleeping[index].set(true);
      // Look once more after announcing the sleep: a scheduler that saw it awake did not unpark.
      if (runnable.isEmpty() && !stopping) {
        LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(retryPending() ? 1 : 50));
      }
      sleeping[index].set(false);
    }
  }

  /** Runs one turn of {@code lane}, owned by this thread from the run queue or a won claim. */
  private void turn(Lane lane, boolean nothingElseToDo) {
    lane.runTurn(nothingElseToDo);
    lane.scheduled.set(false);
    if (lane.hasQueuedWork()) {
      schedule(lane); // it arrived after the turn stopped looking
    }
  }

  /**
   * Nothing is runnable: lanes with partial writes parked on their delayed list (or stripes waiting
   * to resubmit to a full channel) get a turn that lets them go. Returns whether any lane had
   * delayed stripes.
   */
  private boolean activateDelayed() {
    boolean any = false;
    for (Lane lane : lanes) {
      if ((lane.delayedPending || lane.retryPending) && lane.scheduled.compareAndSet(false, true)) {
        boolean delayed = lane.delayedPending;
        turn(lane, true);
        any |= delayed;
      }
    }
    return any;
  }

  private boolean retryPending() {
    for (Lane lane : lanes) {
      if (lane.retryPending) {
        return true;
      }
    }
    return false;
  }

  @SuppressWarnings("ThreadPriorityCheck") // on purpose: stay runnable, let others run first
  private static void giveWayBriefly() {
    Thread.yield();
  }
}
