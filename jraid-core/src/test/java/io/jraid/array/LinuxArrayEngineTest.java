package io.jraid.array;

import static org.assertj.core.api.Assertions.assertThat;

import io.jraid.array.AssemblyDecision.Verdict;
import io.jraid.device.BlockDevice;
import io.jraid.device.FileDevice;
import io.jraid.stripe.EngineHarness;
import io.jraid.testing.Fixture;
import io.jraid.testing.LinuxFixtures;
import io.jraid.testing.Pattern;
import io.jraid.testing.Seeds;
import io.jraid.testing.Sha256;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The stripe engine on arrays Linux md made: reading each array through jraid gives the contents
 * Linux read (manifest SHA-256) — healthy, with each member left out, and for RAID-6 with each pair
 * left out; writes through jraid to a copy leave every stripe's parity consistent and the data
 * readable again from a degraded set.
 */
class LinuxArrayEngineTest {

  static List<Fixture> fixtures() {
    return LinuxFixtures.all();
  }

  private static List<Member> members(List<Path> images) throws Exception {
    List<Member> members = new ArrayList<>();
    for (Path image : images) {
      members.add(MemberReader.read(image));
    }
    return members;
  }

  private static String sha256(RaidArray array) throws Exception {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    try (Arena arena = Arena.ofShared()) {
      MemorySegment buffer = arena.allocate(1 << 20, 4096);
      for (long offset = 0; offset < array.size(); offset += buffer.byteSize()) {
        MemorySegment part = buffer.asSlice(0, Math.min(buffer.byteSize(), array.size() - offset));
        array.read(part, offset);
        digest.update(part.asByteBuffer());
      }
    }
    return java.util.HexFormat.of().formatHex(digest.digest());
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void readsWhatLinuxWroteHealthyAndDegraded(Fixture fixture) throws Exception {
    List<Member> all = members(fixture.images());
    List<List<Member>> sets = new ArrayList<>();
    sets.add(all);
    for (int i = 0; i < all.size(); i++) {
      List<Member> without = new ArrayList<>(all);
      without.remove(i);
      sets.add(without);
      if (fixture.level() == 6) {
        for (int j = i + 1; j < all.size(); j++) {
          List<Member> withoutTwo = new ArrayList<>(all);
          withoutTwo.remove(j);
          withoutTwo.remove(i);
          sets.add(withoutTwo);
        }
      }
    }
    for (List<Member> set : sets) {
      AssemblyDecision decision = AssemblyPlanner.plan(set);
      assertThat(decision.verdict()).isIn(Verdict.CLEAN, Verdict.DEGRADED);
      try (RaidArray array = RaidArray.open(decision, true)) {
        assertThat(sha256(array))
            .as("%s with %d of %d members", fixture, set.size(), all.size())
            .isEqualTo(fixture.sha256());
        assertThat(array.engine().audit()).isEmpty();
      }
    }
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void writesKeepParityConsistent(Fixture fixture, @TempDir Path temp) throws Exception {
    List<Path> copies = fixture.unpack(temp);
    SplittableRandom random = new SplittableRandom(Seeds.of(fixture.name().hashCode()));
    byte[] expected;
    try (RaidArray array = RaidArray.open(AssemblyPlanner.plan(members(copies)), false)) {
      expected = Pattern.bytes(fixture.patternSeed(), 0, (int) array.size());
      try (Arena arena = Arena.ofShared()) {
        for (int i = 0; i < 200; i++) {
          int length = 1 + random.nextInt(70_000);
          long offset = random.nextLong(array.size() - length);
          byte[] data = new byte[length];
          random.nextBytes(data);
          MemorySegment src = arena.allocate(length, 4096);
          MemorySegment.copy(data, 0, src, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, length);
          array.write(src, offset);
          System.arraycopy(data, 0, expected, (int) offset, length);
        }
      }
      assertThat(array.engine().audit()).isEmpty();
    }
    BlockDevice[] devices = new BlockDevice[copies.size()];
    List<Member> members = members(copies);
    try {
      for (Member m : members) {
        devices[m.ownRole()] = FileDevice.openReadOnly(Path.of(m.path()));
      }
      EngineHarness.assertParityConsistent(
          RaidArray.geometryOf(members.getFirst().superblock()), devices);
    } finally {
      for (BlockDevice d : devices) {
        if (d != null) {
          d.close();
        }
      }
    }
    // The new contents, read back with the first member left out (rebuilt from parity).
    AssemblyDecision degraded = AssemblyPlanner.plan(members.subList(1, members.size()));
    try (RaidArray array = RaidArray.open(degraded, true)) {
      assertThat(sha256(array)).isEqualTo(Sha256.of(expected));
    }
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void aDegradedLinuxArrayRebuiltOntoSparesGivesWhatLinuxWrote(Fixture fixture, @TempDir Path temp)
      throws Exception {
    List<Path> copies = fixture.unpack(temp);
    SplittableRandom random = new SplittableRandom(Seeds.of(fixture.name().hashCode(), 6));
    int lost = fixture.level() == 6 ? 2 : 1;
    List<Path> kept = new ArrayList<>(copies);
    for (int k = 0; k < lost; k++) {
      kept.remove(random.nextInt(kept.size()));
    }
    List<Path> spares = new ArrayList<>();
    try (RaidArray array = RaidArray.open(AssemblyPlanner.plan(members(kept)), false)) {
      assertThat(array.engine().failedMembers()).isEqualTo(lost);
      for (int k = 0; k < lost; k++) {
        Path spare = temp.resolve("spare" + k + ".img");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(spare.toFile(), "rw")) {
          f.setLength(java.nio.file.Files.size(copies.getFirst()));
        }
        array.add(spare, false);
        spares.add(spare);
      }
      long deadline = System.nanoTime() + 120_000_000_000L;
      while (array.engine().failedMembers() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(array.engine().failedMembers()).as("%s: %s", fixture, array.events()).isZero();
      assertThat(sha256(array)).as("%s rebuilt", fixture).isEqualTo(fixture.sha256());
    }
    // Only the rebuilt members and the fewest others: the rebuilt blocks are Linux's data.
    List<Path> minimal = new ArrayList<>(spares);
    minimal.addAll(kept.subList(lost, kept.size()));
    AssemblyDecision decision = AssemblyPlanner.plan(members(minimal));
    assertThat(decision.verdict()).as(decision.reason()).isEqualTo(Verdict.DEGRADED);
    try (RaidArray array = RaidArray.open(decision, true)) {
      assertThat(sha256(array))
          .as("%s from the rebuilt members", fixture)
          .isEqualTo(fixture.sha256());
    }
  }
}
