package io.jraid.stripe;

import static org.assertj.core.api.Assertions.assertThat;

import io.jraid.device.BlockDevice;
import io.jraid.device.MemoryDevice;
import io.jraid.layout.ArrayGeometry;
import io.jraid.stripe.EngineHarness.Shape;
import io.jraid.testing.Seeds;
import io.jraid.testing.Sha256;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Sync passes (md's sync_request): check counts the stripes whose parity is wrong and writes
 * nothing; repair and resync make every stripe consistent without touching data; a resync runs
 * while the array is written; a cancelled pass leaves a checkpoint below which all is in sync. The
 * oracle is the scalar reference computing parity from the members' data blocks.
 */
class SyncTest {

  static Stream<Shape> shapes() {
    return Stream.of(EngineHarness.SHAPES);
  }

  private static MemoryDevice[] randomMembers(Shape shape, SplittableRandom random)
      throws Exception {
    int n = shape.geometry().raidDisks();
    MemoryDevice[] members = new MemoryDevice[n];
    byte[] bytes = new byte[(int) shape.memberBytes()];
    for (int i = 0; i < n; i++) {
      members[i] = MemoryDevice.create("m" + i, shape.memberBytes());
      random.nextBytes(bytes);
      members[i].write(MemorySegment.ofArray(bytes), 0);
    }
    return members;
  }

  private static StripeEngine engine(ArrayGeometry g, BlockDevice[] members) {
    return new StripeEngine(
        "sync-test", g, members, new StripeEngine.Options(64, 2, false, true, true, 0));
  }

  private static String digest(BlockDevice d) throws Exception {
    byte[] all = new byte[(int) d.size()];
    d.read(MemorySegment.ofArray(all), 0);
    return Sha256.of(all);
  }

  private static byte[] arrayBytes(StripeEngine e) throws Exception {
    byte[] all = new byte[(int) e.size()];
    try (Arena arena = Arena.ofShared()) {
      MemorySegment buffer = arena.allocate(all.length, 4096);
      java.util.concurrent.CompletableFuture<Void> done =
          new java.util.concurrent.CompletableFuture<>();
      e.read(
          buffer,
          0,
          error -> {
            if (error == null) {
              done.complete(null);
            } else {
              done.completeExceptionally(error);
            }
          });
      done.get(60, TimeUnit.SECONDS);
      MemorySegment.copy(buffer, 0, MemorySegment.ofArray(all), 0, all.length);
    }
    return all;
  }

  private static SyncJob run(StripeEngine e, SyncAction action) throws Exception {
    SyncJob job = e.startSync(action, 0, job1 -> {});
    assertThat(job.await(60, TimeUnit.SECONDS)).as("%s finished", action).isTrue();
    assertThat(job.completed()).isTrue();
    assertThat(job.position()).isEqualTo(job.endSector());
    return job;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("shapes")
  void checkCountsMismatchesAndWritesNothingThenRepairFixesParityOnly(Shape shape)
      throws Exception {
    long seed = Seeds.of(1, shape.hashCode());
    ArrayGeometry g = shape.geometry();
    MemoryDevice[] members = randomMembers(shape, new SplittableRandom(seed));
    // Make some stripes consistent so the count is not simply "all of them".
    long inconsistent = EngineHarness.inconsistentStripes(g, members, 0, g.devSectors());
    assertThat(inconsistent).as("seed %d: random members are inconsistent", seed).isPositive();
    List<String> before = new ArrayList<>();
    for (MemoryDevice m : members) {
      before.add(digest(m));
    }
    try (StripeEngine e = engine(g, members)) {
      byte[] data = arrayBytes(e);
      SyncJob check = run(e, SyncAction.CHECK);
      assertThat(check.mismatchSectors()).as("seed %d", seed).isEqualTo(8 * inconsistent);
      for (int i = 0; i < members.length; i++) {
        assertThat(digest(members[i]))
            .as("member %d untouched by check", i)
            .isEqualTo(before.get(i));
      }
      SyncJob repair = run(e, SyncAction.REPAIR);
      assertThat(repair.mismatchSectors()).isEqualTo(8 * inconsistent);
      assertThat(e.audit()).isEmpty();
      assertThat(arrayBytes(e)).as("repair rewrites parity, never data").isEqualTo(data);
      assertThat(run(e, SyncAction.CHECK).mismatchSectors()).isZero();
    }
    EngineHarness.assertParityConsistent(g, members);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("shapes")
  void resyncWhileWritingLeavesTheWritesAndConsistentParity(Shape shape) throws Exception {
    long seed = Seeds.of(2, shape.hashCode());
    SplittableRandom random = new SplittableRandom(seed);
    ArrayGeometry g = shape.geometry();
    MemoryDevice[] members = randomMembers(shape, random);
    try (StripeEngine e = engine(g, members);
        Arena arena = Arena.ofShared()) {
      byte[] model = arrayBytes(e); // data reads do not depend on parity
      e.markUnsynced(0);
      SyncJob job = e.startSync(SyncAction.RESYNC, 0, 20_000, j -> {});
      MemorySegment buffer = arena.allocate(256 * 1024, 4096);
      byte[] chunk = new byte[(int) buffer.byteSize()];
      int writes = 0;
      while (!job.finished() || writes < 50) {
        int length = 1 + random.nextInt(Math.min(chunk.length, model.length / 4));
        long offset = random.nextLong(model.length - length + 1);
        random.nextBytes(chunk);
        MemorySegment src = buffer.asSlice(0, length);
        MemorySegment.copy(MemorySegment.ofArray(chunk), 0, src, 0, length);
        java.util.concurrent.CompletableFuture<Void> done =
            new java.util.concurrent.CompletableFuture<>();
        e.write(src, offset, false, error -> done.complete(null));
        done.get(60, TimeUnit.SECONDS);
        System.arraycopy(chunk, 0, model, (int) offset, length);
        writes++;
      }
      assertThat(job.completed()).isTrue();
      assertThat(e.syncedBelow()).isEqualTo(Long.MAX_VALUE);
      assertThat(arrayBytes(e))
          .as("seed %d: %d writes during resync", seed, writes)
          .isEqualTo(model);
      assertThat(e.audit()).isEmpty();
    }
    EngineHarness.assertParityConsistent(g, members);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("shapes")
  void aCancelledResyncLeavesAValidCheckpoint(Shape shape) throws Exception {
    long seed = Seeds.of(3, shape.hashCode());
    ArrayGeometry g = shape.geometry();
    MemoryDevice[] members = randomMembers(shape, new SplittableRandom(seed));
    try (StripeEngine e = engine(g, members)) {
      e.markUnsynced(0);
      // 64 KiB/s per member: 16 stripes a second, so the pass is cancelled part-way.
      SyncJob job = e.startSync(SyncAction.RESYNC, 0, 64, j -> {});
      Thread.sleep(300);
      job.cancel();
      assertThat(job.await(30, TimeUnit.SECONDS)).isTrue();
      assertThat(job.completed()).isFalse();
      long checkpoint = job.position();
      assertThat(checkpoint).isPositive().isLessThan(job.endSector());
      assertThat(e.syncedBelow()).isEqualTo(checkpoint);
      assertThat(EngineHarness.inconsistentStripes(g, members, 0, checkpoint)).isZero();
      assertThat(e.audit()).isEmpty();
      // Resuming from the checkpoint finishes the job.
      SyncJob rest = e.startSync(SyncAction.RESYNC, checkpoint, j -> {});
      assertThat(rest.await(60, TimeUnit.SECONDS)).isTrue();
      assertThat(rest.completed()).isTrue();
    }
    EngineHarness.assertParityConsistent(g, members);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("shapes")
  void aPassOverRegionsVisitsOnlyThoseRegions(Shape shape) throws Exception {
    long seed = Seeds.of(4, shape.hashCode());
    ArrayGeometry g = shape.geometry();
    MemoryDevice[] members = randomMembers(shape, new SplittableRandom(seed));
    long end = g.devSectors() & ~7L;
    // Two regions: a stripe-aligned middle run, and the tail.
    long aStart = (end / 4) & ~7L;
    long aEnd = (end / 2) & ~7L;
    long bStart = (end - 16) & ~7L;
    SyncJob.Regions regions =
        sector ->
            sector < aStart ? aStart : sector < aEnd ? sector : sector < bStart ? bStart : sector;
    long expected =
        EngineHarness.inconsistentStripes(g, members, aStart, aEnd)
            + EngineHarness.inconsistentStripes(g, members, bStart, end);
    try (StripeEngine e = engine(g, members)) {
      SyncJob repair = e.startSync(SyncAction.REPAIR, 0, 200_000, regions, j -> {});
      assertThat(repair.await(60, TimeUnit.SECONDS)).isTrue();
      assertThat(repair.completed()).isTrue();
      assertThat(repair.mismatchSectors()).as("seed %d", seed).isEqualTo(8 * expected);
      assertThat(e.audit()).isEmpty();
    }
    assertThat(EngineHarness.inconsistentStripes(g, members, aStart, aEnd)).isZero();
    assertThat(EngineHarness.inconsistentStripes(g, members, bStart, end)).isZero();
    assertThat(EngineHarness.inconsistentStripes(g, members, 0, aStart))
        .as("seed %d: outside the regions nothing is repaired", seed)
        .isPositive();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("shapes")
  void checkSaysWhereAndRaid6RepairRestoresTheLocatedBlock(Shape shape) throws Exception {
    long seed = Seeds.of(5, shape.hashCode());
    SplittableRandom random = new SplittableRandom(seed);
    ArrayGeometry g = shape.geometry();
    int n = g.raidDisks();
    MemoryDevice[] members = new MemoryDevice[n];
    for (int i = 0; i < n; i++) {
      members[i] = MemoryDevice.create("m" + i, shape.memberBytes());
    }
    byte[] data;
    try (StripeEngine e = engine(g, members);
        Arena arena = Arena.ofShared()) {
      data = new byte[(int) e.size()];
      random.nextBytes(data);
      MemorySegment buffer = arena.allocate(data.length, 4096);
      MemorySegment.copy(MemorySegment.ofArray(data), 0, buffer, 0, data.length);
      java.util.concurrent.CompletableFuture<Void> done =
          new java.util.concurrent.CompletableFuture<>();
      e.write(buffer, 0, false, error -> done.complete(null));
      done.get(60, TimeUnit.SECONDS);
    }
    // One bad block in each of a few stripes (a few bytes, or all of it).
    long stripes = (g.devSectors() & ~7L) / 8;
    java.util.Map<Long, Integer> bad = new java.util.TreeMap<>();
    for (int k = 0; k < 6; k++) {
      bad.put(8 * random.nextLong(stripes), random.nextInt(n));
    }
    for (var b : bad.entrySet()) {
      byte[] block = new byte[4096];
      long at = (g.dataOffset() + b.getKey()) * 512;
      members[b.getValue()].read(MemorySegment.ofArray(block), at);
      int bytes = random.nextBoolean() ? 1 + random.nextInt(4) : block.length;
      for (int i = 0; i < bytes; i++) {
        int p = bytes == block.length ? i : random.nextInt(block.length);
        block[p] ^= (byte) (1 + random.nextInt(255));
      }
      members[b.getValue()].write(MemorySegment.ofArray(block), at);
    }
    try (StripeEngine e = engine(g, members)) {
      SyncJob check = run(e, SyncAction.CHECK);
      assertThat(check.mismatchSectors()).as("seed %d", seed).isEqualTo(8L * bad.size());
      List<SyncJob.Mismatch> found = check.mismatches();
      assertThat(found).hasSize(bad.size());
      for (SyncJob.Mismatch m : found) {
        assertThat(bad).containsKey(m.memberSector());
        assertThat(m.action()).isEqualTo("counted");
        if (g.level() == 6) {
          assertThat(m.slot())
              .as("seed %d: stripe %d located", seed, m.memberSector())
              .isEqualTo(bad.get(m.memberSector()));
          assertThat(m.block()).isIn("P", "Q", "data");
          assertThat(m.device()).isEqualTo("m" + m.slot());
        } else {
          assertThat(m.slot()).isEqualTo(-1);
        }
      }
      SyncJob repair = run(e, SyncAction.REPAIR);
      assertThat(repair.mismatchSectors()).isEqualTo(8L * bad.size());
      assertThat(run(e, SyncAction.CHECK).mismatchSectors()).isZero();
      if (g.level() == 6) {
        assertThat(arrayBytes(e))
            .as("seed %d: RAID-6 repair puts the located data back", seed)
            .isEqualTo(data);
        assertThat(repair.mismatches())
            .allMatch(m ->
                m.action()
                    .equals(
                        m.block().equals("data")
                            ? "data block rewritten"
                            : m.block() + " rewritten"));
      }
      assertThat(e.audit()).isEmpty();
    }
    EngineHarness.assertParityConsistent(g, members);
  }

  /**
   * A write that reaches a stripe while the sync pass is writing it (a repair rewriting parity, a
   * recovery writing the rebuilt block) waits for that write, then goes on. Found by the crash
   * campaign: the pass ended the stripe's sync step without another look, and the write was left on
   * the stripe for good.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(
      value = SyncAction.class,
      names = {"REPAIR", "RECOVER"})
  void aWriteArrivingWhileThePassWritesTheStripeIsNotForgotten(SyncAction action) throws Exception {
    for (Shape shape : new Shape[] {EngineHarness.SHAPES[1], EngineHarness.SHAPES[5]}) {
      long seed = Seeds.of(7, shape.hashCode(), action.name().hashCode());
      ArrayGeometry g = shape.geometry();
      io.jraid.layout.StripeMap map = new io.jraid.layout.StripeMap(g);
      MemoryDevice[] memory = randomMembers(shape, new SplittableRandom(seed));
      if (action == SyncAction.RECOVER) {
        try (StripeEngine e = engine(g, memory)) {
          run(e, SyncAction.REPAIR); // consistent first: the recovery rebuilds a P that matters
        }
      }
      // The stripe at member sector 0: the pass writes its P (repair: random members are
      // inconsistent) or its rebuilt block (recovery of the P member); the write goes to the data
      // block at array offset 0.
      int target = map.pdIdx(0);
      BlockDevice[] members = new BlockDevice[memory.length];
      System.arraycopy(memory, 0, members, 0, memory.length);
      HeldWrites held = new HeldWrites(memory[target], g.dataOffset() * 512);
      members[target] = held;
      if (action == SyncAction.RECOVER) {
        members[target] = null;
      }
      try (StripeEngine e = engine(g, members);
          Arena arena = Arena.ofShared()) {
        if (action == SyncAction.RECOVER) {
          e.addMember(target, held, 0);
        }
        SyncJob job = e.startSync(action, 0, j -> {});
        assertThat(held.held.await(30, TimeUnit.SECONDS)).as("the pass writes the stripe").isTrue();
        MemorySegment data = arena.allocate(4096, 4096);
        byte[] bytes = new byte[4096];
        new SplittableRandom(seed + 1).nextBytes(bytes);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, data, 0, 4096);
        java.util.concurrent.CompletableFuture<Void> written =
            new java.util.concurrent.CompletableFuture<>();
        e.write(
            data,
            0,
            false,
            error -> {
              if (error == null) {
                written.complete(null);
              } else {
                written.completeExceptionally(error);
              }
            });
        Thread.sleep(200); // the write joins the stripe while the pass's write is held
        held.release.countDown();
        written.get(10, TimeUnit.SECONDS);
        assertThat(job.await(60, TimeUnit.SECONDS)).isTrue();
        assertThat(java.util.Arrays.copyOf(arrayBytes(e), 4096)).as("%s", shape).isEqualTo(bytes);
        assertThat(e.audit()).isEmpty();
      }
      EngineHarness.assertParityConsistent(g, memory);
    }
  }
}
