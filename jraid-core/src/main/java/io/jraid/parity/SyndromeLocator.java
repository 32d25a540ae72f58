package io.jraid.parity;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Finds the one bad block of a RAID-6 stripe from its P and Q syndromes — the raid6check method (H.
 * Peter Anvin, "The mathematics of RAID-6", §4): with {@code Pd = P ⊕ P'} and {@code Qd = Q ⊕ Q'}
 * (stored parity against parity recomputed from the data), a single bad data block {@code z} gives
 * {@code Qd = g^z · Pd} at every byte; a bad P gives {@code Qd = 0}; a bad Q gives {@code Pd = 0}.
 * Anything else is more than one bad block, which the syndromes cannot single out.
 *
 * <p>Pure and allocation-free; scalar, since it runs only on stripes already found inconsistent.
 */
public final class SyndromeLocator {

  /**
   * What the syndromes say.
   *
   * @param verdict which block is bad
   * @param slot for {@link Verdict#DATA}, the data slot; else -1
   */
  public record Location(Verdict verdict, int slot) {}

  /** What the syndromes point to. */
  public enum Verdict {
    /** P and Q both match: nothing is wrong. */
    CONSISTENT,
    /** Only P is wrong. */
    P,
    /** Only Q is wrong. */
    Q,
    /**
     * One data block is wrong: {@link Location#slot} says which, and {@code D ⊕ Pd} is its value.
     */
    DATA,
    /** More than one block is wrong (or the bad slot is not a data slot): cannot tell which. */
    UNKNOWN
  }

  private SyndromeLocator() {}

  /**
   * Locates the bad block.
   *
   * @param p stored P
   * @param pCalc P recomputed from the data
   * @param q stored Q
   * @param qCalc Q recomputed from the data
   * @param dataSlots syndrome slots that hold data ({@code 0..dataSlots-1}); a result beyond is
   *     {@link Verdict#UNKNOWN}
   * @return the verdict and, for {@link Verdict#DATA}, the slot
   */
  public static Location locate(
      MemorySegment p, MemorySegment pCalc, MemorySegment q, MemorySegment qCalc, int dataSlots) {
    long len = p.byteSize();
    if (pCalc.byteSize() != len || q.byteSize() != len || qCalc.byteSize() != len) {
      throw new IllegalArgumentException(
          "blocks of different sizes: p="
              + len
              + " pCalc="
              + pCalc.byteSize()
              + " q="
              + q.byteSize()
              + " qCalc="
              + qCalc.byteSize());
    }
    boolean pWrong = false;
    boolean qWrong = false;
    int z = -1;
    boolean consistentZ = true;
    for (long i = 0; i < len; i++) {
      int pd = (p.get(ValueLayout.JAVA_BYTE, i) ^ pCalc.get(ValueLayout.JAVA_BYTE, i)) & 0xFF;
      int qd = (q.get(ValueLayout.JAVA_BYTE, i) ^ qCalc.get(ValueLayout.JAVA_BYTE, i)) & 0xFF;
      pWrong |= pd != 0;
      qWrong |= qd != 0;
      if (pd == 0 && qd == 0) {
        continue;
      }
      if (pd == 0 || qd == 0) {
        consistentZ = false; // one parity differs alone here: not a single data block
        continue;
      }
      int here = (Gf256.log(qd) - Gf256.log(pd) + 255) % 255;
      if (z < 0) {
        z = here;
      } else if (z != here) {
        consistentZ = false;
      }
    }
    if (!pWrong && !qWrong) {
      return new Location(Verdict.CONSISTENT, -1);
    }
    if (pWrong && !qWrong) {
      return new Location(Verdict.P, -1);
    }
    if (!pWrong) {
      return new Location(Verdict.Q, -1);
    }
    if (consistentZ && z >= 0 && z < dataSlots) {
      return new Location(Verdict.DATA, z);
    }
    return new Location(Verdict.UNKNOWN, -1);
  }
}
