package io.jraid.format;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The member's bad-block log: little-endian u64 entries at {@code sb_start + bblog_offset}, bits
 * 63..10 the start and bits 9..0 the length, both in units of {@code 512 << bblog_shift} bytes; the
 * first all-ones entry ends the list (Linux {@code super_1_load}).
 *
 * @param entries the known bad ranges, in sectors from the start of the member
 */
public record BadBlockLog(List<BadRange> entries) {

  /** A range of sectors the member cannot read reliably. */
  public record BadRange(long sector, long sectors) {}

  private static final ValueLayout.OfLong U64 =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  /** Copies the list. */
  public BadBlockLog {
    entries = List.copyOf(entries);
  }

  /** The log's location: sector on the member, or -1 when the member has none. */
  public static long sectorOf(Superblock1 sb) {
    return sb.bblogOffset() == 0 || sb.bblogSize() == 0 ? -1 : sb.superOffset() + sb.bblogOffset();
  }

  /** Bytes to read at {@link #sectorOf}: {@code bblog_size} sectors, at most one page. */
  public static int bytesOf(Superblock1 sb) {
    return Math.min(sb.bblogSize(), Superblock1Codec.MAX_BBLOG_SECTORS) * 512;
  }

  /** How many entries the log can hold. */
  public static int capacityOf(Superblock1 sb) {
    return sb.bblogSize() * 512 / 8;
  }

  /**
   * Decodes the entries of {@code log} (the bytes read at {@link #sectorOf}).
   *
   * @throws FormatException if an entry has length zero (not something md writes)
   */
  public static BadBlockLog decode(MemorySegment log, int bblogShift, String member)
      throws FormatException {
    List<BadRange> ranges = new ArrayList<>();
    for (long offset = 0; offset + 8 <= log.byteSize(); offset += 8) {
      long entry = log.get(U64, offset);
      if (entry == -1L) {
        break;
      }
      long start = (entry >>> 10) << bblogShift;
      long length = (entry & 0x3FF) << bblogShift;
      if (length == 0) {
        throw new FormatException(
            member,
            "bad-block log",
            "entry " + offset / 8 + " has length 0: the log is corrupt (mdadm --update=no-bbl)");
      }
      ranges.add(new BadRange(start, length));
    }
    return new BadBlockLog(ranges);
  }
}
