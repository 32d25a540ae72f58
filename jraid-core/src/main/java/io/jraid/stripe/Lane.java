package io.jraid.stripe;

import static io.jraid.stripe.DevFlags.*;

import io.jraid.stripe.Stripe.Dev;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.jctools.queues.MpscArrayQueue;
import org.jspecify.annotations.Nullable;

/**
 * One handler lane: a share of the stripe cache and the queues that feed it, run by one {@link
 * HandlerThreads handler thread} at a time, which runs {@link StripeHandler#handle} for its
 * stripes. Other threads talk to it only through its queues: incoming request pieces, stripes whose
 * I/O or operations completed, and tasks.
 *
 * <p>Stripes of array stripe number {@code s} belong to lane {@code s % lanes}; a lane's stripes
 * are free (on its inactive list, oldest first, still hashed so their cached blocks can be hit) or
 * in use. A piece that finds no free stripe waits on the lane's waiting list until one is released
 * (md's inactive-blocked wait): nothing is allocated.
 */
final class Lane {

  private static final System.Logger LOG = System.getLogger(Lane.class.getName());

  /** Passes one stripe may get in a row while its completions keep arriving at once. */
  private static final int MAX_PASSES_AT_ONCE = 16;

  final StripeEngine engine;
  final int index;
  final StripeHandler handler;
  private final Stripe[] stripes;
  private final StripeTable table;
  private final MpscArrayQueue<Bio> incoming;
  private final MpscArrayQueue<Stripe> ready;

  /** Rare (audits, statistics): a lock-free queue, so that looking at an empty one costs a read. */
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();

  /** Inactive list: head is the least recently used free stripe. */
  private @Nullable Stripe inactiveHead;

  private @Nullable Stripe inactiveTail;

  /** Stripes on the inactive list: counted by the lane, published for statistics. */
  private int freeCount;

  private volatile int free;

  /** Pieces waiting for a free stripe, in arrival order. */
  private @Nullable Bio waitingHead;

  private @Nullable Bio waitingTail;

  /** Stripes parked until they may pre-read (md's delayed list). */
  private @Nullable Stripe delayedHead;

  private int passesSinceDelayed;

  /** Stripes whose operation chain met a full channel: resubmitted when the lane is idle. */
  private final java.util.ArrayDeque<Stripe> retry;

  private final HandlerThreads threads;

  /**
   * On the run queue or being run: set by whoever schedules it, cleared by the thread that ran it.
   */
  final java.util.concurrent.atomic.AtomicBoolean scheduled =
      new java.util.concurrent.atomic.AtomicBoolean();

  /** The thread running the lane's turn, or null (only that thread ever reads itself here). */
  private volatile @Nullable Thread runner;

  /** Stripes wait on the delayed list: published at the end of each turn for the idle threads. */
  volatile boolean delayedPending;

  /** Stripes wait to resubmit to a full channel: published at the end of each turn. */
  volatile boolean retryPending;

  /**
   * The stripe in {@link #handle(Stripe)} on the thread running the lane: completions that arrive
   * for it on that thread (devices and operations that complete at once) need no trip through the
   * queue.
   */
  private @Nullable Stripe handling;

  /** {@link #handling}'s last pass posted it (completions, or a request for one more pass). */
  private boolean repostedWhileHandling;

  Lane(
      StripeEngine engine,
      int index,
      int stripeCount,
      MemorySegment slab,
      int bioCapacity,
      HandlerThreads threads) {
    this.engine = engine;
    this.index = index;
    this.threads = threads;
    this.handler = new StripeHandler(engine, this);
    this.stripes = new Stripe[stripeCount];
    this.table = new StripeTable(stripeCount);
    this.incoming = new MpscArrayQueue<>(bioCapacity);
    this.ready = new MpscArrayQueue<>(stripeCount + 1);
    this.retry = new java.util.ArrayDeque<>(stripeCount + 1);
    long stripeBytes = (long) engine.disks * StripeEngine.BLOCK;
    for (int i = 0; i < stripeCount; i++) {
      Stripe s =
          new Stripe(
              this,
              slab.asSlice(i * stripeBytes, stripeBytes),
              engine.disks,
              engine.map.syndromeSources());
      stripes[i] = s;
      addInactive(s);
    }
  }

  /**
   * Hands a request piece, or a batch of one stripe's pieces linked by {@code next}, to this lane
   * (any thread).
   */
  void submit(Bio bio) {
    if (!incoming.offer(bio)) {
      throw new IllegalStateException("lane " + index + " piece queue overflow");
    }
    threads.schedule(this);
  }

  /** Queues a stripe for handling (any thread; at most once until the lane takes it). */
  void post(Stripe stripe) {
    if (stripe == handling && Thread.currentThread().equals(runner)) {
      repostedWhileHandling = true; // its own pass asks: handle (below) sees to it
      return;
    }
    if (stripe.queued.compareAndSet(false, true)) {
      ready.offer(stripe);
      threads.schedule(this);
    }
  }

