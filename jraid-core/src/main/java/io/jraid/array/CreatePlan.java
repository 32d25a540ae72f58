package io.jraid.array;

import io.jraid.format.BitmapSuperblock;
import io.jraid.format.MetadataPlacement;
import io.jraid.format.Superblock1;
import io.jraid.layout.ArrayGeometry;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Everything {@code jraid create} will write, decided before anything is written: each member's
 * superblock and the bitmap. Made by {@link CreatePlanner}, written by {@link ArrayCreator}.
 *
 * @param request what was asked for
 * @param geometry the array the members make (checked by the stripe layer's own rules)
 * @param members one entry per member, in slot order
 * @param bitmap the bitmap superblock every member carries, or null without a bitmap
 * @param notes things the user should know (e.g. members of different sizes), one line each
 */
public record CreatePlan(
    CreateRequest request,
    ArrayGeometry geometry,
    List<PlannedMember> members,
    @Nullable BitmapSuperblock bitmap,
    List<String> notes) {

  /**
   * One member as it will be.
   *
   * @param name the device's name (its path)
   * @param deviceSectors the device's size in sectors
   * @param superblock the superblock to write
   */
  public record PlannedMember(String name, long deviceSectors, Superblock1 superblock) {}

  /** Copies the lists. */
  public CreatePlan {
    members = List.copyOf(members);
    notes = List.copyOf(notes);
  }

  /** The superblock fields every member shares (taken from the first). */
  public Superblock1 first() {
    return members.getFirst().superblock();
  }

  /** The layout's mdadm name ("left-symmetric"); "" for RAID-4, which has one layout. */
  public String layoutName() {
    return request.level() == 4 ? "" : geometry.algorithm().mdadmName();
  }

  /** The array's size in sectors. */
  public long arraySectors() {
    return geometry.arraySectors();
  }

  /** Whether the array starts with a full resync (false with {@code --assume-clean}). */
  public boolean needsResync() {
    return !first().clean();
  }

  /**
   * Bytes of the bitmap area written on every member: its superblock and bits rounded up to 4 KiB
   * ({@code calc_bitmap_size(bms, 4096)}); 0 without a bitmap.
   */
  public long bitmapAreaBytes() {
    return bitmap == null
        ? 0
        : MetadataPlacement.bitmapSectors(bitmap.syncSize(), bitmap.chunkBytes()) * 512;
  }

  /**
   * Whether the bitmap's bits start set. mdadm 4.2's {@code write_bitmap1()} fills the whole bitmap
   * area after the superblock with 0xff whatever the sync state, so this is always true: with
   * {@code --assume-clean} ({@code resync_offset = MaxSector}) md loads the set bits without
   * "needed" and clears them over the next daemon sweeps; without it every chunk is resynced.
   */
  public boolean initialBitsSet() {
    return bitmap != null;
  }
}
