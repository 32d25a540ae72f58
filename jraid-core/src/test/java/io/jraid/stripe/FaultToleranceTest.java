package io.jraid.stripe;

import static org.assertj.core.api.Assertions.assertThat;

import io.jraid.device.BlockDevice;
import io.jraid.device.FaultyDevice;
import io.jraid.device.MemoryDevice;
import io.jraid.layout.ArrayGeometry;
import io.jraid.ops.AsyncOps;
import io.jraid.parity.ParitySelection;
import io.jraid.stripe.EngineHarness.Shape;
import io.jraid.stripe.ReferenceModelTest.Model;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Members that fail while the array runs, within what the level survives: every read still returns
 * the model's bytes and every acknowledged write stays. Read errors are repaired by rewriting the
 * rebuilt block; a member whose writes fail is dropped and the array runs degraded.
 */
class FaultToleranceTest {

  static Stream<Shape> shapes() {
    return Stream.of(EngineHarness.SHAPES);
  }

  /**
   * Mid-run, one member dies (every I/O fails from then on); RAID-6 also loses a second member
   * later. Before that, another member has unreadable blocks that heal when rewritten.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("shapes")
  void membersFailMidRunWithinTheRedundancy(Shape shape) throws Exception {
    ArrayGeometry g = shape.geometry();
    int n = g.raidDisks();
    MemoryDevice[] memory = new MemoryDevice[n];
    FaultyDevice[] faulty = new FaultyDevice[n];
    BlockDevice[] members = new BlockDevice[n];
    HealingDevice healing = null;
    long seed = ReferenceModelTest.BASE_SEED ^ (shape.hashCode() * 31L);
    SplittableRandom chaos = new SplittableRandom(seed);
    int readErrorMember = chaos.nextInt(n);
    for (int i = 0; i < n; i++) {
      memory[i] = MemoryDevice.create("m" + i, shape.memberBytes());
      faulty[i] = new FaultyDevice(memory[i]);
      if (i == readErrorMember) {
        healing = new HealingDevice(faulty[i]);
        members[i] = healing;
      } else {
        members[i] = faulty[i];
      }
    }
    AsyncOps ops = AsyncOps.withWorkers(ParitySelection.selected(), 1, 64);
    Model model = filled(g, members, seed);
    StripeEngine engine =
        new StripeEngine(
            "faults", g, members, ops, new StripeEngine.Options(64, 2, false, true, true, 0));
    try {
      // Phase 1: some unreadable blocks on one member (the engine's cache is empty: it reads).
      io.jraid.layout.StripeMap map = new io.jraid.layout.StripeMap(g);
      for (int b = 0; b < 16; b++) {
        long sector = chaos.nextLong(g.devSectors() / 8) * 8;
        long row = sector / g.chunkSectors();
        if (map.pdIdx(row) != readErrorMember && map.qdIdx(row) != readErrorMember) {
          // Data blocks only: md rewrites unreadable parity only when it reads it (check/resync).
          healing.breakBlock((g.dataOffset() + sector) * 512);
        }
      }
      if (g.level() != 6) {
        readAll(engine, model, seed); // RAID-4/5: repair them while the array is whole
        assertThat(healing.badBlocks()).isZero();
      }
      // Phase 2: random I/O from three threads; a member dies during it.
      int dead = (readErrorMember + 1 + chaos.nextInt(n - 1)) % n;
      int secondDead =
          g.level() == 6 ? (dead + 1) % n == readErrorMember ? (dead + 2) % n : (dead + 1) % n : -1;
      List<Throwable> failures = new CopyOnWriteArrayList<>();
      ReferenceModelTest.concurrently(
          engine, model, g, seed + 100, 75, failures); // all members working
      faulty[dead].failAfter(0);
      ReferenceModelTest.concurrently(
          engine, model, g, seed + 200, 75, failures); // one member dead
      assertThat(failures).as("seed %d", seed).isEmpty();
      fill(engine, model, seed + 1); // a write to every block: the dead member is surely seen
      if (secondDead >= 0) {
        readAll(engine, model, seed); // repairs what is left unreadable before the second loss
        faulty[secondDead].failAfter(0);
        ReferenceModelTest.runOps(engine, model, g, new SplittableRandom(seed + 7), 150);
        fill(engine, model, seed + 2);
      }
      assertThat(engine.audit()).isEmpty();
      try (Arena arena = Arena.ofShared()) {
        MemorySegment all = arena.allocate(engine.size(), 4096);
        ReferenceModelTest.await(done -> engine.read(all, 0, done));
        assertThat(all.mismatch(MemorySegment.ofArray(model.bytes)))
            .as("whole array after the failures, seed %d", seed)
            .isEqualTo(-1);
      }
      assertThat(engine.memberInSync(dead)).isFalse();
      assertThat(engine.failedMembers()).isEqualTo(secondDead >= 0 ? 2 : 1);
    } finally {
      engine.close();
      ops.close();
    }
  }

  private static void readAll(StripeEngine engine, Model model, long seed) throws Exception {
    try (Arena arena = Arena.ofShared()) {
      MemorySegment all = arena.allocate(engine.size(), 4096);
      ReferenceModelTest.await(done -> engine.read(all, 0, done));
      assertThat(all.mismatch(MemorySegment.ofArray(model.bytes)))
          .as("whole array, seed %d", seed)
          .isEqualTo(-1);
    }
  }

  /** Fills the array through a short-lived engine, so the engine under test starts cold. */
  private static Model filled(ArrayGeometry g, BlockDevice[] members, long seed) throws Exception {
    StripeEngine filler =
        new StripeEngine(
            "filler", g, members, new StripeEngine.Options(64, 2, false, true, true, 0));
    try {
      Model model = new Model((int) filler.size());
      fill(filler, model, seed);
      return model;
    } finally {
      filler.close();
    }
  }

