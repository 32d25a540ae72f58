package io.jraid.array;

import io.jraid.device.BlockDevice;
import io.jraid.format.BadBlockLog;
import io.jraid.format.BitmapCodec;
import io.jraid.format.BitmapLayout;
import io.jraid.format.BitmapSuperblock;
import io.jraid.format.FormatException;
import io.jraid.format.MetadataVersion;
import io.jraid.format.Superblock1;
import io.jraid.format.Superblock1Codec;
import io.jraid.format.Superblock1Layout;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Finds and reads the superblock of a member, as mdadm's {@code load_super1} does when no version
 * is given: try v1.0, v1.1 and v1.2 in that order, keep every valid one, and take the one created
 * last. Reads only.
 */
public final class MemberReader {

  private MemberReader() {}

  /** Opens {@code path} read-only and reads the member on it. */
  public static Member read(java.nio.file.Path path) throws FormatException, IOException {
    try (BlockDevice device = io.jraid.device.FileDevice.openReadOnly(path)) {
      return read(device);
    }
  }

  /**
   * Reads the member on {@code device}.
   *
   * @throws FormatException if no valid superblock is there; the message names the member and says
   *     what was found
   * @throws IOException if the device cannot be read
   */
  public static Member read(BlockDevice device) throws FormatException, IOException {
    String name = device.name();
    long sectors = device.sectors();
    if (sectors < MetadataVersion.MIN_DEVICE_SECTORS) {
      throw new FormatException(
          name,
          "size",
          "is "
              + device.size()
              + " bytes: too small to be an md member (at least 12 KiB); wrong file?");
    }
    Superblock1 best = null;
    FormatException firstReal = null;
    List<String> tried = new ArrayList<>();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment block = arena.allocate(Superblock1Layout.BLOCK_BYTES, 4096);
      for (MetadataVersion version : MetadataVersion.values()) {
        long at = version.superOffset(sectors);
        tried.add("v" + version + " at sector " + at);
        device.read(block, at * 512);
        try {
          Superblock1 sb = Superblock1Codec.decode(block, name);
          // A superblock whose super_offset is not here is a stale copy: no superblock here.
          Superblock1Codec.checkPlacement(sb, sectors, at, name);
          if (best == null || Long.compareUnsigned(sb.ctime(), best.ctime()) > 0) {
            best = sb;
          }
        } catch (FormatException e) {
          if (!"magic".equals(e.field()) && firstReal == null) {
            firstReal = e;
          }
        }
      }
      if (best == null) {
        if (firstReal != null) {
          throw firstReal;
        }
        throw new FormatException(
            name,
            "magic",
            "not found ("
                + String.join(", ", tried)
                + "): not an md member, or one with metadata 0.90 or an external format");
      }
      return new Member(
          name, sectors, best, readBadBlocks(device, best, arena), readBitmap(device, best, arena));
    }
  }

  private static @Nullable BitmapSuperblock readBitmap(
      BlockDevice device, Superblock1 sb, Arena arena) throws IOException, FormatException {
    long sector = BitmapCodec.sectorOf(sb);
    if (sector < 0) {
      return null;
    }
    if (sector * 512 + BitmapLayout.HEADER_BYTES > device.size()) {
      throw new FormatException(
          device.name(),
          "bitmap_offset",
          "points at sector " + sector + ", beyond the member's end: the superblock is corrupt");
    }
    MemorySegment area = readAt(device, sector * 512, BitmapLayout.HEADER_BYTES, arena);
    return BitmapCodec.decode(area, sb.setUuid(), device.name());
  }

  private static BadBlockLog readBadBlocks(BlockDevice device, Superblock1 sb, Arena arena)
      throws IOException, FormatException {
    long sector = BadBlockLog.sectorOf(sb);
    int bytes = BadBlockLog.bytesOf(sb);
    // The kernel reads the log only when it is flagged non-empty; an empty log may be zeros.
    if (!sb.has(io.jraid.format.FeatureMap.BAD_BLOCKS)
        || sector < 0
        || bytes == 0
        || sector * 512 + bytes > device.size()) {
      return new BadBlockLog(List.of());
    }
    MemorySegment log = readAt(device, sector * 512, bytes, arena);
    return BadBlockLog.decode(log, sb.bblogShift(), device.name());
  }

  /**
   * {@code bytes} at {@code offset}, read as the device accepts them: a device opened with O_DIRECT
   * reads whole aligned blocks into aligned memory, of which the range is a slice.
   */
  private static MemorySegment readAt(BlockDevice device, long offset, int bytes, Arena arena)
      throws IOException {
    long align = device.memoryAlignment();
    long start = offset / align * align;
    long end = Math.min(device.size(), (offset + bytes + align - 1) / align * align);
    MemorySegment buffer = arena.allocate(end - start, Math.max(align, 8));
    device.read(buffer, start);
    return buffer.asSlice(offset - start, bytes);
  }
}
