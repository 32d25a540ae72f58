package io.jraid.array;

import io.jraid.format.BadBlockLog;
import io.jraid.format.BitmapSuperblock;
import io.jraid.format.Superblock1;
import org.jspecify.annotations.Nullable;

/**
 * What one member says about itself: its superblock and bad-block log, read without writing.
 *
 * @param path the member's path, as given
 * @param deviceSectors the member's size in 512-byte sectors
 * @param superblock the superblock found on it
 * @param badBlocks its bad-block log (empty when it has none)
 * @param bitmap its write-intent bitmap's superblock, or null when it has no bitmap
 */
public record Member(
    String path,
    long deviceSectors,
    Superblock1 superblock,
    BadBlockLog badBlocks,
    @Nullable BitmapSuperblock bitmap) {

  /** The member's event count. */
  public long events() {
    return superblock.events();
  }

  /** The member's own entry in its role table. */
  public int ownRole() {
    return superblock.role();
  }

  @Override
  public String toString() {
    return path;
  }
}
