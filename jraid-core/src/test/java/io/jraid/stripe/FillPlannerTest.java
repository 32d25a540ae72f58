package io.jraid.stripe;

import static io.jraid.stripe.DevFlags.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jraid.stripe.FillPlanner.Plan;
import io.jraid.stripe.FillPlanner.View;
import io.jraid.stripe.FillPlanner.Write;
import io.jraid.testing.Seeds;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The fill and dirtying planner on its own: md's steps for the cases that matter, worked by hand,
 * then random stripe states against the rules every plan must keep (what may be read, when a write
 * or a compute may start), which hold whatever the cost arithmetic says.
 */
class FillPlannerTest {

  /** RAID-5 of 5, P on block 4: one 4 KiB overwrite of block 1, nothing cached. */
  private static View oneOverwrite(boolean prereadActive) {
    View v = new View(5, false);
    v.pdIdx = 4;
    v.qdIdx = -1;
    java.util.Arrays.fill(v.insync, true);
    v.towrite[1] = true;
    v.flags[1] = OVERWRITE;
    v.prereadActive = prereadActive;
    return v;
  }

  @Test
  void aPartialStripeWriteWaitsOnTheDelayedListBeforeReading() {
    Plan p = new Plan(5);
    FillPlanner.plan(oneOverwrite(false), p);
    assertThat(p.delay).isTrue();
    assertThat(p.read).containsOnly(false);
    assertThat(p.write).isEqualTo(Write.NONE);
  }

  @Test
  void readModifyWriteReadsTheOldBlockAndParityOnly() {
    Plan p = new Plan(5);
    FillPlanner.plan(oneOverwrite(true), p);
    assertThat(p.read).containsExactly(false, true, false, false, true);
    assertThat(p.delay).isFalse();
    assertThat(p.write).isEqualTo(Write.NONE); // the reads come first
  }

  @Test
  void readModifyWriteStartsOnceItHasWhatItNeedsAndReadsNothingMore() {
    View v = oneOverwrite(true);
    v.flags[1] |= UPTODATE;
    v.flags[4] |= UPTODATE;
    Plan p = new Plan(5);
    FillPlanner.plan(v, p);
    assertThat(p.read).containsOnly(false); // not the other data blocks (reconstruct-write's)
    assertThat(p.write).isEqualTo(Write.READ_MODIFY_WRITE);
  }

  @Test
  void aFullStripeWriteReadsNothingAndReconstructs() {
    View v = oneOverwrite(false);
    for (int i = 0; i < 4; i++) {
      v.towrite[i] = true;
      v.flags[i] = OVERWRITE;
    }
    Plan p = new Plan(5);
    FillPlanner.plan(v, p);
    assertThat(p.read).containsOnly(false);
    assertThat(p.delay).isFalse();
    assertThat(p.write).isEqualTo(Write.RECONSTRUCT);
  }

  @Test
  void withAFailedMemberWritesReconstructAndAMissingDataBlockIsRebuiltFirst() {
    View v = oneOverwrite(true);
    v.insync[2] = false; // block 2's member failed; block 1 is overwritten, block 2 is not
    v.failed = 1;
    v.failedNum[0] = 2;
    v.forceRcw = true;
    Plan p = new Plan(5);
    FillPlanner.plan(v, p);
    // Every readable block, the overwritten one too: rebuilding block 2 needs its old contents.
    assertThat(p.read).containsExactly(true, true, false, true, true);
    assertThat(p.computeA).isEqualTo(-1);
    for (int i : new int[] {0, 1, 3, 4}) {
      v.flags[i] |= UPTODATE;
    }
    FillPlanner.plan(v, p);
    assertThat(p.read).containsOnly(false);
    assertThat(p.computeA).isEqualTo(2);
    assertThat(p.write).isEqualTo(Write.NONE); // the compute first
  }

  @Test
  void aDegradedWriteThatDoesNotTouchTheFailedBlockReadsTheOldBlockAndParityOnly() {
    View v = oneOverwrite(true);
    v.flags[1] = 0; // a partial write of block 1
    v.insync[2] = false; // block 2's member failed
    v.failed = 1;
    v.failedNum[0] = 2;
    Plan p = new Plan(5);
    FillPlanner.plan(v, p);
    // md's cost rule: read-modify-write needs blocks 1 and P; reconstruct-write would need the
    // failed block 2 rebuilt from every other (cost 2 x disks). Nothing is computed.
    assertThat(p.read).containsExactly(false, true, false, false, true);
    assertThat(p.computeA).isEqualTo(-1);
    v.flags[1] |= UPTODATE;
    v.flags[4] |= UPTODATE;
    FillPlanner.plan(v, p);
    assertThat(p.read).containsOnly(false);
    assertThat(p.write).isEqualTo(Write.READ_MODIFY_WRITE);
  }

