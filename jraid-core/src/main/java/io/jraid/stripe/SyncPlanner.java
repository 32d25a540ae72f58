package io.jraid.stripe;

import static io.jraid.stripe.DevFlags.*;

/**
 * The decisions of a sync pass's step on one stripe (md's recovery and parity check through {@code
 * handle_parity_checks5/6}) as a pure function, like {@link FillPlanner} for requests: from a
 * {@link View} — per block its flags, whether its member is readable, being rebuilt or copied to a
 * replacement — to a {@link Plan}: which blocks to read, which to compute, which to write, and
 * whether the stripe is ready for the parity check. The handler fills the view, calls {@link
 * #plan}, and carries the plan out (operations, member I/O, the pass's bookkeeping).
 *
 * <p>The rules:
 *
 * <ul>
 *   <li>Rebuild: with no member to rebuild or copy at this stripe, the step is done; with more
 *       unreadable blocks than the level's redundancy, the pass stops. Otherwise every readable
 *       block is read (RAID-6 rebuilding one block skips the syndrome it does not use: Q for data
 *       or P, P for Q — unless that member is being copied to a replacement), then the blocks not
 *       in the cache are computed (at most two), then the rebuilt members are written and the
 *       replaced ones copied.
 *   <li>Resync, check, repair: every member must be there; every block is read, then the parity is
 *       checked.
 *   <li>Either waits while a write, a compute or an operation runs on the stripe, or a block is
 *       locked (being read or written).
 * </ul>
 */
final class SyncPlanner {

  private SyncPlanner() {}

  /** What a sync step knows about a stripe. */
  static final class View {
    final int disks;
    final boolean raid6;

    /** Per block: its {@link DevFlags}. */
    final int[] flags;

    /** Per block: its member can be read for this stripe (md's R5_Insync). */
    final boolean[] insync;

    /** Per block: its member is being rebuilt and has not reached this stripe. */
    final boolean[] recovering;

    /** Per block: its member is being copied to a replacement that has not reached this stripe. */
    final boolean[] replacing;

    int pdIdx;
    int qdIdx;

    /** Unreadable blocks of the stripe, and the first of them. */
    int failed;

    int firstFailed = -1;

    /** The pass rebuilds (md's recovery); otherwise it resyncs, checks or repairs parity. */
    boolean rebuild;

    /** The array has a missing or failed member (parity cannot be checked). */
    boolean arrayDegraded;

    /** A write, a compute or an operation chain is in progress on the stripe. */
    boolean busy;

    View(int disks, boolean raid6) {
      this.disks = disks;
      this.raid6 = raid6;
      this.flags = new int[disks];
      this.insync = new boolean[disks];
      this.recovering = new boolean[disks];
      this.replacing = new boolean[disks];
    }

    private boolean has(int i, int flag) {
      return (flags[i] & flag) != 0;
    }
  }

  /** What the step does next. */
  enum Step {
    /** Nothing to rebuild or copy at this stripe: the step is over. */
    DONE,
    /** The pass cannot go on (too many unreadable blocks, or a check on a degraded array). */
    STOP,
    /** Something is in progress: a later pass looks again. {@link Plan#read} may be set. */
    WAIT,
    /** Compute {@link Plan#computeA} (and {@link Plan#computeB}) from the others. */
    COMPUTE,
    /** Write {@link Plan#write} to the rebuilt members, {@link Plan#copy} to replacements. */
    WRITE,
    /** Every block is in: check the parity. */
    CHECK
  }

  /** What the step should do. */
  static final class Plan {
    Step step = Step.WAIT;

    /** Per block: read it from its member. */
    final boolean[] read;

    int computeA = -1;
    int computeB = -1;

    /** Per block: write it to its (rebuilt) member. */
    final boolean[] write;

    /** Per block: copy it to its member's replacement. */
    final boolean[] copy;

    Plan(int disks) {
      this.read = new boolean[disks];
      this.write = new boolean[disks];
      this.copy = new boolean[disks];
    }

    private void clear() {
      step = Step.WAIT;
      java.util.Arrays.fill(read, false);
      java.util.Arrays.fill(write, false);
      java.util.Arrays.fill(copy, false);
      computeA = -1;
      computeB = -1;
    }
  }

  /** Plans the sync step. Reads only {@code in}; writes only {@code out}. */
  static void plan(View in, Plan out) {
    out.clear();
    if (in.rebuild) {
      rebuild(in, out);
    } else {
      check(in, out);
    }
  }

  private static void rebuild(View in, Plan out) {
    boolean anyTarget = false;
    for (int i = 0; i < in.disks; i++) {
      anyTarget |= in.recovering[i] || in.replacing[i];
    }
    if (!anyTarget) {
      out.step = Step.DONE;
      return;
    }
    if (in.failed > (in.raid6 ? 2 : 1)) {
      out.step = Step.STOP;
      return;
    }
    if (in.busy) {
      return;
    }
    int unread = unneeded(in);
    boolean ready = true;
    for (int i = 0; i < in.disks; i++) {
      if (i == unread && !in.has(i, UPTODATE)) {
        continue;
      }
      if (in.insync[i]) {
        ready &= readIfMissing(in, out, i);
      } else if (in.has(i, LOCKED)) {
        ready = false; // a write still going to the member being rebuilt
      }
    }
    if (!ready) {
      return;
    }
    for (int i = 0; i < in.disks; i++) {
      if (!in.has(i, UPTODATE) && i != unread) {
        if (out.computeA < 0) {
          out.computeA = i;
        } else {
          out.computeB = i;
        }
      }
    }
    if (out.computeA >= 0) {
      out.step = Step.COMPUTE;
      return;
    }
    for (int i = 0; i < in.disks; i++) {
      out.write[i] = in.recovering[i];
      out.copy[i] = !in.recovering[i] && in.replacing[i];
    }
    out.step = Step.WRITE;
  }

  /**
   * The block a RAID-6 rebuild of one block need not read, or -1: a data block or P is the XOR of
   * the others without Q, and Q is made from the data alone (md reads every block). Not when that
   * member is copied to a replacement (every block it holds is read to be copied).
   */
  static int unneeded(View in) {
    if (!in.raid6 || in.failed != 1) {
      return -1;
    }
    int unread = in.firstFailed == in.qdIdx ? in.pdIdx : in.qdIdx;
    return in.replacing[unread] ? -1 : unread;
  }

  private static void check(View in, Plan out) {
    if (in.arrayDegraded) {
      out.step = Step.STOP; // md interrupts a resync when a member fails; rebuilding is recovery's
      return;
    }
    if (in.failed > 0 || in.busy) {
      return; // a read error being repaired, or a write in progress: later
    }
    boolean ready = true;
    for (int i = 0; i < in.disks; i++) {
      ready &= readIfMissing(in, out, i);
    }
    if (ready) {
      out.step = Step.CHECK;
    }
  }

  /** Whether block {@code i} is in and idle; if it is missing and idle, plans its read. */
  private static boolean readIfMissing(View in, Plan out, int i) {
    if (!in.has(i, UPTODATE)) {
      if (!in.has(i, LOCKED)) {
        out.read[i] = true;
      }
      return false;
    }
    return !in.has(i, LOCKED);
  }
}
