package io.jraid.stripe;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Rules every planner's plan keeps, shared by {@link FillPlannerTest} and {@link SyncPlannerTest}.
 */
final class PlanRules {

  private PlanRules() {}

  /**
   * Checks the planned reads against the view before planning: only readable members, and no block
   * with any of {@code notFlags} (here, busy, being computed). Returns whether anything is read.
   */
  static boolean checkReads(
      String at, boolean[] read, boolean[] insync, int[] before, int notFlags) {
    boolean anyRead = false;
    for (int i = 0; i < read.length && i < before.length; i++) {
      if (read[i]) {
        anyRead = true;
        assertThat(insync[i]).as(at + ": reads only readable members").isTrue();
        assertThat(before[i] & notFlags).as(at + ": reads no block that is here or busy").isZero();
      }
    }
    return anyRead;
  }
}
