package io.jraid.stripe;

import static io.jraid.stripe.DevFlags.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jraid.stripe.SyncPlanner.Plan;
import io.jraid.stripe.SyncPlanner.Step;
import io.jraid.stripe.SyncPlanner.View;
import io.jraid.testing.Seeds;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The sync-step planner on its own: rebuilds and checks worked by hand (what is read, computed,
 * written), then random stripe states against the rules every plan keeps.
 */
class SyncPlannerTest {

  /** RAID-6 of 6, P on 4, Q on 5, rebuilding {@code target}; nothing cached. */
  private static View raid6Rebuilding(int target) {
    View v = new View(6, true);
    v.pdIdx = 4;
    v.qdIdx = 5;
    v.rebuild = true;
    java.util.Arrays.fill(v.insync, true);
    v.insync[target] = false;
    v.recovering[target] = true;
    v.failed = 1;
    v.firstFailed = target;
    return v;
  }

  private static void cacheAllBut(View v, int... missing) {
    for (int i = 0; i < v.disks; i++) {
      v.flags[i] |= UPTODATE;
    }
    for (int m : missing) {
      v.flags[m] &= ~UPTODATE;
    }
  }

  @Test
  void raid5RebuildReadsTheOthersComputesTheBlockAndWritesOnlyTheRebuiltMember() {
    View v = new View(4, false);
    v.pdIdx = 3;
    v.qdIdx = -1;
    v.rebuild = true;
    java.util.Arrays.fill(v.insync, true);
    v.insync[2] = false;
    v.recovering[2] = true;
    v.failed = 1;
    v.firstFailed = 2;
    Plan p = new Plan(4);
    SyncPlanner.plan(v, p);
    assertThat(p.step).isEqualTo(Step.WAIT);
    assertThat(p.read).containsExactly(true, true, false, true);

    cacheAllBut(v, 2);
    SyncPlanner.plan(v, p);
    assertThat(p.step).isEqualTo(Step.COMPUTE);
    assertThat(p.read).containsOnly(false);
    assertThat(p.computeA).isEqualTo(2);
    assertThat(p.computeB).isEqualTo(-1);

    cacheAllBut(v);
    SyncPlanner.plan(v, p);
    assertThat(p.step).isEqualTo(Step.WRITE);
    assertThat(p.write).containsExactly(false, false, true, false);
    assertThat(p.copy).containsOnly(false);
  }

  @Test
  void raid6RebuildOfADataBlockLeavesQUnread() {
    View v = raid6Rebuilding(1);
    Plan p = new Plan(6);
    SyncPlanner.plan(v, p);
    assertThat(p.read).containsExactly(true, false, true, true, true, false);
    cacheAllBut(v, 1, 5);
    SyncPlanner.plan(v, p);
    assertThat(p.step).isEqualTo(Step.COMPUTE);
    assertThat(p.computeA).isEqualTo(1);
    assertThat(p.computeB).as("Q is not needed").isEqualTo(-1);
  }

  @Test
  void raid6RebuildOfQLeavesPUnread() {
    View v = raid6Rebuilding(5);
    Plan p = new Plan(6);
    SyncPlanner.plan(v, p);
    assertThat(p.read).containsExactly(true, true, true, true, false, false);
  }

  @Test
  void aMemberCopiedToAReplacementIsReadEvenWhenTheRebuildCouldSkipIt() {
    View v = raid6Rebuilding(1);
    v.replacing[5] = true;
    Plan p = new Plan(6);
    SyncPlanner.plan(v, p);
    assertThat(p.read).containsExactly(true, false, true, true, true, true);
    cacheAllBut(v);
    SyncPlanner.plan(v, p);
    assertThat(p.step).isEqualTo(Step.WRITE);
    assertThat(p.write).containsExactly(false, true, false, false, false, false);
    assertThat(p.copy).containsExactly(false, false, false, false, false, true);
  }

  @Test
  void raid6RebuildOfTwoBlocksReadsEveryOtherAndComputesBoth() {
    View v = raid6Rebuilding(0);
    v.insync[4] = false;
    v.recovering[4] = true;
    v.failed = 2;
    Plan p = new Plan(6);
    SyncPlanner.plan(v, p);
    assertThat(p.read).containsExactly(false, true, true, true, false, true);
    cacheAllBut(v, 0, 4);
    SyncPlanner.plan(v, p);
    assertThat(p.step).isEqualTo(Step.COMPUTE);
    assertThat(p.computeA).isEqualTo(0);
    assertThat(p.computeB).isEqualTo(4);
  }

  @Test
  void aRebuildStopsWhenMoreBlocksAreUnreadableThanTheLevelCovers() {
    View v = raid6Rebuilding(0);
    v.insync[2] = false;
    v.insync[3] = false;
    v.failed = 3;
    Plan p = new Plan(6);
    SyncPlanner.plan(v, p);
    assertThat(p.step).isEqualTo(Step.STOP);
    assertThat(p.read).containsOnly(false);
  }

  @Test
  void aStripeWithNothingToRebuildIsDoneAndABusyOneWaits() {
    View v = raid6Rebuilding(1);
    v.recovering[1] = false; // the rebuild is past this stripe on that member
    Plan p = new Plan(6);
    SyncPlanner.plan(v, p);
    assertThat(p.step).isEqualTo(Step.DONE);

    View busy = raid6Rebuilding(1);
    busy.busy = true;
    SyncPlanner.plan(busy, p);
    assertThat(p.step).isEqualTo(Step.WAIT);
    assertThat(p.read).containsOnly(false);
  }

