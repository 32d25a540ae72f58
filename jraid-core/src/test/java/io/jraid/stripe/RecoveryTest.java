package io.jraid.stripe;

import static org.assertj.core.api.Assertions.assertThat;

import io.jraid.device.BlockDevice;
import io.jraid.device.MemoryDevice;
import io.jraid.layout.ArrayGeometry;
import io.jraid.stripe.EngineHarness.Shape;
import io.jraid.testing.Seeds;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Rebuilding members onto blank devices (md's recovery): the rebuilt member ends byte-identical to
 * the one it replaces (the oracle is the original member, kept aside), reads during the rebuild
 * return the model's data, writes during it land on every member, and a cancelled rebuild leaves a
 * recovery point below which the new member serves reads.
 */
class RecoveryTest {

  static Stream<Shape> shapes() {
    return Stream.of(EngineHarness.SHAPES);
  }

  private static StripeEngine engine(ArrayGeometry g, BlockDevice[] members) {
    return new StripeEngine(
        "recovery-test", g, members, new StripeEngine.Options(64, 2, false, true, true, 0));
  }

  /** Members holding random data with consistent parity, written through a healthy engine. */
  private static MemoryDevice[] filled(Shape shape, SplittableRandom random, byte[] model)
      throws Exception {
    ArrayGeometry g = shape.geometry();
    MemoryDevice[] members = new MemoryDevice[g.raidDisks()];
    for (int i = 0; i < members.length; i++) {
      members[i] = MemoryDevice.create("m" + i, shape.memberBytes());
    }
    random.nextBytes(model);
    try (StripeEngine e = engine(g, members);
        Arena arena = Arena.ofShared()) {
      MemorySegment buffer = arena.allocate(model.length, 4096);
      MemorySegment.copy(MemorySegment.ofArray(model), 0, buffer, 0, model.length);
      await(done -> e.write(buffer, 0, false, done));
    }
    return members;
  }

  interface Io {
    void start(io.jraid.device.IoCompletion done);
  }

  private static void await(Io io) throws Exception {
    CompletableFuture<Void> f = new CompletableFuture<>();
    io.start(error -> {
      if (error == null) {
        f.complete(null);
      } else {
        f.completeExceptionally(error);
      }
    });
    f.get(60, TimeUnit.SECONDS);
  }

  private static byte[] read(StripeEngine e, long offset, int length) throws Exception {
    try (Arena arena = Arena.ofShared()) {
      MemorySegment buffer = arena.allocate(length, 4096);
      await(done -> e.read(buffer, offset, done));
      return buffer.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
    }
  }

  private static byte[] bytes(BlockDevice d) throws Exception {
    byte[] all = new byte[(int) d.size()];
    d.read(MemorySegment.ofArray(all), 0);
    return all;
  }

  /** The slots to rebuild: one for RAID-4/5, two for RAID-6. */
  private static int[] lost(ArrayGeometry g, SplittableRandom random) {
    int a = random.nextInt(g.raidDisks());
    if (g.level() != 6) {
      return new int[] {a};
    }
    int b = (a + 1 + random.nextInt(g.raidDisks() - 1)) % g.raidDisks();
    return new int[] {a, b};
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("shapes")
  void aRebuildUnderWritesGivesMembersIdenticalToAHealthyArray(Shape shape) throws Exception {
    long seed = Seeds.of(1, shape.hashCode());
    SplittableRandom random = new SplittableRandom(seed);
    ArrayGeometry g = shape.geometry();
    byte[] model = new byte[(int) (g.arraySectors() * 512)];
    MemoryDevice[] members = filled(shape, random, model);
    int[] lost = lost(g, random);
    BlockDevice[] running = members.clone();
    for (int slot : lost) {
      running[slot] = null;
    }
    try (StripeEngine e = engine(g, running);
        Arena arena = Arena.ofShared()) {
      assertThat(e.failedMembers()).isEqualTo(lost.length);
      for (int slot : lost) {
        MemoryDevice blank = MemoryDevice.create("spare" + slot, shape.memberBytes());
        assertThat(e.addMember(slot, blank, 0)).isNull();
        members[slot] = blank;
        assertThat(e.memberRebuilding(slot)).isTrue();
      }
      assertThat(e.failedMembers())
          .as("rebuilding members still count as degraded")
          .isEqualTo(lost.length);
      // Slow enough that the writes and reads below overlap the rebuild.
      SyncJob job = e.startSync(SyncAction.RECOVER, 0, 2_000, j -> {});
      MemorySegment buffer = arena.allocate(64 * 1024, 4096);
      byte[] chunk = new byte[(int) buffer.byteSize()];
      int ops = 0;
      while (!job.finished() || ops < 40) {
        int length = 1 + random.nextInt(Math.min(chunk.length, model.length / 4));
        long offset = random.nextLong(model.length - length + 1);
        if (random.nextBoolean()) {
          random.nextBytes(chunk);
          MemorySegment src = buffer.asSlice(0, length);
          MemorySegment.copy(MemorySegment.ofArray(chunk), 0, src, 0, length);
          await(done -> e.write(src, offset, false, done));
          System.arraycopy(chunk, 0, model, (int) offset, length);
        } else {
          assertThat(read(e, offset, length))
              .as("seed %d: read of %d at %d during the rebuild", seed, length, offset)
              .isEqualTo(java.util.Arrays.copyOfRange(model, (int) offset, (int) offset + length));
        }
        ops++;
      }
      assertThat(job.completed()).as("seed %d: %s", seed, job.abortReason()).isTrue();
      assertThat(e.failedMembers()).isZero();
      for (int slot : lost) {
        assertThat(e.memberInSync(slot)).isTrue();
        assertThat(e.recoveredBelow(slot)).isEqualTo(Long.MAX_VALUE);
      }
      assertThat(e.audit()).isEmpty();
    }
    EngineHarness.assertParityConsistent(g, members);
    // The array read from the rebuilt members alone (others of the original set left out) is the
    // model: the rebuilt blocks carry real data, not just consistent parity.
    BlockDevice[] onlyRebuilt = members.clone();
    int dropped = 0;
    for (int i = 0; i < onlyRebuilt.length && dropped < lost.length; i++) {
      boolean isLost = false;
      for (int slot : lost) {
        isLost |= slot == i;
      }
      if (!isLost) {
        onlyRebuilt[i] = null;
        dropped++;
      }
    }
    try (StripeEngine e = engine(g, onlyRebuilt)) {
      assertThat(read(e, 0, model.length)).as("seed %d", seed).isEqualTo(model);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("shapes")
  void aRebuiltMemberEqualsTheOneItReplaces(Shape shape) throws Exception {
    long seed = Seeds.of(2, shape.hashCode());
    SplittableRandom random = new SplittableRandom(seed);
    ArrayGeometry g = shape.geometry();
    byte[] model = new byte[(int) (g.arraySectors() * 512)];
    MemoryDevice[] members = filled(shape, random, model);
    int slot = random.nextInt(g.raidDisks());
    byte[] original = bytes(members[slot]);
    BlockDevice[] running = members.clone();
    running[slot] = null;
    MemoryDevice blank = MemoryDevice.create("spare", shape.memberBytes());
    try (StripeEngine e = engine(g, running)) {
      e.addMember(slot, blank, 0);
      SyncJob job = e.startSync(SyncAction.RECOVER, 0, j -> {});
      assertThat(job.await(60, TimeUnit.SECONDS)).isTrue();
      assertThat(job.completed()).isTrue();
      assertThat(e.audit()).isEmpty();
      // Every stripe reads what rebuilding its block needs: all the others on RAID-4/5; on RAID-6
      // all but one syndrome (a data block or P from P and the data, Q from the data alone).
      long reads = 0;
      for (StripeEngine.MemberStats m : e.stats().members) {
        reads += m.reads.sum();
      }
      long stripes = g.devSectors() / 8;
      int needed = g.raidDisks() - (g.level() == 6 ? 2 : 1);
      assertThat(reads).as("seed %d: member reads", seed).isEqualTo(stripes * needed);
    }
    long from = g.dataOffset() * 512;
    long to = from + g.devSectors() * 512;
    assertThat(java.util.Arrays.copyOfRange(bytes(blank), (int) from, (int) to))
        .as("seed %d: slot %d rebuilt", seed, slot)
        .isEqualTo(java.util.Arrays.copyOfRange(original, (int) from, (int) to));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("shapes")
  void aCancelledRebuildServesReadsBelowItsRecoveryPoint(Shape shape) throws Exception {
    long seed = Seeds.of(3, shape.hashCode());
    SplittableRandom random = new SplittableRandom(seed);
    ArrayGeometry g = shape.geometry();
    byte[] model = new byte[(int) (g.arraySectors() * 512)];
    MemoryDevice[] members = filled(shape, random, model);
    int slot = random.nextInt(g.raidDisks());
    BlockDevice[] running = members.clone();
    running[slot] = null;
    MemoryDevice blank = MemoryDevice.create("spare", shape.memberBytes());
    try (StripeEngine e = engine(g, running)) {
      e.addMember(slot, blank, 0);
      SyncJob job = e.startSync(SyncAction.RECOVER, 0, 64, j -> {});
      Thread.sleep(300);
      job.cancel();
      assertThat(job.await(30, TimeUnit.SECONDS)).isTrue();
      long point = job.position();
      assertThat(point).isPositive().isLessThan(job.endSector());
      assertThat(e.recoveredBelow(slot)).isEqualTo(point);
      assertThat(e.memberRebuilding(slot)).isTrue();
      // Another member fails: the array now needs the rebuilt part of the new member.
      int other = (slot + 1) % g.raidDisks();
      if (g.level() != 6) {
        e.failMember(other, new java.io.IOException("test: failed"));
        // Below the recovery point reads are served with the new member's help; above it the
        // stripe has lost two members and fails, as md would.
        long below = point * 512 / 8 / 512; // a row inside the rebuilt part
        long rowBytes = (long) g.chunkSectors() * 512 * g.dataDisks();
        long rows = (point / g.chunkSectors());
        if (rows > 0) {
          int length = (int) Math.min(rowBytes * rows, model.length);
          assertThat(read(e, 0, length))
              .as("seed %d: rows below the recovery point %d (%d)", seed, point, below)
              .isEqualTo(java.util.Arrays.copyOf(model, length));
        }
      } else {
        SyncJob rest = e.startSync(SyncAction.RECOVER, point, j -> {});
        assertThat(rest.await(60, TimeUnit.SECONDS)).isTrue();
        assertThat(rest.completed()).isTrue();
        assertThat(e.memberInSync(slot)).isTrue();
        assertThat(read(e, 0, model.length)).isEqualTo(model);
      }
      assertThat(e.audit()).isEmpty();
    }
  }

  /**
   * md clears a block's read-error state once its member is no longer in sync there: a spare being
   * rebuilt in the failed member's slot has nothing to repair, and a repair left pending (rewrite,
   * then read back a block that cannot be read yet) made the rebuild compute it over and over.
   */
  @org.junit.jupiter.api.Test
  void aReadErrorLeftByAFailedMemberDoesNotStallTheRebuildOfItsSlot() throws Exception {
    Shape shape = EngineHarness.SHAPES[2]; // RAID-5 of 5, left-asymmetric: stripe 0's P on slot 4
    long seed = Seeds.of(4, 0);
    ArrayGeometry g = shape.geometry();
    byte[] model = new byte[(int) (g.arraySectors() * 512)];
    MemoryDevice[] members = filled(shape, new SplittableRandom(seed), model);
    byte[] original = bytes(members[1]);
    long badBlock = g.dataOffset() * 512; // slot 1's block of stripe 0
    HealingDevice unreadable = new HealingDevice(members[1]);
    unreadable.breakBlock(badBlock);
    HeldWrites sick = new HeldWrites(unreadable, badBlock);
    BlockDevice[] running = java.util.Arrays.copyOf(members, members.length, BlockDevice[].class);
    running[1] = sick;
    MemoryDevice blank = MemoryDevice.create("spare", shape.memberBytes());
    try (StripeEngine e = engine(g, running)) {
      // The read fails on slot 1, is served rebuilt, and the rebuilt block's rewrite is held...
      byte[] row = read(e, 0, g.dataDisks() * g.chunkSectors() * 512);
      assertThat(row).isEqualTo(java.util.Arrays.copyOf(model, row.length));
      assertThat(sick.held.await(60, TimeUnit.SECONDS)).isTrue();
      // ...while the member fails and a spare takes its slot.
      e.failMember(1, new java.io.IOException("failed by the test"));
      e.addMember(1, blank, 0);
      sick.release.countDown();
      SyncJob job = e.startSync(SyncAction.RECOVER, 0, j -> {});
      assertThat(job.await(60, TimeUnit.SECONDS)).as("the rebuild ends").isTrue();
      assertThat(job.completed()).isTrue();
      assertThat(e.audit()).isEmpty();
    }
    long from = g.dataOffset() * 512;
    long to = from + g.devSectors() * 512;
    assertThat(java.util.Arrays.copyOfRange(bytes(blank), (int) from, (int) to))
        .as("seed %d: slot 1 rebuilt", seed)
        .isEqualTo(java.util.Arrays.copyOfRange(original, (int) from, (int) to));
  }
}
