package io.jraid.array;

import io.jraid.device.BlockDevice;
import io.jraid.format.FormatException;
import io.jraid.format.MetadataVersion;
import io.jraid.format.Superblock1;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What a device holds that {@code jraid create} would overwrite: an md superblock (v1.x through
 * {@link MemberReader}, or v0.90), or the signature of a file system, swap, LUKS volume or
 * partition table at the places {@code blkid} and mdadm's {@code check_ext2()} / {@code
 * check_partitions()} look. Reads only.
 */
public final class ContentProbe {

  /** Bytes read from the start of the device: enough for the btrfs superblock at 64 KiB. */
  private static final int HEAD_BYTES = 72 * 1024;

  /** The md v0.90 superblock's magic, as a little-endian host stores it. */
  private static final int MD_MAGIC = 0xA92B4EFC;

  private static final ValueLayout.OfInt U32 =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfShort U16 =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private ContentProbe() {}

  /**
   * Everything found on {@code device}, each as a phrase ("an md superblock (...)", "an ext2/3/4
   * file system"); empty when the device looks unused.
   */
  public static List<String> probe(BlockDevice device) throws IOException {
    List<String> found = new ArrayList<>();
    mdV1(device, found);
    try (Arena arena = Arena.ofConfined()) {
      mdV090(device, arena, found);
      long length = Math.min(HEAD_BYTES, device.size() / 512 * 512);
      if (length > 0) {
        MemorySegment head = arena.allocate(length, 4096);
        device.read(head, 0);
        signatures(head, found);
      }
    }
    return found;
  }

  private static void mdV1(BlockDevice device, List<String> found) throws IOException {
    if (device.sectors() < MetadataVersion.MIN_DEVICE_SECTORS) {
      return;
    }
    try {
      Superblock1 sb = MemberReader.read(device).superblock();
      found.add(
          "an md superblock (metadata "
              + sb.version()
              + ", raid"
              + sb.level()
              + " array "
              + sb.setUuid()
              + (sb.displayName().isEmpty() ? "" : " '" + sb.displayName() + "'")
              + ", "
              + sb.raidDisks()
              + " devices)");
    } catch (FormatException e) {
      if (!"magic".equals(e.field())) {
        found.add("a damaged md superblock (" + e.getMessage() + ")");
      }
    }
  }

  /** v0.90 keeps its 4 KiB superblock in the last whole 64 KiB block but one. */
  private static void mdV090(BlockDevice device, Arena arena, List<String> found)
      throws IOException {
    long at = (device.size() & ~0xFFFFL) - 0x10000;
    if (at < 0) {
      return;
    }
    MemorySegment block = arena.allocate(4096, 4096);
    device.read(block, at);
    if (block.get(U32, 0) == MD_MAGIC && block.get(U32, 4) == 0) {
      found.add("an md 0.90 superblock");
    }
  }

  private static void signatures(MemorySegment head, List<String> found) {
    if (has(head, 0, "XFSB")) {
      found.add("an XFS file system");
    }
    if (has(head, 0, "LUKS\u00ba\u00be")) {
      found.add("a LUKS encrypted volume");
    }
    if (head.byteSize() >= 1082 && head.get(U16, 1080) == (short) 0xEF53) {
      found.add("an ext2/3/4 file system");
    }
    if (has(head, 65600, "_BHRfS_M")) {
      found.add("a btrfs file system");
    }
    if (has(head, 4086, "SWAPSPACE2") || has(head, 4086, "SWAP-SPACE")) {
      found.add("swap space");
    }
    if (has(head, 512, "EFI PART") || has(head, 4096, "EFI PART")) {
      found.add("a GPT partition table");
    } else if (head.byteSize() >= 512 && head.get(U16, 510) == (short) 0xAA55) {
      found.add("an MBR partition table or boot sector");
    }
  }

  /** Whether {@code head} holds the ISO-8859-1 bytes of {@code magic} at {@code offset}. */
  private static boolean has(MemorySegment head, long offset, String magic) {
    byte[] bytes = magic.getBytes(StandardCharsets.ISO_8859_1);
    if (offset + bytes.length > head.byteSize()) {
      return false;
    }
    for (int i = 0; i < bytes.length; i++) {
      if (head.get(ValueLayout.JAVA_BYTE, offset + i) != bytes[i]) {
        return false;
      }
    }
    return true;
  }
}
