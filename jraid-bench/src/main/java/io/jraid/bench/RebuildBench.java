package io.jraid.bench;

import io.jraid.device.BlockDevice;
import io.jraid.device.IoCompletion;
import io.jraid.device.MemoryDevice;
import io.jraid.layout.Algorithm;
import io.jraid.layout.ArrayGeometry;
import io.jraid.stripe.StripeEngine;
import io.jraid.stripe.SyncAction;
import io.jraid.stripe.SyncJob;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Rebuild and resync speed against degraded reads, and user I/O while a rebuild runs, on memory
 * members (RAID-5 of 5 and RAID-6 of 6, 64 KiB chunk), each figure a median of interleaved rounds
 * in one process so that the ratios compare like with like on a noisy machine:
 *
 * <ul>
 *   <li>degraded read: the whole array read with 1 MiB requests (4 in flight), member 0 missing;
 *   <li>rebuild: member 0 rebuilt onto a blank member, speed limit lifted (md's limits exist for
 *       disks; on memory the engine is what is measured); resync: a full resync pass, likewise;
 *   <li>user I/O: random 4 KiB writes (32 in flight) and sequential 1 MiB reads for a few seconds,
 *       idle and then while a rebuild runs at md's default limits (min 1000, max 200000 KiB/s).
 * </ul>
 *
 * <p>Run: {@code java -cp jraid-bench/target/benchmarks.jar io.jraid.bench.RebuildBench [rounds]
 * [memberMiB]}.
 */
public final class RebuildBench {

  private static final int SEQ = 1 << 20;
  private static final int SEQ_DEPTH = 4;
  private static final int RANDOM_DEPTH = 32;

