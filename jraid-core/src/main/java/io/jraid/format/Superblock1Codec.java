package io.jraid.format;

import static io.jraid.format.Superblock1Layout.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Reads and writes {@link Superblock1} over the 4 KiB block at a member's superblock address.
 *
 * <p>{@link #decode} mirrors the checks of Linux {@code super_1_load()} that need only the block
 * (magic, version, role table size, checksum, feature bits, reserved bytes, data size, data offset
 * outside the superblock, bad-block log) plus the geometry checks a RAID-4/5/6 needs; the checks
 * that need the member's size are in {@link #checkPlacement}. {@link #encode} writes what mdadm
 * writes: the header and roles, the checksum, zeros to the end of the 512-byte sector.
 */
public final class Superblock1Codec {

  private static final ValueLayout.OfInt U32 =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfLong U64 =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfShort U16 =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  /** The kernel refuses members whose {@code data_size} is below this. */
  public static final long MIN_DATA_SIZE = 10;

  /** Most sectors of bad-block log the kernel reads (one page). */
  public static final int MAX_BBLOG_SECTORS = 8;

  private Superblock1Codec() {}

  /**
   * Decodes the superblock at the start of {@code block} (at least 4096 bytes, or {@code 256 +
   * 2·max_dev}).
   *
   * @param member names the member in error messages (usually its path)
   * @throws FormatException if the block is not a valid md v1 superblock; the message says which
   *     field and what to do
   */
  public static Superblock1 decode(MemorySegment block, String member) throws FormatException {
    if (block.byteSize() < HEADER_BYTES) {
      throw new FormatException(
          member, "superblock", "is truncated: " + block.byteSize() + " bytes, need 256 or more");
    }
    int magic = block.get(U32, MAGIC_OFFSET);
    if (magic != MAGIC) {
      throw new FormatException(
          member,
          "magic",
          String.format(
              "is 0x%08x, not 0x%08x: this is not an md v1.x member (wrong device, or wrong"
                  + " metadata version given?)",
              magic, MAGIC));
    }
    int major = block.get(U32, MAJOR_VERSION_OFFSET);
    if (major != 1) {
      throw new FormatException(
          member,
          "major_version",
          "is " + Integer.toUnsignedString(major) + ", only 1 (md v1.x) is supported");
    }
    int maxDev = block.get(U32, MAX_DEV_OFFSET);
    if (maxDev < 0 || maxDev > RoleTable.MAX_ENTRIES) {
      throw new FormatException(
          member,
          "max_dev",
          "is "
              + Integer.toUnsignedString(maxDev)
              + ", at most "
              + RoleTable.MAX_ENTRIES
              + " fit in a superblock: the superblock is corrupt");
    }
    if (block.byteSize() < checksummedBytes(maxDev)) {
      throw new FormatException(
          member,
          "superblock",
          "is truncated: "
              + block.byteSize()
              + " bytes, max_dev="
              + maxDev
              + " needs "
              + checksummedBytes(maxDev));
    }
    int stored = block.get(U32, SB_CSUM_OFFSET);
    int computed = checksum(block, maxDev);
    if (stored != computed) {
      throw new FormatException(
          member,
          "sb_csum",
          String.format(
              "is 0x%08x but the superblock sums to 0x%08x: the superblock is corrupt (the other"
                  + " members may still assemble the array degraded)",
              stored, computed));
    }
    int features = block.get(U32, FEATURE_MAP_OFFSET);
    if ((features & ~FeatureMap.ALL) != 0) {
      throw new FormatException(
          member,
          "feature_map",
          String.format(
              "has unknown bits 0x%x (of 0x%x): made by a newer md; jraid cannot use it safely",
              features & ~FeatureMap.ALL, features));
    }
    if (block.get(U32, PAD0_OFFSET) != 0 || !zero(block, PAD3_OFFSET, PAD3_BYTES)) {
      throw new FormatException(
          member,
          block.get(U32, PAD0_OFFSET) != 0 ? "pad0" : "pad3",
          "is not zero: a feature newer than jraid knows is in use; refusing the member");
    }
    Superblock1 sb = read(block, maxDev, features);
    checkConsistency(sb, member);
    return sb;
  }

  private static Superblock1 read(MemorySegment block, int maxDev, int features) {
    int[] roles = new int[maxDev];
    for (int i = 0; i < maxDev; i++) {
      roles[i] = Short.toUnsignedInt(block.get(U16, DEV_ROLES_OFFSET + 2L * i));
    }
    byte[] name = block.asSlice(SET_NAME_OFFSET, SET_NAME_BYTES).toArray(ValueLayout.JAVA_BYTE);
    int nameLength = name.length;
    while (nameLength > 0 && name[nameLength - 1] == 0) {
      nameLength--;
    }
    return new Superblock1(
        features,
        MdUuid.read(block, SET_UUID_OFFSET),
        new String(name, 0, nameLength, StandardCharsets.ISO_8859_1),
        block.get(U64, CTIME_OFFSET),
        block.get(U32, LEVEL_OFFSET),
        block.get(U32, LAYOUT_OFFSET),
        block.get(U64, SIZE_OFFSET),
        block.get(U32, CHUNKSIZE_OFFSET),
        block.get(U32, RAID_DISKS_OFFSET),
        block.get(U32, BITMAP_OFFSET_OFFSET),
        block.get(U32, NEW_LEVEL_OFFSET),
        block.get(U64, RESHAPE_POSITION_OFFSET),
        block.get(U32, DELTA_DISKS_OFFSET),
        block.get(U32, NEW_LAYOUT_OFFSET),
        block.get(U32, NEW_CHUNK_OFFSET),
        block.get(U32, NEW_OFFSET_OFFSET),
        block.get(U64, DATA_OFFSET_OFFSET),
        block.get(U64, DATA_SIZE_OFFSET),
        block.get(U64, SUPER_OFFSET_OFFSET),
        block.get(U64, RECOVERY_OFFSET_OFFSET),
        block.get(U32, DEV_NUMBER_OFFSET),
        block.get(U32, CNT_CORRECTED_READ_OFFSET),
        MdUuid.read(block, DEVICE_UUID_OFFSET),
        Byte.toUnsignedInt(block.get(ValueLayout.JAVA_BYTE, DEVFLAGS_OFFSET)),
        Byte.toUnsignedInt(block.get(ValueLayout.JAVA_BYTE, BBLOG_SHIFT_OFFSET)),
        Short.toUnsignedInt(block.get(U16, BBLOG_SIZE_OFFSET)),
        block.get(U32, BBLOG_OFFSET_OFFSET),
        block.get(U64, UTIME_OFFSET),
        block.get(U64, EVENTS_OFFSET),
        block.get(U64, RESYNC_OFFSET_OFFSET),
        block.get(U32, LOGICAL_BLOCK_SIZE_OFFSET),
        RoleTable.of(roles));
  }

  /** The rules of one superblock on its own (kernel {@code super_1_load}, raid5 geometry). */
  private static void checkConsistency(Superblock1 sb, String member) throws FormatException {
    if (Long.compareUnsigned(sb.dataSize(), MIN_DATA_SIZE) < 0) {
      throw new FormatException(
          member, "data_size", "is " + sb.dataSize() + " sectors: the member holds no data");
    }
    if (sb.has(FeatureMap.RAID0_LAYOUT) && sb.level() != 0) {
      throw new FormatException(
          member, "feature_map", "has raid0-layout on a level " + sb.level() + " array");
    }
    if (sb.has(FeatureMap.BAD_BLOCKS)
        && (sb.bblogOffset() == 0 || sb.bblogSize() > MAX_BBLOG_SECTORS)) {
      throw new FormatException(
          member,
          "bblog_offset",
          "is "
              + sb.bblogOffset()
              + " (bblog_size "
              + sb.bblogSize()
              + ") but the bad-block log is marked non-empty: the superblock is corrupt");
    }
    if (sb.has(FeatureMap.PPL | FeatureMap.MULTIPLE_PPLS)
        && (sb.has(FeatureMap.BITMAP_OFFSET) || sb.has(FeatureMap.JOURNAL))) {
      throw new FormatException(
          member, "feature_map", "combines a PPL with a bitmap or journal, which md forbids");
    }
    if (sb.version() != MetadataVersion.V1_0) {
      long superEnd = sb.superOffset() + writtenBytes(sb.maxDev()) / 512;
      if (Long.compareUnsigned(sb.dataOffset(), sb.superOffset()) >= 0
          && Long.compareUnsigned(sb.dataOffset(), superEnd) < 0) {
        throw new FormatException(
            member,
            "data_offset",
            "is "
                + sb.dataOffset()
                + ", inside the superblock at sector "
                + sb.superOffset()
                + ": the superblock is corrupt");
      }
    }
    checkGeometry(sb, member);
  }

  private static void checkGeometry(Superblock1 sb, String member) throws FormatException {
    if (sb.level() != 4 && sb.level() != 5 && sb.level() != 6) {
      return; // other personalities: jraid does not run them, the array layer says so
    }
    int chunk = sb.chunkSectors();
    if (chunk <= 0 || Integer.bitCount(chunk) != 1 || chunk % 8 != 0) {
      throw new FormatException(
          member,
          "chunksize",
          "is "
              + Integer.toUnsignedString(chunk)
              + " sectors: RAID-"
              + sb.level()
              + " needs a power of two of at least 8 sectors (4 KiB); the superblock is corrupt");
    }
    int minDisks = sb.level() == 6 ? 4 : 2;
    if (sb.raidDisks() < minDisks || sb.raidDisks() > sb.maxDev()) {
      throw new FormatException(
          member,
          "raid_disks",
          "is "
              + Integer.toUnsignedString(sb.raidDisks())
              + ": RAID-"
              + sb.level()
              + " needs "
              + minDisks
              + " to max_dev="
              + sb.maxDev()
              + " slots; the superblock is corrupt");
    }
    if (Long.compareUnsigned(sb.size(), sb.dataSize()) > 0) {
      throw new FormatException(
          member,
          "size",
          "is "
              + Long.toUnsignedString(sb.size())
              + " sectors, more than data_size="
              + sb.dataSize()
              + ": the superblock is corrupt");
    }
  }

  /**
   * Checks the superblock against the member it was read from: it must sit where its version says
   * ({@code super_offset}), and the member must be large enough for its data.
   *
   * @param deviceSectors the member's size in sectors
   * @param foundAt the sector the superblock was read from
   */
  public static void checkPlacement(Superblock1 sb, long deviceSectors, long foundAt, String member)
      throws FormatException {
    if (sb.superOffset() != foundAt) {
      throw new FormatException(
          member,
          "super_offset",
          "is "
              + sb.superOffset()
              + " but the superblock was found at sector "
              + foundAt
              + ": a stale copy (the member was re-created with another metadata version?)");
    }
    long dataEnd =
        sb.version() == MetadataVersion.V1_0
            ? sb.dataOffset() + sb.dataSize()
            : sb.dataOffset() + Math.max(sb.dataSize(), sb.size());
    long limit = sb.version() == MetadataVersion.V1_0 ? sb.superOffset() : deviceSectors;
    if (Long.compareUnsigned(dataEnd, limit) > 0 || dataEnd < 0) {
      throw new FormatException(
          member,
          "data_size",
          "needs the member to hold "
              + Long.toUnsignedString(dataEnd)
              + " sectors but it has "
              + limit
              + ": the member is truncated or smaller than the array needs");
    }
  }

  /**
   * Writes {@code sb} at the start of {@code block} the way mdadm does: header, roles, checksum,
   * then zeros up to the next 512-byte boundary.
   *
   * @return the number of bytes written ({@link Superblock1Layout#writtenBytes})
   */
  public static int encode(Superblock1 sb, MemorySegment block) {
    int length = writtenBytes(sb.maxDev());
    if (block.byteSize() < length) {
      throw new IllegalArgumentException(
          "block.byteSize()=" + block.byteSize() + " (need " + length + ")");
    }
    block.asSlice(0, length).fill((byte) 0);
    block.set(U32, MAGIC_OFFSET, MAGIC);
    block.set(U32, MAJOR_VERSION_OFFSET, 1);
    block.set(U32, FEATURE_MAP_OFFSET, sb.featureMap());
    sb.setUuid().write(block, SET_UUID_OFFSET);
    byte[] name = sb.setName().getBytes(StandardCharsets.ISO_8859_1);
    MemorySegment.copy(name, 0, block, ValueLayout.JAVA_BYTE, SET_NAME_OFFSET, name.length);
    block.set(U64, CTIME_OFFSET, sb.ctime());
    block.set(U32, LEVEL_OFFSET, sb.level());
    block.set(U32, LAYOUT_OFFSET, sb.layout());
    block.set(U64, SIZE_OFFSET, sb.size());
    block.set(U32, CHUNKSIZE_OFFSET, sb.chunkSectors());
    block.set(U32, RAID_DISKS_OFFSET, sb.raidDisks());
    block.set(U32, BITMAP_OFFSET_OFFSET, sb.bitmapOffset());
    block.set(U32, NEW_LEVEL_OFFSET, sb.newLevel());
    block.set(U64, RESHAPE_POSITION_OFFSET, sb.reshapePosition());
    block.set(U32, DELTA_DISKS_OFFSET, sb.deltaDisks());
    block.set(U32, NEW_LAYOUT_OFFSET, sb.newLayout());
    block.set(U32, NEW_CHUNK_OFFSET, sb.newChunk());
    block.set(U32, NEW_OFFSET_OFFSET, sb.newOffset());
    block.set(U64, DATA_OFFSET_OFFSET, sb.dataOffset());
    block.set(U64, DATA_SIZE_OFFSET, sb.dataSize());
    block.set(U64, SUPER_OFFSET_OFFSET, sb.superOffset());
    block.set(U64, RECOVERY_OFFSET_OFFSET, sb.recoveryOffset());
    block.set(U32, DEV_NUMBER_OFFSET, sb.devNumber());
    block.set(U32, CNT_CORRECTED_READ_OFFSET, sb.cntCorrectedRead());
    sb.deviceUuid().write(block, DEVICE_UUID_OFFSET);
    block.set(ValueLayout.JAVA_BYTE, DEVFLAGS_OFFSET, (byte) sb.devFlags());
    block.set(ValueLayout.JAVA_BYTE, BBLOG_SHIFT_OFFSET, (byte) sb.bblogShift());
    block.set(U16, BBLOG_SIZE_OFFSET, (short) sb.bblogSize());
    block.set(U32, BBLOG_OFFSET_OFFSET, sb.bblogOffset());
    block.set(U64, UTIME_OFFSET, sb.utime());
    block.set(U64, EVENTS_OFFSET, sb.events());
    block.set(U64, RESYNC_OFFSET_OFFSET, sb.resyncOffset());
    block.set(U32, MAX_DEV_OFFSET, sb.maxDev());
    block.set(U32, LOGICAL_BLOCK_SIZE_OFFSET, sb.logicalBlockSize());
    for (int i = 0; i < sb.maxDev(); i++) {
      block.set(U16, DEV_ROLES_OFFSET + 2L * i, (short) sb.roles().role(i));
    }
    block.set(U32, SB_CSUM_OFFSET, checksum(block, sb.maxDev()));
    return length;
  }

  /** Encodes into a new 4096-byte array (cold paths and tests). */
  public static byte[] encode(Superblock1 sb) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment block = arena.allocate(BLOCK_BYTES);
      encode(sb, block);
      return block.toArray(ValueLayout.JAVA_BYTE);
    }
  }

  /**
   * {@code calc_sb_1_csum}: the sum of the little-endian 32-bit words of the header and roles (a
   * trailing 16-bit word when {@code max_dev} is odd), {@code sb_csum} counted as zero, folded once
   * from 64 to 32 bits.
   */
  public static int checksum(MemorySegment block, int maxDev) {
    int length = checksummedBytes(maxDev);
    long sum = 0;
    int offset = 0;
    for (; offset + 4 <= length; offset += 4) {
      if (offset != SB_CSUM_OFFSET) {
        sum += Integer.toUnsignedLong(block.get(U32, offset));
      }
    }
    if (offset < length) {
      sum += Short.toUnsignedInt(block.get(U16, offset));
    }
    return (int) ((sum & 0xFFFF_FFFFL) + (sum >>> 32));
  }

  private static boolean zero(MemorySegment block, long offset, int length) {
    for (int i = 0; i < length; i++) {
      if (block.get(ValueLayout.JAVA_BYTE, offset + i) != 0) {
        return false;
      }
    }
    return true;
  }
}
