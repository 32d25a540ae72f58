package io.jraid.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jraid.parity.ScalarKernels;
import io.jraid.parity.XorMode;
import io.jraid.testing.Seeds;
import io.jraid.testing.TestBlocks;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Dependencies: chains keep their order on one channel, across channels and on the inline path,
 * whatever order their steps are submitted in; a dependency has one dependent.
 */
class ChainTest {

  private static final int STRIPES = 16;
  private static final int CHAINS = 3000;
  private static final int LANES = 2;

  /**
   * raid5.c's read-modify-write as three chained operations — prexor (P ^= old D), drain (D :=
   * new), postxor (P ^= new D) — or RAID-6's with PQ_XOR, thousands of times over a few stripes at
   * once from several submitting threads (like the stripe engine's lanes), each chain's steps
   * submitted in a random order. Any step out of order leaves parity inconsistent with the data.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(Engine.class)
  void readModifyWriteChainsKeepTheirOrder(Engine engine) throws InterruptedException {
    for (boolean raid6 : new boolean[] {false, true}) {
      long seed = Seeds.of(engine.name().hashCode(), raid6 ? 6 : 5);
      Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
      try (AsyncOps ops = engine.open(3 * STRIPES)) {
        Thread[] lanes = new Thread[LANES];
        for (int l = 0; l < LANES; l++) {
          int lane = l;
          lanes[l] =
              Thread.ofPlatform()
                  .name("lane-" + l)
                  .start(() -> {
                    try {
                      runLane(ops, Seeds.of(seed, lane), raid6);
                    } catch (Throwable t) {
                      failures.add(t);
                    }
                  });
        }
        for (Thread t : lanes) {
          t.join(60_000);
          assertThat(t.isAlive()).as("%s finished", t.getName()).isFalse();
        }
      }
      assertThat(failures).as("seed %d", seed).isEmpty();
    }
  }

  /** One submitting thread: its own stripes, its own completion queue. */
  private static void runLane(AsyncOps ops, long seed, boolean raid6) throws InterruptedException {
    int stripeCount = STRIPES / LANES;
    int chains = CHAINS / LANES;
    try (TestBlocks b = TestBlocks.shared(new SplittableRandom(seed))) {
      BlockingQueue<Integer> done = new LinkedBlockingQueue<>();
      RmwStripe[] stripes = new RmwStripe[stripeCount];
      for (int i = 0; i < stripeCount; i++) {
        stripes[i] = new RmwStripe(b, i, 4 + i % 4, 1024, raid6, done);
        stripes[i].start(ops);
      }
      int started = stripeCount;
      for (int completed = 0; completed < chains; completed++) {
        Integer i = done.poll(30, TimeUnit.SECONDS);
        assertThat(i).as("a chain completed within 30 s (seed %d)", seed).isNotNull();
        stripes[i].check("seed " + seed + " chain " + completed);
        if (started < chains) {
          stripes[i].start(ops);
          started++;
        }
      }
    }
  }

  /** One stripe of a read-modify-write test: data, P (and Q), and its three operations. */
  private static final class RmwStripe {
    private final TestBlocks b;
    private final boolean raid6;
    private final MemorySegment[] data;
    private final MemorySegment p;
    private final MemorySegment q;
    private final MemorySegment newData;
    private final Operation prexor;
    private final Operation drain;
    private final Operation postxor;
    private final OpCallback done;
    private int w;

    RmwStripe(
        TestBlocks b, int index, int disks, long len, boolean raid6, BlockingQueue<Integer> queue) {
      this.b = b;
      this.raid6 = raid6;
      data = new MemorySegment[disks];
      for (int i = 0; i < disks; i++) {
        data[i] = b.random(len);
      }
      p = b.random(len);
      q = b.random(len);
      ScalarKernels.INSTANCE.pqGen(data, p, q);
      newData = b.random(len);
      prexor = new Operation("prexor " + index);
      drain = new Operation("drain " + index);
      postxor = new Operation("postxor " + index);
      done = op -> queue.add(index);
    }

    void start(AsyncOps ops) {
      SplittableRandom r = b.random();
      w = r.nextInt(data.length);
      b.fill(newData);
      if (raid6) {
        MemorySegment[] slot = new MemorySegment[data.length];
        slot[w] = data[w];
        prexor.pqXor(slot, p, q);
        postxor.pqXor(slot, p, q);
      } else {
        prexor.xor(p, new MemorySegment[] {data[w]}, XorMode.ACCUMULATE);
        postxor.xor(p, new MemorySegment[] {data[w]}, XorMode.ACCUMULATE);
      }
      drain.copy(data[w], newData).after(prexor);
      postxor.after(drain).then(done);
      List<Operation> order = new ArrayList<>(List.of(prexor, drain, postxor));
      Collections.shuffle(order, new java.util.Random(r.nextLong()));
      for (Operation op : order) {
        assertThat(ops.submit(op)).as("submit %s", op).isEqualTo(SubmitStatus.ACCEPTED);
      }
    }

