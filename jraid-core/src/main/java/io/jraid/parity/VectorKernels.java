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
 *   <li>Blocks are addressed through {@link NativeMemory#ALL}, by absolute address, once {@link
 *       BlockChecks} has checked every block's liveness, size and alignment. Loading through each
 *       block's own segment would repeat its bounds and liveness checks on every vector of every
 *       source: measured here, that costs a third of the XOR rate of a 4 KiB stripe.
 *   <li>The outer loop walks the blocks several vectors at a time (8 for XOR, 4 for P+Q, where each
 *       vector needs two accumulators), the inner loop walks the sources; the accumulators stay in
 *       registers. Whole vectors without a full stride, then a final masked partial vector, finish
 *       the block.
 *   <li>Every RAID-6 operation runs the same loop — Horner's rule, {@code q = q·g ⊕ D_z} from the
 *       highest slot down, with absent or lost slots skipped — which stores, accumulates or
 *       compares the P and Q it computes. Recovery is md's two passes: the loop first writes Pxy
 *       and Qxy (the syndromes without the lost slots) into the lost blocks' buffers, then a short
 *       loop combines them with P and Q. One loop keeps the compiled code small enough for C2 to
 *       inline every vector operation (a loop per operation with its own epilogue was not).
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

  private static final MemorySegment ALL = NativeMemory.ALL;
  private static final int VL = SPECIES.length();
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

  // What a loop does with each vector it computes (see emit()).
  /** Nothing: the result is not wanted (P or Q not asked for). */
  private static final int SKIP = 0;
  /** Store it: the destination's old contents are replaced. */
  private static final int STORE = 1;
  /** XOR it into the destination. */
  private static final int ACCUMULATE = 2;
  /** Compare it with the destination, writing nothing. */
  private static final int COMPARE = 3;

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
  // Small helpers, on absolute addresses. A null mask means a whole vector; the JIT folds the test.

  private static ByteVector load(long address) {
    return ByteVector.fromMemorySegment(SPECIES, ALL, address, ORDER);
  }

  private static ByteVector load(long address, @Nullable VectorMask<Byte> m) {
    return m == null
        ? ByteVector.fromMemorySegment(SPECIES, ALL, address, ORDER)
        : ByteVector.fromMemorySegment(SPECIES, ALL, address, ORDER, m);
  }

  private static void store(ByteVector v, long address) {
    v.intoMemorySegment(ALL, address, ORDER);
  }

  private static void store(ByteVector v, long address, @Nullable VectorMask<Byte> m) {
    if (m == null) {
      v.intoMemorySegment(ALL, address, ORDER);
    } else {
      v.intoMemorySegment(ALL, address, ORDER, m);
    }
  }

  /** The mask for the vector at offset i of a len-byte block: null when the vector is whole. */
  private static @Nullable VectorMask<Byte> tailMask(long i, long len) {
    return i + VL <= len ? null : SPECIES.indexInRange(i, len);
  }

  /**
   * Does what the mode says with a computed vector at an address.
   *
   * @return for COMPARE, 1 when any byte differs; otherwise 0
   */
  private static int emit(int mode, ByteVector v, long address, @Nullable VectorMask<Byte> m) {
    switch (mode) {
      case STORE -> store(v, address, m);
      case ACCUMULATE -> store(load(address, m).lanewise(XOR, v), address, m);
      case COMPARE -> {
        return load(address, m).compare(VectorOperators.NE, v).anyTrue() ? 1 : 0;
      }
      default -> {
        // SKIP
      }
    }
    return 0;
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
      xorLoop(STORE, dest.address(), dest, sources, -1, false, len);
    } else {
      xorLoop(STORE, dest.address(), sources[0], sources, 0, false, len);
    }
  }

  @Override
  public boolean xorIsZero(MemorySegment[] blocks) {
    long len = BlockChecks.xorValidate(blocks);
    return xorLoop(COMPARE, 0, blocks[0], blocks, 0, false, len) == 0;
  }

  @Override
  public void recoverDataFromP(MemorySegment[] data, int x, MemorySegment p) {
    BlockChecks.slot("x", x, BlockChecks.dataLength(data));
    ScalarKernels.requireBlock(p, "p");
    long len = BlockChecks.pq(data, x, -1, p, false, null, false);
    xorLoop(STORE, data[x].address(), p, data, x, true, len);
  }

  /**
   * {@code first ⊕ rest[j]} over every j other than {@code skip}: stored at dest, or for COMPARE
   * tested for being all zeros.
   *
   * @param sparse whether rest may hold nulls (absent blocks, skipped)
   * @return for COMPARE, 1 when the XOR is not all zeros; otherwise 0
   */
  private static int xorLoop(
      int mode,
      long dest,
      MemorySegment first,
      MemorySegment[] rest,
      int skip,
      boolean sparse,
      long len) {
    final int n = rest.length;
    final long f = first.address();
    final long stride = 8L * VL;
    long i = 0;
    for (; i <= len - stride; i += stride) {
      long a = f + i;
      ByteVector a0 = load(a);
      ByteVector a1 = load(a + VL);
      ByteVector a2 = load(a + 2L * VL);
      ByteVector a3 = load(a + 3L * VL);
      ByteVector a4 = load(a + 4L * VL);
      ByteVector a5 = load(a + 5L * VL);
      ByteVector a6 = load(a + 6L * VL);
      ByteVector a7 = load(a + 7L * VL);
      for (int j = 0; j < n; j++) {
        MemorySegment s = rest[j];
        if (j != skip && (!sparse || s != null)) {
          long b = s.address() + i;
          a0 = a0.lanewise(XOR, load(b));
          a1 = a1.lanewise(XOR, load(b + VL));
          a2 = a2.lanewise(XOR, load(b + 2L * VL));
          a3 = a3.lanewise(XOR, load(b + 3L * VL));
          a4 = a4.lanewise(XOR, load(b + 4L * VL));
          a5 = a5.lanewise(XOR, load(b + 5L * VL));
          a6 = a6.lanewise(XOR, load(b + 6L * VL));
          a7 = a7.lanewise(XOR, load(b + 7L * VL));
        }
      }
      if (mode == COMPARE) {
        ByteVector any = a0.or(a1).or(a2.or(a3)).or(a4.or(a5).or(a6.or(a7)));
        if (any.compare(VectorOperators.NE, 0).anyTrue()) {
          return 1;
        }
      } else {
        long o = dest + i;
        store(a0, o);
        store(a1, o + VL);
        store(a2, o + 2L * VL);
        store(a3, o + 3L * VL);
        store(a4, o + 4L * VL);
        store(a5, o + 5L * VL);
        store(a6, o + 6L * VL);
        store(a7, o + 7L * VL);
      }
    }
    return i < len ? xorTail(mode, dest, f, rest, skip, sparse, i, len) : 0;
  }

  /** {@link #xorLoop} one vector at a time from offset i, the last one masked. */
  private static int xorTail(
      int mode, long dest, long f, MemorySegment[] rest, int skip, boolean sparse, long i,
      long len) {
    for (; i < len; i += VL) {
      VectorMask<Byte> m = tailMask(i, len);
      ByteVector a = load(f + i, m);
      for (int j = 0; j < rest.length; j++) {
        MemorySegment s = rest[j];
        if (j != skip && (!sparse || s != null)) {
          a = a.lanewise(XOR, load(s.address() + i, m));
        }
      }
      if (mode == COMPARE) {
        if (a.compare(VectorOperators.NE, 0).anyTrue()) {
          return 1;
        }
      } else {
        store(a, dest + i, m);
      }
    }
    return 0;
  }

  // ---------------------------------------------------------------------------------------------
  // RAID-6

  @Override
  public void pqGen(MemorySegment[] data, @Nullable MemorySegment p, @Nullable MemorySegment q) {
    if (p == null && q == null) {
      throw new IllegalArgumentException("p=null and q=null (at least one destination is needed)");
    }
    long len = BlockChecks.pq(data, -1, -1, p, true, q, true);
    hornerStore(
        data, -1, -1, p != null, p == null ? 0 : p.address(), q != null, q == null ? 0 : q.address(),
        len);
  }

  @Override
  public void pqXor(MemorySegment[] data, MemorySegment p, MemorySegment q) {
    ScalarKernels.requireBlock(p, "p");
    ScalarKernels.requireBlock(q, "q");
    long len = BlockChecks.pq(data, -1, -1, p, true, q, true);
    hornerAccumulate(data, p.address(), q.address(), len);
  }

  @Override
  public int pqValidate(
      MemorySegment[] data, @Nullable MemorySegment p, @Nullable MemorySegment q) {
    long len = BlockChecks.pq(data, -1, -1, p, false, q, false);
    return hornerCompare(
        data, p != null, p == null ? 0 : p.address(), q != null, q == null ? 0 : q.address(), len);
  }

  @Override
  public void pqUpdate(
      int slot, MemorySegment oldData, MemorySegment newData, MemorySegment p, MemorySegment q) {
    long len = BlockChecks.update(slot, oldData, newData, p, q);
    int c = Gf256.pow(slot);
    ByteVector low = lowTable(c);
    ByteVector high = highTable(c);
    long o = oldData.address();
    long n = newData.address();
    long pa = p.address();
    long qa = q.address();
    for (long i = 0; i < len; i += VL) {
      VectorMask<Byte> m = tailMask(i, len);
      ByteVector delta = load(o + i, m).lanewise(XOR, load(n + i, m));
      store(load(pa + i, m).lanewise(XOR, delta), pa + i, m);
      store(load(qa + i, m).lanewise(XOR, mul(delta, low, high)), qa + i, m);
    }
  }

  @Override
  public void recoverDataAndP(MemorySegment[] data, int x, MemorySegment p, MemorySegment q) {
    BlockChecks.slot("x", x, BlockChecks.dataLength(data));
    ScalarKernels.requireBlock(p, "p");
    ScalarKernels.requireBlock(q, "q");
    long len = BlockChecks.pq(data, x, -1, p, true, q, false);
    long dx = data[x].address();
    long pa = p.address();
    long qa = q.address();
    // Pass 1: P ← Px, D_x ← Qx. Pass 2: D_x = g^-x·(Q ⊕ Qx); P = Px ⊕ D_x.
    hornerStore(data, x, -1, true, pa, true, dx, len);
    int c = Gf256.inv(Gf256.pow(x));
    ByteVector low = lowTable(c);
    ByteVector high = highTable(c);
    for (long i = 0; i < len; i += VL) {
      VectorMask<Byte> m = tailMask(i, len);
      ByteVector d = mul(load(qa + i, m).lanewise(XOR, load(dx + i, m)), low, high);
      store(d, dx + i, m);
      store(load(pa + i, m).lanewise(XOR, d), pa + i, m);
    }
  }

  @Override
  public void recoverDataAndQ(MemorySegment[] data, int x, MemorySegment p, MemorySegment q) {
    BlockChecks.slot("x", x, BlockChecks.dataLength(data));
    ScalarKernels.requireBlock(p, "p");
    ScalarKernels.requireBlock(q, "q");
    long len = BlockChecks.pq(data, x, -1, p, false, q, true);
    long dx = data[x].address();
    long pa = p.address();
    long qa = q.address();
    // Pass 1: D_x ← Px, Q ← Qx. Pass 2: D_x = P ⊕ Px; Q = Qx ⊕ g^x·D_x.
    hornerStore(data, x, -1, true, dx, true, qa, len);
    int c = Gf256.pow(x);
    ByteVector low = lowTable(c);
    ByteVector high = highTable(c);
    for (long i = 0; i < len; i += VL) {
      VectorMask<Byte> m = tailMask(i, len);
      ByteVector d = load(pa + i, m).lanewise(XOR, load(dx + i, m));
      store(d, dx + i, m);
      store(load(qa + i, m).lanewise(XOR, mul(d, low, high)), qa + i, m);
    }
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
    long dLo = data[lo].address();
    long dHi = data[hi].address();
    long pa = p.address();
    long qa = q.address();
    // Pass 1: D_lo ← Pxy, D_hi ← Qxy.
    // Pass 2: D_hi = A·(P ⊕ Pxy) ⊕ B·(Q ⊕ Qxy); D_lo = D_hi ⊕ (P ⊕ Pxy).
    hornerStore(data, lo, hi, true, dLo, true, dHi, len);
    int a = Gf256.exi(hi - lo);
    int b = Gf256.inv(Gf256.pow(lo) ^ Gf256.pow(hi));
    ByteVector lowA = lowTable(a);
    ByteVector highA = highTable(a);
    ByteVector lowB = lowTable(b);
    ByteVector highB = highTable(b);
    for (long i = 0; i < len; i += VL) {
      VectorMask<Byte> m = tailMask(i, len);
      ByteVector pd = load(pa + i, m).lanewise(XOR, load(dLo + i, m));
      ByteVector qd = load(qa + i, m).lanewise(XOR, load(dHi + i, m));
      ByteVector d = mul(pd, lowA, highA).lanewise(XOR, mul(qd, lowB, highB));
      store(d, dHi + i, m);
      store(d.lanewise(XOR, pd), dLo + i, m);
    }
  }

  @Override
  public int locateCorruption(MemorySegment[] data, MemorySegment p, MemorySegment q) {
    ScalarKernels.requireBlock(p, "p");
    ScalarKernels.requireBlock(q, "q");
    long len = BlockChecks.pq(data, -1, -1, p, false, q, false);
    long pa = p.address();
    long qa = q.address();
    if (hornerCompare(data, true, pa, true, qa, len) == 0) {
      return CorruptBlock.NONE;
    }
    // Something is wrong: recompute vector by vector and classify the bytes that differ.
    int top = top(data, -1, -1);
    int found = CorruptBlock.NONE;
    for (long i = 0; i < len && found != CorruptBlock.NOT_SINGLE; i += VL) {
      VectorMask<Byte> m = tailMask(i, len);
      ByteVector pv = top >= 0 ? load(data[top].address() + i, m) : ZERO;
      ByteVector qv = pv;
      for (int z = top - 1; z >= 0; z--) {
        qv = mul2(qv);
        MemorySegment s = data[z];
        if (s != null) {
          ByteVector d = load(s.address() + i, m);
          pv = pv.lanewise(XOR, d);
          qv = qv.lanewise(XOR, d);
        }
      }
      ByteVector px = load(pa + i, m).lanewise(XOR, pv);
      ByteVector qx = load(qa + i, m).lanewise(XOR, qv);
      if (px.or(qx).compare(VectorOperators.NE, 0).anyTrue()) {
        for (int lane = 0; lane < VL && found != CorruptBlock.NOT_SINGLE; lane++) {
          int code = CorruptionCodes.classify(data, px.lane(lane) & 0xFF, qx.lane(lane) & 0xFF);
          found = CorruptionCodes.merge(found, code);
        }
      }
    }
    return found;
  }

  /*
   * Horner's rule over the contributing slots (present, not x, not y), several vectors at a time,
   * giving Pxy and Qxy. The three methods below differ only in what they do with them: store,
   * XOR into P and Q, or compare with P and Q. They are three methods rather than one with a mode
   * because C2 stops inlining a method's vector operations past a node budget
   * (NodeCountInliningCutoff), and past it the vectors are boxed on the heap: one method with all
   * three endings went past it, and so did a four-vector stride that also loads P and Q. So
   * hornerStore takes four vectors a stride, the other two take two. The last partial stride goes
   * to hornerTail, which does take a mode.
   */

  /** Stores Pxy at pa and Qxy at qa (each only if wanted). */
  private static void hornerStore(
      MemorySegment[] data,
      int x,
      int y,
      boolean wantP,
      long pa,
      boolean wantQ,
      long qa,
      long len) {
    final int top = top(data, x, y);
    final long stride = 4L * VL;
    long i = 0;
    for (; i <= len - stride; i += stride) {
      ByteVector p0 = ZERO;
      ByteVector p1 = ZERO;
      ByteVector p2 = ZERO;
      ByteVector p3 = ZERO;
      ByteVector q0 = ZERO;
      ByteVector q1 = ZERO;
      ByteVector q2 = ZERO;
      ByteVector q3 = ZERO;
      // From the top slot down; the first doubling (of zero) is wasted but keeps the code small.
      for (int z = top; z >= 0; z--) {
        q0 = mul2(q0);
        q1 = mul2(q1);
        q2 = mul2(q2);
        q3 = mul2(q3);
        MemorySegment s = data[z];
        if (s != null && z != x && z != y) {
          long b = s.address() + i;
          ByteVector d0 = load(b);
          ByteVector d1 = load(b + VL);
          ByteVector d2 = load(b + 2L * VL);
          ByteVector d3 = load(b + 3L * VL);
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
      if (wantP) {
        long o = pa + i;
        store(p0, o);
        store(p1, o + VL);
        store(p2, o + 2L * VL);
        store(p3, o + 3L * VL);
      }
      if (wantQ) {
        long o = qa + i;
        store(q0, o);
        store(q1, o + VL);
        store(q2, o + 2L * VL);
        store(q3, o + 3L * VL);
      }
    }
    if (i < len) {
      hornerTail(data, x, y, top, wantP ? STORE : SKIP, pa, wantQ ? STORE : SKIP, qa, i, len);
    }
  }

  /** P ^= P(data), Q ^= Q(data): md's xor_syndrome. */
  private static void hornerAccumulate(MemorySegment[] data, long pa, long qa, long len) {
    final int x = -1;
    final int y = -1;
    final int top = top(data, x, y);
    final long stride = 2L * VL;
    long i = 0;
    for (; i <= len - stride; i += stride) {
      ByteVector p0 = ZERO;
      ByteVector p1 = ZERO;
      ByteVector q0 = ZERO;
      ByteVector q1 = ZERO;
      // From the top slot down; the first doubling (of zero) is wasted but keeps the code small.
      for (int z = top; z >= 0; z--) {
        q0 = mul2(q0);
        q1 = mul2(q1);
        MemorySegment s = data[z];
        if (s != null && z != x && z != y) {
          long b = s.address() + i;
          ByteVector d0 = load(b);
          ByteVector d1 = load(b + VL);
          p0 = p0.lanewise(XOR, d0);
          p1 = p1.lanewise(XOR, d1);
          q0 = q0.lanewise(XOR, d0);
          q1 = q1.lanewise(XOR, d1);
        }
      }
      long o = pa + i;
      store(load(o).lanewise(XOR, p0), o);
      store(load(o + VL).lanewise(XOR, p1), o + VL);
      o = qa + i;
      store(load(o).lanewise(XOR, q0), o);
      store(load(o + VL).lanewise(XOR, q1), o + VL);
    }
    if (i < len) {
      hornerTail(data, x, y, top, ACCUMULATE, pa, ACCUMULATE, qa, i, len);
    }
  }

  /**
   * Compares P and/or Q with those of the data.
   *
   * @return {@link #P_MISMATCH} and/or {@link #Q_MISMATCH}, or 0
   */
  private static int hornerCompare(
      MemorySegment[] data, boolean checkP, long pa, boolean checkQ, long qa, long len) {
    final int x = -1;
    final int y = -1;
    ByteVector pDiff = ZERO;
    ByteVector qDiff = ZERO;
    final int top = top(data, x, y);
    final long stride = 2L * VL;
    long i = 0;
    for (; i <= len - stride; i += stride) {
      ByteVector p0 = ZERO;
      ByteVector p1 = ZERO;
      ByteVector q0 = ZERO;
      ByteVector q1 = ZERO;
      // From the top slot down; the first doubling (of zero) is wasted but keeps the code small.
      for (int z = top; z >= 0; z--) {
        q0 = mul2(q0);
        q1 = mul2(q1);
        MemorySegment s = data[z];
        if (s != null && z != x && z != y) {
          long b = s.address() + i;
          ByteVector d0 = load(b);
          ByteVector d1 = load(b + VL);
          p0 = p0.lanewise(XOR, d0);
          p1 = p1.lanewise(XOR, d1);
          q0 = q0.lanewise(XOR, d0);
          q1 = q1.lanewise(XOR, d1);
        }
      }
      if (checkP) {
        long o = pa + i;
        pDiff = pDiff.or(load(o).lanewise(XOR, p0));
        pDiff = pDiff.or(load(o + VL).lanewise(XOR, p1));
      }
      if (checkQ) {
        long o = qa + i;
        qDiff = qDiff.or(load(o).lanewise(XOR, q0));
        qDiff = qDiff.or(load(o + VL).lanewise(XOR, q1));
      }
    }
    int result =
        (pDiff.compare(VectorOperators.NE, 0).anyTrue() ? P_MISMATCH : 0)
            | (qDiff.compare(VectorOperators.NE, 0).anyTrue() ? Q_MISMATCH : 0);
    if (i < len) {
      result |=
          hornerTail(
              data, x, y, top, checkP ? COMPARE : SKIP, pa, checkQ ? COMPARE : SKIP, qa, i, len);
    }
    return result;
  }

  /** The horner loops one vector at a time from offset i, the last vector masked. */
  private static int hornerTail(
      MemorySegment[] data,
      int x,
      int y,
      int top,
      int pMode,
      long pa,
      int qMode,
      long qa,
      long i,
      long len) {
    int pBad = 0;
    int qBad = 0;
    for (; i < len; i += VL) {
      VectorMask<Byte> m = tailMask(i, len);
      ByteVector pv = top >= 0 ? load(data[top].address() + i, m) : ZERO;
      ByteVector qv = pv;
      for (int z = top - 1; z >= 0; z--) {
        qv = mul2(qv);
        MemorySegment s = data[z];
        if (s != null && z != x && z != y) {
          ByteVector d = load(s.address() + i, m);
          pv = pv.lanewise(XOR, d);
          qv = qv.lanewise(XOR, d);
        }
      }
      pBad |= emit(pMode, pv, pa + i, m);
      qBad |= emit(qMode, qv, qa + i, m);
    }
    return (pBad != 0 ? P_MISMATCH : 0) | (qBad != 0 ? Q_MISMATCH : 0);
  }
}
