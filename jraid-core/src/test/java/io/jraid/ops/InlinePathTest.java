package io.jraid.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.jraid.testing.Seeds;
import io.jraid.testing.TestBlocks;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The inline path (async_tx's software path): submit runs the operation and its callback on the
 * calling thread before returning, and first waits for a dependency running on a worker.
 */
class InlinePathTest {

  @Test
  void submitRunsTheOperationAndItsCallbackBeforeReturning() {
    try (TestBlocks b = TestBlocks.shared(new SplittableRandom(Seeds.of(40)));
        AsyncOps ops = AsyncOps.inline(Engine.KERNELS)) {
      Thread[] calledOn = new Thread[1];
      MemorySegment src = b.random(4096);
      MemorySegment dst = b.random(4096);
      Operation op =
          new Operation("copy").copy(dst, src).then(o -> calledOn[0] = Thread.currentThread());
      assertThat(ops.submit(op)).isEqualTo(SubmitStatus.ACCEPTED);
      assertThat(op.isComplete()).isTrue();
      assertThat(calledOn[0]).isSameAs(Thread.currentThread());
      TestBlocks.assertSameBytes(dst, src, "copied");
      assertThat(ops.channelCount()).isZero();
    }
  }

  @Test
  void anInlineOperationWaitsForItsDependencyOnAWorker() throws Exception {
    try (TestBlocks b = TestBlocks.shared(new SplittableRandom(Seeds.of(41)));
        AsyncOps workers = AsyncOps.withWorkers(Engine.KERNELS, 1, 4);
        AsyncOps inline = AsyncOps.inline(Engine.KERNELS)) {
      Hold hold = new Hold(workers, b.random(64));
      MemorySegment src = b.random(4096);
      MemorySegment mid = b.random(4096);
      MemorySegment end = b.random(4096);
      Operation onWorker = new Operation("on worker").copy(mid, src);
      assertThat(workers.submit(onWorker)).isEqualTo(SubmitStatus.ACCEPTED);
      Thread[] calledOn = new Thread[1];
      Operation after =
          new Operation("inline")
              .copy(end, mid)
              .after(onWorker)
              .then(o -> calledOn[0] = Thread.currentThread());
      SubmitStatus[] status = new SubmitStatus[1];
      Thread submitter = Thread.ofPlatform().start(() -> status[0] = inline.submit(after));

      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (submitter.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
      assertThat(submitter.getState())
          .as("submit waits (async_tx_quiesce)")
          .isEqualTo(Thread.State.WAITING);
      assertThat(after.isComplete()).isFalse();

      hold.release();
      submitter.join(10_000);
      assertThat(submitter.isAlive()).isFalse();
      assertThat(status[0]).isEqualTo(SubmitStatus.ACCEPTED);
      assertThat(after.isComplete()).isTrue();
      assertThat(calledOn[0]).isSameAs(submitter);
      TestBlocks.assertSameBytes(end, src, "copied after the worker's copy");
    }
  }
}
