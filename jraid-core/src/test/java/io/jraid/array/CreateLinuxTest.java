package io.jraid.array;

import static org.assertj.core.api.Assertions.assertThat;

import io.jraid.array.AssemblyDecision.Verdict;
import io.jraid.array.CreateRequest.Bitmap;
import io.jraid.device.BlockDevice;
import io.jraid.device.FileDevice;
import io.jraid.format.BitmapSuperblock;
import io.jraid.format.MetadataVersion;
import io.jraid.format.Superblock1;
import io.jraid.testing.Fixture;
import io.jraid.testing.LinuxFixtures;
import io.jraid.testing.Seeds;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code jraid create} against arrays made by mdadm 4.2 (the Linux fixtures): created on fresh
 * files of the fixture's member size with the fixture's level, devices, chunk, layout, metadata and
 * bitmap, every member carries what mdadm chose there — data offset and size, superblock and
 * bad-block log places, bitmap place and header, feature map, geometry, role-table size, name form
 * — everything except UUIDs, times, events, sync state and the role table (mdadm's RAID-4/5
 * recovery trick leaves its last member at descriptor N; see {@link CreatePlanner}).
 *
 * <p>Then the created array runs: it assembles (needs a resync, or clean with {@code
 * --assume-clean}), takes seeded random data, reads it back after a reopen, and — after the
 * superblock updater marks it clean — reads it back degraded with each member missing in turn,
 * which holds only if the parity jraid wrote is right.
 */
class CreateLinuxTest {

