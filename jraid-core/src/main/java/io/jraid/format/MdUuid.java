package io.jraid.format;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.HexFormat;

/**
 * A 16-byte md UUID ({@code set_uuid}, {@code device_uuid}, the bitmap's {@code uuid}), kept as the
 * bytes in disk order: {@code high} holds bytes 0..7 and {@code low} bytes 8..15, both big-endian,
 * so that {@link #toString()} reads the bytes left to right as mdadm prints them.
 *
 * @param high bytes 0..7 of the UUID, big-endian
 * @param low bytes 8..15 of the UUID, big-endian
 */
public record MdUuid(long high, long low) {

  private static final ValueLayout.OfLong BIG_ENDIAN_LONG =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

  /** Reads 16 bytes at {@code offset}. */
  public static MdUuid read(MemorySegment segment, long offset) {
    return new MdUuid(
        segment.get(BIG_ENDIAN_LONG, offset), segment.get(BIG_ENDIAN_LONG, offset + 8));
  }

  /** Writes the 16 bytes at {@code offset}. */
  public void write(MemorySegment segment, long offset) {
    segment.set(BIG_ENDIAN_LONG, offset, high);
    segment.set(BIG_ENDIAN_LONG, offset + 8, low);
  }

  /**
   * Parses mdadm's notation: 32 hex digits, optionally grouped by {@code :}, {@code -}, {@code .}
   * or spaces (e.g. {@code 3c20b327:1a04e119:1ff5b809:e2ce4182}).
   */
  public static MdUuid parse(String text) {
    String hex = text.replaceAll("[:.\\- ]", "");
    if (hex.length() != 32 || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
      throw new IllegalArgumentException("uuid=" + text + " (expected 32 hex digits)");
    }
    return new MdUuid(
        Long.parseUnsignedLong(hex.substring(0, 16), 16),
        Long.parseUnsignedLong(hex.substring(16), 16));
  }

  /** mdadm's notation: four groups of 8 hex digits joined by {@code :}. */
  @Override
  public String toString() {
    String hex = HexFormat.of().toHexDigits(high) + HexFormat.of().toHexDigits(low);
    return hex.substring(0, 8)
        + ':'
        + hex.substring(8, 16)
        + ':'
        + hex.substring(16, 24)
        + ':'
        + hex.substring(24);
  }
}
