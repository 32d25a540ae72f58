package io.jraid.nbd;

import io.jraid.device.BlockDevice;
import java.nio.charset.StandardCharsets;

/**
 * One export of an {@link NbdServer}: a name, a description and the device served under it, with
 * the block sizes the server advertises for it ({@code NBD_INFO_BLOCK_SIZE}).
 *
 * <ul>
 *   <li>minimum: {@code max(512, device.logicalBlockSize())}; offsets and lengths of every request
 *       must be multiples of it;
 *   <li>preferred: {@code preferredBlockSize}, a power of two from the minimum (at least 4096) to
 *       the maximum — an array's stripe width, say (see {@link #preferredBlockSizeFor});
 *   <li>maximum: {@link #MAXIMUM_PAYLOAD} (32 MiB), the largest READ or WRITE accepted.
 * </ul>
 *
 * <p>The server never closes the device: its owner does, after closing the server.
 *
 * @param name the export's name: UTF-8, at most 4096 bytes, no NUL (may be empty)
 * @param description shown by {@code nbdinfo} and in LIST answers; may be empty
 * @param device the device served; its size must be a multiple of the minimum block size
 * @param preferredBlockSize the efficient I/O size advertised to clients
 */
public record NbdExport(
    String name, String description, BlockDevice device, int preferredBlockSize) {

  /** The largest READ or WRITE payload, advertised as the maximum block size (32 MiB). */
  public static final int MAXIMUM_PAYLOAD = 32 << 20;

  /** The smallest preferred block size advertised (one page). */
  public static final int MINIMUM_PREFERRED = 4096;

  /** Validates the fields. */
  public NbdExport {
    checkString("name", name);
    checkString("description", description);
    int minimum = minimumBlockSize(device);
    if (device.size() % minimum != 0) {
      throw new IllegalArgumentException(
          device.name()
              + ": size "
              + device.size()
              + " is not a multiple of the minimum block size "
              + minimum);
    }
    if (Integer.bitCount(preferredBlockSize) != 1
        || preferredBlockSize < Math.max(minimum, MINIMUM_PREFERRED)
        || preferredBlockSize > MAXIMUM_PAYLOAD) {
      throw new IllegalArgumentException(
          "preferredBlockSize="
              + preferredBlockSize
              + " (a power of two from "
              + Math.max(minimum, MINIMUM_PREFERRED)
              + " to "
              + MAXIMUM_PAYLOAD
              + ")");
    }
  }

  /**
   * An export of {@code device} with no description, preferring I/O of {@code ioSizeHint} bytes
   * (typically the array's stripe width) rounded as {@link #preferredBlockSizeFor} does.
   */
  public static NbdExport of(String name, BlockDevice device, long ioSizeHint) {
    int preferred = Math.max(preferredBlockSizeFor(ioSizeHint), minimumBlockSize(device));
    return new NbdExport(name, "", device, preferred);
  }

  /** The same export with a description. */
  public NbdExport withDescription(String text) {
    return new NbdExport(name, text, device, preferredBlockSize);
  }

  /**
   * The preferred block size for an I/O size hint such as a stripe width: the largest power of two
   * not above it, at least {@link #MINIMUM_PREFERRED} and at most {@link #MAXIMUM_PAYLOAD}. A
   * RAID-5 of five members with 64 KiB chunks (256 KiB stripes) gives 256 KiB; three data members
   * (192 KiB) give 128 KiB.
   */
  public static int preferredBlockSizeFor(long ioSizeHint) {
    if (ioSizeHint <= MINIMUM_PREFERRED) {
      return MINIMUM_PREFERRED;
    }
    return (int) Math.min(Long.highestOneBit(ioSizeHint), MAXIMUM_PAYLOAD);
  }

  /** The minimum block size: {@code max(512, device.logicalBlockSize())}. */
  public int minimumBlockSize() {
    return minimumBlockSize(device);
  }

  /**
   * The transmission flags of this export: flush, FUA, cache and multi-conn always (every
   * connection shares the one device, whose flush covers writes acknowledged on any of them); trim,
   * write-zeroes and fast-zero (refused with ENOTSUP) unless read-only; DF only with structured
   * replies.
   */
  int transmissionFlags(boolean structuredReplies) {
    int flags =
        NbdProtocol.TF_HAS_FLAGS
            | NbdProtocol.TF_SEND_FLUSH
            | NbdProtocol.TF_SEND_FUA
            | NbdProtocol.TF_SEND_CACHE
            | NbdProtocol.TF_CAN_MULTI_CONN;
    if (device.readOnly()) {
      flags |= NbdProtocol.TF_READ_ONLY;
    } else {
      flags |=
          NbdProtocol.TF_SEND_TRIM
              | NbdProtocol.TF_SEND_WRITE_ZEROES
              | NbdProtocol.TF_SEND_FAST_ZERO;
    }
    if (structuredReplies) {
      flags |= NbdProtocol.TF_SEND_DF;
    }
    return flags;
  }

  private static int minimumBlockSize(BlockDevice device) {
    int logical = device.logicalBlockSize();
    if (logical < 1 || logical > 65536 || Integer.bitCount(logical) != 1) {
      throw new IllegalArgumentException(
          device.name() + ": logical block size " + logical + " is not a power of two ≤ 65536");
    }
    return Math.max(512, logical);
  }

  private static void checkString(String what, String value) {
    if (value.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(what + " contains NUL: " + value);
    }
    int bytes = value.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > NbdProtocol.MAX_STRING_BYTES) {
      throw new IllegalArgumentException(
          what + " is " + bytes + " bytes in UTF-8 (at most " + NbdProtocol.MAX_STRING_BYTES + ")");
    }
  }
}
