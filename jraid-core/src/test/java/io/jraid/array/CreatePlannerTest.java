package io.jraid.array;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jraid.array.CreatePlanner.Device;
import io.jraid.array.CreatePlanner.Identity;
import io.jraid.array.CreateRequest.Bitmap;
import io.jraid.format.FeatureMap;
import io.jraid.format.MdUuid;
import io.jraid.format.MetadataPlacement;
import io.jraid.format.MetadataVersion;
import io.jraid.format.RoleTable;
import io.jraid.format.Superblock1;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The planner against facts taken from mdadm 4.2's source (quoted in each test) and from the worked
 * tables of {@code shared/spec/md-superblock-v1.md} §8 and {@code md-bitmap.md} §4.1 — never
 * against the planner's own output. The Linux fixtures are the other oracle ({@code
 * CreateLinuxTest}).
 */
class CreatePlannerTest {

  private static final long GIB = 2L * 1024 * 1024; // sectors

  static Identity identity(int members) {
    List<MdUuid> devices = new ArrayList<>();
    for (int i = 0; i < members; i++) {
      devices.add(new MdUuid(0xA0A1A2A3A4A5A6A7L, i));
    }
    return new Identity(
        new MdUuid(0x0011223344556677L, 0x8899AABBCCDDEEFFL), devices, 1_700_000_000);
  }

  static List<Device> devices(long... sectors) {
    List<Device> d = new ArrayList<>();
    for (int i = 0; i < sectors.length; i++) {
      d.add(new Device("disk" + i, sectors[i]));
    }
    return d;
  }

  static CreateRequest request(
      int level, int disks, int chunkKib, MetadataVersion version, Bitmap bitmap) {
    return new CreateRequest(
        level, disks, chunkKib * 2, null, version, null, "mdoracle", bitmap, false, 0);
  }

  static CreatePlan plan(CreateRequest request, long... sectors) throws CreateException {
    return CreatePlanner.plan(request, devices(sectors), identity(sectors.length));
  }

  /**
   * md-superblock-v1.md §8.3, from {@code validate_geometry1()}: headroom 128 MiB halved while
   * {@code headroom << 10 > devsize} and {@code headroom/2 >= 2 chunks}, plus 12 KiB and {@code
   * choose_bm_space(devsize)}, rounded up to 1 MiB. Default chunk 512 KiB.
   */
  @ParameterizedTest
  @CsvSource({
    "2097152, 4096", // 1 GiB: headroom 2048, bmspace 8
    "20971520, 18432", // 10 GiB: headroom 16384, bmspace 128
    "209715200, 133120", // 100 GiB: headroom 131072, bmspace 128
    "1953125000, 264192", // 1 TB: headroom 262144, bmspace 256
  })
  void dataOffsetIsMdadms(long deviceSectors, long dataOffset) throws CreateException {
    CreatePlan p =
        plan(
            request(5, 4, 512, MetadataVersion.V1_2, Bitmap.NONE),
            deviceSectors,
            deviceSectors,
            deviceSectors,
            deviceSectors);
    for (CreatePlan.PlannedMember m : p.members()) {
      assertThat(m.superblock().dataOffset()).isEqualTo(dataOffset);
      assertThat(m.superblock().dataSize()).isEqualTo(deviceSectors - dataOffset);
    }
    // validate_geometry1: freesize = devsize - data_offset, in KiB rounded down to the chunk.
    assertThat(p.first().size()).isEqualTo((deviceSectors - dataOffset) / 1024 * 1024);
  }

  /** {@code choose_bm_space()}: 0 below 64 KiB, 4 KiB, 64 KiB above 8 GiB, 128 KiB from 200 GiB. */
  @Test
  void bitmapSpaceThresholdsAreMdadms() {
    assertThat(MetadataPlacement.reservedBitmapSectors(127)).isZero();
    assertThat(MetadataPlacement.reservedBitmapSectors(128)).isEqualTo(8);
    // "devsize - 4*2 > 8*1024*1024*2"
    assertThat(MetadataPlacement.reservedBitmapSectors(16_777_224)).isEqualTo(8);
    assertThat(MetadataPlacement.reservedBitmapSectors(16_777_225)).isEqualTo(128);
    // "devsize - 64*2 >= 200*1024*1024*2"
    assertThat(MetadataPlacement.reservedBitmapSectors(419_430_527)).isEqualTo(128);
    assertThat(MetadataPlacement.reservedBitmapSectors(419_430_528)).isEqualTo(256);
  }

