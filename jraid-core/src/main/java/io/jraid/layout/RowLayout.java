package io.jraid.layout;

/**
 * Where P, Q and the data chunks sit in one chunk row: the per-layout formulas of raid5.c's {@code
 * raid5_compute_sector} (forward), {@code raid5_compute_blocknr} (inverse) and {@code
 * raid6_idx_to_slot} (Q order), written as in {@code shared/spec/raid5-layouts.md} §2.2, §2.3, §3
 * and §6.
 *
 * <p>Arguments are trusted ({@link StripeMap} checks them): {@code n} is {@code raid_disks}, {@code
 * s} the stripe row (≥ 0), {@code pd} the row's P member. RAID-4 arrives here as RAID-5 {@link
 * Algorithm#PARITY_N}, which is the same mapping. No method allocates.
 */
final class RowLayout {

  private RowLayout() {}

  /** The P member of row {@code s} ({@code pd_idx}). */
  static int pdIdx(Algorithm a, boolean raid6, int n, long s) {
    int rot = (int) (s % n);
    if (!raid6) {
      int dataDisks = n - 1;
      return switch (a) {
        case LEFT_ASYMMETRIC, LEFT_SYMMETRIC -> dataDisks - rot;
        case RIGHT_ASYMMETRIC, RIGHT_SYMMETRIC -> rot;
        case PARITY_0 -> 0;
        case PARITY_N -> dataDisks;
        case ROTATING_ZERO_RESTART,
            ROTATING_N_RESTART,
            ROTATING_N_CONTINUE,
            LEFT_ASYMMETRIC_6,
            RIGHT_ASYMMETRIC_6,
            LEFT_SYMMETRIC_6,
            RIGHT_SYMMETRIC_6,
            PARITY_0_6 ->
            throw raid6Only(a);
      };
    }
    int dataDisks = n - 2;
    return switch (a) {
      case LEFT_ASYMMETRIC, LEFT_SYMMETRIC, ROTATING_N_CONTINUE -> n - 1 - rot;
      case RIGHT_ASYMMETRIC, RIGHT_SYMMETRIC, ROTATING_ZERO_RESTART -> rot;
      case PARITY_0, PARITY_0_6 -> 0;
      case PARITY_N -> dataDisks;
      // The "+ 1" puts P on n - 2 in row 0, so row 0 reads D D … P Q.
      case ROTATING_N_RESTART -> n - 1 - (int) ((s + 1) % n);
      // The *_6 layouts rotate P over the first n - 1 members only; Q stays on the last.
      case LEFT_ASYMMETRIC_6, LEFT_SYMMETRIC_6 -> dataDisks - (int) (s % (n - 1));
      case RIGHT_ASYMMETRIC_6, RIGHT_SYMMETRIC_6 -> (int) (s % (n - 1));
    };
  }

  /** The Q member of a RAID-6 row whose P is on {@code pd} ({@code qd_idx}). */
  static int qdIdx(Algorithm a, int n, int pd) {
    return switch (a) {
      // Rule A: Q follows P, wrapping to member 0 when P is last.
      case LEFT_ASYMMETRIC, RIGHT_ASYMMETRIC, ROTATING_ZERO_RESTART, ROTATING_N_RESTART ->
          pd == n - 1 ? 0 : pd + 1;
      case LEFT_SYMMETRIC, RIGHT_SYMMETRIC -> (pd + 1) % n;
      case PARITY_0 -> 1;
      case ROTATING_N_CONTINUE -> (pd + n - 1) % n;
      case PARITY_N,
          LEFT_ASYMMETRIC_6,
          RIGHT_ASYMMETRIC_6,
          LEFT_SYMMETRIC_6,
          RIGHT_SYMMETRIC_6,
          PARITY_0_6 ->
          n - 1;
    };
  }