  static List<Fixture> fixtures() {
    return LinuxFixtures.all();
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void createdMembersCarryMdadmsChoices(Fixture fixture, @TempDir Path temp) throws Exception {
    Superblock1 mdadm = MemberReader.read(fixture.images().getFirst()).superblock();
    BitmapSuperblock mdadmBitmap = MemberReader.read(fixture.images().getFirst()).bitmap();
    List<Member> created = create(fixture, temp, bitmapOf(fixture), false, fixture.raidDevices());
    for (Member m : created) {
      Superblock1 sb = m.superblock();
      assertThat(sb.featureMap()).as("feature_map").isEqualTo(mdadm.featureMap());
      assertThat(sb.level()).isEqualTo(mdadm.level());
      assertThat(sb.layout()).as("layout").isEqualTo(mdadm.layout());
      assertThat(sb.size()).as("size").isEqualTo(mdadm.size());
      assertThat(sb.chunkSectors()).isEqualTo(mdadm.chunkSectors());
      assertThat(sb.raidDisks()).isEqualTo(mdadm.raidDisks());
      assertThat(sb.dataOffset()).as("data_offset").isEqualTo(mdadm.dataOffset());
      assertThat(sb.dataSize()).as("data_size").isEqualTo(mdadm.dataSize());
      assertThat(sb.superOffset()).as("super_offset").isEqualTo(mdadm.superOffset());
      assertThat(sb.bitmapOffset()).as("bitmap_offset").isEqualTo(mdadm.bitmapOffset());
      assertThat(sb.bblogOffset()).as("bblog_offset").isEqualTo(mdadm.bblogOffset());
      assertThat(sb.bblogSize()).as("bblog_size").isEqualTo(mdadm.bblogSize());
      assertThat(sb.bblogShift()).isEqualTo(mdadm.bblogShift());
      assertThat(sb.devFlags()).isEqualTo(mdadm.devFlags());
      assertThat(sb.maxDev()).as("max_dev").isEqualTo(mdadm.maxDev());
      assertThat(sb.setName()).as("set_name").isEqualTo(fixture.arrayName());
      assertThat(sb.events()).isZero();
      assertThat(sb.resyncOffset()).isZero();
      BitmapSuperblock bitmap = m.bitmap();
      if (mdadmBitmap == null) {
        assertThat(bitmap).isNull();
      } else {
        assertThat(bitmap).isNotNull();
        assertThat(bitmap.version()).isEqualTo(mdadmBitmap.version());
        assertThat(bitmap.chunkBytes()).isEqualTo(mdadmBitmap.chunkBytes());
        assertThat(bitmap.syncSize()).isEqualTo(mdadmBitmap.syncSize());
        assertThat(bitmap.daemonSleep()).isEqualTo(mdadmBitmap.daemonSleep());
        assertThat(bitmap.writeBehind()).isEqualTo(mdadmBitmap.writeBehind());
        assertThat(bitmap.sectorsReserved()).isEqualTo(mdadmBitmap.sectorsReserved());
        assertThat(bitmap.nodes()).isEqualTo(mdadmBitmap.nodes());
        assertThat(bitmap.uuid()).isEqualTo(m.superblock().setUuid());
        assertThat(bitmap.events()).isZero(); // add_internal_bitmap1 leaves events 0
      }
    }
    for (int i = 0; i < created.size(); i++) {
      assertThat(created.get(i).superblock().devNumber()).isEqualTo(i);
      assertThat(created.get(i).ownRole()).isEqualTo(i);
    }
  }

  /** mdadm 4.2 chooses no bitmap for these 2-4 MiB members unless asked (under 100 GiB). */
  @ParameterizedTest
  @MethodSource("fixtures")
  void theDefaultBitmapIsNoneForSmallMembers(Fixture fixture, @TempDir Path temp) throws Exception {
    for (Member m : create(fixture, temp, Bitmap.DEFAULT, false, fixture.raidDevices())) {
      assertThat(m.bitmap()).isNull();
    }
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void aCreatedArrayRunsAndItsParityIsRight(Fixture fixture, @TempDir Path temp) throws Exception {
    roundTrip(fixture, temp, false);
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void anAssumeCleanArrayRunsClean(Fixture fixture, @TempDir Path temp) throws Exception {
    roundTrip(fixture, temp, true);
  }

  private static void roundTrip(Fixture fixture, Path temp, boolean assumeClean) throws Exception {
    List<Member> members = create(fixture, temp, bitmapOf(fixture), assumeClean, 0);
    AssemblyDecision decision = AssemblyPlanner.plan(members);
    assertThat(decision.verdict()).isEqualTo(assumeClean ? Verdict.CLEAN : Verdict.NEEDS_RESYNC);
    long seed = Seeds.of(fixture.name().hashCode(), assumeClean ? 1 : 0);
    byte[] data;
    try (RaidArray array = RaidArray.open(decision, false)) {
      assertThat(array.size()).isEqualTo(fixture.arraySizeBytes());
      data = new byte[(int) array.size()];
      new SplittableRandom(seed).nextBytes(data);
      try (Arena arena = Arena.ofShared()) {
        MemorySegment all = arena.allocate(data.length, 4096);
        MemorySegment.copy(data, 0, all, ValueLayout.JAVA_BYTE, 0, data.length);
        array.write(all, 0);
        array.flush();
      }
    }
    assertThat(readAll(members, -1)).as("seed %d", seed).isEqualTo(data);
    if (!assumeClean) {
      markClean(members);
    }
    for (int missing = 0; missing < members.size(); missing++) {
      assertThat(readAll(members, missing))
          .as("read with slot %d missing, seed %d", missing, seed)
          .isEqualTo(data);
    }
  }

  /** What the lead's clean stop does: the updater marks every member clean. */
  private static void markClean(List<Member> members) throws Exception {
    List<FileDevice> devices = new ArrayList<>();
    try {
      List<MemberSuperblocks.Entry> entries = new ArrayList<>();
      for (Member m : members) {
        FileDevice d = FileDevice.openReadWrite(Path.of(m.path()));
        devices.add(d);
        entries.add(new MemberSuperblocks.Entry(d, MemberReader.read(d).superblock()));
      }
      MemberSuperblocks.Result r =
          new MemberSuperblocks(entries, Clock.systemUTC())
              .update(MemberSuperblocks.Change.markClean());
      assertThat(r.allWritten()).isTrue();
    } finally {
      for (FileDevice d : devices) {
        d.close();
      }
    }
  }

  /** The whole array, read after assembling the members (all, or all but slot {@code missing}). */
  private static byte[] readAll(List<Member> created, int missing) throws Exception {
    List<Member> members = new ArrayList<>();
    for (Member m : created) {
      if (m.ownRole() != missing) {
        members.add(MemberReader.read(Path.of(m.path())));
      }
    }
    AssemblyDecision decision = AssemblyPlanner.plan(members);
    assertThat(decision.verdict().runnable()).as(decision.reason()).isTrue();
    try (RaidArray array = RaidArray.open(decision, true);
        Arena arena = Arena.ofShared()) {
      MemorySegment all = arena.allocate(array.size(), 4096);
      array.read(all, 0);
      return all.toArray(ValueLayout.JAVA_BYTE);
    }
  }

  private static Bitmap bitmapOf(Fixture fixture) {
    return "internal".equals(fixture.bitmap()) ? Bitmap.INTERNAL : Bitmap.NONE;
  }

  /**
   * Creates the fixture's array on fresh sparse files of its member size.
   *
   * @param devices how many members, or 0 for the fixture's count
   */
  static List<Member> create(
      Fixture fixture, Path temp, Bitmap bitmap, boolean assumeClean, int devices)
      throws Exception {
    int n = devices == 0 ? fixture.raidDevices() : devices;
    String layout = fixture.layoutName();
    CreateRequest request =
        new CreateRequest(
            fixture.level(),
            n,
            fixture.chunkKib() * 2,
            "default".equals(layout) ? null : layout,
            MetadataVersion.parse(fixture.metadata()),
            null,
            fixture.arrayName().substring(0, fixture.arrayName().indexOf(':')),
            bitmap,
            assumeClean,
            0);
    List<CreatePlanner.Device> planned = new ArrayList<>();
    List<BlockDevice> opened = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        Path file = temp.resolve("member" + i + ".img");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
          f.setLength(fixture.memberSizeBytes());
        }
        FileDevice d = FileDevice.openReadWrite(file);
        opened.add(d);
        planned.add(new CreatePlanner.Device(d.name(), d.sectors()));
      }
      CreatePlan plan =
          CreatePlanner.plan(request, planned, CreatePlanner.Identity.random(n, Clock.systemUTC()));
      return ArrayCreator.write(plan, opened);
    } finally {
      for (BlockDevice d : opened) {
        d.close();
      }
    }
  }
}
