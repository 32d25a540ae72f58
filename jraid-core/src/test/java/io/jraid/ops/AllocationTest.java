package io.jraid.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.jraid.parity.XorMode;
import io.jraid.testing.Seeds;
import io.jraid.testing.TestBlocks;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Submitting and completing operations allocates nothing on the heap once warm, on the submitting
 * thread and on the workers: descriptors are reused and queues hold references (a small constant is
 * allowed for the measurement itself).
 */
class AllocationTest {

  private static final int ROUNDS = 20_000;
  private static final long ALLOWED_BYTES = 4096;

  /** Keeps the probe allocation alive. */
  @SuppressWarnings("unused")
  private static volatile byte[] sink = new byte[0];

  @ParameterizedTest(name = "{0}")
  @EnumSource(Engine.class)
  void submittingAChainAllocatesNothing(Engine engine) {
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    assumeThat(mx.isThreadAllocatedMemorySupported()).isTrue();
    mx.setThreadAllocatedMemoryEnabled(true);
    try (TestBlocks b = TestBlocks.shared(new SplittableRandom(Seeds.of(50)));
        AsyncOps ops = engine.open(8)) {
      MemorySegment[] data = {b.random(4096), b.random(4096), b.random(4096), b.random(4096)};
      MemorySegment p = b.random(4096);
      MemorySegment newData = b.random(4096);
      Operation drain = new Operation("drain");
      Operation reconstruct = new Operation("reconstruct");
      int[] completions = new int[1];
      OpCallback callback = op -> completions[0]++;
      Runnable round =
          () -> {
            drain.copy(data[0], newData);
            reconstruct.xor(p, data, XorMode.OVERWRITE).after(drain).then(callback);
            while (ops.submit(drain) != SubmitStatus.ACCEPTED) {
              Thread.onSpinWait();
            }
            while (ops.submit(reconstruct) != SubmitStatus.ACCEPTED) {
              Thread.onSpinWait();
            }
            while (!reconstruct.isComplete()) {
              Thread.onSpinWait();
            }
          };
      for (int i = 0; i < ROUNDS; i++) {
        round.run(); // warm up
      }
      long probe = mx.getCurrentThreadAllocatedBytes();
      sink = new byte[8192];
      assertThat(mx.getCurrentThreadAllocatedBytes() - probe)
          .as("the measurement sees an allocation")
          .isGreaterThanOrEqualTo(8192);
      long workersBefore = workerBytes(mx, ops);
      long before = mx.getCurrentThreadAllocatedBytes();
      for (int i = 0; i < ROUNDS; i++) {
        round.run();
      }
      long submitter = mx.getCurrentThreadAllocatedBytes() - before;
      long workers = workerBytes(mx, ops) - workersBefore;
      System.out.printf(
          "AllocationTest %s: %d rounds, submitter %d B, workers %d B%n",
          engine, ROUNDS, submitter, workers);
      assertThat(submitter).as("bytes allocated by the submitter").isLessThan(ALLOWED_BYTES);
      assertThat(workers).as("bytes allocated by the workers").isLessThan(ALLOWED_BYTES);
    }
  }

  private static long workerBytes(com.sun.management.ThreadMXBean mx, AsyncOps ops) {
    long sum = 0;
    for (int i = 0; i < ops.channelCount(); i++) {
      sum += mx.getThreadAllocatedBytes(ops.channelThread(i).threadId());
    }
    return sum;
  }
}
