package io.jraid.parity;

import static org.assertj.core.api.Assertions.assertThat;

import io.jraid.testing.Seeds;
import io.jraid.testing.TestBlocks;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A fast implementation gives the same bytes as the scalar reference for every operation, on seeded
 * random data, over awkward lengths and 1 to 32 sources. Subclasses name the implementation.
 */
abstract class KernelEquivalenceTest {

  /** Lengths that hit empty blocks, single bytes, vector edges and tails, pages and big blocks. */
  static final long[] LENGTHS = {0, 1, 63, 64, 65, 4095, 4096, 65536, 1 << 20};

  abstract ParityKernels kernels();

  static Stream<Arguments> cases() {
    return LongStream.of(LENGTHS)
        .boxed()
        .flatMap(len ->
            IntStream.rangeClosed(1, 32).mapToObj(n -> Arguments.of(len, n, Seeds.of(len, n))));
  }

  private static final ParityKernels REF = ScalarKernels.INSTANCE;

  private static void assertSame(MemorySegment actual, MemorySegment expected, String what) {
    long at = actual.mismatch(expected);
    assertThat(at).as("%s: first differing byte", what).isEqualTo(-1L);
  }

  @ParameterizedTest(name = "len={0} n={1} seed={2}")
  @MethodSource("cases")
  void xorMatchesTheReference(long len, int n, long seed) {
    try (TestBlocks b = new TestBlocks(new SplittableRandom(seed))) {
      MemorySegment[] src = b.data(n, len, 0);
      for (XorMode mode : XorMode.values()) {
        MemorySegment expected = b.random(len);
        MemorySegment actual = b.copy(expected);
        REF.xorGen(expected, src, mode);
        kernels().xorGen(actual, src, mode);
        assertSame(actual, expected, "xorGen " + mode);
      }
      // Validation: the sources and their parity XOR to zero; one flipped byte does not.
      MemorySegment parity = b.random(len);
      REF.xorGen(parity, src, XorMode.OVERWRITE);
      MemorySegment[] all = new MemorySegment[n + 1];
      System.arraycopy(src, 0, all, 0, n);
      all[n] = parity;
      assertThat(kernels().xorIsZero(all)).isTrue();
      if (len > 0) {
        b.corrupt(all[b.random().nextInt(n + 1)]);
        assertThat(kernels().xorIsZero(all)).isFalse();
        assertThat(REF.xorIsZero(all)).isFalse();
      }
    }
  }

  @ParameterizedTest(name = "len={0} n={1} seed={2}")
  @MethodSource("cases")
  void pqGenerationMatchesTheReference(long len, int n, long seed) {
    try (TestBlocks b = new TestBlocks(new SplittableRandom(seed))) {
      for (int absent : new int[] {0, 25}) {
        MemorySegment[] data = b.data(n, len, absent);
        MemorySegment p = b.random(len);
        MemorySegment q = b.random(len);
        MemorySegment pRef = b.copy(p);
        MemorySegment qRef = b.copy(q);
        REF.pqGen(data, pRef, qRef);
        kernels().pqGen(data, p, q);
        assertSame(p, pRef, "P, absent=" + absent + "%");
        assertSame(q, qRef, "Q, absent=" + absent + "%");

        MemorySegment onlyP = b.random(len);
        kernels().pqGen(data, onlyP, null);
        assertSame(onlyP, pRef, "P alone");
        MemorySegment onlyQ = b.random(len);
        kernels().pqGen(data, null, onlyQ);
        assertSame(onlyQ, qRef, "Q alone");
      }
    }
  }

  @ParameterizedTest(name = "len={0} n={1} seed={2}")
  @MethodSource("cases")
  void pqValidationMatchesTheReference(long len, int n, long seed) {
    try (TestBlocks b = new TestBlocks(new SplittableRandom(seed))) {
      MemorySegment[] data = b.data(n, len, n > 2 ? 20 : 0);
      MemorySegment p = b.random(len);
      MemorySegment q = b.random(len);
      REF.pqGen(data, p, q);
      assertThat(kernels().pqValidate(data, p, q)).isZero();
      assertThat(kernels().pqValidate(data, p, null)).isZero();
      assertThat(kernels().pqValidate(data, null, q)).isZero();
      if (len == 0) {
        return;
      }
      MemorySegment badP = b.copy(p);
      b.corrupt(badP);
      MemorySegment badQ = b.copy(q);
      b.corrupt(badQ);
      assertThat(kernels().pqValidate(data, badP, q)).isEqualTo(ParityKernels.P_MISMATCH);
      assertThat(kernels().pqValidate(data, p, badQ)).isEqualTo(ParityKernels.Q_MISMATCH);
      assertThat(kernels().pqValidate(data, badP, badQ))
          .isEqualTo(ParityKernels.P_MISMATCH | ParityKernels.Q_MISMATCH);
      assertThat(kernels().pqValidate(data, null, badQ)).isEqualTo(ParityKernels.Q_MISMATCH);
      int d = firstPresent(data);
      if (d >= 0) {
        MemorySegment[] badData = b.copy(data);
        b.corrupt(badData[d]);
        int expected = REF.pqValidate(badData, p, q);
        assertThat(expected).isNotZero();
        assertThat(kernels().pqValidate(badData, p, q)).isEqualTo(expected);
      }
    }
  }

