package io.jraid.parity;

import static org.assertj.core.api.Assertions.assertThat;

import io.jraid.testing.TestBlocks;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The worked examples of spec/raid6-math.md, for every implementation. Each example byte fills a
 * whole block, at lengths that exercise a single byte, whole vectors and a vector tail.
 */
class SpecExamplesTest {

  private final TestBlocks blocks = new TestBlocks(new SplittableRandom(1));

  @AfterEach
  void free() {
    blocks.close();
  }

  static Stream<Arguments> cases() {
    return Implementations.all()
        .flatMap(k -> Stream.of(1L, 4096L, 4161L).map(len -> Arguments.of(k, len)));
  }

  private MemorySegment[] data(long len, int... values) {
    MemorySegment[] d = new MemorySegment[values.length];
    for (int i = 0; i < values.length; i++) {
      d[i] = values[i] < 0 ? null : blocks.filled(len, values[i]);
    }
    return d;
  }

  private static void assertFilled(MemorySegment s, int value, String what) {
    for (long i = 0; i < s.byteSize(); i++) {
      int b = s.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i) & 0xFF;
      if (b != value) {
        throw new AssertionError(
            what
                + ": byte "
                + i
                + " is "
                + Integer.toHexString(b)
                + ", expected "
                + Integer.toHexString(value));
      }
    }
  }

  @ParameterizedTest(name = "{0} len={1}")
  @MethodSource("cases")
  void exampleA_threeSlots(ParityKernels k, long len) {
    MemorySegment p = blocks.filled(len, 0xEE);
    MemorySegment q = blocks.filled(len, 0xEE);
    k.pqGen(data(len, 0x5A, 0x3C, 0xF0), p, q);
    assertFilled(p, 0x96, "P");
    assertFilled(q, 0xC5, "Q");
  }

  @ParameterizedTest(name = "{0} len={1}")
  @MethodSource("cases")
  void exampleB_fourSlotsAndReadModifyWrite(ParityKernels k, long len) {
    MemorySegment p = blocks.filled(len, 0);
    MemorySegment q = blocks.filled(len, 0);
    k.pqGen(data(len, 0x01, 0x02, 0x04, 0x08), p, q);
    assertFilled(p, 0x0F, "P");
    assertFilled(q, 0x55, "Q");
    k.pqUpdate(2, blocks.filled(len, 0x04), blocks.filled(len, 0x40), p, q);
    assertFilled(p, 0x4B, "P after RMW");
    assertFilled(q, 0x58, "Q after RMW");
  }

  @ParameterizedTest(name = "{0} len={1}")
  @MethodSource("cases")
  void exampleC_slotOrderIsTheLayoutsNotTheLogicalOrder(ParityKernels k, long len) {
    // left-asymmetric, 5 members, row 2: D8 is slot 0, D6 slot 1, D7 slot 2.
    MemorySegment p = blocks.filled(len, 0);
    MemorySegment q = blocks.filled(len, 0);
    k.pqGen(data(len, 0x44, 0x11, 0x22), p, q);
    assertFilled(p, 0x77, "P");
    assertFilled(q, 0xEE, "Q");
  }

  @ParameterizedTest(name = "{0} len={1}")
  @MethodSource("cases")
  void exampleD_ddfSlotsWithAbsentParityPositions(ParityKernels k, long len) {
    // ddf-N-continue, 5 members, row 1: slots are members; members 2 (Q) and 3 (P) are zeros.
    MemorySegment p = blocks.filled(len, 0);
    MemorySegment q = blocks.filled(len, 0);
    k.pqGen(data(len, 0x22, 0x44, -1, -1, 0x11), p, q);
    assertFilled(p, 0x77, "P");
    assertFilled(q, 0xA7, "Q");
  }

  @ParameterizedTest(name = "{0} len={1}")
  @MethodSource("cases")
  void recoverTwoDataSlotsOfExampleA(ParityKernels k, long len) {
    MemorySegment[] d = data(len, 0x00, 0x3C, 0x00);
    k.recoverTwoData(d, 0, 2, blocks.filled(len, 0x96), blocks.filled(len, 0xC5));
    assertFilled(d[0], 0x5A, "D0");
    assertFilled(d[2], 0xF0, "D2");
  }

  @ParameterizedTest(name = "{0} len={1}")
  @MethodSource("cases")
  void recoverDataSlotAndPOfExampleA(ParityKernels k, long len) {
    MemorySegment[] d = data(len, 0x5A, 0x00, 0xF0);
    MemorySegment p = blocks.filled(len, 0);
    k.recoverDataAndP(d, 1, p, blocks.filled(len, 0xC5));
    assertFilled(d[1], 0x3C, "D1");
    assertFilled(p, 0x96, "P");
  }

  @ParameterizedTest(name = "{0} len={1}")
  @MethodSource("cases")
  void recoverSlotsOneAndThreeOfExampleB(ParityKernels k, long len) {
    MemorySegment[] d = data(len, 0x01, 0xFF, 0x04, 0xFF);
    k.recoverTwoData(d, 3, 1, blocks.filled(len, 0x0F), blocks.filled(len, 0x55));
    assertFilled(d[1], 0x02, "D1");
    assertFilled(d[3], 0x08, "D3");
  }

  @ParameterizedTest(name = "{0} len={1}")
  @MethodSource("cases")
  void locateTheCorruptedBlockOfExampleA(ParityKernels k, long len) {
    assertThat(k.locateCorruption(data(len, 0x5A, 0x3C, 0xF0), p96(len), q(len)))
        .isEqualTo(CorruptBlock.NONE);
    assertThat(k.locateCorruption(data(len, 0x5A, 0x3C ^ 0x40, 0xF0), p96(len), q(len)))
        .isEqualTo(1);
    assertThat(k.locateCorruption(data(len, 0x5A, 0x3C, 0xF0 ^ 0x01), p96(len), q(len)))
        .isEqualTo(2);
    assertThat(k.locateCorruption(data(len, 0x5A, 0x3C, 0xF0), blocks.filled(len, 0x97), q(len)))
        .isEqualTo(CorruptBlock.P);
    assertThat(k.locateCorruption(data(len, 0x5A, 0x3C, 0xF0), p96(len), blocks.filled(len, 0)))
        .isEqualTo(CorruptBlock.Q);
    assertThat(k.locateCorruption(data(len, 0x5A ^ 1, 0x3C ^ 0x40, 0xF0), p96(len), q(len)))
        .isEqualTo(CorruptBlock.NOT_SINGLE);
  }

  private MemorySegment p96(long len) {
    return blocks.filled(len, 0x96);
  }

  private MemorySegment q(long len) {
    return blocks.filled(len, 0xC5);
  }
}
