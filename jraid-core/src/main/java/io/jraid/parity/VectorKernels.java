package io.jraid.parity;

import static jdk.incubator.vector.VectorOperators.XOR;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.jspecify.annotations.Nullable;

/**
 * Parity kernels on the Vector API (SIMD): AVX-512, AVX2, SSE or NEON, whatever the JIT maps the
 * chosen vector width to.
 *
 * <h2>How the loops are shaped</h2>
 *
 * <ul>
 *   <li>The vector width is a {@code static final} species, chosen once per JVM ({@code
 *       -Djraid.vector.bits=128|256|512}, default the hardware's preferred width), so that C2
 *       compiles every operation to machine instructions; a species held in a field would run the
 *       Vector API's slow Java fallback.
 *   <li>The outer loop walks the blocks four vectors at a time, the inner loop walks the sources;
 *       the accumulators stay in registers and each source's four loads share one bounds and one
 *       liveness check. A final partial vector is handled with masked loads and stores.
 *   <li>Every RAID-6 operation is the same inner loop — Horner's rule, {@code q = q·g ⊕ D_z} from
 *       the highest slot down, with absent or lost slots skipped — followed by a short per-vector
 *       epilogue that decides what the operation does with Pxy and Qxy (store them, compare them,
 *       recover from them). Recovery is therefore one pass over memory, where Linux makes two.
 *   <li>Multiplication by g is {@code (v + v) ⊕ (v < 0 ? 0x1D : 0)} per byte; multiplication by a
 *       constant c is two 16-entry table look-ups, {@code low[v & 15] ⊕ high[v >>> 4]} (the PSHUFB
 *       method), the tables of all 256 constants built once.
 * </ul>
 */
public final class VectorKernels implements ParityKernels {

  /** The vector width of this JVM, fixed at class initialisation. */
  static final VectorSpecies<Byte> SPECIES = chooseSpecies();

  /** The one instance. */
  public static final VectorKernels INSTANCE = new VectorKernels();

  private static final int VL = SPECIES.length();
  private static final long STEP = 4L * VL;
  private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
  private static final ByteVector ZERO = ByteVector.zero(SPECIES);
  private static final ByteVector POLY = ByteVector.broadcast(SPECIES, (byte) 0x1D);

  /** Nibble tables of every constant c, each replicated to fill one vector: c·VL + i. */
  private static final byte[] LOW = new byte[256 * VL];

  private static final byte[] HIGH = new byte[256 * VL];

  static {
    byte[] low = new byte[16];
    byte[] high = new byte[16];
    for (int c = 0; c < 256; c++) {
      Gf256.nibbleTables(c, low, high);
      for (int i = 0; i < VL; i++) {
        LOW[c * VL + i] = low[i & 15];
        HIGH[c * VL + i] = high[i & 15];
      }
    }
  }

  // The epilogues of the syndrome loop.
  private static final int GEN = 0;
  private static final int XOR_INTO = 1;
  private static final int VALIDATE = 2;
  private static final int TWO_DATA = 3;
  private static final int DATA_P = 4;
  private static final int DATA_Q = 5;
  private static final int LOCATE = 6;

  private VectorKernels() {}

  private static VectorSpecies<Byte> chooseSpecies() {
    int bits = Integer.getInteger("jraid.vector.bits", 0);
    if (bits == 0) {
      return ByteVector.SPECIES_PREFERRED;
    }
    if (bits != 64 && bits != 128 && bits != 256 && bits != 512) {
      throw new IllegalArgumentException(
          "jraid.vector.bits=" + bits + " (use 128, 256 or 512, or leave it unset)");
    }
    return VectorSpecies.of(byte.class, VectorShape.forBitSize(bits));
  }

  /** The vector width in bits this JVM's kernels use. */
  public static int vectorBits() {
    return SPECIES.vectorBitSize();
  }

  @Override
  public String name() {
    return "vector";
  }

