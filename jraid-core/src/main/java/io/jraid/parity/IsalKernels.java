package io.jraid.parity;

import static io.jraid.parity.IsalLibrary.EC_ENCODE_DATA;
import static io.jraid.parity.IsalLibrary.EC_ENCODE_DATA_UPDATE;
import static io.jraid.parity.IsalLibrary.EC_INIT_TABLES;
import static io.jraid.parity.IsalLibrary.PQ_CHECK;
import static io.jraid.parity.IsalLibrary.PQ_GEN;
import static io.jraid.parity.IsalLibrary.XOR_CHECK;
import static io.jraid.parity.IsalLibrary.XOR_GEN;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Parity kernels that call Intel ISA-L through the FFM API (see {@link IsalLibrary}).
 *
 * <h2>Mapping</h2>
 *
 * <ul>
 *   <li>XOR generation and validation: {@code xor_gen}, {@code xor_check}; accumulating into the
 *       destination passes it as the first source too (ISA-L reads a whole block of every source
 *       before it writes that block of the destination).
 *   <li>P+Q generation and validation: {@code pq_gen}, {@code pq_check}. Absent slots point at a
 *       shared zero block; only-P and only-Q generation discard the other into per-thread scratch.
 *   <li>Read-modify-write ({@link #pqUpdate}, {@link #pqXor}): {@code ec_encode_data_update}, which
 *       XORs {@code c·D} into existing blocks, with coefficients 1 for P and g^z for Q.
 *   <li>Recovery: ISA-L has no RAID-6 recovery, but every lost block is a linear combination of the
 *       surviving ones (e.g. D_y = A·P ⊕ B·Q ⊕ Σ (A ⊕ B·g^z)·D_z), so one {@code ec_encode_data}
 *       call with a two-row coefficient matrix rebuilds both lost blocks in a single pass.
 *   <li>Error location: syndromes computed by {@code pq_gen} into scratch, compared in Java.
 * </ul>
 *
 * <p>ISA-L needs 32-byte multiples for P+Q (64 for the update and encode kernels); the last bytes
 * of a block whose length is not such a multiple go to {@link ScalarKernels}. ISA-L takes {@code
 * int} lengths; longer blocks are cut into 1 GiB calls.
 *
 * <p>Pointer arrays, coefficient tables and discard blocks live in per-thread native scratch, made
 * on a thread's first call; after that no call allocates (for block lengths that are multiples of
 * 64 bytes).
 */
public final class IsalKernels implements ParityKernels {

  /** Bytes per call when a shared zero block or scratch block stands in for a real one. */
  static final int CHUNK = 64 * 1024;

  private static final long MAX_CALL = 1L << 30;

  private static final MemorySegment ZEROS = Arena.global().allocate(CHUNK, 4096);

  private static final IsalKernels INSTANCE = new IsalKernels();

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  /** Native scratch of one thread. */
  private static final class Scratch {
    private final Arena arena = Arena.ofAuto();

    /** Source pointers (for xor_gen and pq_gen also the destinations, last). */
    final MemorySegment ptrs = arena.allocate(8L * (MAX_XOR_SOURCES + 8), 64);

    /** Destination pointers of ec_encode_data and ec_encode_data_update. */
    final MemorySegment dests = arena.allocate(8L * 2, 64);

    final MemorySegment matrix = arena.allocate(2L * (MAX_PQ_DATA + 2), 64);
    final MemorySegment tables = arena.allocate(32L * 2 * (MAX_PQ_DATA + 2), 64);
    final MemorySegment spareP = arena.allocate(CHUNK, 4096);
    final MemorySegment spareQ = arena.allocate(CHUNK, 4096);
  }

  private IsalKernels() {}

  /** The ISA-L kernels, when libisal loaded; otherwise empty (see {@link #loadFailure()}). */
  public static Optional<ParityKernels> load() {
    return IsalLibrary.AVAILABLE ? Optional.of(INSTANCE) : Optional.empty();
  }

  /** Why ISA-L is unavailable, or null when it is available. */
  public static @Nullable String loadFailure() {
    return IsalLibrary.loadFailure();
  }

  @Override
  public String name() {
    return "isal";
  }

  // ---------------------------------------------------------------------------------------------
  // Calls. Native calls cannot throw checked exceptions; anything else is a bug worth seeing.

  private static int callVects(MethodHandle h, int vects, long len, MemorySegment p) {
    try {
      return (int) h.invokeExact(vects, (int) len, p);
    } catch (Throwable t) {
      throw new IllegalStateException("ISA-L call failed", t);
    }
  }

  private static void initTables(int k, int rows, MemorySegment matrix, MemorySegment tables) {
    try {
      EC_INIT_TABLES.invokeExact(k, rows, matrix, tables);
    } catch (Throwable t) {
      throw new IllegalStateException("ec_init_tables failed", t);
    }
  }

  private static void encode(long len, int k, int rows, Scratch s) {
    try {
      EC_ENCODE_DATA.invokeExact((int) len, k, rows, s.tables, s.ptrs, s.dests);
    } catch (Throwable t) {
      throw new IllegalStateException("ec_encode_data failed", t);
    }
  }

  private static void update(long len, MemorySegment source, long off, Scratch s) {
    MemorySegment from = off == 0 ? source : source.asSlice(off);
    try {
      EC_ENCODE_DATA_UPDATE.invokeExact((int) len, 1, 2, 0, s.tables, from, s.dests);
    } catch (Throwable t) {
      throw new IllegalStateException("ec_encode_data_update failed", t);
    }
  }

  private static void ptr(MemorySegment ptrs, int index, MemorySegment block, long off) {
    ptrs.setAtIndex(JAVA_LONG, index, block.address() + off);
  }

  private static long callLength(long remaining) {
    return Math.min(remaining, MAX_CALL);
  }

  /** Slices of the given blocks from off to the end (for the scalar tail). */
  private static @Nullable MemorySegment[] tails(MemorySegment[] blocks, long off) {
    MemorySegment[] t = new MemorySegment[blocks.length];
    for (int i = 0; i < blocks.length; i++) {
      t[i] = blocks[i] == null ? null : blocks[i].asSlice(off);
    }
    return t;
  }

  private static @Nullable MemorySegment tail(@Nullable MemorySegment block, long off) {
    return block == null ? null : block.asSlice(off);
  }

  // ---------------------------------------------------------------------------------------------
  // XOR

  @Override
  public void xorGen(MemorySegment dest, MemorySegment[] sources, XorMode mode) {
    long len = BlockChecks.xor(dest, sources);
    int n = sources.length;
    if (mode == XorMode.OVERWRITE && n == 1) {
      MemorySegment.copy(sources[0], 0, dest, 0, len);
      return;
    }
    MemorySegment ptrs = SCRATCH.get().ptrs;
    for (long off = 0; off < len; off += MAX_CALL) {
      int v = 0;
      if (mode == XorMode.ACCUMULATE) {
        ptr(ptrs, v++, dest, off);
      }
      for (MemorySegment s : sources) {
        ptr(ptrs, v++, s, off);
      }
      ptr(ptrs, v++, dest, off);
      callVects(XOR_GEN, v, callLength(len - off), ptrs);
    }
  }

  @Override
  public boolean xorIsZero(MemorySegment[] blocks) {
    long len = BlockChecks.xorValidate(blocks);
    MemorySegment ptrs = SCRATCH.get().ptrs;
    for (long off = 0; off < len; off += MAX_CALL) {
      for (int i = 0; i < blocks.length; i++) {
        ptr(ptrs, i, blocks[i], off);
      }
      if (callVects(XOR_CHECK, blocks.length, callLength(len - off), ptrs) != 0) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void recoverDataFromP(MemorySegment[] data, int x, MemorySegment p) {
    BlockChecks.slot("x", x, BlockChecks.dataLength(data));
    ScalarKernels.requireBlock(p, "p");
    long len = BlockChecks.pq(data, x, -1, p, false, null, false);
    xorPresent(data, x, p, data[x], len, SCRATCH.get());
  }

  /** dest = first ⊕ every present slot but skip (first may be null: then only the slots). */
  private static void xorPresent(
      MemorySegment[] data,
      int skip,
      @Nullable MemorySegment first,
      MemorySegment dest,
      long len,
      Scratch s) {
    for (long off = 0; off < len; off += MAX_CALL) {
      int v = 0;
      MemorySegment only = null;
      if (first != null) {
        ptr(s.ptrs, v++, first, off);
        only = first;
      }
      for (int z = 0; z < data.length; z++) {
        if (data[z] != null && z != skip) {
          ptr(s.ptrs, v++, data[z], off);
          only = data[z];
        }
      }
      long n = callLength(len - off);
      if (v == 0) {
        dest.asSlice(off, n).fill((byte) 0);
      } else if (v == 1) {
        MemorySegment.copy(only, off, dest, off, n);
      } else {
        ptr(s.ptrs, v++, dest, off);
        callVects(XOR_GEN, v, n, s.ptrs);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // RAID-6 generation and validation

  /** The highest present slot, or -1. Slots above it contribute nothing to P or Q. */
  private static int top(MemorySegment[] data) {
    for (int z = data.length - 1; z >= 0; z--) {
      if (data[z] != null) {
        return z;
      }
    }
    return -1;
  }

  private static boolean hasAbsent(MemorySegment[] data, int top) {
    for (int z = 0; z < top; z++) {
      if (data[z] == null) {
        return true;
      }
    }
    return false;
  }

  /**
   * P and Q of slots 0..top over [off, off + n) into p and q at pOff and qOff (scratch blocks are
   * written from 0). n ≤ CHUNK when absent slots use the zero block.
   */
  private static void syndrome(
      MemorySegment[] data,
      int top,
      long off,
      long n,
      MemorySegment p,
      long pOff,
      MemorySegment q,
      long qOff,
      Scratch s) {
    if (top < 0) {
      p.asSlice(pOff, n).fill((byte) 0);
      q.asSlice(qOff, n).fill((byte) 0);
    } else if (top == 0) {
      // One slot: P = Q = D_0 (g^0 = 1).
      MemorySegment.copy(data[0], off, p, pOff, n);
      MemorySegment.copy(data[0], off, q, qOff, n);
    } else {
      for (int z = 0; z <= top; z++) {
        if (data[z] == null) {
          ptr(s.ptrs, z, ZEROS, 0);
        } else {
          ptr(s.ptrs, z, data[z], off);
        }
      }
      ptr(s.ptrs, top + 1, p, pOff);
      ptr(s.ptrs, top + 2, q, qOff);
      callVects(PQ_GEN, top + 3, n, s.ptrs);
    }
  }

  @Override
  public void pqGen(MemorySegment[] data, @Nullable MemorySegment p, @Nullable MemorySegment q) {
    if (p == null && q == null) {
      throw new IllegalArgumentException("p=null and q=null (at least one destination is needed)");
    }
    long len = BlockChecks.pq(data, -1, -1, p, true, q, true);
    Scratch s = SCRATCH.get();
    if (q == null) {
      xorPresent(data, -1, null, p, len, s);
      return;
    }
    long main = len & ~31L;
    int top = top(data);
    long step = p == null || hasAbsent(data, top) ? CHUNK : MAX_CALL;
    for (long off = 0; off < main; off += step) {
      long n = Math.min(step, main - off);
      if (p == null) {
        syndrome(data, top, off, n, s.spareP, 0, q, off, s);
      } else {
        syndrome(data, top, off, n, p, off, q, off, s);
      }
    }
    if (main < len) {
      ScalarKernels.INSTANCE.pqGen(tails(data, main), tail(p, main), tail(q, main));
    }
  }

  @Override
  public int pqValidate(
      MemorySegment[] data, @Nullable MemorySegment p, @Nullable MemorySegment q) {
    long len = BlockChecks.pq(data, -1, -1, p, false, q, false);
    if (p == null && q == null) {
      return 0;
    }
    long main = len & ~31L;
    int top = top(data);
    Scratch s = SCRATCH.get();
    // Fast path: all slots present, both checked: pq_check says yes or no for the pair.
    if (p != null && q != null && top >= 1 && !hasAbsent(data, top)) {
      boolean ok = true;
      for (long off = 0; off < main && ok; off += MAX_CALL) {
        for (int z = 0; z <= top; z++) {
          ptr(s.ptrs, z, data[z], off);
        }
        ptr(s.ptrs, top + 1, p, off);
        ptr(s.ptrs, top + 2, q, off);
        ok = callVects(PQ_CHECK, top + 3, callLength(main - off), s.ptrs) == 0;
      }
      if (ok) {
        return main < len
            ? ScalarKernels.INSTANCE.pqValidate(tails(data, main), tail(p, main), tail(q, main))
            : 0;
      }
    }
    // Which one is wrong: compute into scratch and compare.
    int result = 0;
    for (long off = 0; off < main; off += CHUNK) {
      long n = Math.min(CHUNK, main - off);
      syndrome(data, top, off, n, s.spareP, 0, s.spareQ, 0, s);
      if (p != null && MemorySegment.mismatch(s.spareP, 0, n, p, off, off + n) >= 0) {
        result |= P_MISMATCH;
      }
      if (q != null && MemorySegment.mismatch(s.spareQ, 0, n, q, off, off + n) >= 0) {
        result |= Q_MISMATCH;
      }
    }
    if (main < len) {
      result |= ScalarKernels.INSTANCE.pqValidate(tails(data, main), tail(p, main), tail(q, main));
    }
    return result;
  }

  @Override
  public int locateCorruption(MemorySegment[] data, MemorySegment p, MemorySegment q) {
    ScalarKernels.requireBlock(p, "p");
    ScalarKernels.requireBlock(q, "q");
    long len = BlockChecks.pq(data, -1, -1, p, false, q, false);
    long main = len & ~31L;
    int top = top(data);
    Scratch s = SCRATCH.get();
    int found = CorruptBlock.NONE;
    for (long off = 0; off < main && found != CorruptBlock.NOT_SINGLE; off += CHUNK) {
      long n = Math.min(CHUNK, main - off);
      syndrome(data, top, off, n, s.spareP, 0, s.spareQ, 0, s);
      for (long i = 0; i < n && found != CorruptBlock.NOT_SINGLE; i++) {
        int px = (s.spareP.get(JAVA_BYTE, i) ^ p.get(JAVA_BYTE, off + i)) & 0xFF;
        int qx = (s.spareQ.get(JAVA_BYTE, i) ^ q.get(JAVA_BYTE, off + i)) & 0xFF;
        if ((px | qx) != 0) {
          found = CorruptionCodes.merge(found, CorruptionCodes.classify(data, px, qx));
        }
      }
    }
    if (main < len && found != CorruptBlock.NOT_SINGLE) {
      int rest =
          ScalarKernels.INSTANCE.locateCorruption(tails(data, main), tail(p, main), tail(q, main));
      found = CorruptionCodes.merge(found, rest);
    }
    return found;
  }

  // ---------------------------------------------------------------------------------------------
  // RAID-6 read-modify-write

  /** Tables for one source feeding P (coefficient 1) and Q (coefficient c). */
  private static void updateTables(int c, Scratch s) {
    s.matrix.set(JAVA_BYTE, 0, (byte) 1);
    s.matrix.set(JAVA_BYTE, 1, (byte) c);
    initTables(1, 2, s.matrix, s.tables);
  }

  @Override
  public void pqUpdate(
      int slot, MemorySegment oldData, MemorySegment newData, MemorySegment p, MemorySegment q) {
    long len = BlockChecks.update(slot, oldData, newData, p, q);
    long main = len & ~63L;
    Scratch s = SCRATCH.get();
    updateTables(Gf256.pow(slot), s);
    for (long off = 0; off < main; off += MAX_CALL) {
      long n = callLength(main - off);
      ptr(s.dests, 0, p, off);
      ptr(s.dests, 1, q, off);
      update(n, oldData, off, s);
      update(n, newData, off, s);
    }
    if (main < len) {
      ScalarKernels.INSTANCE.pqUpdate(
          slot, oldData.asSlice(main), newData.asSlice(main), p.asSlice(main), q.asSlice(main));
    }
  }

  @Override
  public void pqXor(MemorySegment[] data, MemorySegment p, MemorySegment q) {
    ScalarKernels.requireBlock(p, "p");
    ScalarKernels.requireBlock(q, "q");
    long len = BlockChecks.pq(data, -1, -1, p, true, q, true);
    long main = len & ~63L;
    Scratch s = SCRATCH.get();
    for (int z = 0; z < data.length; z++) {
      if (data[z] == null) {
        continue;
      }
      updateTables(Gf256.pow(z), s);
      for (long off = 0; off < main; off += MAX_CALL) {
        ptr(s.dests, 0, p, off);
        ptr(s.dests, 1, q, off);
        update(callLength(main - off), data[z], off, s);
      }
    }
    if (main < len) {
      ScalarKernels.INSTANCE.pqXor(tails(data, main), p.asSlice(main), q.asSlice(main));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // RAID-6 recovery: one ec_encode_data pass with a two-row matrix.

  /**
   * Rebuilds two blocks as linear combinations of the survivors. Row r's coefficient for a
   * surviving data slot z is {@code base[r] ⊕ mul(zFactor[r], g^z)}; for P it is pCoef[r], for Q
   * qCoef[r] (a null P or Q is not a source).
   */
  private static void combine(
      MemorySegment[] data,
      int x,
      int y,
      @Nullable MemorySegment p,
      int pCoef0,
      int pCoef1,
      @Nullable MemorySegment q,
      int qCoef0,
      int qCoef1,
      int base0,
      int zFactor0,
      int base1,
      int zFactor1,
      MemorySegment dest0,
      MemorySegment dest1,
      long len) {
    Scratch s = SCRATCH.get();
    int k = 0;
    for (int z = 0; z < data.length; z++) {
      if (data[z] != null && z != x && z != y) {
        k++;
      }
    }
    k += (p != null ? 1 : 0) + (q != null ? 1 : 0);
    int j = 0;
    for (int z = 0; z < data.length; z++) {
      if (data[z] != null && z != x && z != y) {
        int g = Gf256.pow(z);
        s.matrix.set(JAVA_BYTE, j, (byte) (base0 ^ Gf256.mul(zFactor0, g)));
        s.matrix.set(JAVA_BYTE, k + j, (byte) (base1 ^ Gf256.mul(zFactor1, g)));
        j++;
      }
    }
    if (p != null) {
      s.matrix.set(JAVA_BYTE, j, (byte) pCoef0);
      s.matrix.set(JAVA_BYTE, k + j, (byte) pCoef1);
      j++;
    }
    if (q != null) {
      s.matrix.set(JAVA_BYTE, j, (byte) qCoef0);
      s.matrix.set(JAVA_BYTE, k + j, (byte) qCoef1);
    }
    initTables(k, 2, s.matrix, s.tables);
    for (long off = 0; off < len; off += MAX_CALL) {
      int v = 0;
      for (int z = 0; z < data.length; z++) {
        if (data[z] != null && z != x && z != y) {
          ptr(s.ptrs, v++, data[z], off);
        }
      }
      if (p != null) {
        ptr(s.ptrs, v++, p, off);
      }
      if (q != null) {
        ptr(s.ptrs, v, q, off);
      }
      ptr(s.dests, 0, dest0, off);
      ptr(s.dests, 1, dest1, off);
      encode(callLength(len - off), k, 2, s);
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
    int a = Gf256.exi(hi - lo);
    int b = Gf256.inv(Gf256.pow(lo) ^ Gf256.pow(hi));
    long main = len & ~63L;
    // D_hi = A·P ⊕ B·Q ⊕ Σ (A ⊕ B·g^z)·D_z;  D_lo = D_hi ⊕ P ⊕ Σ D_z
    combine(data, lo, hi, p, a ^ 1, a, q, b, b, a ^ 1, b, a, b, data[lo], data[hi], main);
    if (main < len) {
      ScalarKernels.INSTANCE.recoverTwoData(
          tails(data, main), lo, hi, p.asSlice(main), q.asSlice(main));
    }
  }

  @Override
  public void recoverDataAndP(MemorySegment[] data, int x, MemorySegment p, MemorySegment q) {
    BlockChecks.slot("x", x, BlockChecks.dataLength(data));
    ScalarKernels.requireBlock(p, "p");
    ScalarKernels.requireBlock(q, "q");
    long len = BlockChecks.pq(data, x, -1, p, true, q, false);
    int c = Gf256.inv(Gf256.pow(x));
    long main = len & ~63L;
    // D_x = c·Q ⊕ Σ c·g^z·D_z;  P = c·Q ⊕ Σ (c·g^z ⊕ 1)·D_z
    combine(data, x, -1, null, 0, 0, q, c, c, 0, c, 1, c, data[x], p, main);
    if (main < len) {
      ScalarKernels.INSTANCE.recoverDataAndP(
          tails(data, main), x, p.asSlice(main), q.asSlice(main));
    }
  }

  @Override
  public void recoverDataAndQ(MemorySegment[] data, int x, MemorySegment p, MemorySegment q) {
    BlockChecks.slot("x", x, BlockChecks.dataLength(data));
    ScalarKernels.requireBlock(p, "p");
    ScalarKernels.requireBlock(q, "q");
    long len = BlockChecks.pq(data, x, -1, p, false, q, true);
    int gx = Gf256.pow(x);
    long main = len & ~63L;
    // D_x = P ⊕ Σ D_z;  Q = g^x·P ⊕ Σ (g^x ⊕ g^z)·D_z
    combine(data, x, -1, p, 1, gx, null, 0, 0, 1, 0, gx, 1, data[x], q, main);
    if (main < len) {
      ScalarKernels.INSTANCE.recoverDataAndQ(
          tails(data, main), x, p.asSlice(main), q.asSlice(main));
    }
  }
}