  /**
   * md-bitmap.md §4.1 worked values, from {@code add_internal_bitmap1()} without a chunk: room =
   * {@code choose_bm_space(size)} capped at 128 KiB, the smallest chunk from 4 KiB whose bits fit,
   * at least 64 MiB; bits = size / chunk rounded up.
   */
  @ParameterizedTest
  @CsvSource({
    "1, 67108864, 16",
    "100, 67108864, 1600",
    "1024, 67108864, 16384",
    "16384, 67108864, 262144",
    "65536, 134217728, 524288",
  })
  void bitmapChunkIsMdadms(long componentGib, long chunkBytes, long bits) {
    long size = componentGib * GIB;
    assertThat(MetadataPlacement.defaultBitmapChunk(size)).isEqualTo(chunkBytes);
    assertThat((size * 512 + chunkBytes - 1) / chunkBytes).isEqualTo(bits);
  }

  /**
   * A fixture-sized member (2 MiB, as the Linux fixtures): data at 1 MiB, the bad-block log 8
   * sectors after the 4 KiB reserved for a bitmap ({@code bm_offset 8 + bm_space 8 = 16}), 128 role
   * entries ({@code ROUND_UP(256 + 2·4, 512)}), slots in device order, events 0 ({@code
   * write_init_super1}), resync from 0 (needs a sync).
   */
  @Test
  void smallMembersGetTheFixturesLayout() throws CreateException {
    CreatePlan p =
        plan(request(5, 4, 64, MetadataVersion.V1_2, Bitmap.DEFAULT), 4096, 4096, 4096, 4096);
    for (int i = 0; i < 4; i++) {
      Superblock1 sb = p.members().get(i).superblock();
      assertThat(sb.featureMap()).isZero();
      assertThat(sb.superOffset()).isEqualTo(8);
      assertThat(sb.dataOffset()).isEqualTo(2048);
      assertThat(sb.dataSize()).isEqualTo(2048);
      assertThat(sb.size()).isEqualTo(2048);
      assertThat(sb.bblogOffset()).isEqualTo(16);
      assertThat(sb.bblogSize()).isEqualTo(8);
      assertThat(sb.layout()).isEqualTo(2);
      assertThat(sb.chunkSectors()).isEqualTo(128);
      assertThat(sb.maxDev()).isEqualTo(128);
      assertThat(sb.devNumber()).isEqualTo(i);
      assertThat(sb.role()).isEqualTo(i);
      assertThat(sb.roles().role(4)).isEqualTo(RoleTable.SPARE);
      assertThat(sb.events()).isZero();
      assertThat(sb.resyncOffset()).isZero();
      assertThat(sb.ctime()).isEqualTo(1_700_000_000).isEqualTo(sb.utime());
      assertThat(sb.setName()).isEqualTo("mdoracle:0");
      assertThat(sb.deviceUuid()).isEqualTo(new MdUuid(0xA0A1A2A3A4A5A6A7L, i));
    }
    assertThat(p.bitmap()).isNull();
    assertThat(p.needsResync()).isTrue();
    assertThat(p.arraySectors()).isEqualTo(3 * 2048);
  }

