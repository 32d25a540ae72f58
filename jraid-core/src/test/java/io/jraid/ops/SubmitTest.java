package io.jraid.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jraid.testing.Seeds;
import io.jraid.testing.TestBlocks;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Submission rules: queue capacity and RETRY, the callback rules, misuse, and close. */
class SubmitTest {

  @Test
  void aFullQueueAnswersRetryChangingNothingAndTakesTheOperationLater() throws Exception {
    try (TestBlocks b = TestBlocks.shared(new SplittableRandom(Seeds.of(20)));
        AsyncOps ops = AsyncOps.withWorkers(Engine.KERNELS, 1, 2)) {
      Hold hold = new Hold(ops, b.random(64));
      MemorySegment src = b.random(4096);
      List<Operation> copies = new ArrayList<>();
      List<MemorySegment> dsts = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        dsts.add(b.random(4096));
        copies.add(new Operation("copy " + i).copy(dsts.get(i), src));
      }
      assertThat(ops.submit(copies.get(0))).isEqualTo(SubmitStatus.ACCEPTED);
      assertThat(ops.submit(copies.get(1))).isEqualTo(SubmitStatus.ACCEPTED);
      assertThat(ops.submit(copies.get(2))).isEqualTo(SubmitStatus.RETRY);
      assertThat(copies.get(2).isSubmitted()).isFalse();

      hold.release();
      ops.await(copies.get(0));
      assertThat(ops.submit(copies.get(2))).isEqualTo(SubmitStatus.ACCEPTED);
      for (int i = 0; i < 3; i++) {
        ops.await(copies.get(i));
        TestBlocks.assertSameBytes(dsts.get(i), src, "copy " + i);
      }
    }
  }

  @Test
  void aLinkedChainIsAcceptedAllOrNothing() throws Exception {
    try (TestBlocks b = TestBlocks.shared(new SplittableRandom(Seeds.of(21)));
        AsyncOps ops = AsyncOps.withWorkers(Engine.KERNELS, 1, 2)) {
      Hold hold = new Hold(ops, b.random(64));
      Operation other = new Operation("other").zero(b.random(64));
      assertThat(ops.submit(other)).isEqualTo(SubmitStatus.ACCEPTED);
      MemorySegment src = b.random(64);
      MemorySegment mid = b.random(64);
      MemorySegment end = b.random(64);
      Operation first = new Operation("first").copy(mid, src);
      Operation second = new Operation("second").copy(end, mid).after(first);
      assertThat(ops.submit(second)).isEqualTo(SubmitStatus.ACCEPTED);

      // Two slots needed, one free: refused, the first unsubmitted and the second still linked.
      assertThat(ops.submit(first)).isEqualTo(SubmitStatus.RETRY);
      assertThat(first.isSubmitted()).isFalse();
      assertThat(second.isSubmitted()).isTrue();
      assertThat(second.isComplete()).isFalse();

      hold.release();
      ops.await(other);
      assertThat(ops.submit(first)).isEqualTo(SubmitStatus.ACCEPTED);
      ops.await(second);
      TestBlocks.assertSameBytes(end, src, "end of the chain");
    }
  }

  @Test
  void aChainLongerThanTheQueueIsRefused() {
    try (TestBlocks b = TestBlocks.shared(new SplittableRandom(Seeds.of(22)));
        AsyncOps ops = AsyncOps.withWorkers(Engine.KERNELS, 1, 2)) {
      Operation a = new Operation("a").zero(b.random(64));
      Operation c1 = new Operation("b").zero(b.random(64)).after(a);
      Operation c2 = new Operation("c").zero(b.random(64)).after(c1);
      ops.submit(c2);
      ops.submit(c1);
      assertThatThrownBy(() -> ops.submit(a))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("could never be accepted");
      assertThat(a.isSubmitted()).isFalse();
    }
  }

  @Test
  void aCallbackThatSubmitsThrowsOnTheInlinePath() {
    try (TestBlocks b = TestBlocks.shared(new SplittableRandom(Seeds.of(23)));
        AsyncOps ops = AsyncOps.inline(Engine.KERNELS)) {
      Operation other = new Operation("other").zero(b.random(64));
      Operation op = new Operation("op").zero(b.random(64)).then(o -> ops.submit(other));
      assertThatThrownBy(() -> ops.submit(op))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("callback");
      assertThat(op.isComplete()).isTrue();
      assertThat(other.isSubmitted()).isFalse();
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Engine.class)
  void aCallbackMayNotSubmitAwaitOrClose(Engine engine) throws InterruptedException {
    try (TestBlocks b = TestBlocks.shared(new SplittableRandom(Seeds.of(24)));
        AsyncOps ops = engine.open(4)) {
      Operation other = new Operation("other").zero(b.random(64));
      List<Throwable> refused = new CopyOnWriteArrayList<>();
      Operation op =
          new Operation("op")
              .zero(b.random(64))
              .then(o -> {
                for (Runnable r :
                    List.<Runnable>of(
                        () -> ops.submit(other),
                        () -> {
                          try {
                            ops.await(other);
                          } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                          }
                        },
                        ops::close)) {
                  try {
                    r.run();
                  } catch (IllegalStateException e) {
                    refused.add(e);
                  }
                }
              });
      ops.submit(op);
      ops.await(op);
      Waits.until(() -> refused.size() == 3, "the callback ran");
      assertThat(refused).hasSize(3);
      assertThat(other.isSubmitted()).isFalse();
      assertThat(ops.submit(other)).isEqualTo(SubmitStatus.ACCEPTED);
      ops.await(other);
    }
  }

  @Test
  void misuseIsRefused() throws InterruptedException {
    try (TestBlocks b = TestBlocks.shared(new SplittableRandom(Seeds.of(25)));
        AsyncOps ops = AsyncOps.inline(Engine.KERNELS)) {
      Operation unbuilt = new Operation("unbuilt");
      assertThatThrownBy(() -> ops.submit(unbuilt))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("not been built");
      assertThatThrownBy(() -> unbuilt.after(null)).isInstanceOf(IllegalStateException.class);
      assertThat(unbuilt.toString()).isEqualTo("unbuilt(unbuilt, IDLE)");

      Operation done = new Operation("done").zero(b.random(64));
      ops.submit(done);
      assertThatThrownBy(() -> ops.submit(done))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("already submitted");
      assertThatThrownBy(() -> done.then(null)).isInstanceOf(IllegalStateException.class);

      Operation start = new Operation("start").zero(b.random(64));
      Operation linked = new Operation("linked").zero(b.random(64)).after(start);
      ops.submit(linked);
      assertThatThrownBy(() -> linked.zero(b.random(64)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("in flight");
      ops.submit(start);
      ops.await(linked);
      linked.zero(b.random(64)); // complete: may be rebuilt
      assertThat(linked.isSubmitted()).isFalse();
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Engine.class)
  void closeDrainsEveryAcceptedOperation(Engine engine) {
    List<Operation> all = new ArrayList<>();
    List<MemorySegment[]> ends = new ArrayList<>();
    try (TestBlocks b = TestBlocks.shared(new SplittableRandom(Seeds.of(26)))) {
      AsyncOps ops = engine.open(1024);
      for (int i = 0; i < 300; i++) {
        MemorySegment src = b.random(4096);
        MemorySegment mid = b.random(4096);
        MemorySegment end = b.random(4096);
        Operation first = new Operation("first " + i).copy(mid, src);
        Operation second = new Operation("second " + i).copy(end, mid).after(first);
        if (i % 2 == 0) {
          assertThat(ops.submit(first)).isEqualTo(SubmitStatus.ACCEPTED);
          assertThat(ops.submit(second)).isEqualTo(SubmitStatus.ACCEPTED);
        } else {
          assertThat(ops.submit(second)).isEqualTo(SubmitStatus.ACCEPTED);
          assertThat(ops.submit(first)).isEqualTo(SubmitStatus.ACCEPTED);
        }
        all.add(first);
        all.add(second);
        ends.add(new MemorySegment[] {src, end});
      }
      ops.close();
      for (Operation op : all) {
        assertThat(op.isComplete()).as("%s complete after close", op).isTrue();
      }
      for (MemorySegment[] e : ends) {
        TestBlocks.assertSameBytes(e[1], e[0], "copied twice");
      }
      Operation late = new Operation("late").zero(b.random(64));
      assertThatThrownBy(() -> ops.submit(late))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("closed");
      ops.close(); // idempotent
    }
  }
}
