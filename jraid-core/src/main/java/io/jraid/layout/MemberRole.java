package io.jraid.layout;

/**
 * What one member holds in one chunk row: P, Q, or a data chunk. Switch over it with a pattern
 * switch; the compiler checks that all three are handled.
 */
public sealed interface MemberRole {

  /** The row's P (XOR) parity block. */
  record P() implements MemberRole {}

  /** The row's Q (RAID-6 Reed–Solomon) syndrome block. */
  record Q() implements MemberRole {}

  /**
   * A data chunk.
   *
   * @param ddIdx its logical position among the row's data chunks (0 … dataDisks - 1): the row's
   *     chunk {@code ddIdx} is array chunk {@code stripe * dataDisks + ddIdx}
   * @param slot its position in the Q syndrome, the exponent of its coefficient g^slot ({@link
   *     StripeMap#slot}); equals {@code ddIdx} for RAID-4/5
   */
  record Data(int ddIdx, int slot) implements MemberRole {}
}
