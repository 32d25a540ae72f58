package io.jraid.stripe;

import static org.assertj.core.api.Assertions.assertThat;

import io.jraid.device.BlockDevice;
import io.jraid.device.MemoryDevice;
import io.jraid.layout.ArrayGeometry;
import io.jraid.ops.AsyncOps;
import io.jraid.parity.ParitySelection;
import io.jraid.stripe.EngineHarness.Shape;
import io.jraid.testing.Seeds;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The engine against a plain byte array that receives the same writes: seeded random reads and
 * writes (aligned, unaligned, sub-block, across chunks and rows, whole rows) and flushes from
 * several threads at once; every read compared with the model; afterwards the whole array, every
 * stripe's parity on the members (scalar reference), and the cache's state (all stripes free, no
 * locked block, every descriptor back).
 */
class ReferenceModelTest {

  /** The run's base seed (printed once by {@link Seeds}; replay with -Djraid.seed). */
  static final long BASE_SEED = Seeds.BASE;

  static Stream<Arguments> cases() {
    List<Arguments> cases = new ArrayList<>();
    int n = 0;
    for (Shape shape : EngineHarness.SHAPES) {
      // Lanes that park the moment they are idle, or stay a while: both hand-offs get exercised.
      int idle = n % 3 == 0 ? 0 : StripeEngine.Options.DEFAULT_LANE_IDLE_MICROS;
      cases.add(Arguments.of(shape, n++ % 2 == 0 ? 0 : 2, idle));
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}, {1} op channels, lanes idle {2} us")
  @MethodSource("cases")
  void randomConcurrentIoMatchesTheModel(Shape shape, int channels, int laneIdleMicros)
      throws Exception {
    ArrayGeometry g = shape.geometry();
    BlockDevice[] members = new BlockDevice[g.raidDisks()];
    for (int i = 0; i < members.length; i++) {
      members[i] = MemoryDevice.create("m" + i, shape.memberBytes());
    }
    StripeEngine.Options options =
        new StripeEngine.Options(64, 2, false, true, true, 0).withLaneIdleMicros(laneIdleMicros);
    AsyncOps ops =
        channels == 0
            ? AsyncOps.inline(ParitySelection.selected())
            : AsyncOps.withWorkers(ParitySelection.selected(), channels, 32);
    StripeEngine engine = new StripeEngine("test", g, members, ops, options);
    Model model = new Model((int) engine.size());
    long seed = BASE_SEED ^ shape.hashCode();
    try {
      List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
      concurrently(engine, model, g, seed, 300, failures);
      assertThat(failures).as("seed %d", seed).isEmpty();
      assertThat(engine.audit()).as("cache after the run").isEmpty();
      try (Arena arena = Arena.ofShared()) {
        MemorySegment all = arena.allocate(engine.size(), 4096);
        await(done -> engine.read(all, 0, done));
        assertThat(all.mismatch(MemorySegment.ofArray(model.bytes)))
            .as("whole array vs model, seed %d", seed)
            .isEqualTo(-1);
      }
      EngineHarness.assertParityConsistent(g, members);
    } finally {
      engine.close();
      ops.close();
    }
  }

  /**
   * The same with members missing from the start (one for RAID-4/5, one and then two for RAID-6):
   * every write goes through the degraded paths (reconstruct-writes, rebuilt old data), every read
   * of a lost block is rebuilt.
   */
  @ParameterizedTest(name = "{0}, {1} missing")
  @MethodSource("degradedCases")
  void degradedArrayMatchesTheModel(Shape shape, int missing) throws Exception {
    ArrayGeometry g = shape.geometry();
    BlockDevice[] members = new BlockDevice[g.raidDisks()];
    for (int i = 0; i < members.length; i++) {
      members[i] = MemoryDevice.create("m" + i, shape.memberBytes());
    }
    long seed = BASE_SEED ^ shape.hashCode() ^ missing;
    SplittableRandom random = new SplittableRandom(seed);
    BlockDevice[] running = members.clone();
    int first = random.nextInt(members.length);
    running[first] = null;
    if (missing == 2) {
      running[(first + 1 + random.nextInt(members.length - 1)) % members.length] = null;
    }
    StripeEngine engine =
        new StripeEngine(
            "degraded", g, running, new StripeEngine.Options(64, 2, false, true, true, 0));
    Model model = new Model((int) engine.size());
    try {
      runOps(engine, model, g, random, 600);
      assertThat(engine.audit()).isEmpty();
      try (Arena arena = Arena.ofShared()) {
        MemorySegment all = arena.allocate(engine.size(), 4096);
        await(done -> engine.read(all, 0, done));
        assertThat(all.mismatch(MemorySegment.ofArray(model.bytes)))
            .as("whole array vs model, seed %d", seed)
            .isEqualTo(-1);
      }
    } finally {
      engine.close();
    }
  }

  static Stream<Arguments> degradedCases() {
    List<Arguments> cases = new ArrayList<>();
    for (Shape shape : EngineHarness.SHAPES) {
      cases.add(Arguments.of(shape, 1));
      if (shape.level() == 6) {
        cases.add(Arguments.of(shape, 2));
      }
    }
    return cases.stream();
  }

  /**
   * Three threads of {@code ops} random requests each, at once; what goes wrong is collected in
   * {@code failures}.
   */
  static void concurrently(
      StripeEngine engine,
      Model model,
      ArrayGeometry g,
      long seed,
      int ops,
      List<Throwable> failures)
      throws InterruptedException {
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 3; t++) {
      SplittableRandom random = new SplittableRandom(seed + t);
      threads.add(
          Thread.ofPlatform()
              .start(() -> {
                try {
                  runOps(engine, model, g, random, ops);
                } catch (Throwable e) {
                  failures.add(e);
                }
              }));
    }
    for (Thread t : threads) {
      t.join();
    }
  }

