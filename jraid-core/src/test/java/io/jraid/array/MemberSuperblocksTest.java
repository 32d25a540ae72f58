package io.jraid.array;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jraid.array.MemberSuperblocks.Change;
import io.jraid.array.MemberSuperblocks.Entry;
import io.jraid.array.MemberSuperblocks.Result;
import io.jraid.device.BlockDevice;
import io.jraid.device.FaultyDevice;
import io.jraid.device.MemoryDevice;
import io.jraid.format.FeatureMap;
import io.jraid.format.MetadataVersion;
import io.jraid.format.RoleTable;
import io.jraid.format.Superblock1;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The running array's superblock updater: after each update every working member, read back from
 * its device, shows events + 1, the new update time and the new state; failed members are not
 * written; a member whose write or flush fails is reported and the others are written.
 */
class MemberSuperblocksTest {

  private static final long NOW = 1_800_000_000;
  private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC);

  /** A fresh 4-member RAID-6 (needs a resync) on memory devices, optionally wrapped. */
  private static List<Entry> created(MetadataVersion version, boolean faulty) throws Exception {
    CreateRequest request =
        new CreateRequest(
            6, 4, 128, null, version, "t", null, CreateRequest.Bitmap.INTERNAL, false, 0);
    List<BlockDevice> devices = new ArrayList<>();
    List<CreatePlanner.Device> planned = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      BlockDevice d = MemoryDevice.create("m" + i, 4L << 20);
      devices.add(faulty ? new FaultyDevice(d) : d);
      planned.add(new CreatePlanner.Device(d.name(), d.sectors()));
    }
    CreatePlan plan = CreatePlanner.plan(request, planned, CreatePlanner.Identity.random(4, CLOCK));
    List<Member> members = ArrayCreator.write(plan, devices);
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      entries.add(new Entry(devices.get(i), members.get(i).superblock()));
    }
    return entries;
  }

  private static Superblock1 onDisk(BlockDevice d) throws Exception {
    return MemberReader.read(d).superblock();
  }

  @ParameterizedTest
  @EnumSource(MetadataVersion.class)
  void cleanAndDirtyReachEveryMember(MetadataVersion version) throws Exception {
    List<Entry> entries = created(version, false);
    MemberSuperblocks sbs = new MemberSuperblocks(entries, CLOCK);
    Result clean = sbs.update(Change.markClean());
    assertThat(clean.allWritten()).isTrue();
    assertThat(clean.events()).isEqualTo(1);
    assertThat(clean.written()).hasSize(4);
    for (Entry e : entries) {
      Superblock1 sb = onDisk(e.device());
      assertThat(sb.events()).isEqualTo(1);
      assertThat(sb.resyncOffset()).isEqualTo(Superblock1.MAX_SECTOR);
      assertThat(sb.utimeSeconds()).isEqualTo(NOW);
      assertThat(sb.ctime()).isEqualTo(e.superblock().ctime());
      assertThat(MemberReader.read(e.device()).bitmap()).isNotNull();
    }
    assertThat(AssemblyPlanner.plan(readAll(entries)).verdict())
        .isEqualTo(AssemblyDecision.Verdict.CLEAN);
    sbs.update(Change.markDirty());
    for (Entry e : entries) {
      assertThat(onDisk(e.device()).events()).isEqualTo(2);
      assertThat(onDisk(e.device()).resyncOffset()).isZero();
    }
    assertThat(sbs.events()).isEqualTo(2);
    assertThat(AssemblyPlanner.plan(readAll(entries)).verdict())
        .isEqualTo(AssemblyDecision.Verdict.NEEDS_RESYNC);
  }

  @Test
  void aFailedMemberIsMarkedFaultyAndNoLongerWritten() throws Exception {
    List<Entry> entries = created(MetadataVersion.V1_2, false);
    MemberSuperblocks sbs = new MemberSuperblocks(entries, CLOCK);
    sbs.update(Change.markClean());
    Result r = sbs.update(Change.faulty(2));
    assertThat(r.written()).hasSize(3);
    assertThat(sbs.members()).extracting(e -> e.superblock().devNumber()).containsExactly(0, 1, 3);
    for (int i : new int[] {0, 1, 3}) {
      Superblock1 sb = onDisk(entries.get(i).device());
      assertThat(sb.events()).isEqualTo(2);
      assertThat(sb.roles().role(2)).isEqualTo(RoleTable.FAULTY);
      assertThat(sb.role()).isEqualTo(i);
    }
    assertThat(onDisk(entries.get(2).device()).events()).isEqualTo(1); // not written
    AssemblyDecision d = AssemblyPlanner.plan(readAll(entries));
    assertThat(d.verdict()).isEqualTo(AssemblyDecision.Verdict.DEGRADED);
    assertThat(d.excluded()).hasSize(1);
  }

  @Test
  void recoveryOffsetIsPerMemberAndClearsWhenRebuilt() throws Exception {
    List<Entry> entries = created(MetadataVersion.V1_2, false);
    MemberSuperblocks sbs = new MemberSuperblocks(entries, CLOCK);
    sbs.update(Change.markClean().and(Change.recoveryOffset(1, 4096)));
    Superblock1 rebuilding = onDisk(entries.get(1).device());
    assertThat(rebuilding.has(FeatureMap.RECOVERY_OFFSET)).isTrue();
    assertThat(rebuilding.recoveryOffset()).isEqualTo(4096);
    assertThat(onDisk(entries.get(0).device()).has(FeatureMap.RECOVERY_OFFSET)).isFalse();
    AssemblyDecision d = AssemblyPlanner.plan(readAll(entries));
    assertThat(d.slots().get(1).state()).isEqualTo(AssemblyDecision.SlotState.REBUILDING);
    sbs.update(Change.recoveryOffset(1, Superblock1.MAX_SECTOR));
    Superblock1 rebuilt = onDisk(entries.get(1).device());
    assertThat(rebuilt.has(FeatureMap.RECOVERY_OFFSET)).isFalse();
    assertThat(rebuilt.recoveryOffset()).isZero();
    assertThat(rebuilt.events()).isEqualTo(2);
    assertThat(rebuilt.clean()).isTrue(); // the earlier change stays
  }

  /**
   * A member whose own state moves forward (here: rebuilt, in sync) takes the new superblock before
   * any other member is touched. Written alongside the rest, a power cut could leave the others new
   * and its own superblock old: the one that says where it stands would say "rebuilding from 0"
   * while the freshest named it in sync (the crash campaign found a RAID-6 that would then not
   * assemble). Cut after its write, assembly takes the freshest, its own: in sync.
   */
  @Test
  void aMemberThatCatchesUpIsWrittenBeforeTheOthers() throws Exception {
    List<Entry> entries = created(MetadataVersion.V1_2, false);
    List<String> order = java.util.Collections.synchronizedList(new ArrayList<>());
    List<Entry> recorded = recording(entries, order);
    MemberSuperblocks sbs = new MemberSuperblocks(recorded, CLOCK);
    sbs.update(Change.markClean().and(Change.recoveryOffset(2, 4096)));
    order.clear();
    sbs.update(Change.recoveryOffset(2, Superblock1.MAX_SECTOR));
    assertThat(order).hasSize(8);
    assertThat(order.subList(0, 2)).containsExactly("flush m2", "written m2");
    // The cut right after it: only m2 holds the new superblock, and it is enough.
    List<Member> torn = readAll(entries);
    assertThat(torn.get(2).superblock().events()).isEqualTo(2);
    long before = torn.get(0).superblock().utimeSeconds();
    for (int i : new int[] {0, 1, 3}) {
      Superblock1 back =
          MemberSuperblocks.apply(torn.get(i).superblock(), Change.none(), 1, before);
      Member m = torn.get(i);
      torn.set(i, new Member(m.path(), m.deviceSectors(), back, m.badBlocks(), m.bitmap()));
    }
    AssemblyDecision d = AssemblyPlanner.plan(torn);
    assertThat(d.slots().get(2).state()).isEqualTo(AssemblyDecision.SlotState.IN_SYNC);
  }

  /**
   * A spare that takes a slot is written last, once every other member has its new superblock.
   * Written first or alongside, a power cut could leave it the freshest member, naming itself in a
   * slot that the others' superblocks call free: assembly leaves those others out as split off, as
   * mdadm does ("ignoring X as it reports Y as failed"), and the array does not run (the crash
   * campaign: a RAID-6 4x32K with its three working members excluded). Cut before its own write, it
   * is only a spare that missed taking the slot, which assembly rebuilds into it.
   */
  @Test
  void aSpareTakingASlotIsWrittenAfterEveryOtherMember() throws Exception {
    List<Entry> entries = created(MetadataVersion.V1_2, false);
    List<String> order = java.util.Collections.synchronizedList(new ArrayList<>());
    MemberSuperblocks sbs = new MemberSuperblocks(recording(entries, order), CLOCK);
    sbs.update(Change.markClean().and(Change.role(1, RoleTable.SPARE))); // m1: a spare now
    Superblock1 spare = onDisk(entries.get(1).device());
    order.clear();
    sbs.update(Change.role(1, 1).and(Change.recoveryOffset(1, 0)));
    assertThat(order).hasSize(8);
    assertThat(order.subList(6, 8))
        .as("write order %s", order)
        .containsExactly("flush m1", "written m1");
    // The cut right before it: the others new, its own superblock still the spare's.
    List<Member> torn = readAll(entries);
    Member m = torn.get(1);
    torn.set(1, new Member(m.path(), m.deviceSectors(), spare, m.badBlocks(), m.bitmap()));
    AssemblyDecision d = AssemblyPlanner.plan(torn);
    assertThat(d.excluded()).as(d.reason()).isEmpty();
    assertThat(d.verdict()).as(d.reason()).isEqualTo(AssemblyDecision.Verdict.DEGRADED);
    assertThat(d.spares()).extracting(Member::path).containsExactly(m.path());
  }

  /** The members' devices, noting each flush as it is sent and each write as it completes. */
  private static List<Entry> recording(List<Entry> entries, List<String> order) {
    List<Entry> recorded = new ArrayList<>();
    for (Entry e : entries) {
      BlockDevice d =
          new io.jraid.testing.ForwardingDevice(e.device()) {
            @Override
            public void flush(io.jraid.device.IoCompletion done) {
              order.add("flush " + name());
              super.flush(done);
            }

            @Override
            public void write(
                java.lang.foreign.MemorySegment src,
                long offset,
                boolean fua,
                io.jraid.device.IoCompletion done) {
              super.write(
                  src,
                  offset,
                  fua,
                  error -> {
                    order.add("written " + name());
                    done.completed(error);
                  });
            }
          };
      recorded.add(new Entry(d, e.superblock()));
    }
    return recorded;
  }

  @Test
  void aMemberWhoseWriteFailsIsReportedAndTheOthersAreWritten() throws Exception {
    List<Entry> entries = created(MetadataVersion.V1_2, true);
    FaultyDevice bad = (FaultyDevice) entries.get(1).device();
    bad.failWrites(8, 8); // the v1.2 superblock's 4 KiB
    FaultyDevice flushless = (FaultyDevice) entries.get(3).device();
    flushless.failFlushes(true);
    MemberSuperblocks sbs = new MemberSuperblocks(entries, CLOCK);
    Result r = sbs.update(Change.markClean());
    assertThat(r.allWritten()).isFalse();
    assertThat(r.failed()).extracting(MemberSuperblocks.Failure::devNumber).containsExactly(1, 3);
    assertThat(r.failed().getFirst().error().getMessage()).contains("m1");
    assertThat(r.written()).extracting(e -> e.superblock().devNumber()).containsExactly(0, 2);
    assertThat(onDisk(entries.get(0).device()).events()).isEqualTo(1);
    assertThat(onDisk(entries.get(1).device()).events()).isZero(); // the write never landed
    assertThat(onDisk(entries.get(3).device()).events()).isZero(); // no flush, no write
    // The caller fails them; the survivors carry the news.
    Result failed = sbs.update(Change.faulty(1).and(Change.faulty(3)));
    assertThat(failed.allWritten()).isTrue();
    assertThat(onDisk(entries.get(0).device()).roles().role(1)).isEqualTo(RoleTable.FAULTY);
    assertThat(onDisk(entries.get(2).device()).roles().role(3)).isEqualTo(RoleTable.FAULTY);
  }

  @Test
  void membersMustBeOneArrayAtOneEventCount() throws Exception {
    List<Entry> entries = new ArrayList<>(created(MetadataVersion.V1_2, false));
    Entry other = created(MetadataVersion.V1_2, false).getFirst();
    entries.set(3, other);
    assertThatThrownBy(() -> new MemberSuperblocks(entries, CLOCK))
        .hasMessageContaining("one event count");
    MemberSuperblocks one = new MemberSuperblocks(List.of(entries.getFirst()), CLOCK);
    assertThatThrownBy(() -> one.update(Change.faulty(0)))
        .hasMessageContaining("no working member");
  }

  private static List<Member> readAll(List<Entry> entries) throws Exception {
    List<Member> members = new ArrayList<>();
    for (Entry e : entries) {
      Member m = MemberReader.read(e.device());
      members.add(
          new Member(e.device().name(), m.deviceSectors(), m.superblock(), m.badBlocks(), null));
    }
    return members;
  }
}
