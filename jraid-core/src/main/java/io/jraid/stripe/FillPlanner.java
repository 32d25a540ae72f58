package io.jraid.stripe;

import static io.jraid.stripe.DevFlags.*;

/**
 * The decisions of a pass's fill and dirtying steps (md's {@code fetch_block} and {@code
 * handle_stripe_dirtying}) as a pure function: from a {@link View} of the stripe — per block its
 * flags, whether readers or writers wait on it, whether its member can be read — to a {@link Plan}:
 * which blocks to read, which to compute, whether to park the stripe on the delayed list, and which
 * write to start. No engine, no I/O, no stripe: the handler fills the view, calls {@link #plan},
 * and carries the plan out. Both objects are reused by their handler (nothing allocated per pass).
 *
 * <p>The rules, in md's order:
 *
 * <ol>
 *   <li>Fill: a block a reader or a partial writer needs is read from its member; when a failed
 *       member's block is needed (by a reader, a partial writer, a read-error repair, or a
 *       reconstruct-write that must rebuild a failed data block — see {@code
 *       failedNeededForWrite}), every readable block is read, and once all are in, the missing one
 *       (RAID-6: two) is computed.
 *   <li>Dirtying, unless a compute was started: cost of read-modify-write = blocks written and the
 *       syndromes not yet here; of reconstruct-write = data blocks neither here nor wholly
 *       overwritten (an unreadable block costs 2 × disks). The cheaper mode reads what it lacks, a
 *       tie going to reconstruct-write; reconstruct-write only when read-modify-write is off, or
 *       before resync on a stripe with no failed member (md's rule: with failed members the costs
 *       decide, so a write that does not touch a failed block still reads just two). Pre-reads wait
 *       on the delayed list unless the stripe may pre-read. When nothing is locked or being read
 *       and one mode lacks nothing, that write starts.
 * </ol>
 */
final class FillPlanner {

  private FillPlanner() {}

  /** What a pass knows about a stripe (filled by the handler, read by the planner). */
  static final class View {
    final int disks;
    final boolean raid6;

    /** Per block: its {@link DevFlags}. */
    final int[] flags;

    final boolean[] toread;
    final boolean[] towrite;

    /** Per block: whether its member can be read for this stripe (md's R5_Insync). */
    final boolean[] insync;

    int pdIdx;
    int qdIdx;

    /** Unreadable blocks of the stripe, and the first two of them. */
    int failed;

    final int[] failedNum = new int[2];

    /** The stripe may pre-read now (md's STRIPE_PREREAD_ACTIVE). */
    boolean prereadActive;

    /**
     * Writes must reconstruct: read-modify-write is off, or the parity is not yet resynced and no
     * member is failed (md: with a failed member the cost rule decides even there).
     */
    boolean forceRcw;

    /** The stripe is at or beyond the resync point: its parity cannot be trusted yet. */
    boolean unsynced;

    View(int disks, boolean raid6) {
      this.disks = disks;
      this.raid6 = raid6;
      this.flags = new int[disks];
      this.toread = new boolean[disks];
      this.towrite = new boolean[disks];
      this.insync = new boolean[disks];
    }

    private boolean has(int i, int flag) {
      return (flags[i] & flag) != 0;
    }

    private boolean parity(int i) {
      return i == pdIdx || (raid6 && i == qdIdx);
    }
  }

  /** Which write a pass starts. */
  enum Write {
    NONE,
    RECONSTRUCT,
    READ_MODIFY_WRITE
  }

  /** What the pass should do. */
  static final class Plan {
    /** Per block: read it from its member. */
    final boolean[] read;

    /** Blocks to compute from the others (-1 = none). */
    int computeA = -1;

    int computeB = -1;

    /** Park the stripe until it may pre-read. */
    boolean delay;

    Write write = Write.NONE;

    Plan(int disks) {
      this.read = new boolean[disks];
    }

    private void clear() {
      java.util.Arrays.fill(read, false);
      computeA = -1;
      computeB = -1;
      delay = false;
      write = Write.NONE;
    }
  }

  /**
   * Plans the fill and dirtying steps of one pass. Reads only {@code in}; writes only {@code out}
   * (and {@code in}'s flags are left as they were).
   */
  static void plan(View in, Plan out) {
    out.clear();
    fill(in, out);
    if (out.computeA < 0) {
      dirty(in, out);
    }
  }

  // ---- fill (md's fetch_block) -----------------------------------------------------------------

  private static void fill(View in, Plan out) {
    boolean failedNeeded = false;
    for (int f = 0; f < Math.min(in.failed, 2); f++) {
      int i = in.failedNum[f];
      if (!in.has(i, UPTODATE) && in.toread[i]) {
        failedNeeded = true;
      }
    }
    boolean forWrite = in.failed > 0 && anyTowrite(in) && failedNeededForWrite(in);
    for (int i = 0; i < in.disks; i++) {
      if (in.has(i, UPTODATE) || in.has(i, LOCKED) || in.has(i, WANTCOMPUTE)) {
        continue;
      }
      boolean need = in.toread[i] || (in.towrite[i] && !in.has(i, OVERWRITE));
      if (failedNeeded && in.insync[i]) {
        need = true; // everything else is needed to rebuild what a reader of a failed block wants
      }
      if (!need && forWrite && in.insync[i]) {
        // Everything else is needed to rebuild a failed block for a write: a pre-read, which
        // waits until the stripe may pre-read like the write modes' own (md).
        if (in.prereadActive) {
          need = true;
        } else {
          out.delay = true;
        }
      }
      if (need && in.insync[i]) {
        out.read[i] = true;
      }
    }
    if (in.failed > 0) {
      computeMissing(in, out, forWrite);
    }
  }

