package io.jraid.parity;

import java.lang.foreign.MemorySegment;

/**
 * The per-byte decision of mdadm's raid6check, shared by every implementation's {@link
 * ParityKernels#locateCorruption}: given Px = P_stored ⊕ P_computed and Qx = Q_stored ⊕ Q_computed
 * at one byte, which block is wrong; and how the verdicts of many bytes combine.
 */
final class CorruptionCodes {

  private CorruptionCodes() {}

  /**
   * The verdict for one byte. With both syndromes non-zero a single wrong data byte at slot z gives
   * Qx = g^z·Px, so z = log(Qx) - log(Px) mod 255; a z past the last slot, or at an absent (zero)
   * slot, cannot be a single-block error.
   */
  static int classify(MemorySegment[] data, int px, int qx) {
    if (px == 0) {
      return qx == 0 ? CorruptBlock.NONE : CorruptBlock.Q;
    }
    if (qx == 0) {
      return CorruptBlock.P;
    }
    int z = Math.floorMod(Gf256.log(qx) - Gf256.log(px), 255);
    return z < data.length && data[z] != null ? z : CorruptBlock.NOT_SINGLE;
  }

  /** Combines the verdict so far with one more byte's: all wrong bytes must agree. */
  static int merge(int found, int code) {
    if (code == CorruptBlock.NONE || code == found) {
      return found;
    }
    return found == CorruptBlock.NONE ? code : CorruptBlock.NOT_SINGLE;
  }
}
