package io.jraid.parity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jraid.testing.TestBlocks;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Broken arguments get an {@link IllegalArgumentException} that names the argument and its value,
 * from every implementation alike, and nothing is written.
 */
class BadInputTest {

  private static final long LEN = 4096;
  private final TestBlocks b = new TestBlocks(new SplittableRandom(3));

  @AfterEach
  void free() {
    b.close();
  }

  static Stream<ParityKernels> kernels() {
    return Implementations.all();
  }

  private MemorySegment[] data(int n) {
    return b.data(n, LEN, 0);
  }

  @ParameterizedTest
  @MethodSource("kernels")
  void mismatchedLengths(ParityKernels k) {
    MemorySegment dest = b.random(LEN);
    MemorySegment before = b.copy(dest);
    MemorySegment[] src = {b.random(LEN), b.random(LEN + 64)};
    assertThatThrownBy(() -> k.xorGen(dest, src, XorMode.OVERWRITE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sources[1].byteSize()=" + (LEN + 64))
        .hasMessageContaining("dest.byteSize()=" + LEN);
    assertThat(dest.mismatch(before)).isEqualTo(-1L);
    MemorySegment[] d = {b.random(LEN), b.random(LEN - 32)};
    assertThatThrownBy(() -> k.pqGen(d, b.random(LEN), b.random(LEN)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("data[1].byteSize()=" + (LEN - 32));
    assertThatThrownBy(
            () -> k.pqUpdate(0, b.random(LEN), b.random(LEN / 2), b.random(LEN), b.random(LEN)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("newData.byteSize()=" + LEN / 2);
  }

  @ParameterizedTest
  @MethodSource("kernels")
  void wrongSourceCounts(ParityKernels k) {
    assertThatThrownBy(() -> k.xorGen(b.random(LEN), new MemorySegment[0], XorMode.OVERWRITE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sources.length=0");
    MemorySegment one = b.random(64);
    MemorySegment[] tooMany = new MemorySegment[257];
    java.util.Arrays.fill(tooMany, one);
    assertThatThrownBy(() -> k.xorGen(b.random(64), tooMany, XorMode.OVERWRITE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sources.length=257");
    assertThatThrownBy(() -> k.xorIsZero(new MemorySegment[] {one}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("blocks.length=1");
    assertThatThrownBy(() -> k.pqGen(new MemorySegment[0], b.random(LEN), b.random(LEN)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("data.length=0");
    MemorySegment[] d254 = new MemorySegment[254];
    java.util.Arrays.fill(d254, one);
    assertThatThrownBy(() -> k.pqGen(d254, b.random(64), b.random(64)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("data.length=254");
    MemorySegment[] d253 = new MemorySegment[253];
    java.util.Arrays.fill(d253, one);
    MemorySegment p = b.random(64);
    MemorySegment q = b.random(64);
    k.pqGen(d253, p, q); // the most RAID-6 allows: accepted
    MemorySegment pRef = b.random(64);
    MemorySegment qRef = b.random(64);
    ScalarKernels.INSTANCE.pqGen(d253, pRef, qRef);
    assertThat(q.mismatch(qRef)).isEqualTo(-1L);
    assertThatThrownBy(() -> k.pqGen(data(3), null, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("p=null and q=null");
  }

  @ParameterizedTest
  @MethodSource("kernels")
  void badSlots(ParityKernels k) {
    MemorySegment[] d = data(4);
    assertThatThrownBy(() -> k.recoverTwoData(d, 1, 1, b.random(LEN), b.random(LEN)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("x=y=1");
    assertThatThrownBy(() -> k.recoverTwoData(d, 0, 4, b.random(LEN), b.random(LEN)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("y=4");
    assertThatThrownBy(() -> k.recoverDataFromP(d, -1, b.random(LEN)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("x=-1");
    assertThatThrownBy(
            () -> k.pqUpdate(253, b.random(LEN), b.random(LEN), b.random(LEN), b.random(LEN)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("slot=253");
    MemorySegment[] withAbsent = {b.random(LEN), null, b.random(LEN)};
    assertThatThrownBy(() -> k.recoverDataFromP(withAbsent, 1, b.random(LEN)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("data[1]=null");
    assertThatThrownBy(() -> k.recover(d, b.random(LEN), b.random(LEN), 2, 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("failB=2");
    assertThatThrownBy(() -> k.recover(d, b.random(LEN), b.random(LEN), 6, -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("failA=6");
  }

  @ParameterizedTest
  @MethodSource("kernels")
  void destinationOverlappingASource(ParityKernels k) {
    MemorySegment big = b.random(2 * LEN);
    MemorySegment src = big.asSlice(0, LEN);
    MemorySegment dest = big.asSlice(LEN / 2, LEN);
    MemorySegment before = b.copy(big);
    assertThatThrownBy(
            () -> k.xorGen(dest, new MemorySegment[] {b.random(LEN), src}, XorMode.ACCUMULATE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("dest")
        .hasMessageContaining("overlaps sources[1]");
    assertThat(big.mismatch(before)).isEqualTo(-1L);
    MemorySegment[] d = {b.random(LEN), src, b.random(LEN)};
    assertThatThrownBy(() -> k.pqGen(d, b.random(LEN), dest))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("q [0x")
        .hasMessageContaining("overlaps data[1]");
    MemorySegment pq = b.random(LEN);
    assertThatThrownBy(() -> k.pqGen(data(2), pq, pq))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("overlaps");
    MemorySegment[] lost = data(3);
    assertThatThrownBy(() -> k.recoverDataAndP(lost, 0, lost[0], b.random(LEN)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("overlaps");
  }

  @ParameterizedTest
  @MethodSource("kernels")
  void unalignedHeapClosedAndReadOnlyBlocks(ParityKernels k) {
    MemorySegment big = b.random(LEN + 64);
    MemorySegment unaligned = big.asSlice(8, LEN);
    assertThatThrownBy(
            () -> k.xorGen(b.random(LEN), new MemorySegment[] {unaligned}, XorMode.OVERWRITE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sources[0].address()=0x" + Long.toHexString(unaligned.address()))
        .hasMessageContaining("not 32-byte aligned");
    MemorySegment heap = MemorySegment.ofArray(new byte[(int) LEN]);
    assertThatThrownBy(
            () -> k.pqGen(new MemorySegment[] {b.random(LEN), heap}, b.random(LEN), b.random(LEN)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("data[1]=")
        .hasMessageContaining("heap segment");
    MemorySegment readOnly = b.random(LEN).asReadOnly();
    assertThatThrownBy(() -> k.xorGen(readOnly, data(2), XorMode.OVERWRITE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("dest is read-only");
    MemorySegment closed;
    try (Arena arena = Arena.ofConfined()) {
      closed = arena.allocate(LEN, 4096);
    }
    assertThatThrownBy(
            () -> k.xorGen(b.random(LEN), new MemorySegment[] {closed}, XorMode.OVERWRITE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sources[0] belongs to a closed arena");
    assertThatThrownBy(() -> k.xorGen(b.random(LEN), null, XorMode.OVERWRITE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sources=null");
  }

  @ParameterizedTest
  @MethodSource("kernels")
  void emptyBlocksAreFine(ParityKernels k) {
    MemorySegment[] d = {b.random(0), b.random(0)};
    k.pqGen(d, b.random(0), b.random(0));
    assertThat(k.pqValidate(d, b.random(0), b.random(0))).isZero();
    assertThat(k.xorIsZero(d)).isTrue();
  }
}
