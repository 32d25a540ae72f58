package io.jraid.bench;

import io.jraid.device.BlockDevice;
import io.jraid.device.IoCompletion;
import io.jraid.device.MemoryDevice;
import io.jraid.layout.Algorithm;
import io.jraid.layout.ArrayGeometry;
import io.jraid.parity.ParityKernels;
import io.jraid.parity.ParitySelection;
import io.jraid.parity.XorMode;
import io.jraid.stripe.StripeEngine;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The stripe engine over {@link MemoryDevice} members (no device cost: what is measured is the
 * engine — splitting, the stripe state machine, parity, copies), with its baselines in the same
 * run: a memory copy of the same bytes ({@link #copyBaseline}) and 4 KiB writes straight to one
 * member device at the same queue depth ({@link #memberRandomWrite4k}).
 *
 * <p>RAID-5 with 5 members and RAID-6 with 6 (4 data members each), 64 KiB chunks, 64 MiB members.
 * Sequential I/O moves 1 MiB per request (4 full rows); random writes keep 32 requests in flight.
 *
 * <p>The two {@code ceiling} benchmarks are the physical floor of the array's writes on this
 * machine: only the copies and the parity each write must make, done by two threads (the cores the
 * engine's handler threads use) straight on the members' memory, with no engine at all — no request
 * splitting, stripe cache, state machine, hand-off or completion. An array write can only approach
 * them; what fraction it reaches is the engine's efficiency.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ArrayBenchmark {

  private static final int SEQ_BYTES = 1 << 20;
  private static final int DEPTH = 32;
  private static final int SEQ_DEPTH = 4;
  private static final long MEMBER_BYTES = 64L << 20;

  @Param({"5", "6"})
  public int level;

  private Arena arena;
  private MemoryDevice[] members;
  private StripeEngine engine;
  private StripeEngine degraded;
  private MemorySegment buffer;
  private MemorySegment[] seqBuffers;
  private MemorySegment copyTarget;
  private MemoryDevice single;
  private long position;
  private long readPosition;
  private long copyPosition;
  private final SplittableRandom random = new SplittableRandom(42);
  private final Semaphore inFlight = new Semaphore(DEPTH);
  private final IoCompletion release =
      error -> {
        if (error != null) {
          throw new IllegalStateException(error);
        }
        inFlight.release();
      };

  /**
   * The random-write benchmarks send {@value #DEPTH} writes and wait for all of them with one
   * wake-up when the last completes (as io_uring's wait for n completions does). Waiting on {@link
   * #inFlight} instead wakes the benchmark thread at every completion only to find the batch
   * unfinished: on 2 cores that measured the harness's scheduling as much as the engine.
   */
  private final java.util.concurrent.atomic.AtomicInteger batchLeft =
      new java.util.concurrent.atomic.AtomicInteger();

  private volatile @org.jspecify.annotations.Nullable Thread batchWaiter;

  private final IoCompletion batchDone =
      error -> {
        if (error != null) {
          throw new IllegalStateException(error);
        }
        if (batchLeft.decrementAndGet() == 0) {
          java.util.concurrent.locks.LockSupport.unpark(batchWaiter);
        }
      };

  private void startBatch() {
    batchWaiter = Thread.currentThread();
    batchLeft.set(DEPTH);
  }

  private void awaitBatch() {
    while (batchLeft.get() > 0) {
      java.util.concurrent.locks.LockSupport.park(this);
    }
  }

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    int disks = level == 6 ? 6 : 5;
    ArrayGeometry g =
        new ArrayGeometry(
            level, Algorithm.LEFT_SYMMETRIC, 128, disks, MEMBER_BYTES / 512 - 2048, 2048);
    members = new MemoryDevice[disks];
    for (int i = 0; i < disks; i++) {
      members[i] = MemoryDevice.create("m" + i, MEMBER_BYTES);
    }
    engine = new StripeEngine("bench", g, members.clone(), StripeEngine.Options.defaults());
    BlockDevice[] missingFirst = members.clone();
    missingFirst[0] = null;
    degraded =
        new StripeEngine(
            "bench-degraded", g, missingFirst, StripeEngine.Options.defaults().asReadOnly());
    arena = Arena.ofShared();
    buffer = arena.allocate(SEQ_BYTES + (long) DEPTH * 4096, 4096);
    for (long i = 0; i < buffer.byteSize(); i += 8) {
      buffer.set(java.lang.foreign.ValueLayout.JAVA_LONG, i, random.nextLong());
    }
    copyTarget = arena.allocate(SEQ_BYTES, 4096);
    seqBuffers = new MemorySegment[SEQ_DEPTH];
    for (int i = 0; i < SEQ_DEPTH; i++) {
      seqBuffers[i] = arena.allocate(SEQ_BYTES, 4096);
      MemorySegment.copy(buffer, 0, seqBuffers[i], 0, SEQ_BYTES);
    }
    single = MemoryDevice.create("single", MEMBER_BYTES);
    // Fill the array once so that reads read written data.
    for (long off = 0; off + SEQ_BYTES <= engine.size(); off += SEQ_BYTES) {
      syncWrite(buffer.asSlice(0, SEQ_BYTES), off);
    }
  }

  private void syncWrite(MemorySegment src, long offset) throws InterruptedException {
    inFlight.acquire();
    engine.write(src, offset, false, release);
    inFlight.acquire();
    inFlight.release();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    engine.close();
    degraded.close();
    for (MemoryDevice m : members) {
      m.close();
    }
    single.close();
    arena.close();
  }

  /**
   * Baseline: the same bytes copied once into member-sized memory (moving through 64 MiB, as the
   * array's writes do, so the copy streams through memory instead of staying in the cache).
   */
  @Benchmark
  public void copyBaseline() {
    if (copyPosition + SEQ_BYTES > MEMBER_BYTES) {
      copyPosition = 0;
    }
    MemorySegment.copy(buffer, 0, single.memory(), copyPosition, SEQ_BYTES);
    copyPosition += SEQ_BYTES;
  }

  /**
   * Sequential 1 MiB writes, {@value #SEQ_DEPTH} in flight as a file system's write-back keeps them
   * (full rows: parity from the writer's buffers, no reads).
   */
  @Benchmark
  @OperationsPerInvocation(SEQ_DEPTH)
  public void sequentialWrite() throws InterruptedException {
    for (int i = 0; i < SEQ_DEPTH; i++) {
      if (position + SEQ_BYTES > engine.size()) {
        position = 0;
      }
      inFlight.acquire();
      engine.write(seqBuffers[i], position, false, release);
      position += SEQ_BYTES;
    }
    inFlight.acquire(DEPTH);
    inFlight.release(DEPTH);
  }

  /** Sequential 1 MiB reads. */
  @Benchmark
  public void sequentialRead() throws InterruptedException {
    read(engine);
  }

  /** Sequential 1 MiB reads with the first member missing (its blocks rebuilt from parity). */
  @Benchmark
  public void degradedRead() throws InterruptedException {
    read(degraded);
  }

  private void read(StripeEngine e) throws InterruptedException {
    if (readPosition + SEQ_BYTES > e.size()) {
      readPosition = 0;
    }
    inFlight.acquire();
    e.read(copyTarget, readPosition, release);
    inFlight.acquire();
    inFlight.release();
    readPosition += SEQ_BYTES;
  }

  /** Random 4 KiB writes, 32 in flight (read-modify-write: 2 reads, 2 writes each on RAID-5). */
  @Benchmark
  @OperationsPerInvocation(DEPTH)
  public void randomWrite4k() {
    writes(engine, engine.size());
  }

  /** Baseline: random 4 KiB writes straight to one member device, 32 in flight. */
  @Benchmark
  @OperationsPerInvocation(DEPTH)
  public void memberRandomWrite4k() {
    startBatch();
    for (int i = 0; i < DEPTH; i++) {
      single.write(
          buffer.asSlice(SEQ_BYTES + i * 4096L, 4096),
          random.nextLong(MEMBER_BYTES / 4096) * 4096,
          false,
          batchDone);
    }
    awaitBatch();
  }

  private void writes(StripeEngine e, long size) {
    startBatch();
    for (int i = 0; i < DEPTH; i++) {
      e.write(
          buffer.asSlice(SEQ_BYTES + i * 4096L, 4096),
          random.nextLong(size / 4096) * 4096,
          false,
          batchDone);
    }
    awaitBatch();
  }

  /**
   * Per-thread scratch of the ceiling benchmarks: the cache pages a write's old blocks and parity
   * pass through (a stripe cache's worth, cycled, as the engine's stripes are), and its own random
   * positions.
   */
  @State(Scope.Thread)
  public static class CeilingScratch {
    private static final int PAGES = 256;
    private final SplittableRandom random = new SplittableRandom();
    private final MemorySegment[] sources = new MemorySegment[2];
    private final MemorySegment[] data = new MemorySegment[4];
    private Arena arena;
    private MemorySegment pages;
    private int next;
    private long position = -1;

    @Setup(Level.Trial)
    public void setUp() {
      arena = Arena.ofShared();
      pages = arena.allocate(PAGES * 3L * 4096, 4096);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      arena.close();
    }

    private MemorySegment page(int which) {
      return pages.asSlice((next * 3L + which) * 4096, 4096);
    }
  }

  private static final ParityKernels KERNELS = ParitySelection.selected();

  /**
   * The floor of {@link #randomWrite4k}: a read-modify-write of one random block with nothing but
   * its copies and parity — old data and parity (RAID-6: and Q) copied from the members into cache
   * pages, the parity updated from old and new data, new data and parity copied back — on two
   * threads.
   */
  @Benchmark
  @Threads(2)
  @OperationsPerInvocation(DEPTH)
  public void ceilingRandomWrite4k(CeilingScratch t) {
    int disks = members.length;
    MemorySegment p0 = members[disks - 1].memory();
    MemorySegment q0 = members[disks - 2].memory();
    for (int i = 0; i < DEPTH; i++) {
      long at = t.random.nextLong(MEMBER_BYTES / 4096) * 4096;
      int slot = t.random.nextInt(4);
      MemorySegment member = members[slot].memory();
      MemorySegment fresh = buffer.asSlice(SEQ_BYTES + i * 4096L, 4096);
      MemorySegment old = t.page(0);
      MemorySegment p = t.page(1);
      t.next = (t.next + 1) % CeilingScratch.PAGES;
      MemorySegment.copy(member, at, old, 0, 4096);
      MemorySegment.copy(p0, at, p, 0, 4096);
      if (level == 6) {
        MemorySegment q = t.page(2);
        MemorySegment.copy(q0, at, q, 0, 4096);
        KERNELS.pqUpdate(slot, old, fresh, p, q);
        MemorySegment.copy(q, 0, q0, at, 4096);
      } else {
        t.sources[0] = old;
        t.sources[1] = fresh;
        KERNELS.xorGen(p, t.sources, XorMode.ACCUMULATE);
      }
      MemorySegment.copy(fresh, 0, member, at, 4096);
      MemorySegment.copy(p, 0, p0, at, 4096);
    }
  }

  /**
   * The floor of {@link #sequentialWrite}: 1 MiB of full stripes with nothing but their copies and
   * parity — each data block copied from the writer's buffer to its member once, parity computed
   * from the writer's buffer into a cache page and copied to its member — on two threads.
   */
  @Benchmark
  @Threads(2)
  public void ceilingSequentialWrite(CeilingScratch t) {
    int disks = members.length;
    if (t.position < 0 || t.position + SEQ_BYTES / 4 > MEMBER_BYTES) {
      t.position = t.random.nextLong(MEMBER_BYTES / (SEQ_BYTES / 4)) * (SEQ_BYTES / 4);
    }
    for (int stripe = 0; stripe < SEQ_BYTES / (4 * 4096); stripe++) {
      int row = stripe / 16;
      for (int d = 0; d < 4; d++) {
        // the block of data member d in this stripe: chunks of 16 blocks, 4 chunks a row
        long in = ((row * 4L + d) * 16 + stripe % 16) * 4096;
        t.data[d] = buffer.asSlice(in, 4096);
        MemorySegment.copy(t.data[d], 0, members[d].memory(), t.position, 4096);
      }
      MemorySegment p = t.page(1);
      if (level == 6) {
        MemorySegment q = t.page(2);
        KERNELS.pqGen(t.data, p, q);
        MemorySegment.copy(q, 0, members[disks - 2].memory(), t.position, 4096);
      } else {
        KERNELS.xorGen(p, t.data, XorMode.OVERWRITE);
      }
      MemorySegment.copy(p, 0, members[disks - 1].memory(), t.position, 4096);
      t.next = (t.next + 1) % CeilingScratch.PAGES;
      t.position += 4096;
    }
  }
}
