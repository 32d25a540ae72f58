package io.jraid.array;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jraid.array.AssemblyDecision.SlotState;
import io.jraid.array.AssemblyDecision.Verdict;
import io.jraid.format.BadBlockLog;
import io.jraid.format.MdUuid;
import io.jraid.format.RoleTable;
import io.jraid.format.Superblock1Codec;
import io.jraid.testing.LinuxFixtures;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Assembly decisions on Linux-made members whose superblocks are changed the way real life changes
 * them (a member that missed writes, a crash before a clean shutdown, a failed member recorded by
 * the others, a member of another array). Nothing is written to any file: the changed superblocks
 * live in memory.
 */
class AssemblyPlannerTest {

  private static List<Member> fixture(String name) throws Exception {
    List<Member> members = new ArrayList<>();
    for (Path image : LinuxFixtures.get(name).images()) {
      members.add(MemberReader.read(image));
    }
    return members;
  }

  /** The member with its superblock bytes changed by {@code change} (checksum kept right). */
  private static Member changed(Member m, Consumer<ByteBuffer> change) throws Exception {
    byte[] bytes = Superblock1Codec.encode(m.superblock());
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    change.accept(b);
    MemorySegment block = MemorySegment.ofArray(bytes);
    b.putInt(216, Superblock1Codec.checksum(block, b.getInt(220)));
    return new Member(
        m.path(),
        m.deviceSectors(),
        Superblock1Codec.decode(block, m.path()),
        new BadBlockLog(List.of()),
        m.bitmap());
  }

  private static Member withEvents(Member m, long events) throws Exception {
    return changed(m, b -> b.putLong(200, events));
  }

  private static Member withRole(Member m, int devNumber, int role) throws Exception {
    return changed(m, b -> b.putShort(256 + 2 * devNumber, (short) role));
  }

  private static Member dirty(Member m) throws Exception {
    return changed(m, b -> b.putLong(208, 0));
  }

  @Test
  void staleMemberIsLeftOutAndTheArrayRunsDegraded() throws Exception {
    List<Member> ms = new ArrayList<>(fixture("r5-4d-64k-left-symmetric"));
    long events = ms.getFirst().events();
    ms.set(2, withEvents(ms.get(2), events - 5));
    AssemblyDecision d = AssemblyPlanner.plan(ms);
    assertThat(d.verdict()).isEqualTo(Verdict.DEGRADED);
    assertThat(d.slots().get(2).state()).isEqualTo(SlotState.MISSING);
    assertThat(d.excluded())
        .singleElement()
        .satisfies(e -> {
          assertThat(e.member().path()).endsWith("disk2.img");
          assertThat(e.reason()).contains("stale", "5 behind", "--re-add");
        });
    assertThat(d.reason()).contains("slot 2 missing");
  }

  @Test
  void oneEventBehindIsStillUpToDate() throws Exception {
    List<Member> ms = new ArrayList<>(fixture("r6-5d-64k-left-symmetric"));
    ms.set(1, withEvents(ms.get(1), ms.getFirst().events() - 1));
    AssemblyDecision d = AssemblyPlanner.plan(ms);
    assertThat(d.verdict()).isEqualTo(Verdict.CLEAN);
    assertThat(d.excluded()).isEmpty();
  }

  @Test
  void oneEventBehindTakesItsRoleFromTheFreshestSuperblock() throws Exception {
    List<Member> ms = new ArrayList<>(fixture("r5-4d-64k-left-symmetric"));
    long events = ms.getFirst().events();
    int failedDev = ms.get(3).superblock().devNumber();
    // The others recorded member 3 as faulty in the update it missed.
    for (int i = 0; i < 3; i++) {
      ms.set(i, withRole(withEvents(ms.get(i), events + 1), failedDev, RoleTable.FAULTY));
    }
    AssemblyDecision d = AssemblyPlanner.plan(ms);
    assertThat(d.verdict()).isEqualTo(Verdict.DEGRADED);
    assertThat(d.excluded())
        .singleElement()
        .satisfies(e -> {
          assertThat(e.member().path()).endsWith("disk3.img");
          assertThat(e.reason()).contains("faulty");
        });
    assertThat(d.notes()).singleElement().asString().contains("one event behind", "faulty");
  }

