package io.jraid.array;

import io.jraid.device.BlockDevice;
import io.jraid.device.IoCompletion;
import io.jraid.format.BitmapCodec;
import io.jraid.format.BitmapLayout;
import io.jraid.format.BitmapSuperblock;
import io.jraid.format.FeatureMap;
import io.jraid.format.RoleTable;
import io.jraid.format.Superblock1;
import io.jraid.layout.ArrayGeometry;
import io.jraid.stripe.SyncJob;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * md's internal write-intent bitmap, kept while the array runs: one bit per bitmap chunk of member
 * space, set on every working member before any write to that chunk reaches a member, and cleared
 * lazily once the chunk has been quiet for two sweeps ({@code daemon_sleep} apart). After a crash
 * the set bits say where parity may be stale, so resync visits only those chunks; a member that
 * left while the array was degraded can come back and be rebuilt only where bits are set.
 *
 * <p>Per chunk a counter, as md's {@code bitmap_counter_t}: 0 clean (bit clear on disk), 1 bit set
 * and a candidate for clearing, 2 dirty and idle, 2 + n with n writes in flight. Plus two flags
 * kept apart: <em>needed</em> (must be resynced: dirty at an unclean start, or written while
 * degraded) and <em>resyncing</em>. Chunks flagged needed are never cleared by the sweeps.
 *
 * <p>Writes into chunks already dirty go straight through (a compare-and-set on the counter, no
 * lock, no I/O, nothing allocated). A write that needs a new bit waits, queued, for the bitmap
 * thread, which sets every bit asked for since its last write, writes each changed 4 KiB page to
 * every working member (FUA) in one batch, then lets all the waiting writes go: bit updates are
 * batched, so random writes do not each pay a metadata write (md's {@code seq_flush}/{@code
 * seq_write} unplug, done without a stripe lock).
 *
 * <p>The bitmap superblock is written before the md superblocks of every update ({@link
 * #beforeSuperblockUpdate}), with the new event count, so its {@code events} never lag and Linux
 * trusts it.
 */
final class WriteIntentBitmap implements AutoCloseable {

  /** Where the writes go once their bits are on disk. */
  @FunctionalInterface
  interface Sink {
    void write(MemorySegment src, long offset, boolean fua, IoCompletion done);
  }

  /** What the bitmap needs to know about the array's members. */
  interface Array {
    /** Whether the array lacks redundancy now (a slot missing, failed or still being rebuilt). */
    boolean degraded();

    /** A member failed a bitmap write: md fails it, so it receives no data without its bits. */
    void bitmapWriteFailed(BlockDevice device, IOException error);
  }

  /**
   * A member the bitmap is written to.
   *
   * @param device the member
   * @param byteOffset where its bitmap area starts
   */
  record Target(BlockDevice device, long byteOffset) {}

  private static final int PAGE = 4096;

  /**
   * Counter flag: the bit is set in memory but its page is not on disk yet, so writes into the
   * chunk must wait (the lock-free path passes only chunks without it).
   */
  private static final int NOT_DURABLE = 1 << 30;

  private final String name;
  private final Array array;
  private final Sink sink;
  private final long chunkSectors;
  private final long rowSectors;
  private final long memberRowSectors;
  private final long chunks;
  private final long syncSize;
  private final long usedBytes;
  private final int pages;

  /**
   * The bitmap area as written: superblock, bits (md's storage pages). Guarded by {@link #lock}.
   */
  private final MemorySegment area;

  private final Arena arena = Arena.ofShared();
  private final AtomicIntegerArray counts;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition work = lock.newCondition();

  // ---- guarded by lock ----
  private BitmapSuperblock header;
  private final BitSet needed = new BitSet();

  /** Bits set in {@link #area} but not yet on disk; their counters carry {@link #NOT_DURABLE}. */
  private final BitSet notDurable = new BitSet();

  private final BitSet dirtyPages = new BitSet();
  private final ArrayDeque<Gate> waiting = new ArrayDeque<>();

  /** Bumped whenever a bit is set in {@link #area}; a page write covers what was set before it. */
  private long setSeq;

  private long durableSeq;
  private boolean closed;

  private List<Target> targets;

  /** The md event count, as of the last superblock update. */
  private volatile long mdEvents;

  /** A sweep has something to look at (a counter fell to 2 or below). */
  private volatile boolean pending;

  /** {@code events_cleared} must be raised to {@link #mdEvents} at the next sweep. */
  private volatile boolean needSync;

  private final long sweepMillis;
  private final Thread thread;
  private final ArrayDeque<Gate> pool = new ArrayDeque<>();

  private final java.util.concurrent.atomic.LongAdder pageWrites =
      new java.util.concurrent.atomic.LongAdder();
  private final java.util.concurrent.atomic.LongAdder batches =
      new java.util.concurrent.atomic.LongAdder();

  /**
   * Loads the bitmap as md's {@code md_bitmap_load()} does.
   *
   * @param bits the bitmap area read from a working member (superblock and bits)
   * @param sb the array's freshest md superblock
   * @param degraded whether the array starts without full redundancy
   * @param sweepMillis time between sweeps ({@code daemon_sleep}, shorter in tests)
   */
  WriteIntentBitmap(
      String name,
      ArrayGeometry geometry,
      MemorySegment bits,
      BitmapSuperblock header,
      Superblock1 sb,
      boolean degraded,
      List<Target> targets,
      Array array,
      Sink sink,
      long sweepMillis) {
    this.name = name;
    this.array = array;
    this.sink = sink;
    this.header = header;
    this.targets = List.copyOf(targets);
    this.sweepMillis = sweepMillis;
    this.chunkSectors = header.chunkBytes() / 512;
    this.memberRowSectors = geometry.chunkSectors();
    this.rowSectors = (long) geometry.chunkSectors() * geometry.dataDisks();
    this.syncSize = header.syncSize();
    this.chunks = header.chunks();
    if (chunks > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(name + ": bitmap of " + chunks + " chunks is too large");
    }
    this.usedBytes = header.areaBytes();
    this.pages = (int) ((usedBytes + PAGE - 1) / PAGE);
    this.area = arena.allocate((long) pages * PAGE, PAGE);
    area.fill((byte) 0);
    MemorySegment.copy(bits, 0, area, 0, Math.min(bits.byteSize(), usedBytes));
    this.counts = new AtomicIntegerArray((int) chunks);
    this.mdEvents = sb.events();
    this.headerEventsCleared = header.eventsCleared();

    boolean stale = header.stale() || header.events() < sb.events();
    // resync_offset is unsigned: MaxSector (all ones) means clean, nothing needed.
    long start = sb.resyncOffset() == Superblock1.MAX_SECTOR ? Long.MAX_VALUE : sb.resyncOffset();
    if (degraded && header.eventsCleared() != sb.events()) {
      start = 0; // keep every dirty chunk needed: a missing member may come back for them
    }
    if (stale) {
      // "bitmap out of date -- forcing full recovery": every chunk dirty.
      for (long bit = 0; bit < chunks; bit++) {
        BitmapCodec.set(area, bit, true);
      }
      dirtyPages.set(0, pages);
      this.header =
          with(
              header,
              header.events(),
              header.eventsCleared(),
              header.state() & ~BitmapLayout.STATE_STALE);
    }
    if (stale || degraded) {
      this.header = withEventsCleared(this.header, Math.min(this.header.eventsCleared(), mdEvents));
    }
    for (int bit = 0; bit < chunks; bit++) {
      if (BitmapCodec.isSet(area, bit)) {
        counts.set(bit, 2);
        if ((bit + 1) * chunkSectors >= start) {
          needed.set(bit);
        }
      }
    }
    pending = true;
    this.thread =
        Thread.ofPlatform().name("jraid-" + name + "-bitmap").daemon().unstarted(this::run);
  }

  /** Starts the bitmap thread (sweeps and batched bit writes). */
  void start() {
    thread.start();
  }

  // ---- what the array asks ---------------------------------------------------------------------

  /** The bitmap superblock as it is now (for reports and tests). */
  BitmapSuperblock header() {
    lock.lock();
    try {
      return withEvents(header, mdEvents);
    } finally {
      lock.unlock();
    }
  }

  /** The set bits (chunks dirty on disk), for reports and tests. */
  BitSet dirtyChunks() {
    lock.lock();
    try {
      BitSet set = new BitSet();
      for (int bit = 0; bit < chunks; bit++) {
        if (BitmapCodec.isSet(area, bit)) {
          set.set(bit);
        }
      }
      return set;
    } finally {
      lock.unlock();
    }
  }

  /** Chunks that must be resynced (a copy). */
  BitSet neededChunks() {
    lock.lock();
    try {
      return (BitSet) needed.clone();
    } finally {
      lock.unlock();
    }
  }

  /** Member sectors covered by one bit. */
  long chunkSectors() {
    return chunkSectors;
  }

  /** Bitmap pages written so far, and in how many batches: [pages, batches]. */
  long[] writeCounts() {
    return new long[] {pageWrites.sum(), batches.sum()};
  }

  /**
   * The regions a resync (or a bitmap-based recovery) must visit: chunks flagged needed. A chunk
   * flagged later (a write while degraded) is visited if the pass has not gone by.
   */
  SyncJob.Regions neededRegions() {
    return sector -> {
      long bit = sector / chunkSectors;
      if (bit >= chunks) {
        return Long.MAX_VALUE;
      }
      lock.lock();
      try {
        int next = needed.nextSetBit((int) bit);
        if (next < 0) {
          return Long.MAX_VALUE;
        }
        return next == bit ? sector : next * chunkSectors;
      } finally {
        lock.unlock();
      }
    };
  }

  /**
   * A pass over the whole array ended with every slot in sync: nothing is needed any more (md's
   * {@code close_sync}). Chunks stay dirty until the sweeps clear them.
   */
  void syncCompleted() {
    lock.lock();
    try {
      needed.clear();
      pending = true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Whether a former member whose superblock says {@code memberEvents} can be brought back by
   * rebuilding only the dirty chunks (md: {@code events >= events_cleared}, bitmap not stale).
   */
  boolean canReAdd(long memberEvents) {
    lock.lock();
    try {
      return memberEvents >= header.eventsCleared() && memberEvents <= mdEvents;
    } finally {
      lock.unlock();
    }
  }

  // ---- the write path --------------------------------------------------------------------------

  /**
   * Writes {@code src} at array byte {@code offset} once its chunks' bits are on every working
   * member; the bits are released (for lazy clearing) when the write completes.
   */
  void write(MemorySegment src, long offset, boolean fua, IoCompletion done) {
    long length = src.byteSize();
    if (offset < 0 || length <= 0 || offset / 512 >= syncSize * (rowSectors / memberRowSectors)) {
      sink.write(src, offset, fua, done); // the engine reports what is wrong with it
      return;
    }
    long first = (offset / 512) / rowSectors * memberRowSectors / chunkSectors;
    long endArray = (offset + length + 511) / 512;
    long memberEnd = Math.min(syncSize, ceilDiv(endArray, rowSectors) * memberRowSectors);
    long last = Math.max(first, (memberEnd - 1) / chunkSectors);
    last = Math.min(last, chunks - 1);
    Gate gate = gate(src, offset, fua, done, (int) first, (int) last);
    if (startWrite(gate)) {
      sink.write(src, offset, fua, gate);
    }
  }

  /**
   * Counts the write into its chunks; true if every bit is already on disk, else the gate waits for
   * the bitmap thread.
   */
  private boolean startWrite(Gate g) {
    boolean allOnDisk = true;
    for (int bit = g.first; bit <= g.last; bit++) {
      if (!incrementIfDirty(bit)) {
        allOnDisk = false;
        break;
      }
      g.counted = bit;
    }
    if (allOnDisk) {
      return true;
    }
    lock.lock();
    try {
      for (int bit = g.counted + 1; bit <= g.last; bit++) {
        int c = counts.get(bit);
        // Under the lock no sweep runs, and a counter below 2 has no write in flight to change it.
        if (c == 0) {
          BitmapCodec.set(area, bit, true);
          dirtyPages.set(pageOf(bit));
          notDurable.set(bit);
          setSeq++;
          counts.set(bit, NOT_DURABLE | 3);
        } else if (c == 1) {
          counts.set(bit, 3); // still on disk: it was about to be cleared
        } else {
          counts.incrementAndGet(bit);
        }
        g.counted = bit;
      }
      g.seq = setSeq;
      if (durableSeq >= g.seq) {
        return true;
      }
      waiting.add(g);
      work.signal();
      return false;
    } finally {
      lock.unlock();
    }
  }

  /** Counter ≥ 2 → counter + 1, without the lock; false when the bit may not be on disk. */
  private boolean incrementIfDirty(int bit) {
    while (true) {
      int c = counts.get(bit);
      if (c < 2 || (c & NOT_DURABLE) != 0) {
        return false;
      }
      if (counts.compareAndSet(bit, c, c + 1)) {
        return true;
      }
    }
  }

  private void endWrite(Gate g, boolean ok) {
    boolean degraded = !ok || g.degraded || array.degraded();
    if (degraded) {
      lock.lock();
      try {
        needed.set(g.first, g.last + 1); // a member missed it: keep for resync or re-add
      } finally {
        lock.unlock();
      }
    } else if (!needSync && headerEventsCleared < mdEvents) {
      needSync = true;
    }
    for (int bit = g.first; bit <= g.last; bit++) {
      if (counts.decrementAndGet(bit) <= 2) {
        pending = true;
      }
    }
  }

  /** {@code events_cleared} as last written, readable without the lock. */
  private volatile long headerEventsCleared;

  // ---- the superblock ---------------------------------------------------------------------------

  /**
   * Called by {@link MemberSuperblocks#update} before it writes the md superblocks: the bitmap
   * superblock goes first, with the new event count, to the members that will be working.
   */
  void beforeSuperblockUpdate(long events, List<MemberSuperblocks.Entry> next) {
    List<Target> newTargets = targetsOf(next);
    lock.lock();
    try {
      mdEvents = events;
      if (!newTargets.equals(targets)) {
        // A member joined a slot: give it the whole bitmap, not just page 0.
        dirtyPages.set(0, pages);
        setSeq++;
        targets = newTargets;
      }
      dirtyPages.set(0);
    } finally {
      lock.unlock();
    }
    writeDirtyPages();
  }

  /** The members that hold the bitmap: every working member in a slot. */
  static List<Target> targetsOf(List<MemberSuperblocks.Entry> entries) {
    List<Target> targets = new ArrayList<>();
    for (MemberSuperblocks.Entry e : entries) {
      Superblock1 own = e.superblock();
      if (RoleTable.isSlot(own.role()) && own.has(FeatureMap.BITMAP_OFFSET)) {
        targets.add(new Target(e.device(), BitmapCodec.sectorOf(own) * 512));
      }
    }
    return targets;
  }

  // ---- the bitmap thread -----------------------------------------------------------------------

  private final ReentrantLock ioLock = new ReentrantLock();

  private void run() {
    long nextSweep = System.nanoTime() + sweepMillis * 1_000_000;
    while (true) {
      lock.lock();
      try {
        while (!closed && waiting.isEmpty() && System.nanoTime() < nextSweep) {
          try {
            work.awaitNanos(Math.max(1, nextSweep - System.nanoTime()));
          } catch (InterruptedException e) {
            closed = true;
          }
        }
        if (closed && waiting.isEmpty()) {
          return;
        }
      } finally {
        lock.unlock();
      }
      if (System.nanoTime() >= nextSweep) {
        sweep(false);
        nextSweep = System.nanoTime() + sweepMillis * 1_000_000;
      }
      writeDirtyPages();
    }
  }

  /**
   * md's daemon work: counters 2 → 1, then 1 → 0 with the bit cleared; {@code events_cleared}
   * raised when writes completed with the array whole. Chunks flagged needed stay.
   *
   * <p>A cleared bit says the chunk's writes are on the members. They completed, but may sit in a
   * member's volatile cache; so before clearing, every member flushes, and only chunks with no
   * write since the previous sweep (still at 1 after the flush) are cleared. If a member cannot
   * flush, it is failed and nothing is cleared: every dirty chunk is kept for resync and re-add.
   */
  void sweep(boolean force) {
    if (!pending && !needSync && !force) {
      return;
    }
    boolean candidates = false;
    for (int bit = 0; bit < chunks && !candidates; bit++) {
      candidates = counts.get(bit) == 1;
    }
    boolean flushed = true;
    if (candidates) {
      List<Target> to;
      lock.lock();
      try {
        to = targets;
      } finally {
        lock.unlock();
      }
      flushed = flushAll(to);
    }
    lock.lock();
    try {
      pending = false;
      if (needSync) {
        needSync = false;
        header = withEventsCleared(header, mdEvents);
        headerEventsCleared = mdEvents;
        dirtyPages.set(0);
      }
      for (int bit = 0; bit < chunks; bit++) {
        int c = counts.get(bit);
        if (!flushed && c != 0) {
          needed.set(bit); // a member may have lost writes it acknowledged: keep them all
          continue;
        }
        if (c == 0 || c > 2 || needed.get(bit)) {
          continue;
        }
        if (c == 2) {
          if (counts.compareAndSet(bit, 2, 1)) {
            pending = true;
          } else {
            bit--; // a write came in: look again
          }
        } else if (counts.compareAndSet(bit, 1, 0)) {
          BitmapCodec.set(area, bit, false);
          dirtyPages.set(pageOf(bit));
        } else {
          bit--;
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Writes every changed page to every working member and waits, then lets go the writes whose bits
   * those pages carry. Page writes run one batch at a time, in page order.
   */
  void writeDirtyPages() {
    ioLock.lock();
    try {
      BitSet toWrite;
      long seq;
      List<Target> to;
      MemorySegment snapshot;
      BitSet justSet;
      lock.lock();
      try {
        if (dirtyPages.isEmpty()) {
          releaseWaiting();
          return;
        }
        toWrite = (BitSet) dirtyPages.clone();
        dirtyPages.clear();
        seq = setSeq;
        to = targets;
        justSet = (BitSet) notDurable.clone();
        notDurable.clear();
        BitmapCodec.encode(withEvents(header, mdEvents), area);
        snapshot = arena.allocate(area.byteSize(), PAGE); // one per batch, not per user write
        MemorySegment.copy(area, 0, snapshot, 0, area.byteSize());
      } finally {
        lock.unlock();
      }
      List<CompletableFuture<Void>> writes = new ArrayList<>();
      List<Target> issued = new ArrayList<>();
      for (Target t : to) {
        for (int p = toWrite.nextSetBit(0); p >= 0; p = toWrite.nextSetBit(p + 1)) {
          // md rounds a page's last write up to the logical block (O_DIRECT takes nothing less)
          long bytes =
              Math.min(
                  PAGE,
                  roundUp(
                      usedBytes - (long) p * PAGE, Math.max(512, t.device().logicalBlockSize())));
          CompletableFuture<Void> f = new CompletableFuture<>();
          t.device()
              .write(
                  snapshot.asSlice((long) p * PAGE, bytes),
                  t.byteOffset() + (long) p * PAGE,
                  true,
                  e -> {
                    if (e == null) {
                      f.complete(null);
                    } else {
                      f.completeExceptionally(e);
                    }
                  });
          writes.add(f);
          issued.add(t);
        }
      }
      pageWrites.add(toWrite.cardinality());
      batches.increment();
      int okTargets = to.size();
      List<BlockDevice> failed = new ArrayList<>();
      for (int i = 0; i < writes.size(); i++) {
        try {
          writes.get(i).get();
        } catch (ExecutionException e) {
          BlockDevice d = issued.get(i).device();
          if (!failed.contains(d)) {
            failed.add(d);
            okTargets--;
            array.bitmapWriteFailed(
                d,
                new IOException(
                    d.name() + ": bitmap write failed: " + e.getCause().getMessage(),
                    e.getCause()));
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      lock.lock();
      try {
        if (okTargets > 0) {
          durableSeq = Math.max(durableSeq, seq);
          for (int bit = justSet.nextSetBit(0); bit >= 0; bit = justSet.nextSetBit(bit + 1)) {
            int c;
            do {
              c = counts.get(bit);
            } while (!counts.compareAndSet(bit, c, c & ~NOT_DURABLE));
          }
          releaseWaiting();
        } else {
          // No member holds the bits: md has failed them all by now, and so do these writes.
          dirtyPages.or(toWrite);
          notDurable.or(justSet);
          failWaiting(new IOException(name + ": no member took the write-intent bitmap"));
        }
      } finally {
        lock.unlock();
      }
    } finally {
      ioLock.unlock();
    }
  }

  /**
   * Flushes every target and waits; a member that cannot flush is failed, as md fails it. False if
   * one could not.
   */
  private boolean flushAll(List<Target> to) {
    boolean all = true;
    List<CompletableFuture<Void>> flushes = new ArrayList<>();
    for (Target t : to) {
      CompletableFuture<Void> f = new CompletableFuture<>();
      t.device()
          .flush(e -> {
            if (e == null) {
              f.complete(null);
            } else {
              f.completeExceptionally(e);
            }
          });
      flushes.add(f);
    }
    for (int i = 0; i < flushes.size(); i++) {
      try {
        flushes.get(i).get();
      } catch (ExecutionException e) {
        all = false;
        BlockDevice d = to.get(i).device();
        array.bitmapWriteFailed(
            d,
            new IOException(
                d.name() + ": flush before a bitmap write failed: " + e.getCause().getMessage(),
                e.getCause()));
      } catch (InterruptedException e) {
        all = false;
        Thread.currentThread().interrupt();
      }
    }
    return all;
  }

  /** Fails every waiting write (called with the lock held). */
  private void failWaiting(IOException error) {
    List<Gate> failed = new ArrayList<>(waiting);
    waiting.clear();
    lock.unlock();
    try {
      for (Gate g : failed) {
        g.completed(error);
      }
    } finally {
      lock.lock();
    }
  }

  /** Submits the waiting writes whose bits are durable (called with the lock held). */
  private void releaseWaiting() {
    List<Gate> go = null;
    for (var it = waiting.iterator(); it.hasNext(); ) {
      Gate g = it.next();
      if (g.seq <= durableSeq) {
        it.remove();
        if (go == null) {
          go = new ArrayList<>();
        }
        go.add(g);
      }
    }
    if (go != null) {
      lock.unlock();
      try {
        for (Gate g : go) {
          sink.write(java.util.Objects.requireNonNull(g.src), g.offset, g.fua, g);
        }
      } finally {
        lock.lock();
      }
    }
  }

  /**
   * md's flush at stop: sweeps until idle chunks are clean, then writes what changed. Called after
   * the engine has drained every write.
   */
  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      work.signalAll();
    } finally {
      lock.unlock();
    }
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (int i = 0; i < 3; i++) {
      sweep(true);
    }
    writeDirtyPages();
  }

  /** Frees the bitmap's memory; after the array's last superblock update. */
  void release() {
    arena.close();
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private int pageOf(long bit) {
    return (int) (BitmapSuperblock.byteOffsetOf(bit) / PAGE);
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }

  private static long roundUp(long a, long b) {
    return ceilDiv(a, b) * b;
  }

  private static BitmapSuperblock withEvents(BitmapSuperblock h, long events) {
    return with(h, events, h.eventsCleared(), h.state());
  }

  private static BitmapSuperblock withEventsCleared(BitmapSuperblock h, long eventsCleared) {
    return with(h, h.events(), eventsCleared, h.state());
  }

  private static BitmapSuperblock with(
      BitmapSuperblock h, long events, long eventsCleared, int state) {
    return new BitmapSuperblock(
        h.version(),
        h.uuid(),
        events,
        eventsCleared,
        h.syncSize(),
        state,
        h.chunkBytes(),
        h.daemonSleep(),
        h.writeBehind(),
        h.sectorsReserved(),
        h.nodes(),
        h.clusterName());
  }

  private Gate gate(
      MemorySegment src, long offset, boolean fua, IoCompletion done, int first, int last) {
    Gate g;
    synchronized (pool) {
      g = pool.poll();
    }
    if (g == null) {
      g = new Gate(); // the pool grows to the most writes ever in flight, then stays
    }
    g.src = src;
    g.offset = offset;
    g.fua = fua;
    g.done = done;
    g.first = first;
    g.last = last;
    g.counted = first - 1;
    g.seq = 0;
    g.degraded = array.degraded();
    return g;
  }

  /** One user write on its way through the bitmap; pooled, so the write path allocates nothing. */
  private final class Gate implements IoCompletion {
    @Nullable MemorySegment src;
    long offset;
    boolean fua;
    @Nullable IoCompletion done;
    int first;
    int last;
    int counted;
    long seq;
    boolean degraded;

    @Override
    public void completed(@Nullable Throwable error) {
      IoCompletion callback = done;
      endWrite(this, error == null);
      src = null;
      done = null;
      synchronized (pool) {
        pool.push(this);
      }
      if (callback != null) {
        callback.completed(error);
      }
    }
  }

  @Override
  public String toString() {
    return name + " bitmap (" + chunks + " chunks of " + chunkSectors / 2 + " KiB)";
  }
}
