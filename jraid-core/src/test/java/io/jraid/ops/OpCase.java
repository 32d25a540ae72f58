package io.jraid.ops;

import static java.util.Objects.requireNonNull;

import io.jraid.parity.ParityKernels;
import io.jraid.parity.ScalarKernels;
import io.jraid.parity.XorMode;
import io.jraid.testing.TestBlocks;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;

/**
 * One operation of each kind on random blocks: builds the {@link Operation}, or applies the same
 * computation straight through a {@link ParityKernels} (the reference), and compares blocks. Parity
 * is made consistent where the kind needs it (validations sometimes corrupted on purpose,
 * recoveries with their destinations scrambled).
 */
final class OpCase {

  final OpKind kind;
  private final XorMode mode;
  private final int x;
  private final int y;
  private final @Nullable MemorySegment[] data;
  private final @Nullable MemorySegment dst;
  private final @Nullable MemorySegment src;
  private final @Nullable MemorySegment p;
  private final @Nullable MemorySegment q;

  private OpCase(
      OpKind kind,
      XorMode mode,
      int x,
      int y,
      @Nullable MemorySegment[] data,
      @Nullable MemorySegment dst,
      @Nullable MemorySegment src,
      @Nullable MemorySegment p,
      @Nullable MemorySegment q) {
    this.kind = kind;
    this.mode = mode;
    this.x = x;
    this.y = y;
    this.data = data;
    this.dst = dst;
    this.src = src;
    this.p = p;
    this.q = q;
  }

  /** A random case of that kind over {@code n} (≥ 2) data blocks of {@code len} bytes. */
  static OpCase random(OpKind kind, TestBlocks b, int n, long len) {
    SplittableRandom r = b.random();
    XorMode mode = r.nextBoolean() ? XorMode.OVERWRITE : XorMode.ACCUMULATE;
    int x = r.nextInt(n);
    int y = (x + 1 + r.nextInt(n - 1)) % n;
    @Nullable MemorySegment[] data = new MemorySegment[n];
    for (int i = 0; i < n; i++) {
      boolean absent = kind != OpKind.XOR && kind != OpKind.XOR_VALIDATE && r.nextInt(5) == 0;
      data[i] = absent && i != x && i != y ? null : b.random(len);
    }
    MemorySegment p = b.random(len);
    MemorySegment q = b.random(len);
    ParityKernels ref = ScalarKernels.INSTANCE;
    return switch (kind) {
      case COPY, ZERO -> new OpCase(kind, mode, x, y, data, b.random(len), b.random(len), p, q);
      case XOR -> new OpCase(kind, mode, x, y, data, b.random(len), null, null, null);
      case XOR_VALIDATE -> {
        MemorySegment[] dense = new MemorySegment[n];
        for (int i = 0; i < n - 1; i++) {
          dense[i] = requireNonNull(data[i]);
        }
        dense[n - 1] = p;
        ref.xorGen(p, Arrays.copyOf(dense, n - 1), XorMode.OVERWRITE);
        if (len > 0 && r.nextBoolean()) {
          b.corrupt(dense[r.nextInt(n)]);
        }
        yield new OpCase(kind, mode, x, y, dense, null, null, null, null);
      }
      case PQ -> {
        int which = r.nextInt(3); // both, P only, Q only
        yield new OpCase(
            kind, mode, x, y, data, null, null, which == 2 ? null : p, which == 1 ? null : q);
      }
      case PQ_XOR -> new OpCase(kind, mode, x, y, data, null, null, p, q);
      case PQ_VALIDATE -> {
        ref.pqGen(data, p, q);
        if (len > 0) {
          int bad = r.nextInt(4); // none, P, Q, both
          if ((bad & 1) != 0) {
            b.corrupt(p);
          }
          if ((bad & 2) != 0) {
            b.corrupt(q);
          }
        }
        int which = r.nextInt(3);
        yield new OpCase(
            kind, mode, x, y, data, null, null, which == 2 ? null : p, which == 1 ? null : q);
      }
      case RECOVER_DATA_P, RECOVER_DATA_Q, RECOVER_TWO_DATA -> {
        ref.pqGen(data, p, q);
        b.fill(requireNonNull(data[x]));
        if (kind == OpKind.RECOVER_TWO_DATA) {
          b.fill(requireNonNull(data[y]));
        }
        if (kind == OpKind.RECOVER_DATA_P) {
          b.fill(p);
        } else if (kind == OpKind.RECOVER_DATA_Q) {
          b.fill(q);
        }
        yield new OpCase(kind, mode, x, y, data, null, null, p, q);
      }
    };
  }

