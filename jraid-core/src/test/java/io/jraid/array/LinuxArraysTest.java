package io.jraid.array;

import static org.assertj.core.api.Assertions.assertThat;

import io.jraid.array.AssemblyDecision.Verdict;
import io.jraid.device.FileDevice;
import io.jraid.format.BitmapCodec;
import io.jraid.format.BitmapSuperblock;
import io.jraid.format.FeatureMap;
import io.jraid.format.MdUuid;
import io.jraid.format.Superblock1;
import io.jraid.format.Superblock1Codec;
import io.jraid.format.Superblock1Layout;
import io.jraid.layout.ArrayGeometry;
import io.jraid.layout.StripeMap;
import io.jraid.parity.ParityKernels;
import io.jraid.parity.ParitySelection;
import io.jraid.parity.XorMode;
import io.jraid.testing.Fixture;
import io.jraid.testing.Sha256;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * jraid against arrays made by Linux md: every fixture's superblocks decode to the values its
 * manifest records and re-encode to the same bytes; reading the data chunks through the layout
 * gives the array's contents as Linux read them (manifest SHA-256); and every stripe's P and Q on
 * the members equal what each parity implementation computes — layout, syndrome order and GF math
 * agree with Linux byte for byte.
 */
class LinuxArraysTest {

  static List<Fixture> fixtures() {
    return io.jraid.testing.LinuxFixtures.all();
  }