  /** Writes the whole array once, so that later reads everywhere read real data. */
  private static void fill(StripeEngine engine, Model model, long seed) throws Exception {
    SplittableRandom random = new SplittableRandom(seed);
    try (Arena arena = Arena.ofShared()) {
      int chunk = 1 << 16;
      MemorySegment buffer = arena.allocate(chunk, 4096);
      for (long offset = 0; offset < engine.size(); offset += chunk) {
        int length = (int) Math.min(chunk, engine.size() - offset);
        for (int i = 0; i < length; i += 8) {
          buffer.set(ValueLayout.JAVA_LONG_UNALIGNED, i, random.nextLong());
        }
        MemorySegment part = buffer.asSlice(0, length);
        long at = offset;
        ReferenceModelTest.await(done -> engine.write(part, at, false, done));
        MemorySegment.copy(part, ValueLayout.JAVA_BYTE, 0, model.bytes, (int) offset, length);
      }
    }
  }

  @Test
  void readErrorsAreRepairedByRewritingTheRebuiltBlock() throws Exception {
    Shape shape = EngineHarness.SHAPES[2]; // RAID-5, 5 members
    ArrayGeometry g = shape.geometry();
    BlockDevice[] members = new BlockDevice[g.raidDisks()];
    for (int i = 0; i < members.length; i++) {
      members[i] = MemoryDevice.create("m" + i, shape.memberBytes());
    }
    BlockDevice[] raw = members.clone(); // for the parity check: unreadable parity stays so
    HealingDevice sick = new HealingDevice(members[1]);
    members[1] = sick;
    Model model = filled(g, members, 99);
    StripeEngine engine =
        new StripeEngine(
            "repair", g, members, new StripeEngine.Options(64, 2, false, true, true, 0));
    try {
      for (long sector = 0; sector < g.devSectors(); sector += 64) {
        sick.breakBlock((g.dataOffset() + sector) * 512);
      }
      int broken = sick.badBlocks();
      try (Arena arena = Arena.ofShared()) {
        MemorySegment all = arena.allocate(engine.size(), 4096);
        ReferenceModelTest.await(done -> engine.read(all, 0, done));
        assertThat(all.mismatch(MemorySegment.ofArray(model.bytes))).isEqualTo(-1);
      }
      assertThat(sick.failedReads.get()).isPositive();
      // Every unreadable block someone read was rebuilt, rewritten and read back good.
      assertThat(engine.stats().readErrorsCorrected.sum()).isEqualTo(sick.healed.get());
      assertThat(sick.badBlocks()).isLessThan(broken);
      assertThat(engine.memberInSync(1)).isTrue();
      assertThat(engine.audit()).isEmpty();
      EngineHarness.assertParityConsistent(g, raw);
    } finally {
      engine.close();
    }
  }

  @Test
  void flushedAndFuaWritesSurviveAPowerCut() throws Exception {
    Shape shape = EngineHarness.SHAPES[5]; // RAID-6, 5 members
    ArrayGeometry g = shape.geometry();
    FaultyDevice[] members = new FaultyDevice[g.raidDisks()];
    for (int i = 0; i < members.length; i++) {
      members[i] = new FaultyDevice(MemoryDevice.create("m" + i, shape.memberBytes()));
      members[i].trackUnflushedWrites(true);
    }
    StripeEngine.Options options = new StripeEngine.Options(64, 2, false, true, true, 0);
    byte[] a = new byte[200_000];
    byte[] b = new byte[70_000];
    byte[] c = new byte[50_000];
    new SplittableRandom(5).nextBytes(a);
    new SplittableRandom(6).nextBytes(b);
    new SplittableRandom(7).nextBytes(c);
    StripeEngine engine = new StripeEngine("power", g, members.clone(), options);
    try (Arena arena = Arena.ofShared()) {
      write(engine, arena, a, 1000, false);
      ReferenceModelTest.await(engine::flush);
      write(engine, arena, b, 400_000, true); // FUA: durable when acknowledged
      write(engine, arena, c, 600_000, false); // acknowledged, never flushed
    } finally {
      engine.close();
    }
    for (FaultyDevice m : members) {
      m.powerCut();
      m.powerOn();
    }
    StripeEngine after = new StripeEngine("power", g, members.clone(), options.asReadOnly());
    try (Arena arena = Arena.ofShared()) {
      assertThat(read(after, arena, 1000, a.length)).isEqualTo(a);
      assertThat(read(after, arena, 400_000, b.length)).isEqualTo(b);
    } finally {
      after.close();
    }
  }

  private static void write(StripeEngine e, Arena arena, byte[] data, long offset, boolean fua)
      throws Exception {
    MemorySegment src = arena.allocate(data.length, 4096);
    MemorySegment.copy(data, 0, src, ValueLayout.JAVA_BYTE, 0, data.length);
    ReferenceModelTest.await(done -> e.write(src, offset, fua, done));
  }

  private static byte[] read(StripeEngine e, Arena arena, long offset, int length)
      throws Exception {
    MemorySegment dst = arena.allocate(length, 4096);
    ReferenceModelTest.await(done -> e.read(dst, offset, done));
    return dst.toArray(ValueLayout.JAVA_BYTE);
  }
}
