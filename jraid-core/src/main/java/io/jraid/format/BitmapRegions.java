package io.jraid.format;

import java.util.ArrayList;
import java.util.List;

/**
 * Which bitmap bits cover which parts of a RAID-4/5/6 array. The bitmap counts member sectors, the
 * same on every member: chunk row {@code s} of the array occupies member sectors {@code [s·chunk,
 * (s+1)·chunk)} whatever the layout, so array sector {@code r} lies at member sector {@code (r /
 * (chunk·dataDisks))·chunk + r % chunk} and a bit covers the same member range on all members.
 *
 * @param bitmap the bitmap superblock (bit size and covered range)
 * @param chunkSectors the array's chunk size in sectors
 * @param dataDisks the array's data members per row
 */
public record BitmapRegions(BitmapSuperblock bitmap, int chunkSectors, int dataDisks) {

  /** A run of array sectors. */
  public record Range(long start, long sectors) {}

  /** Checks the geometry. */
  public BitmapRegions {
    if (chunkSectors <= 0 || Integer.bitCount(chunkSectors) != 1) {
      throw new IllegalArgumentException("chunkSectors=" + chunkSectors);
    }
    if (dataDisks <= 0) {
      throw new IllegalArgumentException("dataDisks=" + dataDisks);
    }
  }

  /** The member sector holding array sector {@code arraySector}. */
  public long memberSectorOf(long arraySector) {
    long rowSectors = (long) chunkSectors * dataDisks;
    return arraySector / rowSectors * chunkSectors + arraySector % chunkSectors;
  }

  /** The bit covering array sector {@code arraySector}. */
  public long bitOf(long arraySector) {
    return bitmap.bitOf(memberSectorOf(arraySector));
  }

  /**
   * The array sectors whose writes set {@code bit}: whole chunk rows when a bit covers at least a
   * chunk, else one piece of every data chunk of the row. Contiguous pieces are merged.
   */
  public List<Range> arrayRangesOf(long bit) {
    long first = bitmap.firstSectorOf(bit);
    long end = first + bitmap.sectorsOf(bit);
    List<Range> ranges = new ArrayList<>();
    for (long m = first; m < end; ) {
      long row = m / chunkSectors;
      long offset = m % chunkSectors;
      long piece = Math.min(chunkSectors - offset, end - m);
      for (int dd = 0; dd < dataDisks; dd++) {
        long start = (row * dataDisks + dd) * chunkSectors + offset;
        Range last = ranges.isEmpty() ? null : ranges.getLast();
        if (last != null && last.start() + last.sectors() == start) {
          ranges.set(ranges.size() - 1, new Range(last.start(), last.sectors() + piece));
        } else {
          ranges.add(new Range(start, piece));
        }
      }
      m += piece;
    }
    return ranges;
  }
}
