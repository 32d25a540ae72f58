package io.jraid.array;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jraid.device.BlockDevice;
import io.jraid.device.FaultyDevice;
import io.jraid.device.MemoryDevice;
import io.jraid.format.MdUuid;
import io.jraid.format.MetadataVersion;
import io.jraid.testing.LinuxFixtures;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the writer writes besides the superblock: old md superblocks erased wherever md or mdadm
 * would find them (mdadm's {@code Kill()}), an empty bad-block log, the bitmap filled with ones up
 * to 4 KiB ({@code write_bitmap1()}), and nothing else; and what the probe reports before.
 */
class ArrayCreatorTest {

  private static final ValueLayout.OfInt U32 =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfShort U16 =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final long SIZE = 4L << 20;

  private static List<BlockDevice> devices(int n) {
    List<BlockDevice> d = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      d.add(MemoryDevice.create("m" + i, SIZE));
    }
    return d;
  }

  private static List<Member> create(
      List<BlockDevice> devices, MetadataVersion version, long ctime, boolean bitmap)
      throws Exception {
    CreateRequest r =
        new CreateRequest(
            5,
            devices.size(),
            128,
            null,
            version,
            null,
            "h",
            bitmap ? CreateRequest.Bitmap.INTERNAL : CreateRequest.Bitmap.NONE,
            false,
            0);
    List<CreatePlanner.Device> planned = new ArrayList<>();
    List<MdUuid> uuids = new ArrayList<>();
    for (BlockDevice d : devices) {
      planned.add(new CreatePlanner.Device(d.name(), d.sectors()));
      uuids.add(new MdUuid(ctime, planned.size()));
    }
    CreatePlan plan =
        CreatePlanner.plan(
            r, planned, new CreatePlanner.Identity(new MdUuid(ctime, 0), uuids, ctime));
    return ArrayCreator.write(plan, devices);
  }

  private static MemorySegment read(BlockDevice d, long offset, int length) throws Exception {
    MemorySegment s = Arena.ofAuto().allocate(length, 4096);
    d.read(s, offset);
    return s;
  }

  @Test
  void oldSuperblocksAreErasedEvenWhenNewer() throws Exception {
    List<BlockDevice> devices = devices(3);
    create(devices, MetadataVersion.V1_0, 2_000_000_000L, false);
    BlockDevice d = devices.getFirst();
    // An md 0.90 superblock and an ext4 signature as well.
    MemorySegment v090 = Arena.ofAuto().allocate(4096, 4096);
    v090.set(U32, 0, 0xA92B4EFC);
    d.write(v090, (SIZE & ~0xFFFFL) - 0x10000);
    MemorySegment ext4 = read(d, 1024, 512);
    ext4.set(U16, 56, (short) 0xEF53);
    d.write(ext4, 1024);
    assertThat(ContentProbe.probe(d))
        .containsExactly(
            "an md superblock (metadata 1.0, raid5 array 00000000:77359400:00000000:00000000"
                + " 'h:0', 3 devices)",
            "an md 0.90 superblock",
            "an ext2/3/4 file system");
    // The 1.0 superblock has the later ctime: probing would pick it if it were left.
    List<Member> created = create(devices, MetadataVersion.V1_2, 1_000_000_000L, false);
    assertThat(created.getFirst().superblock().version()).isEqualTo(MetadataVersion.V1_2);
    long oldAt = MetadataVersion.V1_0.superOffset(SIZE / 512) * 512;
    assertThat(read(d, oldAt, 512).toArray(ValueLayout.JAVA_BYTE)).containsOnly(0);
    assertThat(read(d, (SIZE & ~0xFFFFL) - 0x10000, 4096).get(U32, 0)).isZero();
    assertThat(read(d, 1024, 512).get(U16, 56)).isEqualTo((short) 0xEF53); // mdadm leaves it too
    assertThat(ContentProbe.probe(d)).hasSize(2).last().isEqualTo("an ext2/3/4 file system");
  }

  @Test
  void theBitmapIsOnesAndTheBadBlockLogEmpty() throws Exception {
    List<BlockDevice> devices = devices(3);
    for (BlockDevice d : devices) {
      d.write(Arena.ofAuto().allocate(64 * 1024, 4096), 0); // zeros where metadata goes
    }
    Member m = create(devices, MetadataVersion.V1_2, 1_000_000_000L, true).getFirst();
    BlockDevice d = devices.getFirst();
    MemorySegment bitmap = read(d, 16 * 512, 4096);
    assertThat(bitmap.get(U32, 0)).isEqualTo(0x6D746962); // "bitm"
    assertThat(bitmap.asSlice(256).toArray(ValueLayout.JAVA_BYTE)).containsOnly((byte) 0xFF);
    assertThat(m.superblock().bblogOffset()).isEqualTo(16);
    assertThat(read(d, 24 * 512, 4096).toArray(ValueLayout.JAVA_BYTE)).containsOnly((byte) 0xFF);
    assertThat(read(d, 0, 4096).toArray(ValueLayout.JAVA_BYTE)).containsOnly(0);
  }

  @Test
  void aFailedWriteNamesTheDevice() throws Exception {
    List<BlockDevice> devices = devices(3);
    FaultyDevice bad = new FaultyDevice(devices.get(2));
    bad.failWrites(8, 8);
    devices.set(2, bad);
    assertThatThrownBy(() -> create(devices, MetadataVersion.V1_2, 1, false))
        .isInstanceOf(CreateException.class)
        .hasMessageContaining("m2: writing the member failed")
        .hasMessageContaining("members before it were written");
  }

  @Test
  void theProbeNamesWhatItFinds() throws Exception {
    assertThat(ContentProbe.probe(MemoryDevice.create("empty", SIZE))).isEmpty();
    assertThat(found(0, "XFSB")).containsExactly("an XFS file system");
    assertThat(found(0, "LUKS\u00ba\u00be")).containsExactly("a LUKS encrypted volume");
    assertThat(found(65600, "_BHRfS_M")).containsExactly("a btrfs file system");
    assertThat(found(4086, "SWAPSPACE2")).containsExactly("swap space");
    assertThat(found(4086, "SWAP-SPACE")).containsExactly("swap space");
    assertThat(found(512, "EFI PART")).containsExactly("a GPT partition table");
    assertThat(found(510, "U\u00aa")).containsExactly("an MBR partition table or boot sector");
    BlockDevice member =
        MemoryDevice.copyOf(LinuxFixtures.get("r5-4d-64k-left-symmetric").images().getFirst());
    assertThat(ContentProbe.probe(member))
        .containsExactly(
            "an md superblock (metadata 1.2, raid5 array be466e9f:f30ba2d4:4cfc569c:8c0c4bf1"
                + " 'mdoracle:0', 4 devices)");
  }

  private static List<String> found(long offset, String magic) throws Exception {
    BlockDevice d = MemoryDevice.create("sig", SIZE);
    byte[] bytes = magic.getBytes(StandardCharsets.ISO_8859_1);
    MemorySegment block = read(d, offset / 512 * 512, 1024);
    MemorySegment.copy(bytes, 0, block, ValueLayout.JAVA_BYTE, offset % 512, bytes.length);
    d.write(block, offset / 512 * 512);
    return ContentProbe.probe(d);
  }
}
