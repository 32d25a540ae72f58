package io.jraid.parity;

import static org.assertj.core.api.Assertions.assertThat;

import io.jraid.testing.Seeds;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The locator against the scalar reference: random stripes, one block corrupted (a data block, P or
 * Q, a few bytes or all of them), parity recomputed by {@link ScalarKernels} from the corrupted
 * data; the locator must name the corrupted block, and two corrupted data blocks must come out
 * unknown.
 */
class SyndromeLocatorTest {

  private static final int BLOCK = 4096;

  @ParameterizedTest(name = "{0} data blocks")
  @ValueSource(ints = {2, 3, 4, 8, 30})
  void namesTheOneCorruptedBlock(int dataBlocks) {
    long seed = Seeds.of(71, dataBlocks);
    SplittableRandom random = new SplittableRandom(seed);
    ScalarKernels kernels = ScalarKernels.INSTANCE;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment[] data = new MemorySegment[dataBlocks];
      for (int i = 0; i < dataBlocks; i++) {
        data[i] = arena.allocate(BLOCK, 64);
      }
      MemorySegment p = arena.allocate(BLOCK, 64);
      MemorySegment q = arena.allocate(BLOCK, 64);
      MemorySegment pCalc = arena.allocate(BLOCK, 64);
      MemorySegment qCalc = arena.allocate(BLOCK, 64);
      for (int round = 0; round < 200; round++) {
        for (MemorySegment d : data) {
          randomize(d, random);
        }
        kernels.pqGen(data, p, q);
        int target = random.nextInt(dataBlocks + 2); // data, then P, then Q
        MemorySegment bad = target < dataBlocks ? data[target] : target == dataBlocks ? p : q;
        int bytes = random.nextBoolean() ? 1 + random.nextInt(8) : BLOCK;
        byte[] original = bad.toArray(ValueLayout.JAVA_BYTE);
        corrupt(bad, bytes, random);
        kernels.pqGen(data, pCalc, qCalc);
        SyndromeLocator.Location located = SyndromeLocator.locate(p, pCalc, q, qCalc, dataBlocks);
        SyndromeLocator.Verdict expected =
            target < dataBlocks
                ? SyndromeLocator.Verdict.DATA
                : target == dataBlocks ? SyndromeLocator.Verdict.P : SyndromeLocator.Verdict.Q;
        assertThat(located.verdict())
            .as("seed %d round %d: block %d, %d bytes", seed, round, target, bytes)
            .isEqualTo(expected);
        if (expected == SyndromeLocator.Verdict.DATA) {
          assertThat(located.slot()).isEqualTo(target);
          // D ⊕ Pd is the original block.
          for (int i = 0; i < BLOCK; i++) {
            byte fixed =
                (byte)
                    (bad.get(ValueLayout.JAVA_BYTE, i)
                        ^ p.get(ValueLayout.JAVA_BYTE, i)
                        ^ pCalc.get(ValueLayout.JAVA_BYTE, i));
            bad.set(ValueLayout.JAVA_BYTE, i, fixed);
          }
          assertThat(bad.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(original);
        }
      }
      // Two bad data blocks at the same bytes: no single block explains it.
      for (MemorySegment d : data) {
        randomize(d, random);
      }
      kernels.pqGen(data, p, q);
      corrupt(data[0], BLOCK, random);
      corrupt(data[1], BLOCK, random);
      kernels.pqGen(data, pCalc, qCalc);
      assertThat(SyndromeLocator.locate(p, pCalc, q, qCalc, dataBlocks).verdict())
          .isEqualTo(SyndromeLocator.Verdict.UNKNOWN);
      kernels.pqGen(data, pCalc, qCalc);
      assertThat(SyndromeLocator.locate(pCalc, pCalc, qCalc, qCalc, 2).verdict())
          .isEqualTo(SyndromeLocator.Verdict.CONSISTENT);
    }
  }

  private static void randomize(MemorySegment s, SplittableRandom random) {
    for (long i = 0; i < s.byteSize(); i += 8) {
      s.set(ValueLayout.JAVA_LONG_UNALIGNED, i, random.nextLong());
    }
  }

  /** Changes {@code bytes} bytes (each to a different value), at random places. */
  private static void corrupt(MemorySegment s, int bytes, SplittableRandom random) {
    for (int k = 0; k < bytes; k++) {
      long at = bytes == BLOCK ? k : random.nextInt(BLOCK);
      byte old = s.get(ValueLayout.JAVA_BYTE, at);
      s.set(ValueLayout.JAVA_BYTE, at, (byte) (old ^ (1 + random.nextInt(255))));
    }
  }
}