  // ---------------------------------------------------------------------------------------------
  // Small helpers. A null mask means a whole vector; the JIT folds the test away.

  private static ByteVector load(MemorySegment s, long i, @Nullable VectorMask<Byte> m) {
    return m == null
        ? ByteVector.fromMemorySegment(SPECIES, s, i, ORDER)
        : ByteVector.fromMemorySegment(SPECIES, s, i, ORDER, m);
  }

  private static void store(ByteVector v, MemorySegment s, long i, @Nullable VectorMask<Byte> m) {
    if (m == null) {
      v.intoMemorySegment(s, i, ORDER);
    } else {
      v.intoMemorySegment(s, i, ORDER, m);
    }
  }

  /** v·g for every byte. */
  private static ByteVector mul2(ByteVector v) {
    return v.add(v).lanewise(XOR, POLY, v.lt((byte) 0));
  }

  /** v·c for every byte, given c's nibble tables. */
  private static ByteVector mul(ByteVector v, ByteVector low, ByteVector high) {
    ByteVector lo = v.and((byte) 0x0F).selectFrom(low);
    ByteVector hi = v.lanewise(VectorOperators.LSHR, 4).selectFrom(high);
    return lo.lanewise(XOR, hi);
  }

  private static ByteVector lowTable(int c) {
    return ByteVector.fromArray(SPECIES, LOW, c * VL);
  }

  private static ByteVector highTable(int c) {
    return ByteVector.fromArray(SPECIES, HIGH, c * VL);
  }

  /** The highest slot that contributes (present and not skipped), or -1. */
  private static int top(MemorySegment[] data, int skip1, int skip2) {
    for (int z = data.length - 1; z >= 0; z--) {
      if (data[z] != null && z != skip1 && z != skip2) {
        return z;
      }
    }
    return -1;
  }

  // ---------------------------------------------------------------------------------------------
  // XOR

  @Override
  public void xorGen(MemorySegment dest, MemorySegment[] sources, XorMode mode) {
    long len = BlockChecks.xor(dest, sources);
    if (mode == XorMode.ACCUMULATE) {
      xorLoop(dest, dest, sources, -1, len);
    } else {
      xorLoop(dest, sources[0], sources, 0, len);
    }
  }

  @Override
  public boolean xorIsZero(MemorySegment[] blocks) {
    long len = BlockChecks.xorValidate(blocks);
    return xorLoop(null, blocks[0], blocks, 0, len);
  }

  @Override
  public void recoverDataFromP(MemorySegment[] data, int x, MemorySegment p) {
    BlockChecks.slot("x", x, BlockChecks.dataLength(data));
    ScalarKernels.requireBlock(p, "p");
    long len = BlockChecks.pq(data, x, -1, p, false, null, false);
    xorLoop(data[x], p, data, x, len);
  }

