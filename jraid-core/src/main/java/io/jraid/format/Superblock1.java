package io.jraid.format;

import java.util.Objects;

/**
 * One member's md v1.x superblock, every field of {@code struct mdp_superblock_1} (see {@link
 * Superblock1Layout} for where each lives). Values are kept as stored, unsigned fields in the Java
 * type one size up or as raw bits, so that {@link Superblock1Codec} round-trips every member Linux
 * writes; meaning is given by the accessor methods. {@code magic}, {@code major_version}, the
 * padding and {@code sb_csum} are not components: the codec checks them on read and writes them.
 *
 * @param featureMap {@code feature_map}, bits of {@link FeatureMap}
 * @param setUuid {@code set_uuid}, the array's UUID
 * @param setName {@code set_name}: its 32 bytes as ISO-8859-1 characters, trailing NULs removed
 * @param ctime {@code ctime}: low 40 bits seconds since the epoch, high 24 bits microseconds
 * @param level {@code level}: 4, 5, 6 (also 0, 1, 10, -1 linear, -4 multipath, which jraid does not
 *     run)
 * @param layout {@code layout}: the RAID-5/6 algorithm number
 * @param size {@code size}: sectors of each member used by the array
 * @param chunkSectors {@code chunksize}, sectors
 * @param raidDisks {@code raid_disks}: number of slots (the new count during a reshape)
 * @param bitmapOffset {@code bitmap_offset}, signed sectors from the superblock; with a PPL feature
 *     bit the same 32 bits are {@code ppl.offset} (low 16, signed) and {@code ppl.size} (high 16)
 * @param newLevel {@code new_level} (valid during a reshape)
 * @param reshapePosition {@code reshape_position} (valid during a reshape)
 * @param deltaDisks {@code delta_disks} (valid during a reshape)
 * @param newLayout {@code new_layout} (valid during a reshape)
 * @param newChunk {@code new_chunk}, sectors (valid during a reshape)
 * @param newOffset {@code new_offset}, signed sectors (valid with the new-offset feature)
 * @param dataOffset {@code data_offset}: the member sector where array data starts
 * @param dataSize {@code data_size}: sectors of the member usable for data
 * @param superOffset {@code super_offset}: the sector of this superblock
 * @param recoveryOffset {@code recovery_offset} (or {@code journal_tail} on a journal member)
 * @param devNumber {@code dev_number}: this member's index into {@code dev_roles[]}
 * @param cntCorrectedRead {@code cnt_corrected_read}
 * @param deviceUuid {@code device_uuid}
 * @param devFlags the device flags byte: bit 0 write-mostly, bit 1 failfast
 * @param bblogShift {@code bblog_shift}
 * @param bblogSize {@code bblog_size}, sectors (0: no bad-block log)
 * @param bblogOffset {@code bblog_offset}, signed sectors from the superblock
 * @param utime {@code utime}, encoded as {@code ctime}
 * @param events {@code events}: the update counter
 * @param resyncOffset {@code resync_offset}: sectors known in sync; {@link #MAX_SECTOR} when clean
 * @param logicalBlockSize {@code logical_block_size} in bytes, or 0
 * @param roles {@code dev_roles[]}, {@code max_dev} entries
 */
public record Superblock1(
    int featureMap,
    MdUuid setUuid,
    String setName,
    long ctime,
    int level,
    int layout,
    long size,
    int chunkSectors,
    int raidDisks,
    int bitmapOffset,
    int newLevel,
    long reshapePosition,
    int deltaDisks,
    int newLayout,
    int newChunk,
    int newOffset,
    long dataOffset,
    long dataSize,
    long superOffset,
    long recoveryOffset,
    int devNumber,
    int cntCorrectedRead,
    MdUuid deviceUuid,
    int devFlags,
    int bblogShift,
    int bblogSize,
    int bblogOffset,
    long utime,
    long events,
    long resyncOffset,
    int logicalBlockSize,
    RoleTable roles) {

  /** {@code MaxSector}: all ones. As {@code resync_offset}, the array is clean. */
  public static final long MAX_SECTOR = -1L;

  /** {@code devflags} bit: reads avoid this member (RAID-1). */
  public static final int WRITE_MOSTLY = 1;

  /** {@code devflags} bit: fail fast on errors. */
  public static final int FAILFAST = 2;

  /** Checks what the codec cannot encode; the md rules themselves are checked by the codec. */
  public Superblock1 {
    Objects.requireNonNull(setUuid, "setUuid");
    Objects.requireNonNull(setName, "setName");
    Objects.requireNonNull(deviceUuid, "deviceUuid");
    Objects.requireNonNull(roles, "roles");
    if (setName.length() > Superblock1Layout.SET_NAME_BYTES
        || !setName.chars().allMatch(c -> c <= 0xFF)
        || setName.endsWith("\0")) {
      throw new IllegalArgumentException(
          "setName=" + setName + " (at most 32 ISO-8859-1 characters, no trailing NUL)");
    }
    checkUnsigned("devFlags", devFlags, 0xFF);
    checkUnsigned("bblogShift", bblogShift, 0xFF);
    checkUnsigned("bblogSize", bblogSize, 0xFFFF);
  }

  private static void checkUnsigned(String name, int value, int max) {
    if (value < 0 || value > max) {
      throw new IllegalArgumentException(name + "=" + value + " (0.." + max + ")");
    }
  }

  /** Whether {@code feature} (a {@link FeatureMap} bit) is set. */
  public boolean has(int feature) {
    return (featureMap & feature) != 0;
  }

  /** {@code max_dev}: entries in the role table. */
  public int maxDev() {
    return roles.size();
  }

  /** This member's own entry in the role table (a slot, or {@link RoleTable#SPARE} etc.). */
  public int role() {
    return roles.role(devNumber);
  }

  /** The minor version, from where the superblock lives. */
  public MetadataVersion version() {
    return MetadataVersion.ofSuperOffset(superOffset);
  }

  /** Creation time, seconds since the epoch. */
  public long ctimeSeconds() {
    return ctime & 0xFF_FFFF_FFFFL;
  }

  /** Last update time, seconds since the epoch. */
  public long utimeSeconds() {
    return utime & 0xFF_FFFF_FFFFL;
  }

  /** Whether the array was clean when this superblock was written. */
  public boolean clean() {
    return resyncOffset == MAX_SECTOR;
  }

  /** PPL area start, signed sectors from the superblock (meaningful with a PPL feature bit). */
  public int pplOffset() {
    return (short) bitmapOffset;
  }

  /** PPL area size in sectors (meaningful with a PPL feature bit). */
  public int pplSize() {
    return bitmapOffset >>> 16;
  }

  /** The set name as mdadm prints it (the bytes read as UTF-8). */
  public String displayName() {
    byte[] bytes = setName.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
  }

  /** The number of data members for RAID-4/5/6 ({@code raid_disks} minus parity members). */
  public int dataDisks() {
    return raidDisks - (level == 6 ? 2 : 1);
  }
}