  private RebuildBench() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    long memberBytes = (args.length > 1 ? Long.parseLong(args[1]) : 512) << 20;
    for (int level : new int[] {5, 6}) {
      run(level, rounds, memberBytes);
    }
  }

  private static void run(int level, int rounds, long memberBytes) throws Exception {
    int disks = level == 6 ? 6 : 5;
    ArrayGeometry g =
        new ArrayGeometry(
            level, Algorithm.LEFT_SYMMETRIC, 128, disks, memberBytes / 512 - 2048, 2048);
    MemoryDevice[] members = new MemoryDevice[disks];
    for (int i = 0; i < disks; i++) {
      members[i] = MemoryDevice.create("m" + i, memberBytes);
    }
    List<double[]> results = new ArrayList<>();
    try (Arena arena = Arena.ofShared()) {
      MemorySegment buffers = arena.allocate((long) SEQ * SEQ_DEPTH + 4096L * RANDOM_DEPTH, 4096);
      SplittableRandom random = new SplittableRandom(7);
      for (long i = 0; i < buffers.byteSize(); i += 8) {
        buffers.set(java.lang.foreign.ValueLayout.JAVA_LONG, i, random.nextLong());
      }
      try (StripeEngine e =
          new StripeEngine("fill", g, members.clone(), StripeEngine.Options.defaults())) {
        for (long off = 0; off + SEQ <= e.size(); off += SEQ) {
          long at = off;
          await(done -> e.write(buffers.asSlice(0, SEQ), at, false, done));
        }
      }
      for (int round = 0; round <= rounds; round++) { // round 0 warms up
        double[] r = new double[7];
        BlockDevice[] degradedSet = members.clone();
        degradedSet[0] = null;
        try (StripeEngine e =
            new StripeEngine(
                "degraded", g, degradedSet, StripeEngine.Options.defaults().asReadOnly())) {
          r[0] = seconds(() -> readAll(e, buffers));
        }
        try (StripeEngine e =
            new StripeEngine("rebuild", g, degradedSet.clone(), StripeEngine.Options.defaults())) {
          MemoryDevice blank = MemoryDevice.create("blank", memberBytes);
          e.addMember(0, blank, 0);
          r[1] = seconds(() -> pass(e, SyncAction.RECOVER, Long.MAX_VALUE / 4096));
          blank.close();
        }
        try (StripeEngine e =
            new StripeEngine("resync", g, members.clone(), StripeEngine.Options.defaults())) {
          e.markUnsynced(0);
          r[2] = seconds(() -> pass(e, SyncAction.RESYNC, Long.MAX_VALUE / 4096));
          r[3] = randomWrites(e, buffers, random, 1);
          r[4] = seqReads(e, buffers, 1);
          // The same I/O while a rebuild runs at md's default limits.
          e.failMember(1, new java.io.IOException("bench"));
        }
        BlockDevice[] rebuilding = members.clone();
        rebuilding[1] = null;
        try (StripeEngine e =
            new StripeEngine("busy", g, rebuilding, StripeEngine.Options.defaults())) {
          MemoryDevice blank = MemoryDevice.create("blank", memberBytes);
          e.addMember(1, blank, 0);
          SyncJob job = e.startSync(SyncAction.RECOVER, 0, 200_000, j -> {});
          job.speedLimits(1_000, 200_000);
          r[5] = randomWrites(e, buffers, random, 1);
          r[6] = seqReads(e, buffers, 1);
          if (job.finished()) {
            throw new IllegalStateException(
                "the rebuild ended before the measurement: use larger members");
          }
          job.cancel();
          job.await(60, TimeUnit.SECONDS);
          // Finish the rebuild and put the rebuilt member in place, so the next round starts
          // from a consistent set.
          SyncJob rest =
              e.startSync(SyncAction.RECOVER, job.position(), Long.MAX_VALUE / 4096, j -> {});
          rest.await(10, TimeUnit.MINUTES);
          MemorySegment copy = arena.allocate(memberBytes, 4096);
          blank.read(copy, 0);
          members[1].write(copy, 0);
          blank.close();
        }
        if (round > 0) {
          results.add(r);
        }
      }
    } finally {
      for (MemoryDevice m : members) {
        m.close();
      }
    }
    double arrayBytes = g.arraySectors() * 512.0;
    double degradedRead = arrayBytes / median(results, 0);
    double rebuild = arrayBytes / median(results, 1);
    double resync = arrayBytes / median(results, 2);
    System.out.printf(
        Locale.ROOT,
        "RAID-%d, %d members of %d MiB, %d rounds (medians):%n"
            + "  degraded read   %6.2f GB/s of array data%n"
            + "  rebuild         %6.2f GB/s  = %.2fx degraded read  (%.0f MB/s per member)%n"
            + "  resync          %6.2f GB/s  = %.2fx degraded read%n"
            + "  random 4 KiB writes: idle %.0f k IOPS, during rebuild %.0f k IOPS = %.2fx%n"
            + "  sequential 1 MiB reads: idle %.2f GB/s, during rebuild %.2f GB/s = %.2fx%n",
        level,
        disks,
        memberBytes >> 20,
        results.size(),
        degradedRead / 1e9,
        rebuild / 1e9,
        rebuild / degradedRead,
        rebuild / g.dataDisks() / 1e6,
        resync / 1e9,
        resync / degradedRead,
        median(results, 3) / 1e3,
        median(results, 5) / 1e3,
        median(results, 5) / median(results, 3),
        median(results, 4) / 1e9,
        median(results, 6) / 1e9,
        median(results, 6) / median(results, 4));
  }

  interface Task {
    void run() throws Exception;
  }

  interface Io {
    void start(IoCompletion done);
  }

  private static double seconds(Task task) throws Exception {
    long start = System.nanoTime();
    task.run();
    return (System.nanoTime() - start) / 1e9;
  }

  private static void await(Io io) throws InterruptedException {
    Semaphore s = new Semaphore(0);
    io.start(error -> s.release());
    s.acquire();
  }

  private static void pass(StripeEngine e, SyncAction action, long limit) throws Exception {
    SyncJob job = e.startSync(action, 0, limit, j -> {});
    job.await(10, TimeUnit.MINUTES);
    if (!job.completed()) {
      throw new IllegalStateException(action + " did not complete: " + job);
    }
  }

  private static void readAll(StripeEngine e, MemorySegment buffers) throws InterruptedException {
    Semaphore depth = new Semaphore(SEQ_DEPTH);
    int k = 0;
    for (long off = 0; off + SEQ <= e.size(); off += SEQ) {
      depth.acquire();
      e.read(buffers.asSlice((long) (k++ % SEQ_DEPTH) * SEQ, SEQ), off, err -> depth.release());
    }
    depth.acquire(SEQ_DEPTH);
  }

  /** Random 4 KiB writes, 32 in flight, for {@code seconds}: requests per second. */
  private static double randomWrites(
      StripeEngine e, MemorySegment buffers, SplittableRandom random, double seconds)
      throws InterruptedException {
    Semaphore depth = new Semaphore(RANDOM_DEPTH);
    long blocks = e.size() / 4096;
    long end = System.nanoTime() + (long) (seconds * 1e9);
    long n = 0;
    long start = System.nanoTime();
    while (System.nanoTime() < end) {
      depth.acquire();
      MemorySegment src = buffers.asSlice((long) SEQ * SEQ_DEPTH + (n % RANDOM_DEPTH) * 4096, 4096);
      e.write(src, random.nextLong(blocks) * 4096, false, err -> depth.release());
      n++;
    }
    depth.acquire(RANDOM_DEPTH);
    return n / ((System.nanoTime() - start) / 1e9);
  }

  /** Sequential 1 MiB reads, 4 in flight, for {@code seconds}: bytes per second. */
  private static double seqReads(StripeEngine e, MemorySegment buffers, double seconds)
      throws InterruptedException {
    Semaphore depth = new Semaphore(SEQ_DEPTH);
    long end = System.nanoTime() + (long) (seconds * 1e9);
    long n = 0;
    long start = System.nanoTime();
    long off = 0;
    while (System.nanoTime() < end) {
      depth.acquire();
      if (off + SEQ > e.size()) {
        off = 0;
      }
      e.read(buffers.asSlice((n % SEQ_DEPTH) * SEQ, SEQ), off, err -> depth.release());
      off += SEQ;
      n++;
    }
    depth.acquire(SEQ_DEPTH);
    return n * (double) SEQ / ((System.nanoTime() - start) / 1e9);
  }

  /** The median of one column of interleaved rounds' results. */
  static double median(List<double[]> results, int column) {
    double[] v = results.stream().mapToDouble(r -> r[column]).sorted().toArray();
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }
}