  /**
   * Metadata 1.0 ({@code write_init_super1} case 0): superblock at {@code (devsize - 16) & ~7},
   * data from 0; {@code bm_space = choose_bm_space(size) + 8}, {@code data_size = sb_offset -
   * bm_space}, bad-block log at -8. Size from {@code validate_geometry1}: {@code (devsize & ~7) -
   * (16 + 8 + choose_bm_space(devsize))} in whole chunks.
   */
  @Test
  void metadata10PutsEverythingAtTheEnd() throws CreateException {
    CreatePlan p = plan(request(5, 3, 64, MetadataVersion.V1_0, Bitmap.NONE), 4100, 4100, 4100);
    Superblock1 sb = p.first();
    assertThat(sb.superOffset()).isEqualTo(4080); // (4100 - 16) & ~7
    assertThat(sb.dataOffset()).isZero();
    assertThat(sb.size()).isEqualTo(3968); // (4096 - 32) = 4064 -> 31 chunks of 128
    assertThat(sb.dataSize()).isEqualTo(4064); // 4080 - (8 + 8)
    assertThat(sb.bblogOffset()).isEqualTo(-8);
    assertThat(sb.bblogSize()).isEqualTo(8);
    assertThat(sb.version()).isEqualTo(MetadataVersion.V1_0);
  }

  /**
   * Metadata 1.0 with a bitmap ({@code add_internal_bitmap1} case 0 when creating): offset {@code
   * -room - 8} with room = {@code (size·512/chunk + 1)} bits plus the 256-byte header rounded up to
   * 4 KiB; {@code data_size = sb_offset - (calc_bitmap_size + 8)}.
   */
  @Test
  void metadata10BitmapSitsBelowTheBadBlockLog() throws CreateException {
    CreatePlan p =
        plan(request(6, 4, 64, MetadataVersion.V1_0, Bitmap.INTERNAL), 4100, 4100, 4100, 4100);
    Superblock1 sb = p.first();
    assertThat(sb.featureMap()).isEqualTo(FeatureMap.BITMAP_OFFSET);
    assertThat(sb.bitmapOffset()).isEqualTo(-16);
    assertThat(sb.dataSize()).isEqualTo(4064);
    assertThat(sb.bblogOffset()).isEqualTo(-8);
    assertThat(p.bitmap()).isNotNull();
    assertThat(p.bitmap().chunkBytes()).isEqualTo(64 << 20);
    assertThat(p.bitmap().syncSize()).isEqualTo(3968);
    assertThat(p.bitmapAreaBytes()).isEqualTo(4096);
  }

  /** Metadata 1.1: superblock at 0, everything else as 1.2 (bad-block log at 8 + 8). */
  @Test
  void metadata11PutsTheSuperblockFirst() throws CreateException {
    CreatePlan p = plan(request(4, 3, 64, MetadataVersion.V1_1, Bitmap.INTERNAL), 4096, 4096, 4096);
    Superblock1 sb = p.first();
    assertThat(sb.superOffset()).isZero();
    assertThat(sb.dataOffset()).isEqualTo(2048);
    assertThat(sb.bitmapOffset()).isEqualTo(8);
    assertThat(sb.bblogOffset()).isEqualTo(16);
    assertThat(sb.layout()).isZero(); // mdadm's default_layout() for RAID-4
    assertThat(p.geometry().algorithm().mdadmName()).isEqualTo("parity-last");
  }

  /**
   * The first device fixes the data offset for all ({@code st->data_offset} is set on the first
   * {@code validate_geometry1} call); the array uses the smallest free size, and says so.
   */
  @Test
  void theFirstDeviceFixesTheDataOffsetAndTheSmallestTheSize() throws CreateException {
    CreatePlan p =
        plan(request(5, 3, 512, MetadataVersion.V1_2, Bitmap.NONE), 200 * GIB, 2 * GIB, 3 * GIB);
    // 200 GiB: headroom 262144 (262144 << 10 is not above 419430400), bmspace 128 -> 264192.
    // A 2 GiB first device alone would get 6144 (headroom 4096).
    for (CreatePlan.PlannedMember m : p.members()) {
      assertThat(m.superblock().dataOffset()).isEqualTo(264192);
    }
    assertThat(p.first().size()).isEqualTo((2 * GIB - 264192) / 1024 * 1024);
    assertThat(p.members().get(1).superblock().dataSize()).isEqualTo(2 * GIB - 264192);
    assertThat(p.notes())
        .anySatisfy(n -> assertThat(n).contains("differ in size").contains("disk1"));
    assertThat(MetadataPlacement.defaultDataOffset(MetadataVersion.V1_2, 2 * GIB, 1024))
        .isEqualTo(6144);
  }

