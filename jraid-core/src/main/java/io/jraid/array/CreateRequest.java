package io.jraid.array;

import io.jraid.format.MetadataVersion;
import io.jraid.layout.Algorithm;
import io.jraid.layout.ArrayGeometry;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * What {@code jraid create} was asked for, checked as far as it can be without the devices. Every
 * rule breaks with an {@link IllegalArgumentException} whose message is one line that says what to
 * change.
 *
 * @param level 4, 5 or 6
 * @param raidDisks members: 2 to 256 for RAID-4/5 (mdadm's and md's minimum is 2, a mirror in
 *     effect), 4 to 256 for RAID-6
 * @param chunkSectors the chunk: a power of two of at least 8 sectors (4 KiB); mdadm's default is
 *     {@link #DEFAULT_CHUNK_SECTORS}
 * @param layout an mdadm layout name ({@code left-symmetric}, {@code ls}, ...), or null for mdadm's
 *     default (left-symmetric for RAID-5/6; RAID-4 has one layout)
 * @param metadata where the superblock goes (mdadm's default is 1.2)
 * @param name the array name, at most 31 bytes of UTF-8, or null for mdadm's default ({@code 0},
 *     the minor of {@code /dev/md0})
 * @param homehost the host the array belongs to, stored as {@code homehost:name} when that fits in
 *     31 bytes and the name has no colon; null for none
 * @param bitmap the write-intent bitmap
 * @param assumeClean whether parity is taken as consistent (no initial resync)
 * @param sizeSectors sectors of each member to use, 0 for all the smallest member can give
 * @param bitmapChunkBytes member bytes one bitmap bit covers ({@code --bitmap-chunk}), 0 for
 *     mdadm's choice
 */
public record CreateRequest(
    int level,
    int raidDisks,
    int chunkSectors,
    @Nullable String layout,
    MetadataVersion metadata,
    @Nullable String name,
    @Nullable String homehost,
    Bitmap bitmap,
    boolean assumeClean,
    long sizeSectors,
    long bitmapChunkBytes) {

  /** mdadm's default chunk: 512 KiB. */
  public static final int DEFAULT_CHUNK_SECTORS = 1024;

  /** The most bytes of a name mdadm stores (the 32-byte field keeps a terminating NUL). */
  public static final int MAX_NAME_BYTES = 31;

  /** The write-intent bitmap choices. */
  public enum Bitmap {
    /** An internal bitmap (mdadm {@code --bitmap=internal}). */
    INTERNAL,
    /** No bitmap ({@code --bitmap=none}). */
    NONE,
    /**
     * mdadm 4.2's choice: internal when each member gives the array more than 100 GiB, else none.
     */
    DEFAULT
  }

  /** Checks every field; see the parameters. */
  public CreateRequest {
    if (level != 4 && level != 5 && level != 6) {
      throw new IllegalArgumentException(
          "level " + level + " is not supported: jraid creates RAID-4, 5 or 6 (--level 4|5|6)");
    }
    int minDisks = level == 6 ? 4 : 2;
    if (raidDisks < minDisks || raidDisks > ArrayGeometry.MAX_RAID_DISKS) {
      throw new IllegalArgumentException(
          "RAID-"
              + level
              + " needs "
              + minDisks
              + " to "
              + ArrayGeometry.MAX_RAID_DISKS
              + " devices, not "
              + raidDisks
              + " (--raid-devices)");
    }
    if (chunkSectors < ArrayGeometry.MIN_CHUNK_SECTORS || Integer.bitCount(chunkSectors) != 1) {
      throw new IllegalArgumentException(
          "chunk "
              + describeSectors(chunkSectors)
              + " is not a power of two of at least 4K (e.g. --chunk 64K or 512K)");
    }
    if (layout != null) {
      try {
        Algorithm.byName(level, layout);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "layout '"
                + layout
                + "' is not a RAID-"
                + level
                + " layout; use one of "
                + String.join(", ", Algorithm.mdadmNames(level))
                + " (--layout)",
            e);
      }
    }
    if (name != null) {
      if (name.isEmpty() || name.chars().anyMatch(c -> c < 0x20 || c == 0x7F)) {
        throw new IllegalArgumentException(
            "name '" + name + "' is empty or has control characters (--name)");
      }
      if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
        throw new IllegalArgumentException(
            "name '" + name + "' is longer than " + MAX_NAME_BYTES + " bytes (--name)");
      }
    }
    if (homehost != null && (homehost.isEmpty() || homehost.contains(":"))) {
      throw new IllegalArgumentException(
          "homehost '" + homehost + "' is empty or has a colon (--homehost)");
    }
    if (sizeSectors < 0) {
      throw new IllegalArgumentException("size " + sizeSectors + " sectors is negative (--size)");
    }
    if (bitmapChunkBytes != 0
        && (bitmapChunkBytes < 4096
            || bitmapChunkBytes > (1L << 30)
            || Long.bitCount(bitmapChunkBytes) != 1)) {
      throw new IllegalArgumentException(
          "bitmap chunk "
              + bitmapChunkBytes
              + " bytes is not a power of two from 4K to 1G (--bitmap-chunk)");
    }
  }

  /** A request with the bitmap chunk mdadm picks ({@code bitmapChunkBytes} 0). */
  public CreateRequest(
      int level,
      int raidDisks,
      int chunkSectors,
      @Nullable String layout,
      MetadataVersion metadata,
      @Nullable String name,
      @Nullable String homehost,
      Bitmap bitmap,
      boolean assumeClean,
      long sizeSectors) {
    this(
        level,
        raidDisks,
        chunkSectors,
        layout,
        metadata,
        name,
        homehost,
        bitmap,
        assumeClean,
        sizeSectors,
        0);
  }

  /** This request with an explicit bitmap chunk ({@code mdadm --bitmap-chunk}). */
  public CreateRequest withBitmapChunk(long bytes) {
    return new CreateRequest(
        level,
        raidDisks,
        chunkSectors,
        layout,
        metadata,
        name,
        homehost,
        bitmap,
        assumeClean,
        sizeSectors,
        bytes);
  }

  /** A request with mdadm's defaults for everything but the level and the number of members. */
  public static CreateRequest of(int level, int raidDisks) {
    return new CreateRequest(
        level,
        raidDisks,
        DEFAULT_CHUNK_SECTORS,
        null,
        MetadataVersion.V1_2,
        null,
        null,
        Bitmap.DEFAULT,
        false,
        0);
  }

  /** The layout the array gets: the named one, or mdadm's default for the level. */
  public Algorithm algorithm() {
    return layout == null ? Algorithm.byName(level, "default") : Algorithm.byName(level, layout);
  }

  /**
   * The superblock {@code layout} field mdadm writes: the algorithm's code, but 0 for RAID-4
   * (mdadm's {@code default_layout()} has no RAID-4 layout; the kernel ignores the field).
   */
  public int layoutCode() {
    return level == 4 ? 0 : algorithm().code();
  }

  /**
   * The {@code set_name} mdadm writes ({@code init_super1()}): {@code homehost:name} when there is
   * a home host, the name has no colon and the whole is under 32 bytes; else the name alone. As
   * {@link io.jraid.format.Superblock1#setName()} keeps it: bytes as ISO-8859-1 characters.
   */
  public String setName() {
    String base = name == null ? "0" : name;
    String full =
        homehost != null
                && !base.contains(":")
                && utf8Length(homehost) + 1 + utf8Length(base) <= MAX_NAME_BYTES
            ? homehost + ":" + base
            : base;
    byte[] bytes = full.getBytes(StandardCharsets.UTF_8);
    return new String(
        bytes, 0, Math.min(bytes.length, MAX_NAME_BYTES), StandardCharsets.ISO_8859_1);
  }

  private static int utf8Length(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  /** A size in sectors as a user writes it: {@code 4K}, {@code 6K}, {@code 3 sectors}. */
  static String describeSectors(long sectors) {
    if (sectors % 2048 == 0 && sectors > 0) {
      return sectors / 2048 + "M";
    }
    return sectors % 2 == 0 ? sectors / 2 + "K" : sectors + " sectors";
  }
}
