package io.jraid.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;

/**
 * Page-aligned native blocks for operation tests, from a shared arena (worker threads read and
 * write them), freed together on close.
 */
final class Blocks implements AutoCloseable {

  private final Arena arena = Arena.ofShared();
  private final SplittableRandom random;

  Blocks(SplittableRandom random) {
    this.random = random;
  }

  SplittableRandom random() {
    return random;
  }

  /** A page-aligned block of random bytes. */
  MemorySegment random(long len) {
    MemorySegment s = arena.allocate(len, 4096);
    fill(s);
    return s;
  }

  /** A page-aligned copy. */
  MemorySegment copy(MemorySegment of) {
    MemorySegment s = arena.allocate(of.byteSize(), 4096);
    s.copyFrom(of);
    return s;
  }

  /** Copies of every block, null staying null. */
  @Nullable MemorySegment[] copy(@Nullable MemorySegment[] of) {
    @Nullable MemorySegment[] c = new MemorySegment[of.length];
    for (int i = 0; i < of.length; i++) {
      MemorySegment s = of[i];
      c[i] = s == null ? null : copy(s);
    }
    return c;
  }

  /** Overwrites a block with random bytes. */
  void fill(MemorySegment s) {
    long len = s.byteSize();
    long i = 0;
    for (; i + 8 <= len; i += 8) {
      s.set(ValueLayout.JAVA_LONG_UNALIGNED, i, random.nextLong());
    }
    for (; i < len; i++) {
      s.set(ValueLayout.JAVA_BYTE, i, (byte) random.nextInt());
    }
  }

  /** Flips bits of one random byte of a non-empty block. */
  void corrupt(MemorySegment s) {
    long at = random.nextLong(s.byteSize());
    int flip = 1 + random.nextInt(255);
    s.set(ValueLayout.JAVA_BYTE, at, (byte) (s.get(ValueLayout.JAVA_BYTE, at) ^ flip));
  }

  /** Asserts two blocks (or two absent blocks) hold the same bytes. */
  static void assertSameBytes(
      @Nullable MemorySegment actual, @Nullable MemorySegment expected, String what) {
    if (actual == null || expected == null) {
      assertThat(actual == null).as("%s: both absent", what).isEqualTo(expected == null);
      return;
    }
    assertThat(actual.mismatch(expected)).as("%s: first differing byte", what).isEqualTo(-1L);
  }

  @Override
  public void close() {
    arena.close();
  }
}
