package io.jraid.parity;

import static io.jraid.parity.ParityKernels.ALIGNMENT;
import static io.jraid.parity.ParityKernels.MAX_PQ_DATA;
import static io.jraid.parity.ParityKernels.MAX_XOR_SOURCES;

import java.lang.foreign.MemorySegment;
import org.jspecify.annotations.Nullable;

/**
 * Argument checks shared by every {@link ParityKernels} implementation, so that all of them accept
 * and refuse exactly the same calls. Each check returns the common block length. Messages name the
 * argument and its value; strings are only built on the failure path.
 */
final class BlockChecks {

  private BlockChecks() {}

  /** Checks an XOR: dest plus 1..256 sources, all the same size, dest apart from every source. */
  static long xor(MemorySegment dest, MemorySegment[] sources) {
    block(dest, "dest", -1, true);
    long len = dest.byteSize();
    if (sources == null) {
      throw new IllegalArgumentException("sources=null");
    }
    int n = sources.length;
    if (n < 1 || n > MAX_XOR_SOURCES) {
      throw new IllegalArgumentException(
          "sources.length=" + n + " (XOR takes 1.." + MAX_XOR_SOURCES + " sources)");
    }
    for (int i = 0; i < n; i++) {
      MemorySegment s = sources[i];
      block(s, "sources", i, false);
      sameSize(s, "sources", i, len, "dest");
      disjoint(dest, "dest", -1, s, "sources", i);
    }
    return len;
  }

  /** Checks an XOR validation: 2..257 blocks of one size. */
  static long xorValidate(MemorySegment[] blocks) {
    if (blocks == null) {
      throw new IllegalArgumentException("blocks=null");
    }
    int n = blocks.length;
    if (n < 2 || n > MAX_XOR_SOURCES + 1) {
      throw new IllegalArgumentException(
          "blocks.length=" + n + " (XOR validation takes 2.." + (MAX_XOR_SOURCES + 1) + " blocks)");
    }
    block(blocks[0], "blocks", 0, false);
    long len = blocks[0].byteSize();
    for (int i = 1; i < n; i++) {
      block(blocks[i], "blocks", i, false);
      sameSize(blocks[i], "blocks", i, len, "blocks[0]");
    }
    return len;
  }

  /**
   * Checks a RAID-6 call. Data entries may be null (zeros) except the destination slots dx and dy
   * (-1 when unused); p and q are checked when non-null, as destinations when pDest/qDest.
   */
  static long pq(
      MemorySegment[] data,
      int dx,
      int dy,
      @Nullable MemorySegment p,
      boolean pDest,
      @Nullable MemorySegment q,
      boolean qDest) {
    int n = dataLength(data);
    if (dx >= n || dy >= n) {
      throw new IllegalArgumentException("slot=" + Math.max(dx, dy) + " (data.length=" + n + ")");
    }
    long len = -1;
    String lenFrom = null;
    if (p != null) {
      block(p, "p", -1, pDest);
      len = p.byteSize();
      lenFrom = "p";
    }
    if (q != null) {
      block(q, "q", -1, qDest);
      if (len < 0) {
        len = q.byteSize();
        lenFrom = "q";
      } else {
        sameSize(q, "q", -1, len, lenFrom);
      }
    }
    for (int i = 0; i < n; i++) {
      MemorySegment d = data[i];
      boolean isDest = i == dx || i == dy;
      if (d == null) {
        if (isDest) {
          throw new IllegalArgumentException(
              "data[" + i + "]=null, but slot " + i + " is a destination");
        }
        continue;
      }
      block(d, "data", i, isDest);
      if (len < 0) {
        len = d.byteSize();
        lenFrom = "data[" + i + "]";
      } else {
        sameSize(d, "data", i, len, lenFrom);
      }
    }
    // Every destination must be apart from every other block.
    if (p != null && pDest) {
      disjointFromAll(p, "p", -1, data, -1, null, q);
    }
    if (q != null && qDest) {
      disjointFromAll(q, "q", -1, data, -1, p, null);
    }
    if (dx >= 0) {
      disjointFromAll(data[dx], "data", dx, data, dx, p, q);
    }
    if (dy >= 0) {
      disjointFromAll(data[dy], "data", dy, data, dy, p, q);
    }
    return Math.max(len, 0);
  }

