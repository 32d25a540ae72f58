package io.jraid.format;

/**
 * Byte offsets of the write-intent bitmap superblock, {@code bitmap_super_t} of Linux {@code
 * drivers/md/md-bitmap.h}, little-endian. It sits at {@code sb_start + bitmap_offset} on every
 * active member; the bits follow it at byte 256, one bit per bitmap chunk, chunk {@code k} in byte
 * {@code 256 + k/8}, bit {@code k%8}.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                     magic ("bitm", 0x6d746962)                |   0
 *  |                     version (4)                               |   4
 *  |                     uuid (16 bytes, = set_uuid)              ...   8
 *  |                     events (u64)                             ...  24
 *  |                     events_cleared (u64)                     ...  32
 *  |                     sync_size (u64, sectors)                 ...  40
 *  |                     state                                     |  48
 *  |                     chunksize (bytes)                         |  52
 *  |                     daemon_sleep (seconds)                    |  56
 *  |                     write_behind                              |  60
 *  |                     sectors_reserved                          |  64
 *  |                     nodes                                     |  68
 *  |                     cluster_name (64 bytes)                  ...  72
 *  |                     pad (120 bytes, zero)                    ... 136
 *  |                     bits, chunk 0 in bit 0 of byte 256       ... 256
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class BitmapLayout {

  /** {@code BITMAP_MAGIC}. */
  public static final int MAGIC = 0x6D746962;

  /** Size of the bitmap superblock; the bits start here. */
  public static final int HEADER_BYTES = 256;

  /** {@code magic}. */
  public static final int MAGIC_OFFSET = 0;

  /** {@code version}: 3 (host-endian legacy), 4 (standard), 5 (clustered). */
  public static final int VERSION_OFFSET = 4;

  /** {@code uuid}, equal to the md superblock's {@code set_uuid}. */
  public static final int UUID_OFFSET = 8;

  /** {@code events}. */
  public static final int EVENTS_OFFSET = 24;

  /** {@code events_cleared}. */
  public static final int EVENTS_CLEARED_OFFSET = 32;

  /** {@code sync_size}, sectors covered. */
  public static final int SYNC_SIZE_OFFSET = 40;

  /** {@code state}. */
  public static final int STATE_OFFSET = 48;

  /** {@code chunksize}, bytes. */
  public static final int CHUNKSIZE_OFFSET = 52;

  /** {@code daemon_sleep}, seconds. */
  public static final int DAEMON_SLEEP_OFFSET = 56;

  /** {@code write_behind}. */
  public static final int WRITE_BEHIND_OFFSET = 60;

  /** {@code sectors_reserved}. */
  public static final int SECTORS_RESERVED_OFFSET = 64;

  /** {@code nodes}. */
  public static final int NODES_OFFSET = 68;

  /** {@code cluster_name}. */
  public static final int CLUSTER_NAME_OFFSET = 72;

  /** Length of {@code cluster_name}. */
  public static final int CLUSTER_NAME_BYTES = 64;

  /** {@code pad}: zero. */
  public static final int PAD_OFFSET = 136;

  /** {@code state} bit: the bits cannot be trusted, the whole range needs a resync. */
  public static final int STATE_STALE = 1 << 1;

  /** {@code state} bit: a write failed (never stored on disk by the kernel). */
  public static final int STATE_WRITE_ERROR = 1 << 2;

  /** Bits in the first 4 KiB page, after the superblock. */
  public static final int BITS_IN_FIRST_PAGE = (4096 - HEADER_BYTES) * 8;

  private BitmapLayout() {}
}
