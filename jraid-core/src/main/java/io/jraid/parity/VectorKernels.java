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
 * Every choice below was measured on this project's AMD Zen 4 machine against ISA-L in the same JVM
 * (see BENCHMARKS.md); each one is worth 10% to 15x.
 *
 * <ul>
 *   <li>The vector width is a {@code static final} species, chosen once per JVM ({@code
 *       -Djraid.vector.bits=128|256|512}, default the hardware's preferred width), so that C2
 *       compiles every operation to machine instructions; a species held in a field would run the
 *       Vector API's slow Java fallback.
 *   <li>Blocks are addressed through {@link NativeMemory#ALL}, by absolute address, once {@link
 *       BlockChecks} has checked every block's liveness, size and alignment. Loading through each
 *       block's own segment repeats its bounds and liveness checks on every vector of every source
 *       (a third of the XOR rate of a 4 KiB stripe).
 *   <li>Before the loops, the blocks are gathered into a per-thread array of addresses, so the
 *       inner loop has no tests, no interface call and no type check — it loads an address and the
 *       vectors behind it. XOR drops absent blocks; RAID-6 points absent and lost slots at a block
 *       of zeros, since Horner's rule multiplies by g once per slot, present or not.
 *   <li>The outer loop walks the blocks several vectors at a time (a stride), the inner loop walks
 *       the sources from the last to the first (as ISA-L does; ascending order was up to 1.5x
 *       slower on 64 KiB blocks); the accumulators stay in registers. Whole vectors without a full
 *       stride, then a final masked partial vector, finish the block.
 *   <li>Every RAID-6 operation runs the same loop — Horner's rule, {@code q = q·g ⊕ D_z} from the
 *       highest slot down — which stores, XORs in or compares the P and Q it computes. Recovery is
 *       md's two passes: that loop writes Pxy and Qxy (the syndromes without the lost slots) into
 *       the lost blocks' buffers, then a short loop combines them with P and Q.
 *   <li>C2 stops inlining a compiled method's vector operations past a node budget, and past it the
 *       vectors are boxed on the heap (15x slower). So the three endings of Horner's loop are three
 *       methods, not one with a mode; and a constant vector never feeds a loop's accumulator (zeros
 *       are made in place with {@link #zero()}).
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

  /**
   * XOR blocks up to this size eight vectors a stride, bigger ones four: eight win on blocks that
   * sit in L1, where loop overhead counts; four win once blocks stream from L2, where eight vectors
   * of each of k sources ask for more cache lines at once than the core keeps in flight.
   */
  private static final long WIDE_STRIDE_MAX = 8192;

  // What hornerTail does with each vector it computes (see emit()).
  /** Nothing: the result is not wanted (P or Q not asked for). */
  private static final int SKIP = 0;

  /** Store it: the destination's old contents are replaced. */
  private static final int STORE = 1;

  /** XOR it into the destination. */
  private static final int ACCUMULATE = 2;

  /** Compare it with the destination, writing nothing. */
  private static final int COMPARE = 3;

  /**
   * The blocks of one call, gathered by {@link #gatherXor} or {@link #gatherSlots}. One per thread:
   * the kernels are called by a handful of long-lived threads (channel workers, stripe lanes), so
   * this is allocated once per thread and never on the I/O path.
   */
  private static final class Sources {
    /** Block addresses, in the order the inner loops take them. */
    final long[] address = new long[MAX_XOR_SOURCES + 2];

    /** RAID-6 only: which entries of {@link #address} stand for absent or lost slots. */
    final int[] zeroEntry = new int[MAX_XOR_SOURCES + 2];

    /** How many entries of {@link #zeroEntry} are used. */
    int zeroEntries;

    /**
     * Points the zero entries at {@link #ZEROS} for the chunk of the block that starts at offset
     * {@code from}: the loops add the offset to every address.
     */
    void rebase(long from) {
      for (int e = 0; e < zeroEntries; e++) {
        address[zeroEntry[e]] = ZEROS.address() - from;
      }
    }
  }

  /** Zeros that absent and lost RAID-6 slots read; blocks are done in chunks of this size. */
  private static final long ZERO_CHUNK = 64 * 1024;

  private static final MemorySegment ZEROS =
      java.lang.foreign.Arena.global().allocate(ZERO_CHUNK, 4096);

  private static final ThreadLocal<Sources> SOURCES = ThreadLocal.withInitial(Sources::new);

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

  /** A vector of zeros, made where it is used (a constant vector object would force boxing). */
  private static ByteVector zero() {
    return ByteVector.zero(SPECIES);
  }

  /** v·g for every byte. */
  private static ByteVector mul2(ByteVector v) {
    return v.add(v).lanewise(XOR, (byte) 0x1D, v.lt((byte) 0));
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

  /**
   * Does what the mode says with a computed vector at an address (the tail loop's endings).
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

  // ---------------------------------------------------------------------------------------------
  // Gathering the sources

  /**
   * XOR sources: {@code first} when not null, then every non-null block of {@code rest}, from the
   * last to the first.
   *
   * @return how many
   */
  private static int gatherXor(
      Sources s, @Nullable MemorySegment first, MemorySegment[] rest, int skip) {
    int n = 0;
    if (first != null) {
      s.address[n++] = first.address();
    }
    for (int j = rest.length - 1; j >= 0; j--) {
      MemorySegment b = rest[j];
      if (b != null && j != skip) {
        s.address[n++] = b.address();
      }
    }
    return n;
  }

  /**
   * RAID-6 sources: every slot from the highest present one (other than x and y) down to slot 0,
   * absent and lost slots reading zeros — Horner's rule multiplies by g once per slot, so every
   * slot needs an entry. (Skipping them and multiplying by g several times instead made C2 box the
   * accumulators.)
   *
   * @return how many (0 when no slot contributes)
   */
  private static int gatherSlots(Sources s, MemorySegment[] data, int x, int y) {
    int top = data.length - 1;
    while (top >= 0 && (data[top] == null || top == x || top == y)) {
      top--;
    }
    s.zeroEntries = 0;
    int n = 0;
    for (int z = top; z >= 0; z--) {
      MemorySegment b = data[z];
      if (b != null && z != x && z != y) {
        s.address[n] = b.address();
      } else {
        s.zeroEntry[s.zeroEntries++] = n;
      }
      n++;
    }
    return n;
  }

  // ---------------------------------------------------------------------------------------------
  // XOR

  @Override
  public void xorGen(MemorySegment dest, MemorySegment[] sources, XorMode mode) {
    long len = BlockChecks.xor(dest, sources);
    Sources s = SOURCES.get();
    int n = gatherXor(s, mode == XorMode.ACCUMULATE ? dest : null, sources, -1);
    xorLoop(STORE, dest.address(), s.address, n, len);
  }

  @Override
  public boolean xorIsZero(MemorySegment[] blocks) {
    long len = BlockChecks.xorValidate(blocks);
    Sources s = SOURCES.get();
    int n = gatherXor(s, null, blocks, -1);
    return xorLoop(COMPARE, 0, s.address, n, len) == 0;
  }

  @Override
  public void recoverDataFromP(MemorySegment[] data, int x, MemorySegment p) {
    BlockChecks.slot("x", x, BlockChecks.dataLength(data));
    ScalarKernels.requireBlock(p, "p");
    long len = BlockChecks.pq(data, x, -1, p, false, null, false);
    Sources s = SOURCES.get();
    int n = gatherXor(s, p, data, x);
    xorLoop(STORE, data[x].address(), s.address, n, len);
  }

  /**
   * The XOR of the n blocks at {@code src}: stored at dest, or for COMPARE tested for being all
   * zeros.
   *
   * @return for COMPARE, 1 when the XOR is not all zeros; otherwise 0
   */
  private static int xorLoop(int mode, long dest, long[] src, int n, long len) {
    long i = mode == STORE && len <= WIDE_STRIDE_MAX ? xorWide(dest, src, n, len) : 0;
    final long stride = 4L * VL;
    for (; i <= len - stride; i += stride) {
      long a = src[0] + i;
      ByteVector a0 = load(a);
      ByteVector a1 = load(a + VL);
      ByteVector a2 = load(a + 2L * VL);
      ByteVector a3 = load(a + 3L * VL);
      for (int j = 1; j < n; j++) {
        long b = src[j] + i;
        a0 = a0.lanewise(XOR, load(b));
        a1 = a1.lanewise(XOR, load(b + VL));
        a2 = a2.lanewise(XOR, load(b + 2L * VL));
        a3 = a3.lanewise(XOR, load(b + 3L * VL));
      }
      if (mode == COMPARE) {
        if (a0.or(a1).or(a2.or(a3)).compare(VectorOperators.NE, 0).anyTrue()) {
          return 1;
        }
      } else {
        long o = dest + i;
        store(a0, o);
        store(a1, o + VL);
        store(a2, o + 2L * VL);
        store(a3, o + 3L * VL);
      }
    }
    return i < len ? xorTail(mode, dest, src, n, i, len) : 0;
  }

  /**
   * The STORE loop of {@link #xorLoop} with eight vectors a stride, for small blocks.
   *
   * @return the offset up to which the block is done
   */
  private static long xorWide(long dest, long[] src, int n, long len) {
    final long stride = 8L * VL;
    long i = 0;
    for (; i <= len - stride; i += stride) {
      long a = src[0] + i;
      ByteVector a0 = load(a);
      ByteVector a1 = load(a + VL);
      ByteVector a2 = load(a + 2L * VL);
      ByteVector a3 = load(a + 3L * VL);
      ByteVector a4 = load(a + 4L * VL);
      ByteVector a5 = load(a + 5L * VL);
      ByteVector a6 = load(a + 6L * VL);
      ByteVector a7 = load(a + 7L * VL);
      for (int j = 1; j < n; j++) {
        long b = src[j] + i;
        a0 = a0.lanewise(XOR, load(b));
        a1 = a1.lanewise(XOR, load(b + VL));
        a2 = a2.lanewise(XOR, load(b + 2L * VL));
        a3 = a3.lanewise(XOR, load(b + 3L * VL));
        a4 = a4.lanewise(XOR, load(b + 4L * VL));
        a5 = a5.lanewise(XOR, load(b + 5L * VL));
        a6 = a6.lanewise(XOR, load(b + 6L * VL));
        a7 = a7.lanewise(XOR, load(b + 7L * VL));
      }
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
    return i;
  }

  /** {@link #xorLoop} one vector at a time from offset i, the last one masked. */
  private static int xorTail(int mode, long dest, long[] src, int n, long i, long len) {
    for (; i < len; i += VL) {
      VectorMask<Byte> m = tailMask(i, len);
      ByteVector a = load(src[0] + i, m);
      for (int j = 1; j < n; j++) {
        a = a.lanewise(XOR, load(src[j] + i, m));
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
    Sources s = SOURCES.get();
    int n = gatherSlots(s, data, -1, -1);
    horner(
        Ending.STORE,
        s,
        n,
        p != null,
        p == null ? 0 : p.address(),
        q != null,
        q == null ? 0 : q.address(),
        len);
  }

  @Override
  public void pqXor(MemorySegment[] data, MemorySegment p, MemorySegment q) {
    ScalarKernels.requireBlock(p, "p");
    ScalarKernels.requireBlock(q, "q");
    long len = BlockChecks.pq(data, -1, -1, p, true, q, true);
    Sources s = SOURCES.get();
    int n = gatherSlots(s, data, -1, -1);
    horner(Ending.ACCUMULATE, s, n, true, p.address(), true, q.address(), len);
  }

  @Override
  public int pqValidate(
      MemorySegment[] data, @Nullable MemorySegment p, @Nullable MemorySegment q) {
    long len = BlockChecks.pq(data, -1, -1, p, false, q, false);
    Sources s = SOURCES.get();
    int n = gatherSlots(s, data, -1, -1);
    return horner(
        Ending.COMPARE,
        s,
        n,
        p != null,
        p == null ? 0 : p.address(),
        q != null,
        q == null ? 0 : q.address(),
        len);
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
    Sources s = SOURCES.get();
    horner(Ending.STORE, s, gatherSlots(s, data, x, -1), true, pa, true, dx, len);
    finishDataAndP(dx, pa, qa, Gf256.inv(Gf256.pow(x)), len);
  }

  /*
   * The second passes of recovery are methods of their own: compiled inside the public methods,
   * next to the argument checks, their vector operations went past C2's inlining budget.
   */

  /** D_x = c·(Q ⊕ Qx) with Qx at dx; P = Px ⊕ D_x with Px at pa. */
  private static void finishDataAndP(long dx, long pa, long qa, int c, long len) {
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
    Sources s = SOURCES.get();
    horner(Ending.STORE, s, gatherSlots(s, data, x, -1), true, dx, true, qa, len);
    finishDataAndQ(dx, pa, qa, Gf256.pow(x), len);
  }

  /** D_x = P ⊕ Px with Px at dx; Q = Qx ⊕ c·D_x with Qx at qa. */
  private static void finishDataAndQ(long dx, long pa, long qa, int c, long len) {
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
  public void recoverTwoData(MemorySegment[] data, int x, int y, MemorySegment p, MemorySegment q) {
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
    Sources s = SOURCES.get();
    horner(Ending.STORE, s, gatherSlots(s, data, lo, hi), true, dLo, true, dHi, len);
    int a = Gf256.exi(hi - lo);
    int b = Gf256.inv(Gf256.pow(lo) ^ Gf256.pow(hi));
    finishTwoData(dLo, dHi, pa, qa, a, b, len);
  }

  /** D_hi = a·(P ⊕ Pxy) ⊕ b·(Q ⊕ Qxy), D_lo = D_hi ⊕ (P ⊕ Pxy), with Pxy at dLo, Qxy at dHi. */
  private static void finishTwoData(long dLo, long dHi, long pa, long qa, int a, int b, long len) {
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
    Sources s = SOURCES.get();
    int n = gatherSlots(s, data, -1, -1);
    if (horner(Ending.COMPARE, s, n, true, pa, true, qa, len) == 0) {
      return CorruptBlock.NONE;
    }
    // Something is wrong: recompute vector by vector and classify the bytes that differ.
    int found = CorruptBlock.NONE;
    for (long from = 0; from < len && found != CorruptBlock.NOT_SINGLE; from += ZERO_CHUNK) {
      s.rebase(from);
      found =
          locateRange(data, s.address, n, pa, qa, from, Math.min(len, from + ZERO_CHUNK), found);
    }
    return found;
  }

  /** The slow path of {@link #locateCorruption} over [from, to), the verdict so far given. */
  private static int locateRange(
      MemorySegment[] data, long[] src, int n, long pa, long qa, long from, long to, int found) {
    for (long i = from; i < to && found != CorruptBlock.NOT_SINGLE; i += VL) {
      VectorMask<Byte> m = tailMask(i, to);
      ByteVector pv = zero();
      ByteVector qv = zero();
      for (int j = 0; j < n; j++) {
        ByteVector d = load(src[j] + i, m);
        pv = pv.lanewise(XOR, d);
        qv = mul2(qv).lanewise(XOR, d);
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
   * Horner's rule over the gathered slots, several vectors at a time, giving Pxy and Qxy: start
   * from the highest slot; for each next one multiply Q by g and add the block. The three loops
   * below differ only in what they do with the result — store it, XOR it into P and Q, compare it
   * with P and Q — because one method with all three endings went past C2's inlining budget.
   * hornerStore, on every write and recovery path, takes four vectors a stride; the other two,
   * which also load P and Q, take two to stay inside the budget. Each works on [from, to) and
   * hands its last partial stride to hornerTail.
   */

  /** What a Horner loop does with Pxy and Qxy. */
  private enum Ending {
    STORE,
    ACCUMULATE,
    COMPARE
  }

  /**
   * Runs a Horner loop over [0, len): in one go when every slot is a real block, else in chunks of
   * {@link #ZERO_CHUNK} so that absent slots can read the zero block.
   *
   * @param wantP whether P is stored (STORE) or checked (COMPARE); ACCUMULATE always does both
   * @return for COMPARE, {@link #P_MISMATCH} and/or {@link #Q_MISMATCH}; otherwise 0
   */
  private static int horner(
      Ending ending, Sources s, int n, boolean wantP, long pa, boolean wantQ, long qa, long len) {
    if (s.zeroEntries == 0) {
      return hornerRange(ending, s, n, wantP, pa, wantQ, qa, 0, len);
    }
    int result = 0;
    for (long from = 0; from < len; from += ZERO_CHUNK) {
      s.rebase(from);
      result |=
          hornerRange(ending, s, n, wantP, pa, wantQ, qa, from, Math.min(len, from + ZERO_CHUNK));
    }
    return result;
  }

  private static int hornerRange(
      Ending ending,
      Sources s,
      int n,
      boolean wantP,
      long pa,
      boolean wantQ,
      long qa,
      long from,
      long to) {
    return switch (ending) {
      case STORE -> {
        hornerStore(s.address, n, wantP, pa, wantQ, qa, from, to);
        yield 0;
      }
      case ACCUMULATE -> {
        hornerAccumulate(s.address, n, pa, qa, from, to);
        yield 0;
      }
      case COMPARE -> hornerCompare(s.address, n, wantP, pa, wantQ, qa, from, to);
    };
  }

  /** Stores Pxy at pa and Qxy at qa (each only if wanted). */
  private static void hornerStore(
      long[] src, int n, boolean wantP, long pa, boolean wantQ, long qa, long from, long to) {
    final long stride = 4L * VL;
    long i = from;
    for (; i <= to - stride && n > 0; i += stride) {
      long a = src[0] + i;
      ByteVector p0 = load(a);
      ByteVector p1 = load(a + VL);
      ByteVector p2 = load(a + 2L * VL);
      ByteVector p3 = load(a + 3L * VL);
      ByteVector q0 = p0;
      ByteVector q1 = p1;
      ByteVector q2 = p2;
      ByteVector q3 = p3;
      for (int j = 1; j < n; j++) {
        long b = src[j] + i;
        ByteVector d0 = load(b);
        ByteVector d1 = load(b + VL);
        ByteVector d2 = load(b + 2L * VL);
        ByteVector d3 = load(b + 3L * VL);
        p0 = p0.lanewise(XOR, d0);
        p1 = p1.lanewise(XOR, d1);
        p2 = p2.lanewise(XOR, d2);
        p3 = p3.lanewise(XOR, d3);
        q0 = mul2(q0).lanewise(XOR, d0);
        q1 = mul2(q1).lanewise(XOR, d1);
        q2 = mul2(q2).lanewise(XOR, d2);
        q3 = mul2(q3).lanewise(XOR, d3);
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
    if (i < to) {
      hornerTail(src, n, wantP ? STORE : SKIP, pa, wantQ ? STORE : SKIP, qa, i, to);
    }
  }

  /** P ^= Pxy, Q ^= Qxy: md's xor_syndrome. */
  private static void hornerAccumulate(long[] src, int n, long pa, long qa, long from, long to) {
    final long stride = 2L * VL;
    long i = from;
    for (; i <= to - stride && n > 0; i += stride) {
      long a = src[0] + i;
      ByteVector p0 = load(a);
      ByteVector p1 = load(a + VL);
      ByteVector q0 = p0;
      ByteVector q1 = p1;
      for (int j = 1; j < n; j++) {
        long b = src[j] + i;
        ByteVector d0 = load(b);
        ByteVector d1 = load(b + VL);
        p0 = p0.lanewise(XOR, d0);
        p1 = p1.lanewise(XOR, d1);
        q0 = mul2(q0).lanewise(XOR, d0);
        q1 = mul2(q1).lanewise(XOR, d1);
      }
      long o = pa + i;
      store(load(o).lanewise(XOR, p0), o);
      store(load(o + VL).lanewise(XOR, p1), o + VL);
      o = qa + i;
      store(load(o).lanewise(XOR, q0), o);
      store(load(o + VL).lanewise(XOR, q1), o + VL);
    }
    if (i < to && n > 0) {
      hornerTail(src, n, ACCUMULATE, pa, ACCUMULATE, qa, i, to);
    }
  }

  /**
   * Compares P and/or Q with Pxy and Qxy.
   *
   * @return {@link #P_MISMATCH} and/or {@link #Q_MISMATCH}, or 0
   */
  private static int hornerCompare(
      long[] src, int n, boolean checkP, long pa, boolean checkQ, long qa, long from, long to) {
    final long stride = 2L * VL;
    ByteVector pDiff = zero();
    ByteVector qDiff = zero();
    long i = from;
    for (; i <= to - stride && n > 0; i += stride) {
      long a = src[0] + i;
      ByteVector p0 = load(a);
      ByteVector p1 = load(a + VL);
      ByteVector q0 = p0;
      ByteVector q1 = p1;
      for (int j = 1; j < n; j++) {
        long b = src[j] + i;
        ByteVector d0 = load(b);
        ByteVector d1 = load(b + VL);
        p0 = p0.lanewise(XOR, d0);
        p1 = p1.lanewise(XOR, d1);
        q0 = mul2(q0).lanewise(XOR, d0);
        q1 = mul2(q1).lanewise(XOR, d1);
      }
      if (checkP) {
        long o = pa + i;
        pDiff = pDiff.or(load(o).lanewise(XOR, p0)).or(load(o + VL).lanewise(XOR, p1));
      }
      if (checkQ) {
        long o = qa + i;
        qDiff = qDiff.or(load(o).lanewise(XOR, q0)).or(load(o + VL).lanewise(XOR, q1));
      }
    }
    int result =
        (pDiff.compare(VectorOperators.NE, 0).anyTrue() ? P_MISMATCH : 0)
            | (qDiff.compare(VectorOperators.NE, 0).anyTrue() ? Q_MISMATCH : 0);
    if (i < to) {
      result |= hornerTail(src, n, checkP ? COMPARE : SKIP, pa, checkQ ? COMPARE : SKIP, qa, i, to);
    }
    return result;
  }

  /**
   * The Horner loops one vector at a time from offset i, the last vector masked; also the whole
   * range when no slot contributes (P and Q are then zeros).
   */
  private static int hornerTail(
      long[] src, int n, int pMode, long pa, int qMode, long qa, long i, long to) {
    int pBad = 0;
    int qBad = 0;
    for (; i < to; i += VL) {
      VectorMask<Byte> m = tailMask(i, to);
      ByteVector pv = zero();
      ByteVector qv = zero();
      for (int j = 0; j < n; j++) {
        ByteVector d = load(src[j] + i, m);
        pv = pv.lanewise(XOR, d);
        qv = mul2(qv).lanewise(XOR, d);
      }
      pBad |= emit(pMode, pv, pa + i, m);
      qBad |= emit(qMode, qv, qa + i, m);
    }
    return (pBad != 0 ? P_MISMATCH : 0) | (qBad != 0 ? Q_MISMATCH : 0);
  }
}
