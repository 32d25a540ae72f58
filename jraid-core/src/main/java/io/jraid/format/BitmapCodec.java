package io.jraid.format;

import static io.jraid.format.BitmapLayout.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Reads and writes the bitmap superblock, with the checks of Linux {@code md_bitmap_read_sb()}, and
 * reads the bits.
 */
public final class BitmapCodec {

  private static final ValueLayout.OfInt U32 =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfLong U64 =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  /** Largest {@code write_behind} the kernel accepts ({@code COUNTER_MAX}). */
  public static final int MAX_WRITE_BEHIND = 16383;

  private BitmapCodec() {}

  /** The sector of the bitmap superblock on a member, or -1 if the member has no bitmap. */
  public static long sectorOf(Superblock1 sb) {
    return sb.has(FeatureMap.BITMAP_OFFSET) ? sb.superOffset() + sb.bitmapOffset() : -1;
  }

  /**
   * Decodes the bitmap superblock at the start of {@code area}.
   *
   * @param arrayUuid the md superblock's {@code set_uuid}, which the bitmap must carry
   */
  public static BitmapSuperblock decode(MemorySegment area, MdUuid arrayUuid, String member)
      throws FormatException {
    if (area.byteSize() < HEADER_BYTES) {
      throw new FormatException(member, "bitmap", "is truncated: " + area.byteSize() + " bytes");
    }
    int magic = area.get(U32, MAGIC_OFFSET);
    if (magic != MAGIC) {
      throw new FormatException(
          member,
          "bitmap magic",
          String.format(
              "is 0x%08x, not 0x%08x: the bitmap is missing or corrupt (mdadm --grow"
                  + " --bitmap=none, then --bitmap=internal, recreates it)",
              magic, MAGIC));
    }
    int version = area.get(U32, VERSION_OFFSET);
    if (version < 3 || version > 5) {
      throw new FormatException(
          member,
          "bitmap version",
          "is " + Integer.toUnsignedString(version) + ": jraid reads versions 3 to 5");
    }
    int chunk = area.get(U32, CHUNKSIZE_OFFSET);
    if (chunk < 512 || Integer.bitCount(chunk) != 1) {
      throw new FormatException(
          member,
          "bitmap chunksize",
          "is " + Integer.toUnsignedString(chunk) + " bytes: not a power of two of at least 512");
    }
    int daemonSleep = area.get(U32, DAEMON_SLEEP_OFFSET);
    if (daemonSleep < 1) {
      throw new FormatException(
          member, "bitmap daemon_sleep", "is " + Integer.toUnsignedString(daemonSleep) + "s");
    }
    int writeBehind = area.get(U32, WRITE_BEHIND_OFFSET);
    if (writeBehind < 0 || writeBehind > MAX_WRITE_BEHIND) {
      throw new FormatException(
          member, "bitmap write_behind", "is " + Integer.toUnsignedString(writeBehind));
    }
    MdUuid uuid = MdUuid.read(area, UUID_OFFSET);
    if (!uuid.equals(arrayUuid)) {
      throw new FormatException(
          member,
          "bitmap uuid",
          "is " + uuid + " but the array is " + arrayUuid + ": the bitmap belongs elsewhere");
    }
    byte[] name =
        area.asSlice(CLUSTER_NAME_OFFSET, CLUSTER_NAME_BYTES).toArray(ValueLayout.JAVA_BYTE);
    int nameLength = 0;
    while (nameLength < name.length - 1 && name[nameLength] != 0) {
      nameLength++;
    }
    return new BitmapSuperblock(
        version,
        uuid,
        area.get(U64, EVENTS_OFFSET),
        area.get(U64, EVENTS_CLEARED_OFFSET),
        area.get(U64, SYNC_SIZE_OFFSET),
        area.get(U32, STATE_OFFSET),
        chunk,
        daemonSleep,
        writeBehind,
        area.get(U32, SECTORS_RESERVED_OFFSET),
        area.get(U32, NODES_OFFSET),
        new String(name, 0, nameLength, StandardCharsets.ISO_8859_1));
  }

  /** Writes the 256-byte bitmap superblock at the start of {@code area} (padding zeroed). */
  public static void encode(BitmapSuperblock bitmap, MemorySegment area) {
    area.asSlice(0, HEADER_BYTES).fill((byte) 0);
    area.set(U32, MAGIC_OFFSET, MAGIC);
    area.set(U32, VERSION_OFFSET, bitmap.version());
    bitmap.uuid().write(area, UUID_OFFSET);
    area.set(U64, EVENTS_OFFSET, bitmap.events());
    area.set(U64, EVENTS_CLEARED_OFFSET, bitmap.eventsCleared());
    area.set(U64, SYNC_SIZE_OFFSET, bitmap.syncSize());
    area.set(U32, STATE_OFFSET, bitmap.state());
    area.set(U32, CHUNKSIZE_OFFSET, bitmap.chunkBytes());
    area.set(U32, DAEMON_SLEEP_OFFSET, bitmap.daemonSleep());
    area.set(U32, WRITE_BEHIND_OFFSET, bitmap.writeBehind());
    area.set(U32, SECTORS_RESERVED_OFFSET, bitmap.sectorsReserved());
    area.set(U32, NODES_OFFSET, bitmap.nodes());
    byte[] name = bitmap.clusterName().getBytes(StandardCharsets.ISO_8859_1);
    MemorySegment.copy(name, 0, area, ValueLayout.JAVA_BYTE, CLUSTER_NAME_OFFSET, name.length);
  }

  /** Whether {@code bit} is set in {@code area} (superblock plus bits). */
  public static boolean isSet(MemorySegment area, long bit) {
    byte b = area.get(ValueLayout.JAVA_BYTE, BitmapSuperblock.byteOffsetOf(bit));
    return (b & BitmapSuperblock.maskOf(bit)) != 0;
  }

  /** Sets or clears {@code bit} in {@code area}. */
  public static void set(MemorySegment area, long bit, boolean value) {
    long offset = BitmapSuperblock.byteOffsetOf(bit);
    int mask = BitmapSuperblock.maskOf(bit);
    byte b = area.get(ValueLayout.JAVA_BYTE, offset);
    area.set(ValueLayout.JAVA_BYTE, offset, (byte) (value ? b | mask : b & ~mask));
  }

  /** The number of set bits among the bitmap's {@link BitmapSuperblock#chunks()} bits. */
  public static long dirtyBits(MemorySegment area, BitmapSuperblock bitmap) {
    long dirty = 0;
    for (long bit = 0; bit < bitmap.chunks(); bit++) {
      if (isSet(area, bit)) {
        dirty++;
      }
    }
    return dirty;
  }
}
