package io.jraid.format;

/**
 * Byte offsets of the md v1.x superblock, {@code struct mdp_superblock_1} of Linux {@code
 * include/uapi/linux/raid/md_p.h}. All integers are little-endian.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                     magic (0xa92b4efc)                        |   0
 *  |                     major_version (1)                         |   4
 *  |                     feature_map                               |   8
 *  |                     pad0                                      |  12
 *  |                     set_uuid (16 bytes)                      ...  16
 *  |                     set_name (32 bytes)                      ...  32
 *  |                     ctime (u64)                              ...  64
 *  |                     level (s32)                               |  72
 *  |                     layout                                    |  76
 *  |                     size (u64, sectors per member)           ...  80
 *  |                     chunksize (sectors)                       |  88
 *  |                     raid_disks                                |  92
 *  |  bitmap_offset (s32)  |  or  ppl.offset (s16) | ppl.size (u16) |  96
 *  |                     new_level                                 | 100
 *  |                     reshape_position (u64)                   ... 104
 *  |                     delta_disks (s32)                         | 112
 *  |                     new_layout                                | 116
 *  |                     new_chunk                                 | 120
 *  |                     new_offset (s32)                          | 124
 *  |                     data_offset (u64)                        ... 128
 *  |                     data_size (u64)                          ... 136
 *  |                     super_offset (u64)                       ... 144
 *  |                     recovery_offset / journal_tail (u64)     ... 152
 *  |                     dev_number                                | 160
 *  |                     cnt_corrected_read                        | 164
 *  |                     device_uuid (16 bytes)                   ... 168
 *  |   devflags    |  bblog_shift  |          bblog_size           | 184
 *  |                     bblog_offset (s32)                        | 188
 *  |                     utime (u64)                              ... 192
 *  |                     events (u64)                             ... 200
 *  |                     resync_offset (u64)                      ... 208
 *  |                     sb_csum                                   | 216
 *  |                     max_dev                                   | 220
 *  |                     logical_block_size                        | 224
 *  |                     pad3 (28 bytes, zero)                    ... 228
 *  |          dev_roles[0] (u16)   |          dev_roles[1]         | 256
 *  |                              ...  (max_dev entries)           |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class Superblock1Layout {

  /** {@code MD_SB_MAGIC}. */
  public static final int MAGIC = 0xA92B4EFC;

  /** Bytes a reader reads at the superblock's address (the structure is at most this long). */
  public static final int BLOCK_BYTES = 4096;

  /** Size of the fixed header before {@code dev_roles[]}. */
  public static final int HEADER_BYTES = 256;

  /** {@code magic}. */
  public static final int MAGIC_OFFSET = 0;

  /** {@code major_version}, always 1. */
  public static final int MAJOR_VERSION_OFFSET = 4;

  /** {@code feature_map}, see {@link FeatureMap}. */
  public static final int FEATURE_MAP_OFFSET = 8;

  /** {@code pad0}, must be zero. */
  public static final int PAD0_OFFSET = 12;

  /** {@code set_uuid}: the array UUID. */
  public static final int SET_UUID_OFFSET = 16;

  /** {@code set_name}: 32 bytes, NUL padded. */
  public static final int SET_NAME_OFFSET = 32;

  /** Length of {@code set_name}. */
  public static final int SET_NAME_BYTES = 32;

  /** {@code ctime}: creation time, low 40 bits seconds, high 24 bits microseconds. */
  public static final int CTIME_OFFSET = 64;

  /** {@code level}. */
  public static final int LEVEL_OFFSET = 72;

  /** {@code layout}. */
  public static final int LAYOUT_OFFSET = 76;

  /** {@code size}: used sectors per member. */
  public static final int SIZE_OFFSET = 80;

  /** {@code chunksize}, in sectors. */
  public static final int CHUNKSIZE_OFFSET = 88;

  /** {@code raid_disks}. */
  public static final int RAID_DISKS_OFFSET = 92;

  /** {@code bitmap_offset} (signed, sectors from the superblock), union with {@code ppl}. */
  public static final int BITMAP_OFFSET_OFFSET = 96;

  /** {@code new_level}. */
  public static final int NEW_LEVEL_OFFSET = 100;

  /** {@code reshape_position}. */
  public static final int RESHAPE_POSITION_OFFSET = 104;

  /** {@code delta_disks}. */
  public static final int DELTA_DISKS_OFFSET = 112;

  /** {@code new_layout}. */
  public static final int NEW_LAYOUT_OFFSET = 116;

  /** {@code new_chunk}, in sectors. */
  public static final int NEW_CHUNK_OFFSET = 120;

  /** {@code new_offset} (signed). */
  public static final int NEW_OFFSET_OFFSET = 124;

  /** {@code data_offset}. */
  public static final int DATA_OFFSET_OFFSET = 128;

  /** {@code data_size}. */
  public static final int DATA_SIZE_OFFSET = 136;

  /** {@code super_offset}. */
  public static final int SUPER_OFFSET_OFFSET = 144;

  /** {@code recovery_offset}, union with {@code journal_tail}. */
  public static final int RECOVERY_OFFSET_OFFSET = 152;

  /** {@code dev_number}. */
  public static final int DEV_NUMBER_OFFSET = 160;

  /** {@code cnt_corrected_read}. */
  public static final int CNT_CORRECTED_READ_OFFSET = 164;

  /** {@code device_uuid}. */
  public static final int DEVICE_UUID_OFFSET = 168;

  /** {@code devflags} (u8). */
  public static final int DEVFLAGS_OFFSET = 184;

  /** {@code bblog_shift} (u8). */
  public static final int BBLOG_SHIFT_OFFSET = 185;

  /** {@code bblog_size} (u16, sectors). */
  public static final int BBLOG_SIZE_OFFSET = 186;

  /** {@code bblog_offset} (signed, sectors from the superblock). */
  public static final int BBLOG_OFFSET_OFFSET = 188;

  /** {@code utime}. */
  public static final int UTIME_OFFSET = 192;

  /** {@code events}. */
  public static final int EVENTS_OFFSET = 200;

  /** {@code resync_offset}. */
  public static final int RESYNC_OFFSET_OFFSET = 208;

  /** {@code sb_csum}. */
  public static final int SB_CSUM_OFFSET = 216;

  /** {@code max_dev}. */
  public static final int MAX_DEV_OFFSET = 220;

  /** {@code logical_block_size} (carved out of {@code pad3} in 2025). */
  public static final int LOGICAL_BLOCK_SIZE_OFFSET = 224;

  /** {@code pad3}: must be zero. */
  public static final int PAD3_OFFSET = 228;

  /** Length of {@code pad3}. */
  public static final int PAD3_BYTES = 28;

  /** {@code dev_roles[]}: u16 per descriptor number. */
  public static final int DEV_ROLES_OFFSET = 256;

  private Superblock1Layout() {}

  /** Bytes covered by the checksum: the header and {@code max_dev} roles. */
  public static int checksummedBytes(int maxDev) {
    return HEADER_BYTES + 2 * maxDev;
  }

  /** Bytes mdadm writes: the checksummed part rounded up to a 512-byte sector. */
  public static int writtenBytes(int maxDev) {
    return (checksummedBytes(maxDev) + 511) & ~511;
  }
}
