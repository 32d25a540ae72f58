package io.jraid.stripe;

/** What a sync pass over the array does per stripe (md's {@code sync_action}). */
public enum SyncAction {
  /** Make parity consistent after an unclean shutdown or at creation: rewrite what is wrong. */
  RESYNC,
  /** Count stripes whose parity does not match their data; write nothing. */
  CHECK,
  /** Like check, and rewrite the parity that does not match. */
  REPAIR,
  /** Rebuild members being recovered (a spare taking a slot) from the others. */
  RECOVER;

  /** md's name for the action, as {@code /proc/mdstat} and {@code sync_action} show it. */
  public String mdName() {
    return this == RECOVER ? "recovery" : name().toLowerCase(java.util.Locale.ROOT);
  }

  /** Whether a mismatch is corrected. */
  boolean writes() {
    return this != CHECK;
  }
}
