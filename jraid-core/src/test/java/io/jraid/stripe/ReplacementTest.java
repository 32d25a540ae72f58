package io.jraid.stripe;

import static org.assertj.core.api.Assertions.assertThat;

import io.jraid.device.BlockDevice;
import io.jraid.device.FaultyDevice;
import io.jraid.device.MemoryDevice;
import io.jraid.layout.Algorithm;
import io.jraid.layout.ArrayGeometry;
import io.jraid.stripe.EngineHarness.Shape;
import io.jraid.testing.HeldLog;
import io.jraid.testing.Seeds;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * md's replace at the engine: a replacement holds current data below its copy point, so every write
 * must reach it — also while the member it copies is failing.
 */
class ReplacementTest {

  /**
   * The member being replaced fails; writes that reach the slot while the failure is being handled
   * (held open here at the failure's warning, as a slow log would hold it) must land on the
   * replacement, which carries on as the slot's member and is trusted below its copy point. Before
   * the fix they were skipped in that window (the member showed as failed, the replacement not yet
   * in its place): the replacement kept stale blocks that the parity check below finds.
   */
  @Test
  void writesWhileTheReplacedMemberFailsReachTheReplacement() throws Exception {
    long seed = Seeds.of(90, 1);
    SplittableRandom random = new SplittableRandom(seed);
    Shape shape = new Shape(5, Algorithm.LEFT_SYMMETRIC, 4, 16, 64);
    ArrayGeometry g = shape.geometry();
    MemoryDevice[] plain = memoryMembers(shape);
    FaultyDevice failing = new FaultyDevice(plain[1]);
    BlockDevice[] members = {plain[0], failing, plain[2], plain[3]};
    MemoryDevice replacement = MemoryDevice.create("replacement", shape.memberBytes());
    long copiedBelow = g.devSectors() / 2 & ~7L; // zeros, like the member: current below here

    long rowBytes = (long) g.chunkSectors() * 512 * g.dataDisks();
    int rows = (int) (copiedBelow / g.chunkSectors());
    List<CompletableFuture<Void>> writes = new ArrayList<>();
    try (StripeEngine e = engine(g, members);
        Arena arena = Arena.ofShared();
        HeldLog failureLog = HeldLog.holding("failed: {3}")) {
      e.addReplacement(1, replacement, copiedBelow);
      failing.failWrites(0, g.dataOffset() + g.devSectors());
      MemorySegment data = arena.allocate(rowBytes * rows, 4096);
      for (long i = 0; i < data.byteSize(); i += 8) {
        data.set(java.lang.foreign.ValueLayout.JAVA_LONG, i, random.nextLong());
      }
      writes.add(write(e, data.asSlice(0, rowBytes), 0)); // its write to slot 1 fails the member
      assertThat(failureLog.awaitHeld(20)).as("the member's failure is reported").isTrue();
      // Whole rows (each writes slot 1's block, data or parity), on every lane: those not on the
      // lane whose thread is held complete while the failure is being handled.
      for (int row = 1; row < rows; row++) {
        writes.add(write(e, data.asSlice(row * rowBytes, rowBytes), row * rowBytes));
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (writes.stream().filter(CompletableFuture::isDone).count() < 2
          && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
      failureLog.release();
      for (CompletableFuture<Void> w : writes) {
        w.get(20, TimeUnit.SECONDS);
      }
      assertThat(e.memberIs(1, replacement)).as("the replacement takes the slot").isTrue();
      assertThat(e.recoveredBelow(1)).isEqualTo(copiedBelow);
    }
    BlockDevice[] afterwards = {plain[0], replacement, plain[2], plain[3]};
    assertThat(EngineHarness.inconsistentStripes(g, afterwards, 0, copiedBelow))
        .as(
            "seed %d: stripes below the copy point whose parity the replacement breaks: %s",
            seed, EngineHarness.describeInconsistentStripes(g, afterwards, 0, copiedBelow))
        .isZero();
  }

  /**
   * Two replacements copied in one pass: each stripe's block goes to each replacement once. The
   * copy of one block was issued again by any pass that ran while it was in flight (here: the other
   * replacement's copy completing first), and the first completion unlocked the block while the
   * second write was still going: a user write could then go to the same place at the same time,
   * and the older copy land last (the crash campaign found the mix of the two on a replacement).
   * The slow replacement's writes are counted and checked for overlap.
   */
  @Test
  void eachBlockIsCopiedOnceWhileTwoReplacementsAreMade() throws Exception {
    long seed = Seeds.of(90, 2);
    SplittableRandom random = new SplittableRandom(seed);
    Shape shape = new Shape(5, Algorithm.LEFT_SYMMETRIC, 4, 16, 8);
    ArrayGeometry g = shape.geometry();
    MemoryDevice[] members = memoryMembers(shape);
    MemoryDevice quick = MemoryDevice.create("quick", shape.memberBytes());
    MemoryDevice slowBelow = MemoryDevice.create("slow", shape.memberBytes());
    OverlapCounter slow =
        new OverlapCounter(new FaultyDevice(slowBelow).delayCompletions(Duration.ofMillis(2)));
    try (StripeEngine e = engine(g, members.clone());
        Arena arena = Arena.ofShared()) {
      long bytes = g.arraySectors() * 512;
      MemorySegment data = arena.allocate(bytes, 4096);
      for (long i = 0; i < bytes; i += 8) {
        data.set(java.lang.foreign.ValueLayout.JAVA_LONG, i, random.nextLong());
      }
      write(e, data, 0).get(20, TimeUnit.SECONDS);
      e.addReplacement(1, quick);
      e.addReplacement(2, slow);
      CompletableFuture<SyncJob> done = new CompletableFuture<>();
      e.startSync(SyncAction.RECOVER, 0, done::complete);
      assertThat(done.get(60, TimeUnit.SECONDS).completed()).isTrue();
      assertThat(e.replacementComplete(1)).isTrue();
      assertThat(e.replacementComplete(2)).isTrue();
    }
    long stripes = g.devSectors() / 8;
    assertThat(slow.overlaps.get()).as("writes to one place at once").isZero();
    assertThat(slow.writes.get()).as("copy writes, one per stripe").isEqualTo(stripes);
    long from = g.dataOffset() * 512;
    long length = g.devSectors() * 512;
    assertThat(
            slowBelow
                .memory()
                .asSlice(from, length)
                .mismatch(members[2].memory().asSlice(from, length)))
        .isEqualTo(-1);
    assertThat(
            quick
                .memory()
                .asSlice(from, length)
                .mismatch(members[1].memory().asSlice(from, length)))
        .isEqualTo(-1);
  }

  /** Counts writes and those that overlap a write still in flight on the device. */
  private static final class OverlapCounter extends io.jraid.testing.ForwardingDevice {
    final java.util.concurrent.atomic.AtomicLong writes =
        new java.util.concurrent.atomic.AtomicLong();
    final java.util.concurrent.atomic.AtomicLong overlaps =
        new java.util.concurrent.atomic.AtomicLong();
    private final java.util.Set<Long> inFlight = java.util.concurrent.ConcurrentHashMap.newKeySet();

    OverlapCounter(BlockDevice inner) {
      super(inner);
    }

    @Override
    public void write(
        MemorySegment src, long offset, boolean fua, io.jraid.device.IoCompletion done) {
      writes.incrementAndGet();
      if (!inFlight.add(offset)) {
        overlaps.incrementAndGet();
      }
      super.write(
          src,
          offset,
          fua,
          error -> {
            inFlight.remove(offset);
            done.completed(error);
          });
    }
  }

  /**
   * A recovery pass counts its progress only for the devices it was started for. Here a copy
   * finishes and, before it takes its slot, a pass starts for another slot's spare (listing the
   * finished copy too, as the slot still has a replacement); the copy takes the slot, and a new
   * copy of that slot starts while the pass runs. The pass's progress went to the new copy, which
   * held nothing below it: after a cut, assembly trusted it there (campaign, RAID-6 6x8K with
   * O_DIRECT members: zeros read back where durable data had been).
   */
  @Test
  void aPassDoesNotCountForACopyThatCameAfterIt() throws Exception {
    Shape shape = new Shape(5, Algorithm.LEFT_SYMMETRIC, 4, 16, 64);
    ArrayGeometry g = shape.geometry();
    MemoryDevice first = MemoryDevice.create("first", shape.memberBytes());
    MemoryDevice second = MemoryDevice.create("second", shape.memberBytes());
    MemoryDevice spare = MemoryDevice.create("spare", shape.memberBytes());
    try (StripeEngine e = engine(g, memoryMembers(shape))) {
      e.addReplacement(0, first);
      SyncJob copy = e.startSync(SyncAction.RECOVER, 0, 1_000_000, j -> {});
      assertThat(copy.await(20, TimeUnit.SECONDS)).isTrue();
      assertThat(e.replacementComplete(0)).isTrue();
      e.failMember(2, new java.io.IOException("failed by the test"));
      e.addMember(2, spare, 0);
      SyncJob rebuild = e.startSync(SyncAction.RECOVER, 0, 100, j -> {}); // slow: ~10 s
      e.promoteReplacement(0);
      e.addReplacement(0, second);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (e.recoveredBelow(2) == 0 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      rebuild.cancel();
      assertThat(rebuild.await(20, TimeUnit.SECONDS)).isTrue();
      assertThat(e.recoveredBelow(2)).as("the pass went on for the spare").isPositive();
      assertThat(e.replacedBelow(0)).as("the new copy's point: it holds nothing yet").isZero();
    }
  }

  private static MemoryDevice[] memoryMembers(Shape shape) {
    MemoryDevice[] members = new MemoryDevice[shape.disks()];
    for (int i = 0; i < members.length; i++) {
      members[i] = MemoryDevice.create("m" + i, shape.memberBytes());
    }
    return members;
  }

  private static StripeEngine engine(ArrayGeometry g, BlockDevice[] members) {
    return new StripeEngine(
        "replacement-test", g, members, new StripeEngine.Options(64, 2, false, true, true, 0));
  }

  private static CompletableFuture<Void> write(StripeEngine e, MemorySegment src, long offset) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    e.write(
        src,
        offset,
        false,
        error -> {
          if (error == null) {
            f.complete(null);
          } else {
            f.completeExceptionally(error);
          }
        });
    return f;
  }
}
