package io.jraid.format;

import java.util.ArrayList;
import java.util.List;

/** The bits of the v1 superblock's {@code feature_map} ({@code MD_FEATURE_*} in md_p.h). */
public final class FeatureMap {

  /** {@code bitmap_offset} is valid: the member carries an internal write-intent bitmap. */
  public static final int BITMAP_OFFSET = 0x0001;

  /** The member is partly rebuilt; {@code recovery_offset} says how far. */
  public static final int RECOVERY_OFFSET = 0x0002;

  /** A reshape is in progress; the reshape fields at offsets 100..127 are valid. */
  public static final int RESHAPE_ACTIVE = 0x0004;

  /** The bad-block log is not empty. */
  public static final int BAD_BLOCKS = 0x0008;

  /** The member replaces the active member of the same role. */
  public static final int REPLACEMENT = 0x0010;

  /** The reshape runs from the end towards the start. */
  public static final int RESHAPE_BACKWARDS = 0x0020;

  /** {@code new_offset} must be honoured. */
  public static final int NEW_OFFSET = 0x0040;

  /** The ongoing recovery of this member is guided by the bitmap. */
  public static final int RECOVERY_BITMAP = 0x0080;

  /** A cluster-md array. */
  public static final int CLUSTERED = 0x0100;

  /** The array has a RAID-4/5/6 write journal device. */
  public static final int JOURNAL = 0x0200;

  /** One partial-parity-log area per member (RAID-5 only). */
  public static final int PPL = 0x0400;

  /** Several rotating PPLs in the PPL area. */
  public static final int MULTIPLE_PPLS = 0x0800;

  /** RAID-0 {@code layout} is meaningful. */
  public static final int RAID0_LAYOUT = 0x1000;

  /** Every bit a current kernel accepts ({@code MD_FEATURE_ALL}); any other bit is refused. */
  public static final int ALL = 0x1FFF;

  private static final String[] NAMES = {
    "bitmap-offset",
    "recovery-offset",
    "reshape-active",
    "bad-blocks",
    "replacement",
    "reshape-backwards",
    "new-offset",
    "recovery-bitmap",
    "clustered",
    "journal",
    "ppl",
    "multiple-ppls",
    "raid0-layout"
  };

  private FeatureMap() {}

  /** The names of the bits set in {@code featureMap}, unknown bits as hex values. */
  public static List<String> names(int featureMap) {
    List<String> names = new ArrayList<>();
    for (int bit = 0; bit < 32; bit++) {
      if ((featureMap & (1 << bit)) != 0) {
        names.add(bit < NAMES.length ? NAMES[bit] : String.format("0x%x", 1 << bit));
      }
    }
    return names;
  }
}
