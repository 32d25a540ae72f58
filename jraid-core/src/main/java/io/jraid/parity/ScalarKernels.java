package io.jraid.parity;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;
import org.jspecify.annotations.Nullable;

/**
 * The reference implementation: one byte at a time, each formula written as {@code
 * spec/raid6-math.md} states it, with table multiplication. Slow on purpose — it is the oracle the
 * fast implementations are tested against, so it must be obviously right rather than quick.
 */
public final class ScalarKernels implements ParityKernels {

  /** The one instance (the class has no state). */
  public static final ScalarKernels INSTANCE = new ScalarKernels();

  private ScalarKernels() {}

  @Override
  public String name() {
    return "scalar";
  }

  private static int get(@Nullable MemorySegment block, long i) {
    return block == null ? 0 : block.get(JAVA_BYTE, i) & 0xFF;
  }

  private static void put(MemorySegment block, long i, int value) {
    block.set(JAVA_BYTE, i, (byte) value);
  }

  @Override
  public void xorGen(MemorySegment dest, MemorySegment[] sources, XorMode mode) {
    long len = BlockChecks.xor(dest, sources);
    for (long i = 0; i < len; i++) {
      int x = mode == XorMode.ACCUMULATE ? get(dest, i) : 0;
      for (MemorySegment s : sources) {
        x ^= get(s, i);
      }
      put(dest, i, x);
    }
  }