  /** Runs {@code task} as the lane's owner (audits, statistics) and waits for it. */
  void runOnLane(Runnable task) throws InterruptedException {
    java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
    tasks.add(() -> {
      try {
        task.run();
      } finally {
        done.countDown();
      }
    });
    threads.schedule(this);
    if (!done.await(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("lane " + index + " did not answer within 30 s");
    }
  }

  /** Whether pieces, stripes or tasks are queued for the lane (any thread). */
  boolean hasQueuedWork() {
    return !incoming.isEmpty() || !ready.isEmpty() || !tasks.isEmpty();
  }

  /**
   * One turn on the calling handler thread, which owns the lane until it returns: tasks, then
   * request pieces, then stripes ready for a pass, until the queues are empty or {@link
   * HandlerThreads#TURN} items were taken. With {@code nothingElseToDo} (no lane is runnable), the
   * delayed partial writes may pre-read now (md) and stripes that met a full channel try again.
   */
  void runTurn(boolean nothingElseToDo) {
    runner = Thread.currentThread();
    try {
      int taken = 0;
      boolean retried = false;
      while (taken < HandlerThreads.TURN) {
        boolean worked = false;
        Runnable task;
        while ((task = tasks.poll()) != null) {
          task.run();
        }
        Bio bio;
        while ((bio = incoming.poll()) != null) {
          attach(bio);
          worked = true;
          taken++;
        }
        Stripe s;
        while ((s = ready.poll()) != null) {
          s.queued.set(false);
          handle(s);
          worked = true;
          taken++;
          if (delayedHead != null && ++passesSinceDelayed > StripeEngine.BYPASS_THRESHOLD) {
            activateDelayed(); // don't let a stream of full-stripe writes starve partial ones
          }
        }
        if (worked) {
          continue;
        }
        if (nothingElseToDo && delayedHead != null) {
          activateDelayed(); // nothing else to do: partial writes may pre-read now (md)
          continue;
        }
        if (nothingElseToDo && !retried && !retry.isEmpty()) {
          retried = true;
          while (!retry.isEmpty()) {
            post(retry.poll());
          }
          continue;
        }
        break;
      }
    } finally {
      delayedPending = delayedHead != null;
      retryPending = !retry.isEmpty();
      handling = null;
      runner = null;
    }
  }

  private void handle(Stripe s) {
    try {
      // Completions that arrived during the pass (devices and operations that complete at once,
      // on this thread) are taken right away rather than after a trip through the queue.
      int passes = 0;
      handling = s;
      do {
        repostedWhileHandling = false;
        handler.handle(s);
      } while (++passes < MAX_PASSES_AT_ONCE && s.completionsPending());
    } catch (RuntimeException | Error e) {
      // A bug, not an I/O error (those are values): say so loudly, keep the lane alive.
      LOG.log(System.Logger.Level.ERROR, "lane " + index + ": handling " + s + " failed", e);
      return;
    } finally {
      handling = null;
    }
    if (repostedWhileHandling || s.completionsPending()) {
      // The last pass asked for another (not for a completion, which the loop takes), or the
      // passes in a row ran out: the stripe waits its turn in the queue.
      post(s);
      return;
    }
    if (s.idle()) {
      undelay(s);
      release(s);
    }
  }

  // ---- request pieces ----------------------------------------------------------------------

  /** Attaches a piece, or a batch of pieces of one stripe linked by {@code next}. */
  private void attach(Bio batch) {
    Bio bio = batch;
    while (bio != null) {
      Bio next = bio.next;
      bio.next = null;
      if (waitingHead != null && table.get(bio.stripeSector) == null) {
        park(bio); // earlier pieces wait for a free stripe: don't overtake them
      } else {
        attachNow(bio);
      }
      bio = next;
    }
  }

  private void attachNow(Bio bio) {
    Stripe s = table.get(bio.stripeSector);
    if (s == null) {
      s = takeFree();
      if (s == null) {
        park(bio);
        return;
      }
      assign(s, bio.stripeSector);
    } else if (inInactive(s)) {
      removeInactive(s);
    }
    handler.add(s, bio);
    post(s);
  }

  private void park(Bio bio) {
    bio.next = null;
    if (waitingTail == null) {
      waitingHead = bio;
    } else {
      waitingTail.next = bio;
    }
    waitingTail = bio;
  }

  /**
   * Attaches waiting pieces in arrival order until one still finds no stripe: the rest keep waiting
   * behind it, so a later piece never overtakes an earlier one for the same block.
   */
  private void retryWaiting() {
    while (waitingHead != null) {
      Bio bio = waitingHead;
      if (table.get(bio.stripeSector) == null && inactiveHead == null) {
        return;
      }
      waitingHead = bio.next;
      if (waitingHead == null) {
        waitingTail = null;
      }
      bio.next = null;
      attachNow(bio);
    }
  }

  // ---- the stripe cache ----------------------------------------------------------------------

  private @Nullable Stripe takeFree() {
    Stripe s = inactiveHead;
    if (s != null) {
      removeInactive(s);
    }
    return s;
  }

  private void assign(Stripe s, long sector) {
    if (s.sector >= 0) {
      table.remove(s.sector);
    }
    s.sector = sector;
    long row = sector / engine.geometry.chunkSectors();
    s.pdIdx = engine.map.pdIdx(row);
    s.qdIdx = engine.map.qdIdx(row);
    s.reconstruct = ReconstructState.IDLE;
    s.check = CheckState.IDLE;
    s.sync = null;
    s.prereadActive = false;
    for (Dev d : s.devs) {
      d.flags = 0;
      d.page = d.own;
    }
    table.put(sector, s);
  }

  private void release(Stripe s) {
    if (!inInactive(s)) {
      addInactive(s);
    }
    if (waitingHead != null) {
      retryWaiting();
    }
  }

  private boolean inInactive(Stripe s) {
    return s.prev != null || inactiveHead == s;
  }

  private void addInactive(Stripe s) {
    free = ++freeCount;
    s.prev = inactiveTail;
    s.next = null;
    if (inactiveTail == null) {
      inactiveHead = s;
    } else {
      inactiveTail.next = s;
    }
    inactiveTail = s;
  }

  private void removeInactive(Stripe s) {
    free = --freeCount;
    if (s.prev == null) {
      inactiveHead = s.next;
    } else {
      s.prev.next = s.next;
    }
    if (s.next == null) {
      inactiveTail = s.prev;
    } else {
      s.next.prev = s.prev;
    }
    s.prev = null;
    s.next = null;
  }

  // ---- delayed (pre-read) list ---------------------------------------------------------------

  /** {@code s} could not submit its operations (full channel): try again shortly. */
  void retryLater(Stripe s) {
    if (!retry.contains(s)) {
      retry.add(s);
    }
  }

  /** Parks {@code s} until the lane is idle or enough other work has passed. */
  void delay(Stripe s) {
    if (!s.delayed) {
      s.delayed = true;
      s.delayPrev = null;
      s.delayNext = delayedHead;
      if (delayedHead != null) {
        delayedHead.delayPrev = s;
      }
      delayedHead = s;
    }
  }

  /** Takes {@code s} off the delayed list (it started its write, or has nothing left to do). */
  void undelay(Stripe s) {
    if (!s.delayed) {
      return;
    }
    s.delayed = false;
    if (s.delayPrev == null) {
      delayedHead = s.delayNext;
    } else {
      s.delayPrev.delayNext = s.delayNext;
    }
    if (s.delayNext != null) {
      s.delayNext.delayPrev = s.delayPrev;
    }
    s.delayPrev = null;
    s.delayNext = null;
  }

  /** md's activate_delayed: every parked stripe may now pre-read. */
  private void activateDelayed() {
    Stripe s = delayedHead;
    delayedHead = null;
    passesSinceDelayed = 0;
    while (s != null) {
      Stripe next = s.delayNext;
      s.delayNext = null;
      s.delayPrev = null;
      s.delayed = false;
      s.prereadActive = true;
      post(s);
      s = next;
    }
  }

  int stripeCount() {
    return stripes.length;
  }

  /** Stripes of this lane in use (not free). */
  int stripesInUse() {
    return stripes.length - free;
  }

  // ---- audit ---------------------------------------------------------------------------------

  /** What is wrong with this lane's cache when no request is in flight (empty when all is well). */
  String audit() {
    StringBuilder problems = new StringBuilder();
    int free = 0;
    for (Stripe s = inactiveHead; s != null; s = s.next) {
      free++;
    }
    if (free != stripes.length) {
      problems
          .append("lane ")
          .append(index)
          .append(": ")
          .append(stripes.length - free)
          .append(" stripes not back on the inactive list; ");
    }
    for (Stripe s : stripes) {
      if (!s.idle()) {
        problems.append(s).append(" is busy; ");
      }
      for (Dev d : s.devs) {
        if (d.has(LOCKED)) {
          problems.append(s).append(" block ").append(d.index).append(" is locked; ");
        }
        if (d.has(SKIP_COPY)) {
          problems
              .append(s)
              .append(" block ")
              .append(d.index)
              .append(" still uses a caller page; ");
        }
      }
    }
    if (waitingHead != null || delayedHead != null) {
      problems.append("lane ").append(index).append(": pieces or stripes still waiting; ");
    }
    return problems.toString();
  }
}