    void check(String what) {
      for (Operation op : List.of(prexor, drain, postxor)) {
        assertThat(op.isComplete()).as("%s: %s complete", what, op).isTrue();
        assertThat(op.failure()).as("%s: %s failure", what, op).isNull();
      }
      TestBlocks.assertSameBytes(data[w], newData, what + ": drained data");
      if (raid6) {
        assertThat(ScalarKernels.INSTANCE.pqValidate(data, p, q)).as(what + ": P and Q").isZero();
      } else {
        MemorySegment[] all = new MemorySegment[data.length + 1];
        System.arraycopy(data, 0, all, 0, data.length);
        all[data.length] = p;
        assertThat(ScalarKernels.INSTANCE.xorIsZero(all)).as(what + ": P").isTrue();
      }
    }
  }

  /** Three copies a → b → c: only in order does the first block arrive in the last. */
  private static final class CopyChain {
    final MemorySegment src;
    final MemorySegment last;
    final Operation a = new Operation("a");
    final Operation b = new Operation("b");
    final Operation c = new Operation("c");
    final List<String> calls = Collections.synchronizedList(new ArrayList<>());

    CopyChain(TestBlocks blocks) {
      src = blocks.random(256);
      MemorySegment m1 = blocks.random(256);
      MemorySegment m2 = blocks.random(256);
      last = blocks.random(256);
      a.copy(m1, src).then(op -> calls.add(op.name()));
      b.copy(m2, m1).after(a).then(op -> calls.add(op.name()));
      c.copy(last, m2).after(b).then(op -> calls.add(op.name()));
    }