  /** The same case over copies of the blocks. */
  OpCase copy(TestBlocks b) {
    return new OpCase(
        kind,
        mode,
        x,
        y,
        b.copy(data),
        copyOrNull(b, dst),
        copyOrNull(b, src),
        copyOrNull(b, p),
        copyOrNull(b, q));
  }

  private static @Nullable MemorySegment copyOrNull(TestBlocks b, @Nullable MemorySegment s) {
    return s == null ? null : b.copy(s);
  }

  /** Builds {@code op} for this case. */
  Operation build(Operation op) {
    MemorySegment[] d = data;
    return switch (kind) {
      case COPY -> op.copy(requireNonNull(dst), requireNonNull(src));
      case ZERO -> op.zero(requireNonNull(dst));
      case XOR -> op.xor(requireNonNull(dst), d, mode);
      case XOR_VALIDATE -> op.xorValidate(d);
      case PQ -> op.pq(d, p, q);
      case PQ_XOR -> op.pqXor(d, requireNonNull(p), requireNonNull(q));
      case PQ_VALIDATE -> op.pqValidate(d, p, q);
      case RECOVER_DATA_P -> op.recoverDataP(d, x, requireNonNull(p), requireNonNull(q));
      case RECOVER_DATA_Q -> op.recoverDataQ(d, x, requireNonNull(p), requireNonNull(q));
      case RECOVER_TWO_DATA -> op.recoverTwoData(d, x, y, requireNonNull(p), requireNonNull(q));
    };
  }

  /**
   * Computes this case straight through {@code k}; returns what {@link Operation#result()} would.
   */
  int apply(ParityKernels k) {
    MemorySegment[] d = data;
    switch (kind) {
      case COPY -> {
        requireNonNull(dst).copyFrom(requireNonNull(src));
      }
      case ZERO -> requireNonNull(dst).fill((byte) 0);
      case XOR -> k.xorGen(requireNonNull(dst), d, mode);
      case XOR_VALIDATE -> {
        return k.xorIsZero(d) ? 0 : Operation.P_MISMATCH;
      }
      case PQ -> k.pqGen(d, p, q);
      case PQ_XOR -> k.pqXor(d, requireNonNull(p), requireNonNull(q));
      case PQ_VALIDATE -> {
        return k.pqValidate(d, p, q);
      }
      case RECOVER_DATA_P -> k.recoverDataAndP(d, x, requireNonNull(p), requireNonNull(q));
      case RECOVER_DATA_Q -> k.recoverDataAndQ(d, x, requireNonNull(p), requireNonNull(q));
      case RECOVER_TWO_DATA -> k.recoverTwoData(d, x, y, requireNonNull(p), requireNonNull(q));
    }
    return 0;
  }

  /** Asserts every block of this case equals the corresponding block of {@code other}. */
  void assertSameBlocks(OpCase other, String what) {
    for (int i = 0; i < data.length; i++) {
      TestBlocks.assertSameBytes(data[i], other.data[i], what + " data[" + i + "]");
    }
    TestBlocks.assertSameBytes(dst, other.dst, what + " dst");
    TestBlocks.assertSameBytes(src, other.src, what + " src");
    TestBlocks.assertSameBytes(p, other.p, what + " p");
    TestBlocks.assertSameBytes(q, other.q, what + " q");
  }

  @Override
  public String toString() {
    return kind + " n=" + data.length + " x=" + x + " y=" + y + " mode=" + mode;
  }
}
