package io.jraid.format;

/**
 * Where a v1.x superblock lives on a member. The minor version is not stored: it follows from
 * {@code super_offset}.
 */
public enum MetadataVersion {
  /** At the end of the member, 8 to 12 KiB before it; data from sector 0. */
  V1_0("1.0"),
  /** At the start of the member. */
  V1_1("1.1"),
  /** 4 KiB from the start of the member (mdadm's default). */
  V1_2("1.2");

  /** Members smaller than this are never examined (mdadm). */
  public static final long MIN_DEVICE_SECTORS = 24;

  private final String text;

  MetadataVersion(String text) {
    this.text = text;
  }

  /** The sector where this version's superblock lives on a member of {@code deviceSectors}. */
  public long superOffset(long deviceSectors) {
    return switch (this) {
      case V1_0 -> (deviceSectors - 16) & ~7L;
      case V1_1 -> 0;
      case V1_2 -> 8;
    };
  }

  /** The version a superblock found at {@code superOffset} belongs to (mdadm's rule). */
  public static MetadataVersion ofSuperOffset(long superOffset) {
    if (superOffset <= 4) {
      return V1_1;
    }
    return superOffset <= 8 ? V1_2 : V1_0;
  }

  /** Parses "1.0", "1.1", "1.2" (also "1" for 1.2, as mdadm). */
  public static MetadataVersion parse(String text) {
    return switch (text) {
      case "1.0" -> V1_0;
      case "1.1" -> V1_1;
      case "1.2", "1", "default" -> V1_2;
      default ->
          throw new IllegalArgumentException(
              "metadata="
                  + text
                  + " (supported: 1.0, 1.1, 1.2; 0.90 and external formats are not)");
    };
  }

  @Override
  public String toString() {
    return text;
  }
}