  @Override
  public boolean xorIsZero(MemorySegment[] blocks) {
    long len = BlockChecks.xorValidate(blocks);
    for (long i = 0; i < len; i++) {
      int x = 0;
      for (MemorySegment b : blocks) {
        x ^= get(b, i);
      }
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  /** P at byte i: the XOR of the data, skipping slots skip1 and skip2 (-1 for none). */
  private static int pAt(MemorySegment[] data, long i, int skip1, int skip2) {
    int p = 0;
    for (int z = 0; z < data.length; z++) {
      if (z != skip1 && z != skip2) {
        p ^= get(data[z], i);
      }
    }
    return p;
  }

  /** Q at byte i: Σ g^z·D_z, skipping the given slots. */
  private static int qAt(MemorySegment[] data, long i, int skip1, int skip2) {
    int q = 0;
    for (int z = 0; z < data.length; z++) {
      if (z != skip1 && z != skip2) {
        q ^= Gf256.mul(Gf256.pow(z), get(data[z], i));
      }
    }
    return q;
  }

  @Override
  public void pqGen(MemorySegment[] data, @Nullable MemorySegment p, @Nullable MemorySegment q) {
    if (p == null && q == null) {
      throw new IllegalArgumentException("p=null and q=null (at least one destination is needed)");
    }
    long len = BlockChecks.pq(data, -1, -1, p, true, q, true);
    for (long i = 0; i < len; i++) {
      if (p != null) {
        put(p, i, pAt(data, i, -1, -1));
      }
      if (q != null) {
        put(q, i, qAt(data, i, -1, -1));
      }
    }
  }

  @Override
  public void pqXor(MemorySegment[] data, MemorySegment p, MemorySegment q) {
    requireBoth(p, q);
    long len = BlockChecks.pq(data, -1, -1, p, true, q, true);
    for (long i = 0; i < len; i++) {
      put(p, i, get(p, i) ^ pAt(data, i, -1, -1));
      put(q, i, get(q, i) ^ qAt(data, i, -1, -1));
    }
  }

  @Override
  public void pqUpdate(
      int slot, MemorySegment oldData, MemorySegment newData, MemorySegment p, MemorySegment q) {
    long len = BlockChecks.update(slot, oldData, newData, p, q);
    int g = Gf256.pow(slot);
    for (long i = 0; i < len; i++) {
      int delta = get(oldData, i) ^ get(newData, i);
      put(p, i, get(p, i) ^ delta);
      put(q, i, get(q, i) ^ Gf256.mul(g, delta));
    }
  }

  @Override
  public int pqValidate(
      MemorySegment[] data, @Nullable MemorySegment p, @Nullable MemorySegment q) {
    long len = BlockChecks.pq(data, -1, -1, p, false, q, false);
    int result = 0;
    for (long i = 0; i < len; i++) {
      if (p != null && get(p, i) != pAt(data, i, -1, -1)) {
        result |= P_MISMATCH;
      }
      if (q != null && get(q, i) != qAt(data, i, -1, -1)) {
        result |= Q_MISMATCH;
      }
    }
    return result;
  }

  @Override
  public void recoverDataFromP(MemorySegment[] data, int x, MemorySegment p) {
    BlockChecks.slot("x", x, BlockChecks.dataLength(data));
    requireBlock(p, "p");
    long len = BlockChecks.pq(data, x, -1, p, false, null, false);
    for (long i = 0; i < len; i++) {
      put(data[x], i, get(p, i) ^ pAt(data, i, x, -1));
    }
  }

  @Override
  public void recoverDataAndP(MemorySegment[] data, int x, MemorySegment p, MemorySegment q) {
    BlockChecks.slot("x", x, BlockChecks.dataLength(data));
    requireBoth(p, q);
    long len = BlockChecks.pq(data, x, -1, p, true, q, false);
    int invGx = Gf256.inv(Gf256.pow(x));
    for (long i = 0; i < len; i++) {
      int qx = qAt(data, i, x, -1);
      int px = pAt(data, i, x, -1);
      int dx = Gf256.mul(invGx, get(q, i) ^ qx);
      put(data[x], i, dx);
      put(p, i, px ^ dx);
    }
  }

  @Override
  public void recoverDataAndQ(MemorySegment[] data, int x, MemorySegment p, MemorySegment q) {
    BlockChecks.slot("x", x, BlockChecks.dataLength(data));
    requireBoth(p, q);
    long len = BlockChecks.pq(data, x, -1, p, false, q, true);
    for (long i = 0; i < len; i++) {
      int dx = get(p, i) ^ pAt(data, i, x, -1);
      put(data[x], i, dx);
      put(q, i, qAt(data, i, -1, -1));
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
    requireBoth(p, q);
    long len = BlockChecks.pq(data, x, y, p, false, q, false);
    int lo = Math.min(x, y);
    int hi = Math.max(x, y);
    int a = Gf256.exi(hi - lo);
    int b = Gf256.inv(Gf256.pow(lo) ^ Gf256.pow(hi));
    for (long i = 0; i < len; i++) {
      int pDelta = get(p, i) ^ pAt(data, i, lo, hi);
      int qDelta = get(q, i) ^ qAt(data, i, lo, hi);
      int dHi = Gf256.mul(a, pDelta) ^ Gf256.mul(b, qDelta);
      put(data[hi], i, dHi);
      put(data[lo], i, dHi ^ pDelta);
    }
  }

  @Override
  public int locateCorruption(MemorySegment[] data, MemorySegment p, MemorySegment q) {
    requireBoth(p, q);
    long len = BlockChecks.pq(data, -1, -1, p, false, q, false);
    int found = CorruptBlock.NONE;
    for (long i = 0; i < len; i++) {
      int code =
          CorruptionCodes.classify(
              data, get(p, i) ^ pAt(data, i, -1, -1), get(q, i) ^ qAt(data, i, -1, -1));
      found = CorruptionCodes.merge(found, code);
      if (found == CorruptBlock.NOT_SINGLE) {
        break;
      }
    }
    return found;
  }

  private static void requireBoth(MemorySegment p, MemorySegment q) {
    requireBlock(p, "p");
    requireBlock(q, "q");
  }

  static void requireBlock(MemorySegment s, String name) {
    if (s == null) {
      throw new IllegalArgumentException(name + "=null");
    }
  }
}
