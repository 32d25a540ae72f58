package io.jraid.testing;

/**
 * One array shape of a crash campaign (in process or with real processes); {@code bitmapKib} 0 for
 * no write-intent bitmap, else its chunk in KiB.
 */
public record CampaignShape(int level, int disks, int chunkKib, int bitmapKib) {

  /** A shape without a bitmap. */
  public CampaignShape(int level, int disks, int chunkKib) {
    this(level, disks, chunkKib, 0);
  }

  @Override
  public String toString() {
    return "raid"
        + level
        + " "
        + disks
        + "x"
        + chunkKib
        + "K"
        + (bitmapKib == 0 ? "" : " bitmap " + bitmapKib + "K");
  }
}
