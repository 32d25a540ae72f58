package io.jraid.format;

/**
 * Where mdadm 4.2 puts things on a new v1.x member: the data offset, the space each member can give
 * the array, the write-intent bitmap's chunk and place, the data size and the bad-block log. Pure
 * arithmetic in 512-byte sectors, so that {@code jraid create} lays members out byte for byte as
 * {@code mdadm --create} does.
 *
 * <p>Mirrors mdadm 4.2 {@code super1.c}: {@code choose_bm_space()} ({@link
 * #reservedBitmapSectors}), {@code validate_geometry1()} ({@link #defaultDataOffset}, {@link
 * #availableSectors}), {@code add_internal_bitmap1()} when creating without {@code --bitmap-chunk}
 * ({@link #defaultBitmapChunk}, {@link #bitmapOffset}), {@code calc_bitmap_size()} ({@link
 * #bitmapSectors}) and {@code write_init_super1()} ({@link #place}). mdadm's quirks are kept on
 * purpose: the space reserved for a bitmap is sized from the whole device when the data offset is
 * chosen but from the used size when the bitmap is placed, and the 1.0 bitmap's room counts one bit
 * more than the bitmap has.
 */
public final class MetadataPlacement {

  /** mdadm's largest headroom before the data, kept for reshapes: 128 MiB. */
  public static final long MAX_HEADROOM_SECTORS = 128L * 1024 * 2;

  /** Default data offsets are rounded up to 1 MiB. */
  public static final long DATA_OFFSET_ALIGN_SECTORS = 2048;

  /** Sectors mdadm reserves for the bad-block log (512 entries). */
  public static final int BBLOG_SECTORS = 8;

  /** The bitmap chunk mdadm uses unless the bitmap would need more room: 64 MiB. */
  public static final long DEFAULT_BITMAP_CHUNK_BYTES = 64L << 20;

  /** Seconds between bitmap daemon sweeps mdadm writes ({@code DEFAULT_BITMAP_DELAY}). */
  public static final int DEFAULT_BITMAP_DAEMON_SLEEP = 5;

  /** The bitmap version mdadm writes for a non-clustered array ({@code BITMAP_MAJOR_HI}). */
  public static final int BITMAP_VERSION = 4;

  /** 12 KiB of base metadata counted before the bitmap space in a default data offset. */
  private static final long BASE_METADATA_SECTORS = 24;

  /** Most room mdadm gives a bitmap whose chunk was not requested: 128 KiB. */
  private static final long MAX_DEFAULT_BITMAP_ROOM_SECTORS = 256;

  /** The smallest bitmap chunk mdadm considers. */
  private static final long MIN_BITMAP_CHUNK_BYTES = 4096;

  private MetadataPlacement() {}

  /**
   * {@code choose_bm_space()}: sectors kept free for a bitmap on a device (or array member) of
   * {@code sectors}: none below 64 KiB, 4 KiB up to 8 GiB, 64 KiB above, 128 KiB from 200 GiB.
   */
  public static long reservedBitmapSectors(long sectors) {
    if (sectors < 128) {
      return 0;
    }
    if (sectors - 128 >= 200L * 1024 * 1024 * 2) {
      return 256;
    }
    if (sectors - 8 > 8L * 1024 * 1024 * 2) {
      return 128;
    }
    return 8;
  }

  /**
   * The data offset mdadm chooses from the first member of a new array ({@code
   * validate_geometry1()}): 0 for 1.0; for 1.1/1.2, 12 KiB of metadata plus the bitmap space plus a
   * headroom that starts at 128 MiB and halves while it exceeds about 0.1% of the device and stays
   * at least two chunks, rounded up to 1 MiB.
   */
  public static long defaultDataOffset(
      MetadataVersion version, long deviceSectors, int chunkSectors) {
    if (version == MetadataVersion.V1_0) {
      return 0;
    }
    long headroom = MAX_HEADROOM_SECTORS;
    while ((headroom << 10) > deviceSectors && headroom / 2 >= 2L * chunkSectors) {
      headroom >>= 1;
    }
    return roundUp(
        BASE_METADATA_SECTORS + reservedBitmapSectors(deviceSectors) + headroom,
        DATA_OFFSET_ALIGN_SECTORS);
  }

  /**
   * The sectors a member can give the array before rounding to the chunk ({@code
   * validate_geometry1()}'s free size); negative when the metadata alone does not fit. For 1.0 the
   * superblock, the bad-block log and the bitmap space come off the (4 KiB-rounded) end; for
   * 1.1/1.2 everything before {@code dataOffset}.
   */
  public static long availableSectors(
      MetadataVersion version, long deviceSectors, long dataOffset) {
    return switch (version) {
      case V1_0 ->
          (deviceSectors & ~7L) - (16 + BBLOG_SECTORS + reservedBitmapSectors(deviceSectors));
      case V1_1, V1_2 -> deviceSectors - dataOffset;
    };
  }