  private static List<Member> members(Fixture fixture) throws Exception {
    List<Member> members = new ArrayList<>();
    for (Path image : fixture.images()) {
      members.add(MemberReader.read(image));
    }
    return members;
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void superblocksMatchTheManifest(Fixture fixture) throws Exception {
    List<Member> members = members(fixture);
    assertThat(members).hasSize(fixture.raidDevices());
    for (int i = 0; i < members.size(); i++) {
      Superblock1 sb = members.get(i).superblock();
      Fixture.Member expected = fixture.members().get(i);
      assertThat(sb.setUuid()).isEqualTo(MdUuid.parse(fixture.arrayUuid()));
      assertThat(sb.displayName()).isEqualTo(fixture.arrayName());
      assertThat(sb.level()).isEqualTo(fixture.level());
      assertThat(sb.raidDisks()).isEqualTo(fixture.raidDevices());
      assertThat(sb.chunkSectors()).isEqualTo(fixture.chunkKib() * 2);
      if (fixture.level() != 4) {
        assertThat(sb.layout()).isEqualTo(fixture.layoutNum());
      }
      assertThat(sb.version()).hasToString(fixture.metadata());
      assertThat(sb.featureMap()).isEqualTo(fixture.featureMap());
      assertThat(sb.superOffset()).isEqualTo(fixture.superOffsetSectors());
      assertThat(sb.dataOffset()).isEqualTo(expected.dataOffsetSectors());
      assertThat(sb.deviceUuid()).isEqualTo(MdUuid.parse(expected.devUuid()));
      assertThat(sb.role()).isEqualTo(expected.role());
      assertThat(sb.events()).isEqualTo(expected.events());
      assertThat(sb.clean()).isEqualTo("clean".equals(expected.state()));
      assertThat(members.get(i).badBlocks().entries()).isEmpty();
    }
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void encodeGivesBackLinuxsBytes(Fixture fixture) throws Exception {
    for (Path image : fixture.images()) {
      byte[] onDisk =
          read(image, fixture.superOffsetSectors() * 512, Superblock1Layout.BLOCK_BYTES);
      Superblock1 sb = Superblock1Codec.decode(MemorySegment.ofArray(onDisk), image.toString());
      byte[] encoded = Superblock1Codec.encode(sb);
      int written = Superblock1Layout.writtenBytes(sb.maxDev());
      assertThat(Arrays.copyOf(encoded, written)).isEqualTo(Arrays.copyOf(onDisk, written));
      assertThat(Superblock1Codec.decode(MemorySegment.ofArray(encoded), "re-encoded"))
          .isEqualTo(sb);
    }
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void bitmapMatchesTheManifest(Fixture fixture) throws Exception {
    for (Path image : fixture.images()) {
      Superblock1 sb = MemberReader.read(image).superblock();
      assertThat(sb.has(FeatureMap.BITMAP_OFFSET)).isEqualTo(!"none".equals(fixture.bitmap()));
      if (!sb.has(FeatureMap.BITMAP_OFFSET)) {
        continue;
      }
      byte[] area = read(image, BitmapCodec.sectorOf(sb) * 512, 4096);
      BitmapSuperblock bitmap =
          BitmapCodec.decode(MemorySegment.ofArray(area), sb.setUuid(), image.toString());
      assertThat(bitmap.version()).isEqualTo(4);
      assertThat(bitmap.syncSize()).isEqualTo(sb.size());
      assertThat(bitmap.events()).isGreaterThanOrEqualTo(sb.events());
      assertThat(bitmap.stale()).isFalse();
      assertThat(MemberReader.read(image).bitmap()).isEqualTo(bitmap);
      // A synced, idle array that was stopped cleanly has every bit cleared.
      assertThat(BitmapCodec.dirtyBits(MemorySegment.ofArray(area), bitmap)).isZero();
    }
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void assemblesCleanAndComplete(Fixture fixture) throws Exception {
    AssemblyDecision decision = AssemblyPlanner.plan(members(fixture).reversed());
    assertThat(decision.verdict()).isEqualTo(Verdict.CLEAN);
    assertThat(decision.excluded()).isEmpty();
    for (AssemblyDecision.Slot slot : decision.slots()) {
      assertThat(slot.member()).isNotNull();
      assertThat(slot.member().path()).endsWith("disk" + slot.role() + ".img");
    }
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void dataThroughTheLayoutIsWhatLinuxRead(Fixture fixture) throws Exception {
    List<Member> members = members(fixture);
    Superblock1 sb = members.getFirst().superblock();
    ArrayGeometry geometry =
        ArrayGeometry.of(
            sb.level(), sb.layout(), sb.chunkSectors(), sb.raidDisks(), sb.size(), sb.dataOffset());
    assertThat(geometry.arraySectors() * 512).isEqualTo(fixture.arraySizeBytes());
    StripeMap map = new StripeMap(geometry);
    int chunkBytes = sb.chunkSectors() * 512;
    byte[] array = new byte[Math.toIntExact(fixture.arraySizeBytes())];
    List<ParityKernels> kernels = ParitySelection.available();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment[] chunks = new MemorySegment[sb.raidDisks()];
      for (int i = 0; i < chunks.length; i++) {
        chunks[i] = arena.allocate(chunkBytes, 4096);
      }
      MemorySegment zero = arena.allocate(chunkBytes, 4096);
      MemorySegment p = arena.allocate(chunkBytes, 4096);
      MemorySegment q = arena.allocate(chunkBytes, 4096);
      List<FileDevice> devices = open(members);
      try {
        for (long stripe = 0; stripe < geometry.stripes(); stripe++) {
          for (int m = 0; m < chunks.length; m++) {
            int role = members.get(m).ownRole();
            devices
                .get(m)
                .read(chunks[role], geometry.deviceSector(stripe * sb.chunkSectors()) * 512);
          }
          MemorySegment[] sources = new MemorySegment[map.syndromeSources()];
          Arrays.fill(sources, zero);
          for (int member = 0; member < chunks.length; member++) {
            int dd = map.ddIdxOf(stripe, member);
            if (dd < 0) {
              continue;
            }
            long offset = (stripe * geometry.dataDisks() + dd) * (long) chunkBytes;
            MemorySegment.copy(
                chunks[member], ValueLayout.JAVA_BYTE, 0, array, (int) offset, chunkBytes);
            sources[map.slot(stripe, member)] = chunks[member];
          }
          for (ParityKernels k : kernels) {
            String where = fixture + " stripe " + stripe + " with " + k.name();
            if (sb.level() == 6) {
              k.pqGen(sources, p, q);
              assertThat(p.mismatch(chunks[map.pdIdx(stripe)])).as("P of " + where).isEqualTo(-1);
              assertThat(q.mismatch(chunks[map.qdIdx(stripe)])).as("Q of " + where).isEqualTo(-1);
            } else {
              k.xorGen(p, sources, XorMode.OVERWRITE);
              assertThat(p.mismatch(chunks[map.pdIdx(stripe)])).as("P of " + where).isEqualTo(-1);
            }
          }
        }
      } finally {
        for (FileDevice d : devices) {
          d.close();
        }
      }
    }
    assertThat(Sha256.of(array)).isEqualTo(fixture.sha256());
  }

  private static List<FileDevice> open(List<Member> members) throws IOException {
    List<FileDevice> devices = new ArrayList<>();
    for (Member m : members) {
      devices.add(FileDevice.openReadOnly(Path.of(m.path())));
    }
    return devices;
  }

  private static byte[] read(Path image, long offset, int length) throws IOException {
    try (FileDevice device = FileDevice.openReadOnly(image)) {
      byte[] bytes = new byte[length];
      device.read(MemorySegment.ofArray(bytes), offset);
      return bytes;
    }
  }
}