  /** Checks a data slot index against the data array. */
  static void slot(String name, int slot, int n) {
    if (slot < 0 || slot >= n) {
      throw new IllegalArgumentException(
          name + "=" + slot + " (data slots are 0.." + (n - 1) + ")");
    }
  }

  /** Checks the blocks of a read-modify-write update. */
  static long update(
      int slot, MemorySegment oldData, MemorySegment newData, MemorySegment p, MemorySegment q) {
    if (slot < 0 || slot >= MAX_PQ_DATA) {
      throw new IllegalArgumentException(
          "slot=" + slot + " (RAID-6 slots are 0.." + (MAX_PQ_DATA - 1) + ")");
    }
    block(p, "p", -1, true);
    long len = p.byteSize();
    block(q, "q", -1, true);
    sameSize(q, "q", -1, len, "p");
    block(oldData, "oldData", -1, false);
    sameSize(oldData, "oldData", -1, len, "p");
    block(newData, "newData", -1, false);
    sameSize(newData, "newData", -1, len, "p");
    disjoint(p, "p", -1, q, "q", -1);
    disjoint(p, "p", -1, oldData, "oldData", -1);
    disjoint(p, "p", -1, newData, "newData", -1);
    disjoint(q, "q", -1, oldData, "oldData", -1);
    disjoint(q, "q", -1, newData, "newData", -1);
    return len;
  }

  static int dataLength(MemorySegment[] data) {
    if (data == null) {
      throw new IllegalArgumentException("data=null");
    }
    int n = data.length;
    if (n < 1 || n > MAX_PQ_DATA) {
      throw new IllegalArgumentException(
          "data.length=" + n + " (RAID-6 takes 1.." + MAX_PQ_DATA + " data slots)");
    }
    return n;
  }

  /** Checks dest against every data block but slot {@code self}, and against p and q if given. */
  private static void disjointFromAll(
      MemorySegment dest,
      String name,
      int index,
      MemorySegment[] data,
      int self,
      @Nullable MemorySegment p,
      @Nullable MemorySegment q) {
    for (int i = 0; i < data.length; i++) {
      MemorySegment d = data[i];
      if (d != null && i != self) {
        disjoint(dest, name, index, d, "data", i);
      }
    }
    if (p != null) {
      disjoint(dest, name, index, p, "p", -1);
    }
    if (q != null) {
      disjoint(dest, name, index, q, "q", -1);
    }
  }

  private static void block(MemorySegment s, String name, int index, boolean isDest) {
    if (s == null) {
      throw new IllegalArgumentException(label(name, index) + "=null");
    }
    if (!s.isNative()) {
      throw new IllegalArgumentException(
          label(name, index) + "=" + s + " is a heap segment (parity blocks must be off-heap)");
    }
    if (!s.scope().isAlive()) {
      throw new IllegalArgumentException(label(name, index) + " belongs to a closed arena");
    }
    if ((s.address() & (ALIGNMENT - 1)) != 0) {
      throw new IllegalArgumentException(
          label(name, index)
              + ".address()=0x"
              + Long.toHexString(s.address())
              + " is not "
              + ALIGNMENT
              + "-byte aligned");
    }
    if (isDest && s.isReadOnly()) {
      throw new IllegalArgumentException(label(name, index) + " is read-only but is a destination");
    }
  }

  private static void sameSize(MemorySegment s, String name, int index, long len, String lenFrom) {
    if (s.byteSize() != len) {
      throw new IllegalArgumentException(
          label(name, index)
              + ".byteSize()="
              + s.byteSize()
              + " differs from "
              + lenFrom
              + ".byteSize()="
              + len);
    }
  }

  private static void disjoint(
      MemorySegment a, String aName, int aIndex, MemorySegment b, String bName, int bIndex) {
    long aStart = a.address();
    long bStart = b.address();
    if (aStart < bStart + b.byteSize() && bStart < aStart + a.byteSize()) {
      throw new IllegalArgumentException(
          label(aName, aIndex)
              + " [0x"
              + Long.toHexString(aStart)
              + ", +"
              + a.byteSize()
              + ") overlaps "
              + label(bName, bIndex)
              + " [0x"
              + Long.toHexString(bStart)
              + ", +"
              + b.byteSize()
              + ")");
    }
  }

  private static String label(String name, int index) {
    return index < 0 ? name : name + "[" + index + "]";
  }
}