  @Test
  void aCheckReadsEveryBlockThenChecksAndStopsOnADegradedArray() {
    View v = new View(5, false);
    v.pdIdx = 0;
    v.qdIdx = -1;
    java.util.Arrays.fill(v.insync, true);
    v.flags[2] = UPTODATE;
    v.flags[3] = LOCKED; // being read already
    Plan p = new Plan(5);
    SyncPlanner.plan(v, p);
    assertThat(p.step).isEqualTo(Step.WAIT);
    assertThat(p.read).containsExactly(true, true, false, false, true);

    cacheAllBut(v);
    v.flags[3] = UPTODATE;
    SyncPlanner.plan(v, p);
    assertThat(p.step).isEqualTo(Step.CHECK);

    v.arrayDegraded = true;
    SyncPlanner.plan(v, p);
    assertThat(p.step).isEqualTo(Step.STOP);
  }

  @Test
  void randomStatesKeepTheRules() {
    long seed = Seeds.of(43, 0);
    SplittableRandom random = new SplittableRandom(seed);
    Plan p = new Plan(8);
    for (int n = 0; n < 200_000; n++) {
      boolean raid6 = random.nextBoolean();
      int disks = random.nextInt(raid6 ? 4 : 3, 9);
      View v = new View(disks, raid6);
      v.pdIdx = random.nextInt(disks);
      v.qdIdx = raid6 ? (v.pdIdx + 1) % disks : -1;
      v.rebuild = random.nextInt(4) != 0;
      v.busy = random.nextInt(8) == 0;
      v.arrayDegraded = random.nextInt(8) == 0;
      for (int i = 0; i < disks; i++) {
        v.insync[i] = random.nextInt(5) != 0;
        v.recovering[i] = v.rebuild && !v.insync[i] && random.nextInt(4) != 0;
        v.replacing[i] = v.rebuild && v.insync[i] && random.nextInt(8) == 0;
        if (!v.insync[i] && v.firstFailed < 0) {
          v.firstFailed = i;
        }
        v.failed += v.insync[i] ? 0 : 1;
        int f = random.nextInt(2) == 0 ? UPTODATE : 0;
        f |= random.nextInt(5) == 0 ? LOCKED : 0;
        v.flags[i] = f;
      }
      int[] before = v.flags.clone();
      if (p.read.length != disks) {
        p = new Plan(disks);
      }
      SyncPlanner.plan(v, p);
      String at = "seed " + seed + ", state " + n;
      assertThat(v.flags).as(at + ": the view is left alone").isEqualTo(before);
      boolean anyRead = PlanRules.checkReads(at, p.read, v.insync, before, UPTODATE | LOCKED);
      if (anyRead) {
        assertThat(p.step).as(at + ": reads come first").isEqualTo(Step.WAIT);
      }
      if (v.busy || (!v.rebuild && v.arrayDegraded)) {
        assertThat(anyRead).as(at + ": nothing read while busy or unable to check").isFalse();
      }
      int unneeded = SyncPlanner.unneeded(v);
      switch (p.step) {
        case COMPUTE -> {
          assertThat(v.rebuild).as(at + ": only a rebuild computes").isTrue();
          int targets = 0;
          for (int i = 0; i < disks; i++) {
            boolean target = i == p.computeA || i == p.computeB;
            targets += target ? 1 : 0;
            if (target) {
              assertThat(before[i] & UPTODATE).as(at + ": computes only what is absent").isZero();
            } else if (i != unneeded) {
              assertThat(before[i] & (UPTODATE | LOCKED))
                  .as(at + ": every other block is in and idle")
                  .isEqualTo(UPTODATE);
            }
          }
          assertThat(targets).as(at).isBetween(1, raid6 ? 2 : 1);
        }
        case WRITE -> {
          for (int i = 0; i < disks; i++) {
            if (i != unneeded) {
              assertThat(before[i] & (UPTODATE | LOCKED))
                  .as(at + ": writes with every block in and idle")
                  .isEqualTo(UPTODATE);
            }
            assertThat(!p.write[i] || v.recovering[i])
                .as(at + ": writes only rebuilt members")
                .isTrue();
            assertThat(!p.copy[i] || v.replacing[i])
                .as(at + ": copies only replaced members")
                .isTrue();
          }
        }
        case CHECK -> {
          assertThat(v.rebuild || v.arrayDegraded || v.busy || v.failed > 0).as(at).isFalse();
          for (int i = 0; i < disks; i++) {
            assertThat(before[i] & (UPTODATE | LOCKED))
                .as(at + ": checks with every block in")
                .isEqualTo(UPTODATE);
          }
        }
        case STOP ->
            assertThat(v.rebuild ? v.failed > (raid6 ? 2 : 1) : v.arrayDegraded)
                .as(at + ": stops only when it cannot go on")
                .isTrue();
        case DONE -> {
          for (int i = 0; i < disks; i++) {
            assertThat(v.recovering[i] || v.replacing[i])
                .as(at + ": done with nothing to do")
                .isFalse();
          }
        }
        case WAIT -> {}
      }
    }
  }
}
