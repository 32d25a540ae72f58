package io.jraid.bench;

import io.jraid.array.ArrayCreator;
import io.jraid.array.AssemblyPlanner;
import io.jraid.array.CreatePlan;
import io.jraid.array.CreatePlanner;
import io.jraid.array.CreateRequest;
import io.jraid.array.Member;
import io.jraid.array.MemberReader;
import io.jraid.array.RaidArray;
import io.jraid.device.BlockDevice;
import io.jraid.device.MemoryDevice;
import io.jraid.format.MetadataVersion;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Semaphore;

/**
 * Random 4 KiB writes (32 in flight) through a running array — superblocks, safe mode and all —
 * without a write-intent bitmap, with mdadm's default bitmap (64 MiB a bit) and with a fine one (16
 * KiB a bit, the finest that fits, so that writes keep finding clean chunks whose bits must be
 * written first). RAID-5 of 5 memory members, 64 KiB chunk; the three arrays are measured in
 * interleaved rounds in one process and the medians compared.
 *
 * <p>Run: {@code java -cp jraid-bench/target/benchmarks.jar io.jraid.bench.BitmapBench [rounds]
 * [memberMiB] [seconds] [idleSeconds]}.
 */
public final class BitmapBench {

  private static final int DEPTH = 32;

  private BitmapBench() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    long memberBytes = (args.length > 1 ? Long.parseLong(args[1]) : 256) << 20;
    double seconds = args.length > 2 ? Double.parseDouble(args[2]) : 2;
    // Idle time before each measured run: 11 s lets two bitmap sweeps clear every bit, so the run
    // starts cold and every first write into a chunk must wait for its bit.
    double idle = args.length > 3 ? Double.parseDouble(args[3]) : 0;
    String[] names = {"no bitmap", "bitmap 64 MiB chunk", "bitmap 16 KiB chunk"};
    long[] bitmapChunks = {-1, 0, 16 * 1024};
    RaidArray[] arrays = new RaidArray[names.length];
    for (int i = 0; i < names.length; i++) {
      arrays[i] = create("a" + i, 5, memberBytes, bitmapChunks[i]);
    }
    List<double[]> results = new ArrayList<>();
    long[] writes = new long[names.length];
    try (Arena arena = Arena.ofShared()) {
      MemorySegment buffers = arena.allocate(4096L * DEPTH, 4096);
      buffers.fill((byte) 0x6b);
      SplittableRandom random = new SplittableRandom(11);
      for (int round = 0; round <= rounds; round++) { // round 0 warms up
        double[] r = new double[names.length];
        for (int i = 0; i < names.length; i++) {
          Thread.sleep((long) (idle * 1000));
          r[i] = randomWrites(arrays[i], buffers, random, seconds);
          writes[i] += (long) (r[i] * seconds);
        }
        if (round > 0) {
          results.add(r);
        }
      }
    } finally {
      for (int i = 0; i < arrays.length; i++) {
        RaidArray.BitmapStatus b = arrays[i].bitmapStatus();
        if (b != null) {
          System.out.printf(
              Locale.ROOT,
              "  %s: %d bitmap pages written in %d batches for ~%d writes%n",
              names[i],
              b.pageWrites(),
              b.writeBatches(),
              writes[i]);
        }
        arrays[i].close();
      }
    }
    System.out.printf(
        Locale.ROOT,
        "RAID-5, 5 members of %d MiB, random 4 KiB writes at %d in flight, %d rounds of %.1f s"
            + " after %.0f s idle (medians):%n",
        memberBytes >> 20,
        DEPTH,
        results.size(),
        seconds,
        idle);
    double base = RebuildBench.median(results, 0);
    for (int i = 0; i < names.length; i++) {
      System.out.printf(
          Locale.ROOT,
          "  %-22s %7.1f k IOPS = %.2fx no bitmap%n",
          names[i],
          RebuildBench.median(results, i) / 1e3,
          RebuildBench.median(results, i) / base);
    }
  }

  /** An array made as {@code jraid create} makes it, on memory members, and started. */
  private static RaidArray create(String name, int disks, long memberBytes, long bitmapChunk)
      throws Exception {
    List<BlockDevice> devices = new ArrayList<>();
    List<CreatePlanner.Device> planned = new ArrayList<>();
    Map<String, BlockDevice> byName = new HashMap<>();
    for (int i = 0; i < disks; i++) {
      MemoryDevice d = MemoryDevice.create(name + "-m" + i, memberBytes);
      devices.add(d);
      byName.put(d.name(), d);
      planned.add(new CreatePlanner.Device(d.name(), d.sectors()));
    }
    CreateRequest request =
        new CreateRequest(
                5,
                disks,
                128,
                null,
                MetadataVersion.V1_2,
                name,
                "bench",
                bitmapChunk < 0 ? CreateRequest.Bitmap.NONE : CreateRequest.Bitmap.INTERNAL,
                true,
                0)
            .withBitmapChunk(Math.max(0, bitmapChunk));
    CreatePlan plan =
        CreatePlanner.plan(
            request, planned, CreatePlanner.Identity.random(disks, InstantSource.system()));
    ArrayCreator.write(plan, devices);
    List<Member> members = new ArrayList<>();
    for (BlockDevice d : devices) {
      members.add(MemberReader.read(d));
    }
    RaidArray first =
        RaidArray.open(
            AssemblyPlanner.plan(members),
            false,
            (path, ro) -> new KeptOpen(byName.get(path.toString())));
    // The first run turns mdadm's all-ones bitmap into a clean one; a clean stop sweeps it.
    first.close();
    for (int i = 0; i < disks; i++) {
      members.set(i, MemberReader.read(devices.get(i)));
    }
    return RaidArray.open(
        AssemblyPlanner.plan(members), false, (path, ro) -> byName.get(path.toString()));
  }

  /** A member that outlives the array closing it (the first run of a new array). */
  private static final class KeptOpen implements BlockDevice {
    private final BlockDevice inner;

    KeptOpen(@org.jspecify.annotations.Nullable BlockDevice inner) {
      this.inner = java.util.Objects.requireNonNull(inner);
    }

    @Override
    public String name() {
      return inner.name();
    }

    @Override
    public long size() {
      return inner.size();
    }

    @Override
    public int logicalBlockSize() {
      return inner.logicalBlockSize();
    }

    @Override
    public int memoryAlignment() {
      return inner.memoryAlignment();
    }

    @Override
    public boolean readOnly() {
      return false;
    }

    @Override
    public void read(MemorySegment dst, long offset, io.jraid.device.IoCompletion done) {
      inner.read(dst, offset, done);
    }

    @Override
    public void write(
        MemorySegment src, long offset, boolean fua, io.jraid.device.IoCompletion done) {
      inner.write(src, offset, fua, done);
    }

    @Override
    public void flush(io.jraid.device.IoCompletion done) {
      inner.flush(done);
    }

    @Override
    public void discard(long offset, long length, io.jraid.device.IoCompletion done) {
      inner.discard(offset, length, done);
    }

    @Override
    public void close() {}
  }

  /** Random 4 KiB writes, {@link #DEPTH} in flight, for {@code seconds}: requests per second. */
  private static double randomWrites(
      RaidArray array, MemorySegment buffers, SplittableRandom random, double seconds)
      throws InterruptedException {
    Semaphore depth = new Semaphore(DEPTH);
    long blocks = array.size() / 4096;
    long end = System.nanoTime() + (long) (seconds * 1e9);
    long n = 0;
    long start = System.nanoTime();
    while (System.nanoTime() < end) {
      depth.acquire();
      MemorySegment src = buffers.asSlice((n % DEPTH) * 4096, 4096);
      array.write(src, random.nextLong(blocks) * 4096, false, err -> depth.release());
      n++;
    }
    depth.acquire(DEPTH);
    return n / ((System.nanoTime() - start) / 1e9);
  }
}