  /**
   * mdadm 4.2 {@code Create()}: "automatically enabling write-intent bitmap on large array" when
   * {@code s->size > 100*1024*1024ULL} (KiB per member).
   */
  @Test
  void theDefaultBitmapFollowsMdadmsThreshold() throws CreateException {
    long dataOffset = 133120; // a device just over 100 GiB: headroom 131072, bmspace 128
    long exactly = 100 * GIB + dataOffset;
    assertThat(
            plan(
                    request(5, 3, 512, MetadataVersion.V1_2, Bitmap.DEFAULT),
                    exactly,
                    exactly,
                    exactly)
                .bitmap())
        .isNull();
    long above = exactly + 1024;
    CreatePlan p =
        plan(request(5, 3, 512, MetadataVersion.V1_2, Bitmap.DEFAULT), above, above, above);
    assertThat(p.bitmap()).isNotNull();
    assertThat(p.first().featureMap()).isEqualTo(FeatureMap.BITMAP_OFFSET);
    assertThat(p.first().bitmapOffset()).isEqualTo(8);
    // room 128 (size above 8 GiB), chunk 64 MiB, 1601 bits -> 457 bytes -> 8 sectors; log after.
    assertThat(p.first().bblogOffset()).isEqualTo(16);
    assertThat(p.bitmap().chunkBytes()).isEqualTo(64 << 20);
    assertThat(p.bitmap().version()).isEqualTo(4);
    assertThat(p.bitmap().daemonSleep()).isEqualTo(5);
    assertThat(p.bitmap().events()).isZero();
    assertThat(p.bitmap().uuid()).isEqualTo(p.first().setUuid());
    assertThat(p.notes()).anySatisfy(n -> assertThat(n).contains("100 GiB"));
    assertThat(
            plan(request(5, 3, 512, MetadataVersion.V1_2, Bitmap.NONE), above, above, above)
                .bitmap())
        .isNull();
  }

  /** {@code init_super1()}: homehost:name when it fits in 31 bytes and the name has no colon. */
  @Test
  void namesFollowInitSuper1() {
    assertThat(named(null, "mdoracle")).isEqualTo("mdoracle:0");
    assertThat(named("data", "mdoracle")).isEqualTo("mdoracle:data");
    assertThat(named("other:data", "mdoracle")).isEqualTo("other:data");
    assertThat(named("data", null)).isEqualTo("data");
    assertThat(named(null, null)).isEqualTo("0");
    assertThat(named("abcdefghijk", "h234567890123456789"))
        .isEqualTo("h234567890123456789:abcdefghijk");
    assertThat(named("abcdefghijkl", "h234567890123456789")).isEqualTo("abcdefghijkl");
  }

  private static String named(String name, String homehost) {
    return new CreateRequest(
            5, 3, 1024, null, MetadataVersion.V1_2, name, homehost, Bitmap.NONE, false, 0)
        .setName();
  }

  @Test
  void assumeCleanMarksTheArrayClean() throws CreateException {
    CreateRequest r =
        new CreateRequest(
            6,
            4,
            128,
            "left-symmetric-6",
            MetadataVersion.V1_2,
            "x",
            null,
            Bitmap.INTERNAL,
            true,
            0);
    CreatePlan p = plan(r, 8192, 8192, 8192, 8192);
    assertThat(p.first().resyncOffset()).isEqualTo(Superblock1.MAX_SECTOR);
    assertThat(p.needsResync()).isFalse();
    assertThat(p.first().layout()).isEqualTo(18);
    // mdadm 4.2 write_bitmap1() fills the bits with 0xff whatever the sync state.
    assertThat(p.initialBitsSet()).isTrue();
  }