  /**
   * The bitmap chunk mdadm picks for a new array whose members each give {@code sizeSectors}
   * ({@code add_internal_bitmap1()} with no chunk requested): the smallest power of two from 4 KiB
   * whose bits fit the room ({@link #reservedBitmapSectors} of the used size, at most 128 KiB), but
   * at least 64 MiB; -1 when there is no room for a bitmap at all (members under 64 KiB).
   */
  public static long defaultBitmapChunk(long sizeSectors) {
    long room = Math.min(reservedBitmapSectors(sizeSectors), MAX_DEFAULT_BITMAP_ROOM_SECTORS);
    if (room <= 1) {
      return -1;
    }
    long maxBits = (room * 512 - BitmapLayout.HEADER_BYTES) * 8;
    long minChunk = MIN_BITMAP_CHUNK_BYTES;
    long bits = sizeSectors * 512 / minChunk + 1;
    while (bits > maxBits) {
      minChunk *= 2;
      bits = (bits + 1) / 2;
    }
    return Math.max(minChunk, DEFAULT_BITMAP_CHUNK_BYTES);
  }

  /**
   * The bitmap's place, signed sectors from the superblock ({@code add_internal_bitmap1()} when
   * creating): 4 KiB after it for 1.1/1.2; for 1.0, below the bad-block log below the superblock,
   * the room being the bitmap rounded up to 4 KiB, counted (as mdadm does) with one bit extra.
   */
  public static int bitmapOffset(MetadataVersion version, long sizeSectors, long chunkBytes) {
    if (version != MetadataVersion.V1_0) {
      return 8;
    }
    long bits = sizeSectors * 512 / chunkBytes + 1;
    long room = (bits + 7) / 8 + BitmapLayout.HEADER_BYTES;
    return Math.toIntExact(-(roundUp(room, 4096) / 512 + BBLOG_SECTORS));
  }

  /**
   * {@code calc_bitmap_size(bms, 4096)} in sectors: the bitmap superblock and one bit per chunk of
   * {@code syncSectors}, rounded up to 4 KiB. This is what mdadm writes and reserves.
   */
  public static long bitmapSectors(long syncSectors, long chunkBytes) {
    long bits = (syncSectors * 512 + chunkBytes - 1) / chunkBytes;
    return roundUp((bits + 7) / 8 + BitmapLayout.HEADER_BYTES, 4096) / 512;
  }

  /**
   * Where one member's superblock, data and bad-block log go.
   *
   * @param superOffset {@code super_offset}
   * @param dataOffset {@code data_offset}
   * @param dataSize {@code data_size}
   * @param bblogOffset {@code bblog_offset}, signed sectors from the superblock (0: no log)
   * @param bblogSize {@code bblog_size} (0: no log)
   */
  public record Placement(
      long superOffset, long dataOffset, long dataSize, int bblogOffset, int bblogSize) {}

  /**
   * {@code write_init_super1()}: the superblock at its version's place; data from {@code
   * dataOffset} to the device's end (1.1/1.2) or from 0 to below the bitmap and bad-block log
   * (1.0); the bad-block log after the bitmap (or its reserved space) when it fits before the data,
   * else just before the data (1.1/1.2), or just below the superblock (1.0).
   *
   * @param dataOffset the array's data offset (1.1/1.2; ignored for 1.0)
   * @param sizeSectors the array's used size per member ({@code size})
   * @param bitmapOffset the bitmap's offset from the superblock; ignored without a bitmap
   * @param bitmapSectors the bitmap's {@link #bitmapSectors}, or 0 when the array has none
   */
  public static Placement place(
      MetadataVersion version,
      long deviceSectors,
      long dataOffset,
      long sizeSectors,
      int bitmapOffset,
      long bitmapSectors) {
    long bmSpace = bitmapSectors > 0 ? bitmapSectors : reservedBitmapSectors(sizeSectors);
    long bmOffset = bitmapSectors > 0 ? bitmapOffset : 8;
    long sb = version.superOffset(deviceSectors);
    if (version == MetadataVersion.V1_0) {
      bmSpace += BBLOG_SECTORS;
      if (sb < sizeSectors + bmSpace) {
        bmSpace = sb - sizeSectors;
      }
      boolean log = bmSpace >= BBLOG_SECTORS;
      return new Placement(sb, 0, sb - bmSpace, log ? -BBLOG_SECTORS : 0, log ? BBLOG_SECTORS : 0);
    }
    long dataSize = deviceSectors - dataOffset;
    if (dataOffset >= sb + bmOffset + bmSpace + BBLOG_SECTORS) {
      return new Placement(
          sb, dataOffset, dataSize, Math.toIntExact(bmOffset + bmSpace), BBLOG_SECTORS);
    }
    if (dataOffset >= sb + 16) {
      return new Placement(
          sb,
          dataOffset,
          dataSize,
          Math.toIntExact(dataOffset - BBLOG_SECTORS - sb),
          BBLOG_SECTORS);
    }
    return new Placement(sb, dataOffset, dataSize, 0, 0);
  }

  private static long roundUp(long value, long multiple) {
    return (value + multiple - 1) / multiple * multiple;
  }
}