  /**
   * {@code first ⊕ rest[j]} over every non-null j other than {@code skip}, stored into dest; with
   * a null dest, only tells whether the result is all zeros.
   *
   * @return for a null dest, whether the XOR is zero; otherwise true
   */
  private static boolean xorLoop(
      @Nullable MemorySegment dest,
      MemorySegment first,
      MemorySegment[] rest,
      int skip,
      long len) {
    final int n = rest.length;
    ByteVector nonZero = ZERO;
    long i = 0;
    for (; i <= len - STEP; i += STEP) {
      ByteVector a0 = ByteVector.fromMemorySegment(SPECIES, first, i, ORDER);
      ByteVector a1 = ByteVector.fromMemorySegment(SPECIES, first, i + VL, ORDER);
      ByteVector a2 = ByteVector.fromMemorySegment(SPECIES, first, i + 2L * VL, ORDER);
      ByteVector a3 = ByteVector.fromMemorySegment(SPECIES, first, i + 3L * VL, ORDER);
      for (int j = 0; j < n; j++) {
        MemorySegment s = rest[j];
        if (s != null && j != skip) {
          a0 = a0.lanewise(XOR, ByteVector.fromMemorySegment(SPECIES, s, i, ORDER));
          a1 = a1.lanewise(XOR, ByteVector.fromMemorySegment(SPECIES, s, i + VL, ORDER));
          a2 = a2.lanewise(XOR, ByteVector.fromMemorySegment(SPECIES, s, i + 2L * VL, ORDER));
          a3 = a3.lanewise(XOR, ByteVector.fromMemorySegment(SPECIES, s, i + 3L * VL, ORDER));
        }
      }
      if (dest != null) {
        a0.intoMemorySegment(dest, i, ORDER);
        a1.intoMemorySegment(dest, i + VL, ORDER);
        a2.intoMemorySegment(dest, i + 2L * VL, ORDER);
        a3.intoMemorySegment(dest, i + 3L * VL, ORDER);
      } else {
        nonZero = nonZero.or(a0.or(a1).or(a2.or(a3)));
      }
    }
    for (; i < len; i += VL) {
      VectorMask<Byte> m = i + VL <= len ? null : SPECIES.indexInRange(i, len);
      ByteVector a = load(first, i, m);
      for (int j = 0; j < n; j++) {
        MemorySegment s = rest[j];
        if (s != null && j != skip) {
          a = a.lanewise(XOR, load(s, i, m));
        }
      }
      if (dest != null) {
        store(a, dest, i, m);
      } else {
        nonZero = nonZero.or(a);
      }
    }
    return !nonZero.compare(VectorOperators.NE, 0).anyTrue();
  }

  // ---------------------------------------------------------------------------------------------
  // RAID-6

  @Override
  public void pqGen(MemorySegment[] data, @Nullable MemorySegment p, @Nullable MemorySegment q) {
    if (p == null && q == null) {
      throw new IllegalArgumentException("p=null and q=null (at least one destination is needed)");
    }
    long len = BlockChecks.pq(data, -1, -1, p, true, q, true);
    syndromeLoop(GEN, data, -1, -1, p, q, 0, 0, len);
  }

  @Override
  public void pqXor(MemorySegment[] data, MemorySegment p, MemorySegment q) {
    ScalarKernels.requireBlock(p, "p");
    ScalarKernels.requireBlock(q, "q");
    long len = BlockChecks.pq(data, -1, -1, p, true, q, true);
    syndromeLoop(XOR_INTO, data, -1, -1, p, q, 0, 0, len);
  }

  @Override
  public void pqUpdate(
      int slot, MemorySegment oldData, MemorySegment newData, MemorySegment p, MemorySegment q) {
    long len = BlockChecks.update(slot, oldData, newData, p, q);
    int c = Gf256.pow(slot);
    ByteVector low = lowTable(c);
    ByteVector high = highTable(c);
    for (long i = 0; i < len; i += VL) {
      VectorMask<Byte> m = i + VL <= len ? null : SPECIES.indexInRange(i, len);
      ByteVector delta = load(oldData, i, m).lanewise(XOR, load(newData, i, m));
      store(load(p, i, m).lanewise(XOR, delta), p, i, m);
      store(load(q, i, m).lanewise(XOR, mul(delta, low, high)), q, i, m);
    }
  }

  @Override
  public int pqValidate(
      MemorySegment[] data, @Nullable MemorySegment p, @Nullable MemorySegment q) {
    long len = BlockChecks.pq(data, -1, -1, p, false, q, false);
    return syndromeLoop(VALIDATE, data, -1, -1, p, q, 0, 0, len);
  }

  @Override
  public void recoverDataAndP(MemorySegment[] data, int x, MemorySegment p, MemorySegment q) {
    BlockChecks.slot("x", x, BlockChecks.dataLength(data));
    ScalarKernels.requireBlock(p, "p");
    ScalarKernels.requireBlock(q, "q");
    long len = BlockChecks.pq(data, x, -1, p, true, q, false);
    syndromeLoop(DATA_P, data, x, -1, p, q, Gf256.inv(Gf256.pow(x)), 0, len);
  }

