package io.jraid.format;

import java.util.Objects;

/**
 * The write-intent bitmap's superblock ({@code bitmap_super_t}); see {@link BitmapLayout}.
 *
 * @param version 3, 4 or 5
 * @param uuid the array's UUID
 * @param events the md event count at the bitmap's last write
 * @param eventsCleared the event count when bits could last be cleared (array not degraded)
 * @param syncSize sectors of each member covered by the bitmap
 * @param state {@link BitmapLayout#STATE_STALE} and friends
 * @param chunkBytes bytes of each member covered by one bit (a power of two ≥ 512)
 * @param daemonSleep seconds between sweeps that clear bits
 * @param writeBehind RAID-1 write-behind limit (0 for RAID-4/5/6)
 * @param sectorsReserved sectors reserved for the bitmap on each member (0: unknown)
 * @param nodes cluster-md nodes (0 otherwise)
 * @param clusterName cluster-md name (empty otherwise)
 */
public record BitmapSuperblock(
    int version,
    MdUuid uuid,
    long events,
    long eventsCleared,
    long syncSize,
    int state,
    int chunkBytes,
    int daemonSleep,
    int writeBehind,
    int sectorsReserved,
    int nodes,
    String clusterName) {

  /** Checks what the codec cannot encode. */
  public BitmapSuperblock {
    Objects.requireNonNull(uuid, "uuid");
    Objects.requireNonNull(clusterName, "clusterName");
    if (clusterName.length() >= BitmapLayout.CLUSTER_NAME_BYTES
        || !clusterName.chars().allMatch(c -> c > 0 && c <= 0xFF)) {
      throw new IllegalArgumentException("clusterName=" + clusterName);
    }
  }

  /** Whether the bits cannot be trusted (a full resync is needed). */
  public boolean stale() {
    return (state & BitmapLayout.STATE_STALE) != 0;
  }

  /** The number of bits: bitmap chunks covering {@link #syncSize()}. */
  public long chunks() {
    long chunkSectors = chunkBytes / 512;
    return (syncSize + chunkSectors - 1) / chunkSectors;
  }

  /** Bytes of the bitmap area: superblock plus bits. */
  public long areaBytes() {
    return BitmapLayout.HEADER_BYTES + (chunks() + 7) / 8;
  }

  /** The bit covering member sector {@code memberSector} (relative to the data offset). */
  public long bitOf(long memberSector) {
    if (memberSector < 0 || memberSector >= syncSize) {
      throw new IllegalArgumentException(
          "memberSector=" + memberSector + " (bitmap covers 0.." + syncSize + ")");
    }
    return memberSector / (chunkBytes / 512);
  }

  /** The first member sector covered by {@code bit}. */
  public long firstSectorOf(long bit) {
    return bit * (chunkBytes / 512);
  }

  /** The member sectors covered by {@code bit} (the last bit may cover less). */
  public long sectorsOf(long bit) {
    return Math.min(chunkBytes / 512, syncSize - firstSectorOf(bit));
  }

  /** Byte offset of {@code bit} in the bitmap area (from the bitmap superblock's start). */
  public static long byteOffsetOf(long bit) {
    return BitmapLayout.HEADER_BYTES + (bit >>> 3);
  }

  /** Mask of {@code bit} within its byte (little-endian bit order, version 4). */
  public static int maskOf(long bit) {
    return 1 << (bit & 7);
  }
}