  /** One thread's random requests; each locks the blocks it touches so the model stays exact. */
  static void runOps(
      StripeEngine engine, Model model, ArrayGeometry g, SplittableRandom random, int count)
      throws Exception {
    long size = engine.size();
    long rowBytes = (long) g.chunkSectors() * 512 * g.dataDisks();
    try (Arena arena = Arena.ofShared()) {
      MemorySegment buffer = arena.allocate(rowBytes * 2 + 8192, 4096);
      for (int op = 0; op < count; op++) {
        long offset;
        long length;
        switch (random.nextInt(6)) {
          case 0 -> { // a whole row (full-stripe write)
            offset = random.nextLong(size / rowBytes) * rowBytes;
            length = rowBytes;
          }
          case 1 -> { // 4 KiB aligned
            offset = random.nextLong(size / 4096) * 4096;
            length = 4096L * (1 + random.nextInt(4));
          }
          case 2 -> { // sub-block
            offset = random.nextLong(size - 1);
            length = 1L + random.nextInt(4095);
          }
          case 3 -> { // across chunks and rows, unaligned
            offset = random.nextLong(size);
            length = 1 + random.nextLong(rowBytes + 4096);
          }
          case 4 -> { // sector aligned
            offset = random.nextLong(size / 512) * 512;
            length = 512L * (1 + random.nextInt(24));
          }
          default -> {
            offset = random.nextLong(size / 4096) * 4096;
            length = 4096;
          }
        }
        length = Math.min(length, size - offset);
        if (length == 0) {
          continue;
        }
        MemorySegment io = buffer.asSlice(random.nextInt(2) * 4096L, length);
        boolean write = random.nextInt(5) < 3;
        model.lock(offset, length);
        try {
          if (write) {
            for (long i = 0; i < length; i++) {
              io.set(ValueLayout.JAVA_BYTE, i, (byte) random.nextInt());
            }
            boolean fua = random.nextInt(8) == 0;
            await(done -> engine.write(io, offset, fua, done));
            MemorySegment.copy(
                io, ValueLayout.JAVA_BYTE, 0, model.bytes, (int) offset, (int) length);
          } else {
            await(done -> engine.read(io, offset, done));
            long mismatch = io.mismatch(MemorySegment.ofArray(model.bytes).asSlice(offset, length));
            if (mismatch != -1) {
              throw new AssertionError(
                  "read of "
                      + length
                      + " bytes at "
                      + offset
                      + " differs from the model at +"
                      + mismatch);
            }
          }
        } finally {
          model.unlock(offset, length);
        }
        if (random.nextInt(20) == 0) {
          await(engine::flush);
        }
      }
    }
  }

  static void await(java.util.function.Consumer<io.jraid.device.IoCompletion> call)
      throws IOException {
    CompletableFuture<Void> f = new CompletableFuture<>();
    call.accept(e -> {
      if (e == null) {
        f.complete(null);
      } else {
        f.completeExceptionally(e);
      }
    });
    try {
      f.get(60, java.util.concurrent.TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IOException(e.getCause().getMessage(), e.getCause());
    } catch (Exception e) {
      throw new AssertionError("request did not complete: " + e, e);
    }
  }

  /** The reference: the array's bytes, and locks over 4 KiB blocks for concurrent tests. */
  static final class Model {
    final byte[] bytes;
    private final ReentrantLock[] locks = new ReentrantLock[64];

    Model(int size) {
      bytes = new byte[size];
      for (int i = 0; i < locks.length; i++) {
        locks[i] = new ReentrantLock();
      }
    }

    private boolean[] which(long offset, long length) {
      boolean[] take = new boolean[locks.length];
      for (long b = offset / 4096; b <= (offset + length - 1) / 4096; b++) {
        take[(int) (b % locks.length)] = true;
        if (b - offset / 4096 > locks.length) {
          java.util.Arrays.fill(take, true);
          break;
        }
      }
      return take;
    }

    void lock(long offset, long length) {
      boolean[] take = which(offset, length);
      for (int i = 0; i < locks.length; i++) {
        if (take[i]) {
          locks[i].lock();
        }
      }
    }

    void unlock(long offset, long length) {
      boolean[] take = which(offset, length);
      for (int i = locks.length - 1; i >= 0; i--) {
        if (take[i]) {
          locks[i].unlock();
        }
      }
    }
  }
}