  /** The member that holds logical data chunk {@code dd} of a row with P on {@code pd}. */
  static int member(Algorithm a, boolean raid6, int n, int pd, int dd) {
    if (!raid6) {
      return switch (a) {
        case LEFT_ASYMMETRIC, RIGHT_ASYMMETRIC -> dd < pd ? dd : dd + 1;
        case LEFT_SYMMETRIC, RIGHT_SYMMETRIC -> (pd + 1 + dd) % n;
        case PARITY_0 -> dd + 1;
        case PARITY_N -> dd;
        case ROTATING_ZERO_RESTART,
            ROTATING_N_RESTART,
            ROTATING_N_CONTINUE,
            LEFT_ASYMMETRIC_6,
            RIGHT_ASYMMETRIC_6,
            LEFT_SYMMETRIC_6,
            RIGHT_SYMMETRIC_6,
            PARITY_0_6 ->
            throw raid6Only(a);
      };
    }
    return switch (a) {
      case LEFT_ASYMMETRIC, RIGHT_ASYMMETRIC, ROTATING_ZERO_RESTART, ROTATING_N_RESTART ->
          ruleAMember(n, pd, dd);
      case LEFT_SYMMETRIC, RIGHT_SYMMETRIC -> (pd + 2 + dd) % n;
      case PARITY_0 -> dd + 2;
      case PARITY_N -> dd;
      case ROTATING_N_CONTINUE -> (pd + 1 + dd) % n;
      case LEFT_ASYMMETRIC_6, RIGHT_ASYMMETRIC_6 -> dd < pd ? dd : dd + 1;
      case LEFT_SYMMETRIC_6, RIGHT_SYMMETRIC_6 -> (pd + 1 + dd) % (n - 1);
      case PARITY_0_6 -> dd + 1;
    };
  }

  /** Rule A: data skips P and Q; when P is last, Q is on member 0 and data starts at 1. */
  private static int ruleAMember(int n, int pd, int dd) {
    if (pd == n - 1) {
      return dd + 1;
    }
    return dd < pd ? dd : dd + 2;
  }

  /** The logical data index of data member {@code i} (neither P nor Q) of a row with P on pd. */
  static int ddIdx(Algorithm a, boolean raid6, int n, int pd, int i) {
    if (!raid6) {
      return switch (a) {
        case LEFT_ASYMMETRIC, RIGHT_ASYMMETRIC -> i < pd ? i : i - 1;
        case LEFT_SYMMETRIC, RIGHT_SYMMETRIC -> Math.floorMod(i - (pd + 1), n);
        case PARITY_0 -> i - 1;
        case PARITY_N -> i;
        case ROTATING_ZERO_RESTART,
            ROTATING_N_RESTART,
            ROTATING_N_CONTINUE,
            LEFT_ASYMMETRIC_6,
            RIGHT_ASYMMETRIC_6,
            LEFT_SYMMETRIC_6,
            RIGHT_SYMMETRIC_6,
            PARITY_0_6 ->
            throw raid6Only(a);
      };
    }
    return switch (a) {
      case LEFT_ASYMMETRIC, RIGHT_ASYMMETRIC, ROTATING_ZERO_RESTART, ROTATING_N_RESTART ->
          ruleADdIdx(n, pd, i);
      case LEFT_SYMMETRIC, RIGHT_SYMMETRIC -> Math.floorMod(i - (pd + 2), n);
      case PARITY_0 -> i - 2;
      case PARITY_N -> i;
      case ROTATING_N_CONTINUE -> Math.floorMod(i - (pd + 1), n);
      case LEFT_ASYMMETRIC_6, RIGHT_ASYMMETRIC_6 -> i < pd ? i : i - 1;
      case LEFT_SYMMETRIC_6, RIGHT_SYMMETRIC_6 -> Math.floorMod(i - (pd + 1), n - 1);
      case PARITY_0_6 -> i - 1;
    };
  }

  /** The inverse of {@link #ruleAMember}. */
  private static int ruleADdIdx(int n, int pd, int i) {
    if (pd == n - 1) {
      return i - 1;
    }
    return i < pd ? i : i - 2;
  }

  /**
   * The Q slot of data member {@code i} of a non-DDF RAID-6 row ({@code raid6_idx_to_slot}): walk
   * the members from {@code d0} ({@code raid6_d0}: 0 if Q is last, else the member after Q),
   * skipping P and Q, and count. Here in closed form: the members the walk meets before {@code i},
   * less P and Q if they are among them.
   */
  static int slot(int n, int pd, int qd, int i) {
    int d0 = qd == n - 1 ? 0 : qd + 1;
    int pos = Math.floorMod(i - d0, n);
    int slot = pos;
    if (Math.floorMod(pd - d0, n) < pos) {
      slot--;
    }
    if (Math.floorMod(qd - d0, n) < pos) {
      slot--;
    }
    return slot;
  }

  private static IllegalStateException raid6Only(Algorithm a) {
    // ArrayGeometry never lets a RAID-6-only layout reach a RAID-4/5 mapping.
    return new IllegalStateException("algorithm=" + a.mdadmName() + " in a RAID-4/5 mapping");
  }
}
