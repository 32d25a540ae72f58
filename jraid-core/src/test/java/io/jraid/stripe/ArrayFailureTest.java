package io.jraid.stripe;

import static org.assertj.core.api.Assertions.assertThat;

import io.jraid.device.FaultyDevice;
import io.jraid.device.MemoryDevice;
import io.jraid.layout.ArrayGeometry;
import io.jraid.stripe.EngineHarness.Shape;
import io.jraid.testing.Seeds;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * More members fail than the level survives (a power cut takes them all) while requests are in
 * flight, with or without a resync or a recovery running: every request still completes — those the
 * failure caught with an error — the pass stops, and the cache drains.
 */
class ArrayFailureTest {

  static Stream<Arguments> cases() {
    List<Arguments> cases = new ArrayList<>();
    for (Shape shape : EngineHarness.SHAPES) {
      for (SyncAction action : new SyncAction[] {null, SyncAction.RESYNC, SyncAction.RECOVER}) {
        cases.add(Arguments.of(shape, action));
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}, {1}")
  @MethodSource("cases")
  void everyRequestCompletesWhenTheArrayFails(Shape shape, SyncAction action) throws Exception {
    long seed =
        Seeds.of(
            80, shape.hashCode(), action == null ? "none".hashCode() : action.name().hashCode());
    SplittableRandom random = new SplittableRandom(seed);
    ArrayGeometry g = shape.geometry();
    FaultyDevice[] members = new FaultyDevice[g.raidDisks()];
    for (int i = 0; i < members.length; i++) {
      members[i] = new FaultyDevice(MemoryDevice.create("m" + i, shape.memberBytes()));
    }
    FaultyDevice[] slots = members.clone();
    if (action == SyncAction.RECOVER) {
      slots[0] = null;
    }
    StripeEngine engine =
        new StripeEngine(
            "failing",
            g,
            slots,
            new StripeEngine.Options(64, 2, false, true, random.nextBoolean(), 0));
    if (action == SyncAction.RESYNC) {
      engine.markUnsynced(0);
      engine.startSync(SyncAction.RESYNC, 0, 2_000, j -> {});
    } else if (action == SyncAction.RECOVER) {
      engine.addMember(0, members[0], 0);
      engine.startSync(SyncAction.RECOVER, 0, 2_000, j -> {});
    }
    List<CompletableFuture<Void>> requests = new ArrayList<>();
    try (Arena arena = Arena.ofShared()) {
      long size = engine.size();
      for (int round = 0; round < 400; round++) {
        int length = 1 + random.nextInt(random.nextBoolean() ? 4096 : 200_000);
        long offset = random.nextLong(size - length);
        MemorySegment buffer = arena.allocate(length, 4096);
        CompletableFuture<Void> f = new CompletableFuture<>();
        int k = random.nextInt(10);
        if (k < 6) {
          engine.write(buffer, offset, k == 0, e -> complete(f, e));
        } else if (k < 9) {
          engine.read(buffer, offset, e -> complete(f, e));
        } else {
          engine.flush(e -> complete(f, e));
        }
        requests.add(f);
        if (round == 200) {
          for (FaultyDevice m : members) {
            m.failAfter(random.nextInt(4)); // the power goes: every member stops
          }
        }
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      int stuck = 0;
      for (CompletableFuture<Void> f : requests) {
        try {
          f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
          // failed: fine, the array is gone
        } catch (java.util.concurrent.TimeoutException e) {
          stuck++;
        }
      }
      assertThat(stuck).as("seed %d: requests that never completed", seed).isZero();
      SyncJob job = engine.syncJob();
      if (job != null) {
        assertThat(job.await(20, TimeUnit.SECONDS))
            .as("seed %d: the sync pass ends", seed)
            .isTrue();
      }
      assertThat(engine.audit()).as("seed %d", seed).isEmpty();
    } finally {
      engine.close();
    }
  }

  private static void complete(CompletableFuture<Void> f, Throwable e) {
    if (e == null) {
      f.complete(null);
    } else {
      f.completeExceptionally(e);
    }
  }
}