  /** {@code --size} is rounded down to the chunk ({@code round_size_and_verify}). */
  @Test
  void sizeIsRoundedToTheChunk() throws CreateException {
    CreateRequest r =
        new CreateRequest(
            5, 3, 128, null, MetadataVersion.V1_2, null, null, Bitmap.NONE, false, 1000);
    assertThat(plan(r, 8192, 8192, 8192).first().size()).isEqualTo(896); // 7 chunks of 128
  }

  @Test
  void devicesThatCannotHoldTheArrayAreNamed() {
    CreateRequest r = request(5, 3, 64, MetadataVersion.V1_2, Bitmap.NONE);
    assertThatThrownBy(() -> plan(r, 4096, 16, 4096))
        .isInstanceOf(CreateException.class)
        .hasMessageContaining("disk1")
        .hasMessageContaining("too small");
    assertThatThrownBy(() -> plan(r, 4096, 2048, 4096)) // all of it goes to the data offset
        .isInstanceOf(CreateException.class)
        .hasMessageContaining("disk1")
        .hasMessageContaining("too small for the metadata");
    CreateRequest bigChunk = request(5, 3, 2048, MetadataVersion.V1_2, Bitmap.NONE);
    // 2M chunks keep the headroom at 2 chunks: data offset 10240, leaving 2048 sectors of 12288.
    assertThatThrownBy(() -> plan(bigChunk, 12288, 12288, 12288))
        .isInstanceOf(CreateException.class)
        .hasMessageContaining("less than one chunk")
        .hasMessageContaining("--chunk");
    CreateRequest sized =
        new CreateRequest(
            5, 3, 128, null, MetadataVersion.V1_2, null, null, Bitmap.NONE, false, 4096);
    assertThatThrownBy(() -> plan(sized, 8192, 4096, 8192))
        .isInstanceOf(CreateException.class)
        .hasMessageContaining("disk1")
        .hasMessageContaining("--size");
    CreateRequest tinyBitmap = request(5, 3, 4, MetadataVersion.V1_0, Bitmap.INTERNAL);
    assertThatThrownBy(() -> plan(tinyBitmap, 150, 150, 150))
        .isInstanceOf(CreateException.class)
        .hasMessageContaining("--bitmap none");
  }

  @Test
  void badRequestsSayWhatToChange() {
    assertThatThrownBy(() -> request(3, 3, 64, MetadataVersion.V1_2, Bitmap.NONE))
        .hasMessageContaining("--level 4|5|6");
    assertThatThrownBy(() -> request(6, 3, 64, MetadataVersion.V1_2, Bitmap.NONE))
        .hasMessageContaining("RAID-6 needs 4 to 256 devices, not 3");
    assertThatThrownBy(() -> request(5, 1, 64, MetadataVersion.V1_2, Bitmap.NONE))
        .hasMessageContaining("RAID-5 needs 2 to 256");
    assertThatThrownBy(() -> request(5, 3, 6, MetadataVersion.V1_2, Bitmap.NONE))
        .hasMessageContaining("chunk 6K is not a power of two");
    assertThatThrownBy(() -> request(5, 3, 2, MetadataVersion.V1_2, Bitmap.NONE))
        .hasMessageContaining("at least 4K");
    assertThatThrownBy(() ->
            new CreateRequest(
                5, 3, 128, "diagonal", MetadataVersion.V1_2, null, null, Bitmap.NONE, false, 0))
        .hasMessageContaining("layout 'diagonal' is not a RAID-5 layout")
        .hasMessageContaining("left-symmetric");
    assertThatThrownBy(() ->
            new CreateRequest(
                5, 3, 128, null, MetadataVersion.V1_2, "x".repeat(32), null, Bitmap.NONE, false, 0))
        .hasMessageContaining("longer than 31 bytes");
    CreateRequest r = request(5, 3, 64, MetadataVersion.V1_2, Bitmap.NONE);
    assertThatThrownBy(() -> plan(r, 4096, 4096))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--raid-devices is 3 but 2 devices are named");
    assertThatThrownBy(() ->
            CreatePlanner.plan(
                r,
                List.of(new Device("a", 4096), new Device("b", 4096), new Device("a", 4096)),
                identity(3)))
        .hasMessageContaining("a is named twice");
  }
}