  /**
   * Whether a write to a stripe with failed members needs every readable block, to rebuild a failed
   * one first (md's need_this_block): a partial write to a failed block needs its old contents;
   * RAID-6 with both syndromes' worth of failures, one of them P, Q or written, can only
   * reconstruct-write; so must a stripe whose parity is not yet resynced, or whose writes
   * reconstruct because read-modify-write is off. A reconstruct-write then needs every failed data
   * block not wholly overwritten. Otherwise the write does without the failed block (a
   * read-modify-write of healthy blocks, say), and nothing more is read.
   */
  private static boolean failedNeededForWrite(View in) {
    boolean mustReconstruct = in.unsynced || in.forceRcw;
    for (int f = 0; f < Math.min(in.failed, 2); f++) {
      int i = in.failedNum[f];
      if (in.has(i, UPTODATE)) {
        continue;
      }
      if (in.towrite[i] && !in.has(i, OVERWRITE)) {
        return true;
      }
      if (in.failed >= 2 && (in.towrite[i] || in.parity(i))) {
        mustReconstruct = true;
      }
    }
    if (!mustReconstruct) {
      return false;
    }
    for (int f = 0; f < Math.min(in.failed, 2); f++) {
      int i = in.failedNum[f];
      if (!in.parity(i) && !in.has(i, OVERWRITE) && !in.has(i, UPTODATE)) {
        return true;
      }
    }
    return false;
  }

  private static boolean anyTowrite(View in) {
    for (int i = 0; i < in.disks; i++) {
      if (in.towrite[i]) {
        return true;
      }
    }
    return false;
  }

  /** Computes failed blocks someone needs, once every other block is up to date (md 5.4). */
  private static void computeMissing(View in, Plan out, boolean forWrite) {
    boolean wantedAny = false;
    for (int f = 0; f < Math.min(in.failed, 2); f++) {
      int i = in.failedNum[f];
      if (!in.has(i, UPTODATE)
          && !in.has(i, LOCKED)
          && !out.read[i]
          && (in.toread[i]
              || (in.towrite[i] && !in.has(i, OVERWRITE))
              || in.has(i, READ_ERROR)
              || (forWrite && !in.parity(i)))) {
        wantedAny = true;
      }
    }
    if (!wantedAny) {
      return;
    }
    int a = -1;
    int b = -1;
    int missing = 0;
    for (int i = 0; i < in.disks; i++) {
      if (!in.has(i, UPTODATE)) {
        if (in.has(i, LOCKED) || out.read[i] || in.insync[i]) {
          return; // a read is still coming (or must come): compute when everything is in
        }
        missing++;
        if (a < 0) {
          a = i;
        } else {
          b = i;
        }
      }
    }
    if (missing == 1 || (missing == 2 && in.raid6)) {
      out.computeA = a;
      out.computeB = b;
    }
  }

  // ---- dirtying (md's handle_stripe_dirtying) --------------------------------------------------

  private static void dirty(View in, Plan out) {
    if (!anyTowrite(in)) {
      return;
    }
    int rmw = 0;
    int rcw = 0;
    for (int i = 0; i < in.disks; i++) {
      boolean parity = in.parity(i);
      boolean have = in.has(i, UPTODATE) || in.has(i, WANTCOMPUTE);
      boolean busy = in.has(i, LOCKED) || out.read[i];
      int cost = in.insync[i] ? 1 : 2 * in.disks;
      if ((in.towrite[i] || parity) && !busy && !have) {
        rmw += cost;
      }
      if (!in.has(i, OVERWRITE) && !parity && !busy && !have) {
        rcw += cost;
      }
    }
    if (in.forceRcw) {
      rmw = Integer.MAX_VALUE / 2;
    }
    // The cheaper mode reads what it lacks (a tie goes to reconstruct-write); when one mode
    // already has everything (cost 0), nothing more is read and it starts below.
    if (rmw < rcw && rmw > 0) {
      prereads(in, out, true);
    } else if (rcw <= rmw && rcw > 0) {
      prereads(in, out, false);
    }
    boolean anyLocked = false;
    for (int i = 0; i < in.disks; i++) {
      anyLocked |= in.has(i, LOCKED) || in.has(i, WANTREAD) || out.read[i];
    }
    if (!anyLocked && (rcw == 0 || rmw == 0)) {
      out.write = rcw == 0 ? Write.RECONSTRUCT : Write.READ_MODIFY_WRITE;
    }
  }

  /** Reads what the chosen write mode needs — now if allowed, else the stripe waits (delayed). */
  private static void prereads(View in, Plan out, boolean rmw) {
    for (int i = 0; i < in.disks; i++) {
      boolean parity = in.parity(i);
      if (in.has(i, UPTODATE)
          || in.has(i, LOCKED)
          || out.read[i]
          || in.has(i, WANTCOMPUTE)
          || !in.insync[i]) {
        continue;
      }
      boolean need = rmw ? (in.towrite[i] || parity) : (!in.has(i, OVERWRITE) && !parity);
      if (need) {
        if (in.prereadActive) {
          out.read[i] = true;
        } else {
          out.delay = true;
        }
      }
    }
  }
}