    void assertRan() throws InterruptedException {
      Waits.until(() -> calls.size() == 3, "three callbacks");
      assertThat(calls).containsExactly("a", "b", "c");
      TestBlocks.assertSameBytes(last, src, "end of the chain");
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Engine.class)
  void aChainWhoseStartIsSubmittedLastRunsInOrder(Engine engine) throws InterruptedException {
    try (TestBlocks blocks = TestBlocks.shared(new SplittableRandom(Seeds.of(7)));
        AsyncOps ops = engine.open(4)) {
      CopyChain chain = new CopyChain(blocks);
      assertThat(ops.submit(chain.c)).isEqualTo(SubmitStatus.ACCEPTED);
      assertThat(ops.submit(chain.b)).isEqualTo(SubmitStatus.ACCEPTED);
      assertThat(chain.c.isSubmitted()).isTrue();
      assertThat(chain.b.isSubmitted()).isTrue();
      assertThat(chain.a.isSubmitted()).isFalse();
      assertThat(chain.c.isComplete()).isFalse();
      assertThat(chain.b.isComplete()).isFalse();

      assertThat(ops.submit(chain.a)).isEqualTo(SubmitStatus.ACCEPTED);
      ops.await(chain.c);
      chain.assertRan();
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Engine.class)
  void awaitWaitsForAMemberOfAChainWhoseStartIsNotSubmitted(Engine engine) throws Exception {
    try (TestBlocks blocks = TestBlocks.shared(new SplittableRandom(Seeds.of(8)));
        AsyncOps ops = engine.open(4)) {
      CopyChain chain = new CopyChain(blocks);
      assertThat(ops.submit(chain.c)).isEqualTo(SubmitStatus.ACCEPTED);
      assertThat(ops.submit(chain.b)).isEqualTo(SubmitStatus.ACCEPTED);
      boolean[] sawComplete = new boolean[2];
      Thread waiter =
          Thread.ofPlatform()
              .start(() -> {
                try {
                  ops.await(chain.b);
                  sawComplete[0] = chain.b.isComplete();
                  ops.await(chain.c);
                  sawComplete[1] = chain.c.isComplete();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              });
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (waiter.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
      assertThat(waiter.getState()).as("the waiter blocks").isEqualTo(Thread.State.WAITING);
      assertThat(chain.b.isComplete()).isFalse();

      assertThat(ops.submit(chain.a)).isEqualTo(SubmitStatus.ACCEPTED);
      waiter.join(10_000);
      assertThat(waiter.isAlive()).as("the waiter returned").isFalse();
      assertThat(sawComplete).containsExactly(true, true);
      chain.assertRan();
    }
  }

  /**
   * The three steps of each chain submitted at once by three threads, so that linking, chain
   * submission and completion race with each other.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(Engine.class)
  void stepsOfOneChainSubmittedByThreeThreadsAtOnce(Engine engine) throws Exception {
    int rounds = 1000;
    Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
    try (TestBlocks blocks = TestBlocks.shared(new SplittableRandom(Seeds.of(12)));
        AsyncOps ops = engine.open(8)) {
      CopyChain[] current = new CopyChain[1];
      CyclicBarrier go = new CyclicBarrier(4);
      CyclicBarrier submitted = new CyclicBarrier(4);
      Thread[] submitters = new Thread[3];
      for (int t = 0; t < 3; t++) {
        int step = t;
        submitters[t] =
            Thread.ofPlatform()
                .start(() -> {
                  try {
                    for (int r = 0; r < rounds; r++) {
                      go.await();
                      CopyChain chain = current[0];
                      Operation op = step == 0 ? chain.a : step == 1 ? chain.b : chain.c;
                      assertThat(ops.submit(op)).isEqualTo(SubmitStatus.ACCEPTED);
                      submitted.await();
                    }
                  } catch (Throwable e) {
                    failures.add(e);
                    go.reset();
                    submitted.reset();
                  }
                });
      }
      for (int r = 0; r < rounds && failures.isEmpty(); r++) {
        CopyChain chain = new CopyChain(blocks);
        current[0] = chain;
        go.await(10, TimeUnit.SECONDS);
        submitted.await(10, TimeUnit.SECONDS);
        assertThat(ops.await(chain.c, 10, TimeUnit.SECONDS)).as("round %d", r).isTrue();
        chain.assertRan();
      }
      for (Thread t : submitters) {
        t.join(10_000);
      }
    }
    assertThat(failures).isEmpty();
  }

  @Test
  void awaitWithATimeoutGivesUpOnAnOperationNobodySubmits() throws InterruptedException {
    try (TestBlocks blocks = TestBlocks.shared(new SplittableRandom(Seeds.of(9)));
        AsyncOps ops = AsyncOps.inline(Engine.KERNELS)) {
      Operation op = new Operation("never").zero(blocks.random(64));
      assertThat(ops.await(op, 20, TimeUnit.MILLISECONDS)).isFalse();
      ops.submit(op);
      assertThat(ops.await(op, 0, TimeUnit.MILLISECONDS)).isTrue();
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Engine.class)
  void aSecondDependentIsRejectedNamingBoth(Engine engine) throws InterruptedException {
    try (TestBlocks blocks = TestBlocks.shared(new SplittableRandom(Seeds.of(10)));
        AsyncOps ops = engine.open(4)) {
      MemorySegment x = blocks.random(64);
      Operation first = new Operation("first").zero(x);
      Operation one = new Operation("one").zero(blocks.random(64)).after(first);
      Operation two = new Operation("two").zero(blocks.random(64)).after(first);

      // Linked behind an unsubmitted operation.
      assertThat(ops.submit(one)).isEqualTo(SubmitStatus.ACCEPTED);
      assertThatThrownBy(() -> ops.submit(two))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("first")
          .hasMessageContaining("one")
          .hasMessageContaining("two");
      assertThat(two.isSubmitted()).isFalse();
      ops.submit(first);
      ops.await(one);

      // Behind a completed one.
      first.zero(x);
      ops.submit(first);
      ops.await(first);
      one.zero(blocks.random(64)).after(first);
      two.zero(blocks.random(64)).after(first);
      assertThat(ops.submit(one)).isEqualTo(SubmitStatus.ACCEPTED);
      assertThatThrownBy(() -> ops.submit(two))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("already has a dependent, one");
      ops.await(one);
    }
  }

  @Test
  void aCycleIsRejected() {
    try (TestBlocks blocks = TestBlocks.shared(new SplittableRandom(Seeds.of(11)));
        AsyncOps ops = AsyncOps.inline(Engine.KERNELS)) {
      Operation a = new Operation("a").zero(blocks.random(64));
      Operation b = new Operation("b").zero(blocks.random(64)).after(a);
      a.after(b);
      assertThat(ops.submit(b)).isEqualTo(SubmitStatus.ACCEPTED);
      assertThatThrownBy(() -> ops.submit(a))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("cycle");
      assertThatThrownBy(() -> a.after(a)).isInstanceOf(IllegalArgumentException.class);
    }
  }
}
