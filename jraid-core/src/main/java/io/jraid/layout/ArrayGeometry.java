package io.jraid.layout;

/**
 * The shape of an md RAID-4/5/6 array: everything the sector mapping needs, as read from a v1
 * superblock. Immutable and validated on construction; {@link StripeMap} does the mapping.
 *
 * <p>Sizes are in 512-byte sectors. Member indices are roles ({@code dev_roles[]} values, 0 …
 * {@code raidDisks - 1}), not device numbers. Mirrors the checks of the kernel's {@code setup_conf}
 * and mdadm's {@code Create}; facts in {@code shared/spec/raid5-layouts.md} §1.
 *
 * <p>RAID-4 has no layout (the kernel ignores the superblock field and keeps parity on the last
 * member), so a level-4 geometry always carries {@link Algorithm#PARITY_N} whatever it was given:
 * two RAID-4 geometries that differ only in the stored layout map identically and are equal.
 *
 * @param level RAID level: 4, 5 or 6 (superblock {@code level})
 * @param algorithm the layout (superblock {@code layout}); must be valid for the level
 * @param chunkSectors chunk size ({@code chunksize}): a power of two, at least 8 (4 KiB)
 * @param raidDisks member slots including parity ({@code raid_disks}): 2 to 256 for RAID-4/5, 4 to
 *     256 for RAID-6
 * @param memberSectors the space each member gives the array (superblock {@code size}); only whole
 *     chunks are used, see {@link #devSectors()}
 * @param dataOffset where array data starts on each member ({@code data_offset})
 */
public record ArrayGeometry(
    int level,
    Algorithm algorithm,
    int chunkSectors,
    int raidDisks,
    long memberSectors,
    long dataOffset) {

  /** The most members mdadm creates a RAID-4/5/6 with (GF(2^8) has 256 coefficients). */
  public static final int MAX_RAID_DISKS = 256;

  /** The smallest chunk the kernel accepts: one 4 KiB page. */
  public static final int MIN_CHUNK_SECTORS = 8;

  /** Validates every field; see the record's parameters for the rules. */
  public ArrayGeometry {
    Algorithm.checkLevel(level);
    if (level == 4) {
      algorithm = Algorithm.PARITY_N;
    } else if (!algorithm.isValidFor(level)) {
      throw new IllegalArgumentException(
          "algorithm="
              + algorithm.mdadmName()
              + " (layout="
              + algorithm.code()
              + ") is not valid for level="
              + level);
    }
    if (chunkSectors < MIN_CHUNK_SECTORS || Integer.bitCount(chunkSectors) != 1) {
      throw new IllegalArgumentException(
          "chunkSectors=" + chunkSectors + " (must be a power of two, at least 8 = 4 KiB)");
    }
    int minDisks = level == 6 ? 4 : 2;
    if (raidDisks < minDisks || raidDisks > MAX_RAID_DISKS) {
      throw new IllegalArgumentException(
          "raidDisks="
              + raidDisks
              + " (level="
              + level
              + " needs "
              + minDisks
              + " to "
              + MAX_RAID_DISKS
              + ")");
    }
    if (memberSectors < 0) {
      throw new IllegalArgumentException("memberSectors=" + memberSectors);
    }
    if (dataOffset < 0 || dataOffset > Long.MAX_VALUE - memberSectors) {
      throw new IllegalArgumentException(
          "dataOffset=" + dataOffset + " (with memberSectors=" + memberSectors + ")");
    }
    // Array sector numbers must fit a long; only absurd sizes fail (2^63 sectors = 4 ZiB).
    int dataDisks = raidDisks - (level == 6 ? 2 : 1);
    if (memberSectors > Long.MAX_VALUE / dataDisks) {
      throw new IllegalArgumentException(
          "memberSectors=" + memberSectors + " (array would exceed 2^63 sectors)");
    }
  }

  /**
   * A geometry from the raw superblock fields {@code level} and {@code layout}.
   *
   * @throws IllegalArgumentException as {@link Algorithm#forCode} and the record's constructor
   */
  public static ArrayGeometry of(
      int level, int layout, int chunkSectors, int raidDisks, long memberSectors, long dataOffset) {
    return new ArrayGeometry(
        level,
        Algorithm.forCode(level, layout),
        chunkSectors,
        raidDisks,
        memberSectors,
        dataOffset);
  }

  /** Parity blocks per row, the kernel's {@code max_degraded}: 1 for RAID-4/5, 2 for RAID-6. */
  public int parityDisks() {
    return level == 6 ? 2 : 1;
  }

  /** Data chunks per row, {@code data_disks = raid_disks - max_degraded}. */
  public int dataDisks() {
    return raidDisks - parityDisks();
  }

  /**
   * The per-member size the array uses, the kernel's {@code dev_sectors}: {@link #memberSectors()}
   * rounded down to a whole number of chunks.
   */
  public long devSectors() {
    return memberSectors & -(long) chunkSectors;
  }

  /** Chunk rows ("stripes" in raid5.c's {@code raid5_compute_sector}) on every member. */
  public long stripes() {
    return memberSectors / chunkSectors;
  }

  /** The array's size, {@code raid5_size}: whole chunk rows times data disks. */
  public long arraySectors() {
    return devSectors() * dataDisks();
  }

  /**
   * The number of data sources of the RAID-6 Q syndrome ({@code set_syndrome_sources}): {@code
   * dataDisks()} for md's own layouts, {@code raidDisks()} for the DDF layouts, where P's and Q's
   * positions count as zero blocks. A caller that builds a {@code pq_gen} source array sizes it
   * with this and fills it by {@link StripeMap#slot}. For RAID-4/5 it is {@code dataDisks()}.
   */
  public int syndromeSources() {
    return algorithm.isDdf() ? raidDisks : dataDisks();
  }

  /**
   * The sector on a member's block device that holds a member sector: {@code data_offset +
   * member_sector}.
   *
   * @throws IllegalArgumentException if {@code memberSector} is negative or not below {@link
   *     #devSectors()}
   */
  public long deviceSector(long memberSector) {
    if (memberSector < 0 || memberSector >= devSectors()) {
      throw new IllegalArgumentException(
          "memberSector=" + memberSector + " is not below devSectors=" + devSectors());
    }
    return dataOffset + memberSector;
  }
}