  @Test
  void cleanRaid6RunsWithTwoMissingButNotThree() throws Exception {
    List<Member> ms = fixture("r6-6d-32k-left-symmetric-6");
    AssemblyDecision two = AssemblyPlanner.plan(ms.subList(0, 4));
    assertThat(two.verdict()).isEqualTo(Verdict.DEGRADED);
    assertThat(two.reason()).contains("slots 4, 5 missing");
    AssemblyDecision three = AssemblyPlanner.plan(ms.subList(0, 3));
    assertThat(three.verdict()).isEqualTo(Verdict.NOT_RUNNABLE);
    assertThat(three.reason()).contains("only 3 of 6", "needs 4");
  }

  @Test
  void raid5WithTwoMissingIsNotRunnable() throws Exception {
    List<Member> ms = fixture("r5-5d-128k-left-asymmetric");
    AssemblyDecision d = AssemblyPlanner.plan(List.of(ms.get(0), ms.get(2), ms.get(4)));
    assertThat(d.verdict()).isEqualTo(Verdict.NOT_RUNNABLE);
    assertThat(d.reason()).contains("slots 1, 3 missing", "only 3 of 5");
  }

  @Test
  void dirtyCompleteArrayNeedsResync() throws Exception {
    List<Member> ms = new ArrayList<>();
    for (Member m : fixture("r5-3d-4k-right-symmetric")) {
      ms.add(dirty(m));
    }
    AssemblyDecision d = AssemblyPlanner.plan(ms);
    assertThat(d.verdict()).isEqualTo(Verdict.NEEDS_RESYNC);
    assertThat(d.reason()).contains("resync from member sector 0");
  }

  @Test
  void dirtyDegradedArrayDoesNotStart() throws Exception {
    List<Member> ms = new ArrayList<>();
    for (Member m : fixture("r5-4d-64k-left-symmetric").subList(0, 3)) {
      ms.add(dirty(m));
    }
    AssemblyDecision d = AssemblyPlanner.plan(ms);
    assertThat(d.verdict()).isEqualTo(Verdict.NOT_RUNNABLE);
    assertThat(d.reason()).contains("not shut down clean", "--force");
  }

  @Test
  void dirtyRaid4MissingOnlyItsParityMemberStarts() throws Exception {
    List<Member> ms = new ArrayList<>();
    for (Member m : fixture("r4-4d-64k").subList(0, 3)) {
      ms.add(dirty(m));
    }
    assertThat(AssemblyPlanner.plan(ms).verdict()).isEqualTo(Verdict.DEGRADED);
    List<Member> noData = new ArrayList<>();
    for (Member m : List.of(fixture("r4-4d-64k").get(0), fixture("r4-4d-64k").get(3))) {
      noData.add(dirty(m));
    }
    noData.add(dirty(fixture("r4-4d-64k").get(1)));
    assertThat(AssemblyPlanner.plan(noData).verdict()).isEqualTo(Verdict.NOT_RUNNABLE);
  }

  @Test
  void rebuildingMemberHoldsItsSlotButDoesNotCount() throws Exception {
    List<Member> ms = new ArrayList<>(fixture("r5-4d-64k-left-symmetric"));
    ms.set(1, changed(ms.get(1), b -> b.putInt(8, 0x2).putLong(152, 1024)));
    AssemblyDecision d = AssemblyPlanner.plan(ms);
    assertThat(d.verdict()).isEqualTo(Verdict.DEGRADED);
    assertThat(d.slots().get(1).state()).isEqualTo(SlotState.REBUILDING);
    assertThat(d.slots().get(1).recoveryOffset()).isEqualTo(1024);
    assertThat(d.reason()).contains("slot 1 rebuilding");
  }

  @Test
  void splitBrainMemberIsLeftOut() throws Exception {
    List<Member> ms = new ArrayList<>(fixture("r5-4d-64k-left-symmetric"));
    int freshestDev = ms.getFirst().superblock().devNumber();
    ms.set(0, withEvents(ms.getFirst(), ms.getFirst().events() + 1));
    // Member 2 ran without member 0 for a while and recorded it as failed.
    ms.set(2, withRole(ms.get(2), freshestDev, RoleTable.FAULTY));
    AssemblyDecision d = AssemblyPlanner.plan(ms);
    assertThat(d.excluded())
        .singleElement()
        .satisfies(e -> {
          assertThat(e.member().path()).endsWith("disk2.img");
          assertThat(e.reason()).contains("split", "--force");
        });
    assertThat(d.verdict()).isEqualTo(Verdict.DEGRADED);
  }

