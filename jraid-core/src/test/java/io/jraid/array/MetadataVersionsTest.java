package io.jraid.array;

import static org.assertj.core.api.Assertions.assertThat;

import io.jraid.array.AssemblyDecision.Verdict;
import io.jraid.format.MetadataVersion;
import io.jraid.format.Superblock1Codec;
import io.jraid.testing.Fixture;
import io.jraid.testing.LinuxFixtures;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The same Linux array re-laid as metadata 1.0 (superblock at the end, data from sector 0) and 1.1
 * (superblock at sector 0): jraid finds the superblock where that version keeps it, places the data
 * by {@code data_offset}, and reads the array Linux wrote.
 */
class MetadataVersionsTest {

  @ParameterizedTest
  @EnumSource(
      value = MetadataVersion.class,
      names = {"V1_0", "V1_1"})
  void readsTheArrayUnderEveryMetadataVersion(MetadataVersion version, @TempDir Path temp)
      throws Exception {
    Fixture fixture = LinuxFixtures.get("r5-4d-64k-left-symmetric");
    List<Member> members = new ArrayList<>();
    for (Path image : fixture.unpack(temp)) {
      relay(image, version);
      members.add(MemberReader.read(image));
    }
    for (Member m : members) {
      assertThat(m.superblock().version()).isEqualTo(version);
    }
    AssemblyDecision decision = AssemblyPlanner.plan(members);
    assertThat(decision.verdict()).isEqualTo(Verdict.CLEAN);
    try (RaidArray array = RaidArray.open(decision, true);
        Arena arena = Arena.ofShared()) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      MemorySegment all = arena.allocate(array.size(), 4096);
      array.read(all, 0);
      digest.update(all.asByteBuffer());
      assertThat(HexFormat.of().formatHex(digest.digest())).isEqualTo(fixture.sha256());
    }
  }

  /** Moves a 1.2 member's superblock (and, for 1.0, its data) to where {@code version} keeps it. */
  private static void relay(Path image, MetadataVersion version) throws Exception {
    byte[] bytes = Files.readAllBytes(image);
    long sectors = bytes.length / 512;
    ByteBuffer sb =
        ByteBuffer.wrap(java.util.Arrays.copyOfRange(bytes, 4096, 8192))
            .order(ByteOrder.LITTLE_ENDIAN);
    long dataOffset = sb.getLong(128);
    long size = sb.getLong(80);
    java.util.Arrays.fill(bytes, 4096, 8192, (byte) 0);
    long at = version.superOffset(sectors);
    if (version == MetadataVersion.V1_0) {
      System.arraycopy(bytes, (int) (dataOffset * 512), bytes, 0, (int) (size * 512));
      sb.putLong(128, 0); // data_offset
      sb.putLong(136, size); // data_size
      sb.putInt(186, 0).putInt(188, 0); // no bad-block log (bblog_size 0 at 186 as u16, offset 0)
    }
    sb.putLong(144, at); // super_offset
    int maxDev = sb.getInt(220);
    sb.putInt(216, Superblock1Codec.checksum(MemorySegment.ofArray(sb.array()), maxDev));
    System.arraycopy(sb.array(), 0, bytes, (int) (at * 512), 4096);
    try (FileChannel ch = FileChannel.open(image, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(bytes), 0);
    }
  }
}