  @Override
  public void recoverDataAndQ(MemorySegment[] data, int x, MemorySegment p, MemorySegment q) {
    BlockChecks.slot("x", x, BlockChecks.dataLength(data));
    ScalarKernels.requireBlock(p, "p");
    ScalarKernels.requireBlock(q, "q");
    long len = BlockChecks.pq(data, x, -1, p, false, q, true);
    syndromeLoop(DATA_Q, data, x, -1, p, q, Gf256.pow(x), 0, len);
  }

  @Override
  public void recoverTwoData(
      MemorySegment[] data, int x, int y, MemorySegment p, MemorySegment q) {
    int n = BlockChecks.dataLength(data);
    BlockChecks.slot("x", x, n);
    BlockChecks.slot("y", y, n);
    if (x == y) {
      throw new IllegalArgumentException("x=y=" + x + " (two different slots are needed)");
    }
    ScalarKernels.requireBlock(p, "p");
    ScalarKernels.requireBlock(q, "q");
    long len = BlockChecks.pq(data, x, y, p, false, q, false);
    int lo = Math.min(x, y);
    int hi = Math.max(x, y);
    int a = Gf256.exi(hi - lo);
    int b = Gf256.inv(Gf256.pow(lo) ^ Gf256.pow(hi));
    syndromeLoop(TWO_DATA, data, lo, hi, p, q, a, b, len);
  }

  @Override
  public int locateCorruption(MemorySegment[] data, MemorySegment p, MemorySegment q) {
    ScalarKernels.requireBlock(p, "p");
    ScalarKernels.requireBlock(q, "q");
    long len = BlockChecks.pq(data, -1, -1, p, false, q, false);
    return syndromeLoop(LOCATE, data, -1, -1, p, q, 0, 0, len);
  }

