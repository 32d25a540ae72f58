package io.jraid.array;

import io.jraid.array.CreatePlan.PlannedMember;
import io.jraid.device.BlockDevice;
import io.jraid.device.FileDevice;
import io.jraid.format.BitmapCodec;
import io.jraid.format.BitmapSuperblock;
import io.jraid.format.FormatException;
import io.jraid.format.MetadataVersion;
import io.jraid.format.Superblock1;
import io.jraid.format.Superblock1Codec;
import io.jraid.format.Superblock1Layout;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Writes a {@link CreatePlan} to its devices, as mdadm 4.2's {@code write_init_super1()} does for
 * each member, then reads every member back to check it.
 *
 * <p>Per member, in this order:
 *
 * <ol>
 *   <li>erase every md superblock already there, as mdadm's {@code Kill()} does before writing: a
 *       v1.x superblock that sits where its version puts it (the first 512 bytes, or one logical
 *       block, are zeroed) and a v0.90 superblock (its 4 KiB), so that probing finds only the new
 *       one whatever the old one's creation time;
 *   <li>write the bad-block log's space as an empty log (all ones, as md itself writes an empty
 *       log; mdadm leaves the old bytes, which md ignores while the bad-blocks feature bit is
 *       clear, so this changes nothing md reads);
 *   <li>write the bitmap: its superblock, then 0xff up to the 4 KiB-rounded end of the area ({@code
 *       write_bitmap1()});
 *   <li>write the superblock's 4 KiB block last, so that a member whose write is interrupted has no
 *       valid superblock rather than one without its bitmap;
 *   <li>flush the member.
 * </ol>
 *
 * Nothing else is touched: like mdadm, old file-system signatures outside the metadata stay (the
 * caller warned about them).
 */
public final class ArrayCreator {

  private static final ValueLayout.OfInt U32 =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfLong U64 =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  /** The md v0.90 superblock's magic as a little-endian host stores it. */
  private static final int MD_MAGIC = Superblock1Layout.MAGIC;

  /** Bytes of a v0.90 superblock ({@code MD_SB_BYTES}). */
  private static final int V090_BYTES = 4096;

  private ArrayCreator() {}

  /**
   * A device offered to a new array, before anything is written.
   *
   * @param device its name and size, for {@link CreatePlanner}
   * @param contents what it holds that creating would overwrite ({@link ContentProbe})
   */
  public record Offered(CreatePlanner.Device device, List<String> contents) {

    /** Copies the list. */
    public Offered {
      contents = List.copyOf(contents);
    }
  }

  /**
   * Opens each path read-only and says how large it is and what it holds.
   *
   * @throws CreateException if a path cannot be opened or read (the message names it)
   */
  public static List<Offered> inspect(List<Path> paths) throws CreateException {
    List<Offered> offered = new ArrayList<>();
    for (Path p : paths) {
      try (BlockDevice d = FileDevice.openReadOnly(p)) {
        offered.add(
            new Offered(new CreatePlanner.Device(d.name(), d.sectors()), ContentProbe.probe(d)));
      } catch (IOException e) {
        throw new CreateException(p + ": cannot be read (" + e.getMessage() + ")", e);
      }
    }
    return offered;
  }

  /**
   * Opens the plan's devices (their names are paths) for writing, writes every member and reads
   * them back; see {@link #write(CreatePlan, List)}.
   */
  public static List<Member> write(CreatePlan plan) throws CreateException {
    List<BlockDevice> opened = new ArrayList<>();
    try {
      for (PlannedMember m : plan.members()) {
        opened.add(FileDevice.openReadWrite(Path.of(m.name())));
      }
      return write(plan, opened);
    } catch (IOException e) {
      throw new CreateException(
          plan.members().get(opened.size()).name()
              + ": cannot be opened for writing ("
              + e.getMessage()
              + "): nothing was written",
          e);
    } finally {
      for (BlockDevice d : opened) {
        try {
          d.close();
        } catch (IOException e) {
          // Written and flushed already, and read back: a failing close loses nothing.
          System.getLogger(ArrayCreator.class.getName())
              .log(System.Logger.Level.WARNING, d.name() + ": close failed", e);
        }
      }
    }
  }

