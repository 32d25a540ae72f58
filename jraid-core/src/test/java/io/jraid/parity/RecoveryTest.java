package io.jraid.parity;

import static org.assertj.core.api.Assertions.assertThat;

import io.jraid.testing.Seeds;
import io.jraid.testing.TestBlocks;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every loss a RAID-6 stripe survives — any one block, any two blocks among data, P and Q — for 1
 * to 16 data slots and every implementation, rebuilds the original bytes.
 */
class RecoveryTest {

  /** Long enough for whole vectors and ISA-L's 64-byte kernels, plus a tail (4160 + 37). */
  private static final long[] LENGTHS = {4160, 4197};

  static Stream<Arguments> cases() {
    return Implementations.all()
        .flatMap(k ->
            IntStream.rangeClosed(1, 16)
                .boxed()
                .flatMap(n ->
                    Stream.of(LENGTHS[0], LENGTHS[1])
                        .map(len -> Arguments.of(k, n, len, Seeds.of(n, len)))));
  }

  @ParameterizedTest(name = "{0} n={1} len={2} seed={3}")
  @MethodSource("cases")
  void everyLossOfOneOrTwoBlocksIsRebuilt(ParityKernels k, int n, long len, long seed) {
    try (TestBlocks b = new TestBlocks(new SplittableRandom(seed))) {
      MemorySegment[] data = b.data(n, len, 0);
      MemorySegment p = b.random(len);
      MemorySegment q = b.random(len);
      ScalarKernels.INSTANCE.pqGen(data, p, q);
      int blocks = n + 2;
      for (int failA = 0; failA < blocks; failA++) {
        for (int failB = -1; failB < blocks; failB++) {
          if (failB == failA || (failB >= 0 && failB < failA)) {
            continue;
          }
          MemorySegment[] d = b.copy(data);
          MemorySegment pc = b.copy(p);
          MemorySegment qc = b.copy(q);
          for (int lost : new int[] {failA, failB}) {
            if (lost >= 0) {
              b.fill(lost < n ? d[lost] : lost == n ? pc : qc);
            }
          }
          k.recover(d, pc, qc, failA, failB);
          String what = "lost " + failA + (failB >= 0 ? " and " + failB : "") + " of n=" + n;
          for (int z = 0; z < n; z++) {
            assertThat(d[z].mismatch(data[z])).as("%s: data slot %d", what, z).isEqualTo(-1L);
          }
          assertThat(pc.mismatch(p)).as("%s: P", what).isEqualTo(-1L);
          assertThat(qc.mismatch(q)).as("%s: Q", what).isEqualTo(-1L);
        }
      }
    }
  }
}