  /**
   * Horner's rule over the contributing slots (present, not x, not y), giving Pxy and Qxy four
   * vectors at a time, then the operation's epilogue on each vector.
   *
   * @param x first skipped (lost) slot or -1; for TWO_DATA the lower of the two
   * @param y second skipped slot or -1
   * @param c1 first constant of the epilogue (A, g^-x or g^x)
   * @param c2 second constant (B)
   * @return VALIDATE: mismatch bits; LOCATE: the verdict; otherwise 0
   */
  private static int syndromeLoop(
      int op,
      MemorySegment[] data,
      int x,
      int y,
      @Nullable MemorySegment p,
      @Nullable MemorySegment q,
      int c1,
      int c2,
      long len) {
    final int top = top(data, x, y);
    final ByteVector low1 = lowTable(c1);
    final ByteVector high1 = highTable(c1);
    final ByteVector low2 = lowTable(c2);
    final ByteVector high2 = highTable(c2);
    int result = op == LOCATE ? CorruptBlock.NONE : 0;
    long i = 0;
    for (; i <= len - STEP; i += STEP) {
      ByteVector p0 = ZERO;
      ByteVector p1 = ZERO;
      ByteVector p2 = ZERO;
      ByteVector p3 = ZERO;
      if (top >= 0) {
        MemorySegment s = data[top];
        p0 = ByteVector.fromMemorySegment(SPECIES, s, i, ORDER);
        p1 = ByteVector.fromMemorySegment(SPECIES, s, i + VL, ORDER);
        p2 = ByteVector.fromMemorySegment(SPECIES, s, i + 2L * VL, ORDER);
        p3 = ByteVector.fromMemorySegment(SPECIES, s, i + 3L * VL, ORDER);
      }
      ByteVector q0 = p0;
      ByteVector q1 = p1;
      ByteVector q2 = p2;
      ByteVector q3 = p3;
      for (int z = top - 1; z >= 0; z--) {
        q0 = mul2(q0);
        q1 = mul2(q1);
        q2 = mul2(q2);
        q3 = mul2(q3);
        MemorySegment s = data[z];
        if (s != null && z != x && z != y) {
          ByteVector d0 = ByteVector.fromMemorySegment(SPECIES, s, i, ORDER);
          ByteVector d1 = ByteVector.fromMemorySegment(SPECIES, s, i + VL, ORDER);
          ByteVector d2 = ByteVector.fromMemorySegment(SPECIES, s, i + 2L * VL, ORDER);
          ByteVector d3 = ByteVector.fromMemorySegment(SPECIES, s, i + 3L * VL, ORDER);
          p0 = p0.lanewise(XOR, d0);
          p1 = p1.lanewise(XOR, d1);
          p2 = p2.lanewise(XOR, d2);
          p3 = p3.lanewise(XOR, d3);
          q0 = q0.lanewise(XOR, d0);
          q1 = q1.lanewise(XOR, d1);
          q2 = q2.lanewise(XOR, d2);
          q3 = q3.lanewise(XOR, d3);
        }
      }
      switch (op) {
        case GEN -> {
          if (p != null) {
            p0.intoMemorySegment(p, i, ORDER);
            p1.intoMemorySegment(p, i + VL, ORDER);
            p2.intoMemorySegment(p, i + 2L * VL, ORDER);
            p3.intoMemorySegment(p, i + 3L * VL, ORDER);
          }
          if (q != null) {
            q0.intoMemorySegment(q, i, ORDER);
            q1.intoMemorySegment(q, i + VL, ORDER);
            q2.intoMemorySegment(q, i + 2L * VL, ORDER);
            q3.intoMemorySegment(q, i + 3L * VL, ORDER);
          }
        }
        case VALIDATE -> {
          result |= validate(p, q, i, p0, q0, null);
          result |= validate(p, q, i + VL, p1, q1, null);
          result |= validate(p, q, i + 2L * VL, p2, q2, null);
          result |= validate(p, q, i + 3L * VL, p3, q3, null);
        }
        case TWO_DATA -> {
          twoData(data, x, y, p, q, i, p0, q0, low1, high1, low2, high2, null);
          twoData(data, x, y, p, q, i + VL, p1, q1, low1, high1, low2, high2, null);
          twoData(data, x, y, p, q, i + 2L * VL, p2, q2, low1, high1, low2, high2, null);
          twoData(data, x, y, p, q, i + 3L * VL, p3, q3, low1, high1, low2, high2, null);
        }
        default -> {
          result = epilogue(op, result, data, x, p, q, i, p0, q0, low1, high1, null);
          result = epilogue(op, result, data, x, p, q, i + VL, p1, q1, low1, high1, null);
          result = epilogue(op, result, data, x, p, q, i + 2L * VL, p2, q2, low1, high1, null);
          result = epilogue(op, result, data, x, p, q, i + 3L * VL, p3, q3, low1, high1, null);
        }
      }
    }
    for (; i < len; i += VL) {
      VectorMask<Byte> m = i + VL <= len ? null : SPECIES.indexInRange(i, len);
      ByteVector pv = top >= 0 ? load(data[top], i, m) : ZERO;
      ByteVector qv = pv;
      for (int z = top - 1; z >= 0; z--) {
        qv = mul2(qv);
        MemorySegment s = data[z];
        if (s != null && z != x && z != y) {
          ByteVector d = load(s, i, m);
          pv = pv.lanewise(XOR, d);
          qv = qv.lanewise(XOR, d);
        }
      }
      switch (op) {
        case GEN -> {
          if (p != null) {
            store(pv, p, i, m);
          }
          if (q != null) {
            store(qv, q, i, m);
          }
        }
        case VALIDATE -> result |= validate(p, q, i, pv, qv, m);
        case TWO_DATA -> twoData(data, x, y, p, q, i, pv, qv, low1, high1, low2, high2, m);
        default -> result = epilogue(op, result, data, x, p, q, i, pv, qv, low1, high1, m);
      }
    }
    return result;
  }

