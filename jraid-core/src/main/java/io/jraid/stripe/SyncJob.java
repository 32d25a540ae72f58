package io.jraid.stripe;

import io.jraid.device.BlockDevice;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A sync pass over the array (md's sync thread calling {@code sync_request}): walks the member
 * sectors from a start point to the end, asking each stripe to be read and its parity validated
 * (and repaired, for resync and repair). A bounded window of stripes is in flight at once, so user
 * I/O keeps most of the stripe cache; a speed limit (KiB/s per member, like md's {@code
 * speed_limit_max}) paces it.
 *
 * <p>Progress is the contiguous prefix of finished stripes: everything below {@link #position()}
 * has been synced, which is what a checkpoint ({@code resync_offset}) may record.
 */
public final class SyncJob {

  /**
   * Which member sectors a pass visits (a write-intent bitmap's dirty chunks, say); the pass skips
   * the rest and counts them as done.
   */
  @FunctionalInterface
  public interface Regions {

    /**
     * The first member sector at or after {@code sector} that the pass must visit; anything at or
     * beyond the end of the pass means none.
     */
    long next(long sector);

    /** Every sector. */
    static Regions all() {
      return sector -> sector;
    }
  }

  /**
   * Stripes in flight at once: 256 KiB per member, a quarter of the default cache (64 measured
   * faster than 32 on memory members, and no faster at 128, where user writes lost more).
   */
  static final int WINDOW = 64;

  private final StripeEngine engine;
  private final SyncAction action;
  private final long start;
  private final long end;
  private final Regions regions;

  /** For a recovery: the slots it rebuilds. */
  private final boolean[] targets;

  /** Per target slot, the device this pass rebuilds (its progress counts for that device only). */
  private final @org.jspecify.annotations.Nullable BlockDevice[] targetDevices;

  private volatile @org.jspecify.annotations.Nullable String abortReason;
  private final Consumer<SyncJob> onFinish;

  /** Window places free; the pass thread waits for {@link #REFILL} of them at once. */
  private final java.util.concurrent.atomic.AtomicInteger free =
      new java.util.concurrent.atomic.AtomicInteger(WINDOW);

  /**
   * The pass sends stripes in groups of this many, waking only when as many places are free: on a
   * machine with few cores, waking it for every finished stripe costs more than the stripe.
   */
  static final int REFILL = WINDOW / 4;

  private volatile boolean waitingForRoom;
  private final ArrayIo io;
  private final CountDownLatch finished = new CountDownLatch(1);
  private final AtomicLong mismatchSectors = new AtomicLong();
  private final AtomicLong stripesDone = new AtomicLong();
  private final java.util.concurrent.atomic.AtomicInteger inFlight =
      new java.util.concurrent.atomic.AtomicInteger();
  private final long startedNanos = System.nanoTime();
  private final Thread thread;

  /** Done flags of the stripes from {@link #position} on, by stripe number modulo the ring. */
  private final boolean[] doneRing = new boolean[WINDOW * 2];

  private volatile long position;
  private volatile long speedLimitKiBps;
  private volatile long speedMinKiBps;
  private volatile boolean cancelled;
  private volatile long finishedNanos;

  /** No stripe of the pass is in flight any more and it will send no more. */
  private volatile boolean ended;

  SyncJob(
      StripeEngine engine,
      SyncAction action,
      long start,
      long end,
      long speedLimitKiBps,
      Regions regions,
      boolean[] targets,
      Consumer<SyncJob> onFinish) {
    this.engine = engine;
    this.targets = targets.clone();
    this.targetDevices = engine.recoveryDevices(targets);
    this.regions = regions;
    this.action = action;
    this.start = start;
    this.end = end;
    this.position = start;
    this.speedLimitKiBps = speedLimitKiBps;
    this.speedMinKiBps = speedLimitKiBps; // one limit unless told otherwise
    this.onFinish = onFinish;
    this.io = new ArrayIo(engine);
    this.io.kind = ArrayIo.Kind.SYNC;
    this.thread =
        Thread.ofPlatform().name("jraid-" + action.mdName()).daemon().unstarted(this::run);
  }

  void start() {
    thread.start();
  }

  /** What the pass does. */
  public SyncAction action() {
    return action;
  }

  /** First member sector of the pass. */
  public long startSector() {
    return start;
  }

  /** Member sectors in all (the end of the pass). */
  public long endSector() {
    return end;
  }

  /** Member sectors below which every stripe is done (a valid checkpoint). */
  public long position() {
    return position;
  }

  /** Sectors of stripes whose parity did not match (md's {@code mismatch_cnt}: 8 per stripe). */
  public long mismatchSectors() {
    return mismatchSectors.get();
  }

  /** Whether the pass reached the end (false while running or when cancelled). */
  public boolean completed() {
    return ended && !cancelled && position >= end;
  }

  /** Whether the pass has stopped, at the end or cancelled. */
  public boolean finished() {
    return ended;
  }

  /** Whether {@link #cancel()} stopped it. */
  public boolean cancelled() {
    return cancelled;
  }

  /** Current speed in KiB per second per member, averaged since the start. */
  public long speedKiBps() {
    long nanos = (finishedNanos != 0 ? finishedNanos : System.nanoTime()) - startedNanos;
    long kib = stripesDone.get() * (StripeEngine.BLOCK / 1024);
    return nanos <= 0 ? 0 : (long) (kib * 1e9 / nanos);
  }

  /** Estimated seconds to the end at the current speed, or -1 when unknown. */
  public long etaSeconds() {
    long speed = speedKiBps();
    return speed <= 0 ? -1 : (end - position) / 2 / speed;
  }

  /** The speed limit, KiB per second per member. */
  public long speedLimitKiBps() {
    return speedLimitKiBps;
  }

  /** Changes the speed limit (md's {@code sync_speed_max}). */
  public void speedLimitKiBps(long kibps) {
    if (kibps <= 0) {
      throw new IllegalArgumentException("speed limit " + kibps + " KiB/s: must be positive");
    }
    this.speedLimitKiBps = kibps;
    if (speedMinKiBps > kibps) {
      speedMinKiBps = kibps;
    }
  }

  /** Stops the pass after the stripes in flight; {@link #position()} stays a valid checkpoint. */
  public void cancel() {
    cancelled = true;
  }

  /** Waits for the pass to stop; true if it did within the timeout. */
  public boolean await(long timeout, TimeUnit unit) throws InterruptedException {
    return finished.await(timeout, unit);
  }

  private void run() {
    try {
      long sector = start;
      while (sector < end && !cancelled) {
        long wanted = Math.min(end, Math.max(sector, regions.next(sector) & ~7L));
        if (wanted > sector) {
          skipTo(wanted);
          sector = wanted;
          continue;
        }
        if (!takePlace()) {
          continue; // look at cancellation again (an aborted pass may never free the window)
        }
        pace();
        inFlight.incrementAndGet();
        engine.submitSync(io, sector);
        sector += StripeEngine.BLOCK / 512;
      }
      while (inFlight.get() > 0) { // the last stripes
        Thread.sleep(1);
      }
    } catch (InterruptedException e) {
      cancelled = true;
    } finally {
      finishedNanos = System.nanoTime();
      ended = true; // before onFinish: it sees a finished pass, and may start the next
      try {
        onFinish.accept(this);
      } finally {
        finished.countDown();
      }
    }
  }

  /**
   * Takes one place in the window; when none is free, waits (up to 10 ms) until a group of {@link
   * #REFILL} is.
   */
  private boolean takePlace() throws InterruptedException {
    int now = free.get();
    if (now == 0) {
      waitingForRoom = true;
      if (free.get() < REFILL) { // seen after the flag is up: a release now will wake us
        java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L);
      }
      waitingForRoom = false;
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
      now = free.get();
      if (now == 0) {
        return false;
      }
    }
    free.decrementAndGet(); // only this thread takes places
    return true;
  }

  private void release(int places) {
    if (free.addAndGet(places) >= REFILL && waitingForRoom) {
      java.util.concurrent.locks.LockSupport.unpark(thread);
    }
  }

  /**
   * Skips to {@code sector}: once the stripes in flight are done (so the checkpoint has reached the
   * gap), the gap counts as done.
   */
  private void skipTo(long sector) throws InterruptedException {
    while (inFlight.get() > 0) {
      Thread.sleep(1);
    }
    if (cancelled) {
      return;
    }
    synchronized (doneRing) {
      position = sector;
      advanced(sector);
    }
  }

  /**
   * md's throttle ({@code md_do_sync}): the pass never runs faster than {@link #speedLimitKiBps()}
   * ({@code speed_limit_max}); and while user requests are coming in and the pass is above {@link
   * #speedMinKiBps()} ({@code speed_limit_min}), it lets each batch of {@link #WINDOW} stripes
   * drain, and rests twice as long as the batch took, before sending more — so user I/O goes first
   * but the pass never stops.
   */
  private void pace() throws InterruptedException {
    long now = System.nanoTime();
    long limit = speedLimitKiBps;
    long step = (long) (StripeEngine.BLOCK / 1024 * 1e9 / limit);
    // No credit for time spent idle beyond a short burst.
    nextDueNanos = Math.max(nextDueNanos, now - BURST_NANOS) + step;
    long wait = nextDueNanos - now;
    if (wait > 1_000_000) {
      TimeUnit.NANOSECONDS.sleep(Math.min(wait, 100_000_000));
    }
    if (++sentInBatch < WINDOW) {
      return;
    }
    sentInBatch = 0;
    long requests = engine.userRequests();
    now = System.nanoTime();
    if (requests != lastUserRequests) {
      lastUserRequests = requests;
      lastUserActivityNanos = now;
    }
    boolean busy = now - lastUserActivityNanos < BUSY_NANOS;
    if (busy && recentSpeedKiBps(now) > speedMinKiBps) {
      while (inFlight.get() > 0 && !cancelled) {
        java.util.concurrent.locks.LockSupport.parkNanos(20_000);
      }
      // On a machine with few cores the pass competes for CPU as much as for the members: rest
      // twice as long as the batch took, so user I/O gets the larger share.
      long took = System.nanoTime() - batchStartNanos;
      if (took > 0) {
        TimeUnit.NANOSECONDS.sleep(Math.min(2 * took, 100_000_000L));
      }
    }
    batchStartNanos = System.nanoTime();
  }

  private long batchStartNanos = System.nanoTime();

  /** KiB/s per member over the last few seconds (md's marks). */
  private long recentSpeedKiBps(long now) {
    long done = stripesDone.get();
    if (now - markNanos > MARK_NANOS) {
      previousMarkNanos = markNanos;
      previousMarkStripes = markStripes;
      markNanos = now;
      markStripes = done;
    }
    long nanos = now - previousMarkNanos;
    return nanos <= 0
        ? 0
        : (long) ((done - previousMarkStripes) * (StripeEngine.BLOCK / 1024) * 1e9 / nanos);
  }

  private static final long MARK_NANOS = 1_000_000_000L;
  private long markNanos = System.nanoTime();
  private long markStripes;
  private long previousMarkNanos = markNanos;
  private long previousMarkStripes;
  private int sentInBatch;

  /** User requests within this long make the array busy for pacing. */
  private static final long BUSY_NANOS = 500_000_000L;

  /** How far a pass may catch up after a pause, in time at its limit. */
  private static final long BURST_NANOS = 20_000_000L;

  private long nextDueNanos = System.nanoTime();
  private long lastUserRequests = -1;
  private long lastUserActivityNanos = Long.MIN_VALUE / 2;

  /** The pace kept while user I/O is running (md's {@code speed_limit_min}). */
  public long speedMinKiBps() {
    return speedMinKiBps;
  }

  /** Sets both limits: {@code min} under user I/O, {@code max} when idle. */
  public void speedLimits(long minKiBps, long maxKiBps) {
    if (minKiBps <= 0 || maxKiBps < minKiBps) {
      throw new IllegalArgumentException(
          "speed limits min=" + minKiBps + " max=" + maxKiBps + " KiB/s (0 < min <= max)");
    }
    this.speedMinKiBps = minKiBps;
    this.speedLimitKiBps = maxKiBps;
  }

  /**
   * One stripe finished (any lane's thread). Window permits come back only as the contiguous prefix
   * advances, so no stripe runs more than {@link #WINDOW} ahead of {@link #position} and the ring
   * of done flags never wraps onto a stripe still pending.
   */
  void stripeDone(long sector) {
    try {
      stripeFinished(sector);
    } finally {
      inFlight.decrementAndGet();
    }
  }

  private void stripeFinished(long sector) {
    if (abortReason != null) {
      // Not done: an aborted pass's checkpoint stays below every stripe it could not finish.
      release(1);
      return;
    }
    stripesDone.incrementAndGet();
    int advanced = 0;
    synchronized (doneRing) {
      long stripe = sector / (StripeEngine.BLOCK / 512);
      doneRing[(int) (stripe % doneRing.length)] = true;
      long next = position;
      while (next < end) {
        int slot = (int) ((next / (StripeEngine.BLOCK / 512)) % doneRing.length);
        if (!doneRing[slot]) {
          break;
        }
        doneRing[slot] = false;
        next += StripeEngine.BLOCK / 512;
        advanced++;
      }
      if (advanced > 0) {
        position = next;
        advanced(next);
      }
    }
    if (advanced > 0) {
      release(advanced);
    }
  }

  /** Everything below {@code sector} is done: what that means for the array. */
  private void advanced(long sector) {
    if (action == SyncAction.RESYNC) {
      engine.syncedBelow(sector);
    } else if (action == SyncAction.RECOVER) {
      engine.recovered(targets, targetDevices, sector);
    }
  }

  /** The slots a recovery rebuilds (all false for other passes). */
  public boolean[] targets() {
    return targets.clone();
  }

  /** Why the pass stopped before the end on its own (a recovery that lost its sources), or null. */
  public @org.jspecify.annotations.Nullable String abortReason() {
    return abortReason;
  }

  void abort(String reason) {
    if (abortReason == null) {
      abortReason = reason;
    }
    cancelled = true;
  }

  /**
   * A stripe whose parity did not match, and where.
   *
   * @param memberSector the stripe (member sector of its blocks)
   * @param slot the member found bad, or -1 when the syndromes cannot tell (RAID-5, or more than
   *     one bad block)
   * @param device that member's device, or ""
   * @param block what was bad: "P", "Q", "data", or a description
   * @param action what the pass did: "counted", "P rewritten", "data block rewritten", ...
   */
  public record Mismatch(long memberSector, int slot, String device, String block, String action) {}

  /** Mismatches kept for reports; the count goes on beyond. */
  static final int MISMATCHES_KEPT = 1000;

  /** Fixes logged one by one; beyond, only counted. */
  private static final int FIXES_LOGGED = 100;

  private static final System.Logger LOG = System.getLogger(SyncJob.class.getName());

  private final java.util.List<Mismatch> mismatches = new java.util.ArrayList<>();

  /** Counts a stripe whose parity did not match, and keeps where. */
  void mismatch(Mismatch m) {
    long sectors = mismatchSectors.addAndGet(StripeEngine.BLOCK / 512);
    synchronized (mismatches) {
      if (mismatches.size() < MISMATCHES_KEPT) {
        mismatches.add(m);
      }
    }
    if (!m.action().equals("counted") && sectors / (StripeEngine.BLOCK / 512) <= FIXES_LOGGED) {
      LOG.log(
          System.Logger.Level.INFO,
          "{0}: {1}: member sector {2}: {3}{4}: {5}",
          engine.name(),
          action.mdName(),
          m.memberSector(),
          m.block(),
          m.slot() < 0 ? "" : " on slot " + m.slot() + " (" + m.device() + ")",
          m.action());
    }
  }

  /** The first {@value #MISMATCHES_KEPT} mismatches found, in the order found. */
  public java.util.List<Mismatch> mismatches() {
    synchronized (mismatches) {
      return java.util.List.copyOf(mismatches);
    }
  }

  @Override
  public String toString() {
    return action.mdName() + " " + position + "/" + end + (cancelled ? " (cancelled)" : "");
  }
}
