package io.jraid.array;

import java.time.Instant;

/**
 * Something that happened to a running array, as md reports it through {@code mdadm --monitor}
 * events: a member failed, a spare was added or activated, a rebuild started or ended, a check
 * found mismatches.
 *
 * @param at when
 * @param kind what kind of event
 * @param device the member concerned, or "" for the array as a whole
 * @param message one line for people
 */
public record ArrayEvent(Instant at, Kind kind, String device, String message) {

  /** Event kinds, named as mdadm's monitor names them where it has a name. */
  public enum Kind {
    /** A member failed (I/O error, or {@code manage --fail}). mdadm: Fail. */
    FAIL("Fail"),
    /** A member was taken out of the array. */
    REMOVE("Remove"),
    /** A spare was added. mdadm: SpareAdded. */
    SPARE_ADDED("SpareAdded"),
    /** A spare took a slot and is being rebuilt. mdadm: SpareActive once done. */
    SPARE_ACTIVE("SpareActive"),
    /** A rebuild (or resync, check, repair) started. mdadm: RebuildStarted. */
    REBUILD_STARTED("RebuildStarted"),
    /** A rebuild or sync pass ended. mdadm: RebuildFinished. */
    REBUILD_FINISHED("RebuildFinished"),
    /** A pass stopped before the end (stop, a failure, a new spare). */
    REBUILD_INTERRUPTED("RebuildInterrupted"),
    /** A check or repair found stripes whose parity did not match. */
    MISMATCHES("Mismatches"),
    /** A repair rewrote a block (parity, or a RAID-6 data block the syndromes located). */
    REPAIRED("Repaired"),
    /** The array lost more members than it survives. mdadm: Fail with the array failed. */
    ARRAY_FAILED("ArrayFailed");

    private final String mdadmName;

    Kind(String mdadmName) {
      this.mdadmName = mdadmName;
    }

    /** The name {@code mdadm --monitor} would print. */
    public String mdadmName() {
      return mdadmName;
    }
  }

  @Override
  public String toString() {
    return at + " " + kind.mdadmName() + (device.isEmpty() ? "" : " " + device) + ": " + message;
  }
}
