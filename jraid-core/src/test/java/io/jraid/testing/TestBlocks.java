package io.jraid.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;

/**
 * Page-aligned native blocks of random bytes for kernel and operation tests, freed together on
 * close: confined to the test's thread, or {@link #shared} when other threads (operation channels)
 * use them.
 */
public final class TestBlocks implements AutoCloseable {

  private final Arena arena;
  private final SplittableRandom random;

  /** Blocks for the calling thread only. */
  public TestBlocks(SplittableRandom random) {
    this(random, Arena.ofConfined());
  }

  private TestBlocks(SplittableRandom random, Arena arena) {
    this.random = random;
    this.arena = arena;
  }

  /** Blocks that any thread may read and write. */
  public static TestBlocks shared(SplittableRandom random) {
    return new TestBlocks(random, Arena.ofShared());
  }

  /** A page-aligned block of random bytes. */
  public MemorySegment random(long len) {
    MemorySegment s = arena.allocate(len, 4096);
    fill(s);
    return s;
  }

  /** A page-aligned block filled with one byte value. */
  public MemorySegment filled(long len, int value) {
    MemorySegment s = arena.allocate(len, 4096);
    s.fill((byte) value);
    return s;
  }

  /** A page-aligned copy. */
  public MemorySegment copy(MemorySegment of) {
    MemorySegment s = arena.allocate(of.byteSize(), 4096);
    s.copyFrom(of);
    return s;
  }

  /** Copies of every block, null staying null. */
  public @Nullable MemorySegment[] copy(@Nullable MemorySegment[] of) {
    @Nullable MemorySegment[] c = new MemorySegment[of.length];
    for (int i = 0; i < of.length; i++) {
      c[i] = of[i] == null ? null : copy(of[i]);
    }
    return c;
  }

  /** Random data blocks; when {@code absentPercent} > 0, some entries are null (absent). */
  public @Nullable MemorySegment[] data(int n, long len, int absentPercent) {
    @Nullable MemorySegment[] d = new MemorySegment[n];
    for (int i = 0; i < n; i++) {
      d[i] = random.nextInt(100) < absentPercent ? null : random(len);
    }
    return d;
  }

  public void fill(MemorySegment s) {
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
  public long corrupt(MemorySegment s) {
    long at = random.nextLong(s.byteSize());
    int flip = 1 + random.nextInt(255);
    s.set(ValueLayout.JAVA_BYTE, at, (byte) (s.get(ValueLayout.JAVA_BYTE, at) ^ flip));
    return at;
  }

  public SplittableRandom random() {
    return random;
  }

  /** Asserts two blocks (or two absent blocks) hold the same bytes. */
  public static void assertSameBytes(
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