  @Test
  void aPartialWriteToAFailedBlockWaitsToPreReadThenRebuildsTheBlockFirst() {
    View waiting = oneOverwrite(false);
    waiting.flags[1] = 0;
    waiting.insync[1] = false;
    waiting.failed = 1;
    waiting.failedNum[0] = 1;
    Plan first = new Plan(5);
    FillPlanner.plan(waiting, first);
    assertThat(first.read).containsOnly(false); // md: pre-reads wait, even these
    assertThat(first.delay).isTrue();

    View v = oneOverwrite(true);
    v.flags[1] = 0; // a partial write of block 1, whose member failed
    v.insync[1] = false;
    v.failed = 1;
    v.failedNum[0] = 1;
    Plan p = new Plan(5);
    FillPlanner.plan(v, p);
    assertThat(p.read).containsExactly(true, false, true, true, true);
    for (int i : new int[] {0, 2, 3, 4}) {
      v.flags[i] |= UPTODATE;
    }
    FillPlanner.plan(v, p);
    assertThat(p.computeA).isEqualTo(1);
  }

  @Test
  void aReaderOfAFailedBlockGetsEveryOtherBlockReadThenTheBlockComputed() {
    View v = new View(6, true);
    v.pdIdx = 4;
    v.qdIdx = 5;
    java.util.Arrays.fill(v.insync, true);
    v.insync[0] = false;
    v.insync[3] = false;
    v.failed = 2;
    v.failedNum[0] = 0;
    v.failedNum[1] = 3;
    v.toread[3] = true;
    Plan p = new Plan(6);
    FillPlanner.plan(v, p);
    assertThat(p.read).containsExactly(false, true, true, false, true, true);
    for (int i : new int[] {1, 2, 4, 5}) {
      v.flags[i] |= UPTODATE;
    }
    FillPlanner.plan(v, p);
    assertThat(p.computeA).isEqualTo(0);
    assertThat(p.computeB).isEqualTo(3); // RAID-6: both missing blocks at once
  }

  @Test
  void randomStatesKeepTheRules() {
    long seed = Seeds.of(41, 0);
    SplittableRandom random = new SplittableRandom(seed);
    Plan p = new Plan(8);
    for (int n = 0; n < 200_000; n++) {
      boolean raid6 = random.nextBoolean();
      int disks = random.nextInt(raid6 ? 4 : 3, 9);
      View v = new View(disks, raid6);
      v.pdIdx = random.nextInt(disks);
      v.qdIdx = raid6 ? (v.pdIdx + 1) % disks : -1;
      for (int i = 0; i < disks; i++) {
        v.insync[i] = random.nextInt(6) != 0;
        if (!v.insync[i] && v.failed < 2) {
          v.failedNum[v.failed] = i;
        }
        v.failed += v.insync[i] ? 0 : 1;
        int f = 0;
        f |= random.nextInt(3) == 0 ? UPTODATE : 0;
        f |= random.nextInt(6) == 0 ? LOCKED : 0;
        f |= random.nextInt(12) == 0 ? WANTCOMPUTE : 0;
        boolean parity = i == v.pdIdx || i == v.qdIdx;
        v.towrite[i] = !parity && random.nextInt(3) == 0;
        f |= v.towrite[i] && random.nextBoolean() ? OVERWRITE : 0;
        v.toread[i] = !parity && random.nextInt(4) == 0;
        v.flags[i] = f;
      }
      v.prereadActive = random.nextBoolean();
      v.unsynced = random.nextInt(8) == 0;
      v.forceRcw = random.nextInt(10) == 0 || (v.unsynced && v.failed == 0);
      int[] before = v.flags.clone();
      if (p.read.length != disks) {
        p = new Plan(disks);
      }
      FillPlanner.plan(v, p);
      String at = "seed " + seed + ", state " + n;
      assertThat(v.flags).as(at + ": the view is left alone").isEqualTo(before);
      boolean anyRead =
          PlanRules.checkReads(at, p.read, v.insync, before, UPTODATE | LOCKED | WANTCOMPUTE);
      if (p.delay) {
        assertThat(v.prereadActive).as(at + ": delays only what may not pre-read").isFalse();
      }
      if (p.computeA >= 0) {
        assertThat(anyRead).as(at + ": computes only when every read is in").isFalse();
        assertThat(p.write).isEqualTo(Write.NONE);
        for (int i = 0; i < disks; i++) {
          boolean target = i == p.computeA || i == p.computeB;
          assertThat(target || (before[i] & UPTODATE) != 0)
              .as(at + ": every other block is here")
              .isTrue();
        }
      }
      if (p.write != Write.NONE) {
        assertThat(anyRead).as(at + ": writes start with nothing being read").isFalse();
        for (int i = 0; i < disks; i++) {
          boolean parity = i == v.pdIdx || i == v.qdIdx;
          boolean here = (before[i] & (UPTODATE | WANTCOMPUTE)) != 0;
          assertThat(before[i] & LOCKED).as(at + ": nothing locked").isZero();
          if (p.write == Write.RECONSTRUCT && !parity && (before[i] & OVERWRITE) == 0) {
            assertThat(here).as(at + ": reconstruct-write has every kept data block").isTrue();
          }
          if (p.write == Write.READ_MODIFY_WRITE && (parity || v.towrite[i])) {
            assertThat(here).as(at + ": read-modify-write has the old blocks and parity").isTrue();
          }
        }
        if (p.write == Write.READ_MODIFY_WRITE) {
          assertThat(v.forceRcw).as(at + ": no read-modify-write when it is ruled out").isFalse();
        }
      }
    }
  }
}