  @Test
  void spareIsKeptAsASpare() throws Exception {
    List<Member> ms = new ArrayList<>(fixture("r5-4d-64k-left-symmetric"));
    Member spare = ms.remove(3);
    int dev = spare.superblock().devNumber();
    Member asSpare = withRole(spare, dev, RoleTable.SPARE);
    AssemblyDecision d = AssemblyPlanner.plan(List.of(ms.get(0), ms.get(1), ms.get(2), asSpare));
    assertThat(d.spares()).containsExactly(asSpare);
    assertThat(d.reason()).contains("1 spare(s)");
  }

  @Test
  void membersOfTwoArraysAreRefused() throws Exception {
    Member a = fixture("r5-4d-64k-left-symmetric").getFirst();
    Member b = fixture("r6-5d-64k-left-symmetric").getFirst();
    assertThatThrownBy(() -> AssemblyPlanner.plan(List.of(a, b)))
        .isInstanceOf(AssemblyException.class)
        .hasMessageContaining("set_uuid")
        .hasMessageContaining(a.path())
        .hasMessageContaining(b.path())
        .hasMessageContaining("different arrays");
  }

  @Test
  void twoMembersClaimingOneSlotAreRefused() throws Exception {
    List<Member> ms = fixture("r5-4d-64k-left-symmetric");
    Member impostor =
        changed(
            ms.get(2),
            b -> {
              b.putInt(160, ms.get(1).superblock().devNumber());
              MdUuid.parse("00112233445566778899aabbccddeeff")
                  .write(MemorySegment.ofBuffer(b), 168);
            });
    assertThatThrownBy(() -> AssemblyPlanner.plan(List.of(ms.get(0), ms.get(1), impostor)))
        .isInstanceOf(AssemblyException.class)
        .hasMessageContaining("both claim slot 1");
  }

  @Test
  void theSameMemberGivenTwiceIsRefused() throws Exception {
    List<Member> ms = fixture("r5-4d-64k-left-symmetric");
    Member copy =
        new Member(
            "/tmp/copy.img",
            ms.get(1).deviceSectors(),
            ms.get(1).superblock(),
            ms.get(1).badBlocks(),
            ms.get(1).bitmap());
    assertThatThrownBy(() -> AssemblyPlanner.plan(List.of(ms.get(0), ms.get(1), copy)))
        .isInstanceOf(AssemblyException.class)
        .hasMessageContaining("same member")
        .hasMessageContaining("/tmp/copy.img");
  }

  @Test
  void disagreeingGeometryIsRefused() throws Exception {
    List<Member> ms = new ArrayList<>(fixture("r5-4d-64k-left-symmetric"));
    ms.set(3, changed(ms.get(3), b -> b.putInt(88, 256)));
    assertThatThrownBy(() -> AssemblyPlanner.plan(ms))
        .isInstanceOf(AssemblyException.class)
        .hasMessageContaining("chunksize is 256");
  }

  @Test
  void unsupportedLevelIsNotRunnable() throws Exception {
    List<Member> ms = new ArrayList<>();
    for (Member m : fixture("r5-4d-64k-left-symmetric")) {
      ms.add(changed(m, b -> b.putInt(72, 1)));
    }
    AssemblyDecision d = AssemblyPlanner.plan(ms);
    assertThat(d.verdict()).isEqualTo(Verdict.NOT_RUNNABLE);
    assertThat(d.reason()).contains("RAID level 1 is not supported");
  }

  @Test
  void reshapeInProgressIsNotRunnable() throws Exception {
    List<Member> ms = new ArrayList<>();
    for (Member m : fixture("r5-4d-64k-left-symmetric")) {
      ms.add(changed(m, b -> b.putInt(8, 0x4).putLong(104, 1536)));
    }
    AssemblyDecision d = AssemblyPlanner.plan(ms);
    assertThat(d.verdict()).isEqualTo(Verdict.NOT_RUNNABLE);
    assertThat(d.reason()).contains("reshape", "--grow --continue");
  }
}
