package io.jraid.parity;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/** Page-aligned native blocks for kernel tests, freed together on close. */
final class TestBlocks implements AutoCloseable {

  private final Arena arena = Arena.ofConfined();
  private final SplittableRandom random;

  TestBlocks(SplittableRandom random) {
    this.random = random;
  }

  /** A page-aligned block of random bytes. */
  MemorySegment random(long len) {
    MemorySegment s = arena.allocate(len, 4096);
    fill(s);
    return s;
  }

  /** A page-aligned block filled with one byte value. */
  MemorySegment filled(long len, int value) {
    MemorySegment s = arena.allocate(len, 4096);
    s.fill((byte) value);
    return s;
  }

  /** A page-aligned copy. */
  MemorySegment copy(MemorySegment of) {
    MemorySegment s = arena.allocate(of.byteSize(), 4096);
    s.copyFrom(of);
    return s;
  }

  /** Copies of every block, null staying null. */
  MemorySegment[] copy(MemorySegment[] of) {
    MemorySegment[] c = new MemorySegment[of.length];
    for (int i = 0; i < of.length; i++) {
      c[i] = of[i] == null ? null : copy(of[i]);
    }
    return c;
  }

  /** Random data blocks; when {@code absentPercent} > 0, some entries are null (absent). */
  MemorySegment[] data(int n, long len, int absentPercent) {
    MemorySegment[] d = new MemorySegment[n];
    for (int i = 0; i < n; i++) {
      d[i] = random.nextInt(100) < absentPercent ? null : random(len);
    }
    return d;
  }

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

  /** Flips bits of one random byte of a non-empty block (never to the same value). */
  long corrupt(MemorySegment s) {
    long at = random.nextLong(s.byteSize());
    int flip = 1 + random.nextInt(255);
    s.set(ValueLayout.JAVA_BYTE, at, (byte) (s.get(ValueLayout.JAVA_BYTE, at) ^ flip));
    return at;
  }

  SplittableRandom random() {
    return random;
  }

  @Override
  public void close() {
    arena.close();
  }
}
