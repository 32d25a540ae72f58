package io.jraid.parity;

import static org.assertj.core.api.Assertions.assertThat;

import io.jraid.testing.Seeds;
import io.jraid.testing.TestBlocks;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The raid6check locator names every single corrupted block — each data slot, P, Q — and answers
 * "not a single-block error" when two blocks are corrupted (at different bytes: where two errors
 * share a byte their sum can look like one error in a third slot, which no P/Q method can tell
 * apart).
 */
class LocatorTest {

  private static final long LEN = 4096;

  static Stream<Arguments> cases() {
    return Implementations.all()
        .flatMap(
            k -> IntStream.rangeClosed(1, 16).mapToObj(n -> Arguments.of(k, n, Seeds.of(n, 77))));
  }

  private static MemorySegment pick(
      int block, int n, MemorySegment[] d, MemorySegment p, MemorySegment q) {
    return block < n ? d[block] : block == n ? p : q;
  }

  private static void flip(MemorySegment s, long at, int bits) {
    s.set(ValueLayout.JAVA_BYTE, at, (byte) (s.get(ValueLayout.JAVA_BYTE, at) ^ bits));
  }

  @ParameterizedTest(name = "{0} n={1} seed={2}")
  @MethodSource("cases")
  void findsEverySingleCorruptedBlockAndRefusesTwo(ParityKernels k, int n, long seed) {
    try (TestBlocks b = new TestBlocks(new SplittableRandom(seed))) {
      SplittableRandom r = b.random();
      MemorySegment[] data = b.data(n, LEN, 0);
      MemorySegment p = b.random(LEN);
      MemorySegment q = b.random(LEN);
      ScalarKernels.INSTANCE.pqGen(data, p, q);
      assertThat(k.locateCorruption(data, p, q)).isEqualTo(CorruptBlock.NONE);
      for (int victim = 0; victim < n + 2; victim++) {
        MemorySegment[] d = b.copy(data);
        MemorySegment pc = b.copy(p);
        MemorySegment qc = b.copy(q);
        // Several bytes of one block, each with its own error value.
        for (int e = 0; e < 1 + r.nextInt(8); e++) {
          flip(pick(victim, n, d, pc, qc), r.nextLong(LEN), 1 + r.nextInt(255));
        }
        int expected = victim < n ? victim : victim == n ? CorruptBlock.P : CorruptBlock.Q;
        assertThat(k.locateCorruption(d, pc, qc))
            .as("corrupted %s", CorruptBlock.describe(expected))
            .isEqualTo(expected);
      }
      for (int first = 0; first < n + 2; first++) {
        for (int second = first + 1; second < n + 2; second++) {
          MemorySegment[] d = b.copy(data);
          MemorySegment pc = b.copy(p);
          MemorySegment qc = b.copy(q);
          long at = r.nextLong(LEN - 1);
          flip(pick(first, n, d, pc, qc), at, 1 + r.nextInt(255));
          flip(pick(second, n, d, pc, qc), at + 1, 1 + r.nextInt(255));
          assertThat(k.locateCorruption(d, pc, qc))
              .as("blocks %d and %d corrupted", first, second)
              .isEqualTo(CorruptBlock.NOT_SINGLE);
        }
      }
    }
  }

  @ParameterizedTest(name = "{0} n={1} seed={2}")
  @MethodSource("cases")
  void aSyndromePointingAtAnAbsentSlotIsNotASingleBlockError(ParityKernels k, int n, long seed) {
    if (n < 3) {
      return;
    }
    try (TestBlocks b = new TestBlocks(new SplittableRandom(seed))) {
      MemorySegment[] data = b.data(n, LEN, 0);
      MemorySegment p = b.random(LEN);
      MemorySegment q = b.random(LEN);
      ScalarKernels.INSTANCE.pqGen(data, p, q);
      // Slot 1 is then declared absent (as a DDF P/Q position is): P and Q still hold its old
      // contribution, so the syndromes point at a slot that is zeros by definition.
      data[1] = null;
      assertThat(k.locateCorruption(data, p, q)).isEqualTo(CorruptBlock.NOT_SINGLE);
    }
  }
}