  @ParameterizedTest(name = "len={0} n={1} seed={2}")
  @MethodSource("cases")
  void readModifyWriteMatchesTheReference(long len, int n, long seed) {
    try (TestBlocks b = new TestBlocks(new SplittableRandom(seed))) {
      MemorySegment[] data = b.data(n, len, 20);
      MemorySegment p = b.random(len);
      MemorySegment q = b.random(len);
      MemorySegment pRef = b.copy(p);
      MemorySegment qRef = b.copy(q);
      REF.pqXor(data, pRef, qRef);
      kernels().pqXor(data, p, q);
      assertSame(p, pRef, "P after pqXor");
      assertSame(q, qRef, "Q after pqXor");

      int slot = b.random().nextInt(n);
      MemorySegment oldData = b.random(len);
      MemorySegment newData = b.random(len);
      REF.pqUpdate(slot, oldData, newData, pRef, qRef);
      kernels().pqUpdate(slot, oldData, newData, p, q);
      assertSame(p, pRef, "P after pqUpdate");
      assertSame(q, qRef, "Q after pqUpdate");
    }
  }

  @ParameterizedTest(name = "len={0} n={1} seed={2}")
  @MethodSource("cases")
  void recoveryMatchesTheReferenceAndRestoresTheData(long len, int n, long seed) {
    try (TestBlocks b = new TestBlocks(new SplittableRandom(seed))) {
      SplittableRandom r = b.random();
      MemorySegment[] data = b.data(n, len, 0);
      for (int i = 0; i < n; i++) {
        if (i > 0 && r.nextInt(5) == 0) {
          data[i] = null; // absent slots count as zeros
        }
      }
      MemorySegment[] original = b.copy(data);
      MemorySegment p = b.random(len);
      MemorySegment q = b.random(len);
      REF.pqGen(data, p, q);
      int x = firstPresent(data);

      MemorySegment[] lost = lose(b, data, x);
      kernels().recoverDataFromP(lost, x, p);
      assertSame(lost[x], original[x], "D_x from P");

      lost = lose(b, data, x);
      MemorySegment newP = b.random(len);
      kernels().recoverDataAndP(lost, x, newP, q);
      assertSame(lost[x], original[x], "D_x of data+P");
      assertSame(newP, p, "P of data+P");

      lost = lose(b, data, x);
      MemorySegment newQ = b.random(len);
      kernels().recoverDataAndQ(lost, x, p, newQ);
      assertSame(lost[x], original[x], "D_x of data+Q");
      assertSame(newQ, q, "Q of data+Q");

      int y = r.nextInt(n);
      if (n >= 2 && y != x) {
        if (data[y] == null) {
          data[y] = b.random(len);
          original[y] = b.copy(data[y]);
          REF.pqGen(data, p, q);
        }
        lost = lose(b, data, x, y);
        kernels().recoverTwoData(lost, y, x, p, q);
        assertSame(lost[x], original[x], "D_x of two data");
        assertSame(lost[y], original[y], "D_y of two data");
      }
    }
  }

  @ParameterizedTest(name = "len={0} n={1} seed={2}")
  @MethodSource("cases")
  void locatorMatchesTheReference(long len, int n, long seed) {
    if (len == 0) {
      return;
    }
    try (TestBlocks b = new TestBlocks(new SplittableRandom(seed))) {
      MemorySegment[] data = b.data(n, len, 0);
      MemorySegment p = b.random(len);
      MemorySegment q = b.random(len);
      REF.pqGen(data, p, q);
      assertThat(kernels().locateCorruption(data, p, q)).isEqualTo(CorruptBlock.NONE);
      int victim = b.random().nextInt(n + 2);
      MemorySegment[] d = b.copy(data);
      MemorySegment pc = b.copy(p);
      MemorySegment qc = b.copy(q);
      b.corrupt(victim < n ? d[victim] : victim == n ? pc : qc);
      int expected = victim < n ? victim : victim == n ? CorruptBlock.P : CorruptBlock.Q;
      assertThat(REF.locateCorruption(d, pc, qc)).isEqualTo(expected);
      assertThat(kernels().locateCorruption(d, pc, qc)).isEqualTo(expected);
    }
  }

  private static int firstPresent(MemorySegment[] data) {
    for (int i = 0; i < data.length; i++) {
      if (data[i] != null) {
        return i;
      }
    }
    return -1;
  }

  /** Copies of the data with the lost slots overwritten by garbage. */
  private static MemorySegment[] lose(TestBlocks b, MemorySegment[] data, int... slots) {
    MemorySegment[] copy = b.copy(data);
    for (int s : slots) {
      b.fill(copy[s]);
    }
    return copy;
  }
}