  private static int validate(
      @Nullable MemorySegment p,
      @Nullable MemorySegment q,
      long i,
      ByteVector pxy,
      ByteVector qxy,
      @Nullable VectorMask<Byte> m) {
    int result = 0;
    if (p != null && load(p, i, m).compare(VectorOperators.NE, pxy).anyTrue()) {
      result = P_MISMATCH;
    }
    if (q != null && load(q, i, m).compare(VectorOperators.NE, qxy).anyTrue()) {
      result |= Q_MISMATCH;
    }
    return result;
  }

  /** D_y = A·(P ⊕ Pxy) ⊕ B·(Q ⊕ Qxy); D_x = D_y ⊕ (P ⊕ Pxy). */
  private static void twoData(
      MemorySegment[] data,
      int x,
      int y,
      MemorySegment p,
      MemorySegment q,
      long i,
      ByteVector pxy,
      ByteVector qxy,
      ByteVector lowA,
      ByteVector highA,
      ByteVector lowB,
      ByteVector highB,
      @Nullable VectorMask<Byte> m) {
    ByteVector pd = load(p, i, m).lanewise(XOR, pxy);
    ByteVector qd = load(q, i, m).lanewise(XOR, qxy);
    ByteVector dy = mul(pd, lowA, highA).lanewise(XOR, mul(qd, lowB, highB));
    store(dy, data[y], i, m);
    store(dy.lanewise(XOR, pd), data[x], i, m);
  }

  /** The one-constant epilogues: XOR_INTO, DATA_P, DATA_Q and LOCATE. */
  private static int epilogue(
      int op,
      int result,
      MemorySegment[] data,
      int x,
      MemorySegment p,
      MemorySegment q,
      long i,
      ByteVector pxy,
      ByteVector qxy,
      ByteVector low,
      ByteVector high,
      @Nullable VectorMask<Byte> m) {
    switch (op) {
      case XOR_INTO -> {
        store(load(p, i, m).lanewise(XOR, pxy), p, i, m);
        store(load(q, i, m).lanewise(XOR, qxy), q, i, m);
      }
      case DATA_P -> {
        // D_x = g^-x·(Q ⊕ Qx); P = Px ⊕ D_x
        ByteVector dx = mul(load(q, i, m).lanewise(XOR, qxy), low, high);
        store(dx, data[x], i, m);
        store(pxy.lanewise(XOR, dx), p, i, m);
      }
      case DATA_Q -> {
        // D_x = P ⊕ Px; Q = Qx ⊕ g^x·D_x
        ByteVector dx = load(p, i, m).lanewise(XOR, pxy);
        store(dx, data[x], i, m);
        store(qxy.lanewise(XOR, mul(dx, low, high)), q, i, m);
      }
      case LOCATE -> {
        ByteVector px = load(p, i, m).lanewise(XOR, pxy);
        ByteVector qx = load(q, i, m).lanewise(XOR, qxy);
        if (px.or(qx).compare(VectorOperators.NE, 0).anyTrue()) {
          return locateBytes(result, data, px, qx);
        }
      }
      default -> throw new IllegalStateException("Invalid syndrome epilogue: " + op);
    }
    return result;
  }

  /** The slow path of LOCATE, for a vector where the syndromes are not zero. */
  private static int locateBytes(int found, MemorySegment[] data, ByteVector px, ByteVector qx) {
    for (int lane = 0; lane < VL && found != CorruptBlock.NOT_SINGLE; lane++) {
      int code =
          CorruptionCodes.classify(data, px.lane(lane) & 0xFF, qx.lane(lane) & 0xFF);
      found = CorruptionCodes.merge(found, code);
    }
    return found;
  }
}