  /**
   * Writes every member of {@code plan} and reads them back.
   *
   * @param devices the plan's devices, in the plan's order, open for writing
   * @return the members as {@link MemberReader} now reads them
   * @throws CreateException if a device changed size since planning, a write failed, or a member
   *     does not read back as planned; the message names the device (members before it are written:
   *     create again to start over)
   */
  public static List<Member> write(CreatePlan plan, List<BlockDevice> devices)
      throws CreateException {
    if (devices.size() != plan.members().size()) {
      throw new IllegalArgumentException(
          "devices=" + devices.size() + " (the plan has " + plan.members().size() + ")");
    }
    for (int i = 0; i < devices.size(); i++) {
      BlockDevice d = devices.get(i);
      PlannedMember m = plan.members().get(i);
      if (d.sectors() != m.deviceSectors()) {
        throw new CreateException(
            d.name()
                + ": is "
                + d.sectors()
                + " sectors now but was "
                + m.deviceSectors()
                + " when the array was planned: nothing was written; run create again");
      }
      if (d.readOnly()) {
        throw new IllegalArgumentException(d.name() + " is open read-only");
      }
    }
    List<Member> written = new ArrayList<>();
    for (int i = 0; i < devices.size(); i++) {
      BlockDevice d = devices.get(i);
      PlannedMember m = plan.members().get(i);
      try {
        writeMember(d, m.superblock(), plan);
        written.add(readBack(d, m.superblock(), plan.bitmap()));
      } catch (IOException e) {
        throw new CreateException(
            d.name()
                + ": writing the member failed ("
                + e.getMessage()
                + ")"
                + (i == 0 ? "" : "; members before it were written")
                + ": fix the device and create again",
            e);
      }
    }
    return written;
  }

  private static void writeMember(BlockDevice d, Superblock1 sb, CreatePlan plan)
      throws IOException {
    writeMember(d, sb, plan.bitmap(), plan.bitmapAreaBytes());
  }

  /**
   * Makes {@code d} a new member of a running array ({@code mdadm --add}): old md superblocks
   * erased, an empty bad-block log, the array's bitmap with every bit set, then the superblock;
   * read back to check.
   *
   * @param bitmap the array's bitmap superblock, or null when it has none
   * @param bitmapAreaBytes the bitmap area's size on a member
   */
  public static Member writeAddedMember(
      BlockDevice d, Superblock1 sb, @Nullable BitmapSuperblock bitmap, long bitmapAreaBytes)
      throws IOException {
    writeMember(d, sb, bitmap, bitmapAreaBytes);
    return readBack(d, sb, bitmap);
  }

  private static void writeMember(
      BlockDevice d, Superblock1 sb, @Nullable BitmapSuperblock bitmap, long bitmapAreaBytes)
      throws IOException {
    try (Arena arena = Arena.ofShared()) {
      eraseOldSuperblocks(d, arena);
      if (sb.bblogSize() > 0 && sb.bblogOffset() != 0) {
        MemorySegment log = arena.allocate(sb.bblogSize() * 512L, 4096);
        log.fill((byte) 0xFF);
        d.write(log, (sb.superOffset() + sb.bblogOffset()) * 512);
      }
      if (bitmap != null) {
        MemorySegment area = arena.allocate(bitmapAreaBytes, 4096);
        area.fill((byte) 0xFF);
        BitmapCodec.encode(bitmap, area);
        d.write(area, (sb.superOffset() + sb.bitmapOffset()) * 512);
      }
      MemorySegment block = arena.allocate(Superblock1Layout.BLOCK_BYTES, 4096);
      block.fill((byte) 0);
      Superblock1Codec.encode(sb, block);
      d.write(block, sb.superOffset() * 512);
      d.flush();
    }
  }

  /** mdadm's {@code Kill()}: zero every md superblock md or mdadm would still find. */
  private static void eraseOldSuperblocks(BlockDevice d, Arena arena) throws IOException {
    MemorySegment block = arena.allocate(Superblock1Layout.BLOCK_BYTES, 4096);
    int erase = Math.max(512, d.logicalBlockSize());
    MemorySegment zeros = arena.allocate(Math.max(erase, V090_BYTES), 4096);
    zeros.fill((byte) 0);
    if (d.sectors() >= MetadataVersion.MIN_DEVICE_SECTORS) {
      for (MetadataVersion v : MetadataVersion.values()) {
        long at = v.superOffset(d.sectors());
        d.read(block, at * 512);
        if (block.get(U32, Superblock1Layout.MAGIC_OFFSET) == MD_MAGIC
            && block.get(U32, Superblock1Layout.MAJOR_VERSION_OFFSET) == 1
            && block.get(U64, Superblock1Layout.SUPER_OFFSET_OFFSET) == at) {
          d.write(zeros.asSlice(0, erase), at * 512);
        }
      }
    }
    long v090 = (d.size() & ~0xFFFFL) - 0x10000;
    if (v090 >= 0) {
      d.read(block, v090);
      if (block.get(U32, 0) == MD_MAGIC && block.get(U32, 4) == 0) {
        d.write(zeros.asSlice(0, V090_BYTES), v090);
      }
    }
  }

  /** Reads the member back and checks it says what was planned. */
  private static Member readBack(
      BlockDevice d, Superblock1 planned, @Nullable BitmapSuperblock bitmap) throws IOException {
    Member m;
    try {
      m = MemberReader.read(d);
    } catch (FormatException e) {
      throw new IOException("the new superblock does not read back: " + e.getMessage(), e);
    }
    if (!m.superblock().equals(planned) || !Objects.equals(m.bitmap(), bitmap)) {
      throw new IOException(
          "the member reads back differently from what was written (a device that drops writes?)");
    }
    return m;
  }
}
