package io.jraid.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Every way a superblock can be refused gives a {@link FormatException} naming the member and the
 * field.
 */
class Superblock1BadInputTest {

  private static final String MEMBER = "/dev/test-member";

  /** A valid block, changed by {@code change}, the checksum then made right again or not. */
  private static MemorySegment mutated(Consumer<ByteBuffer> change, boolean fixChecksum) {
    byte[] bytes = Superblock1Codec.encode(Superblock1CodecTest.sample(RoleTable.of(0, 1, 2, 3)));
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    change.accept(b);
    MemorySegment block = MemorySegment.ofArray(bytes);
    if (fixChecksum) {
      int maxDev = Math.min(b.getInt(220), 1920);
      b.putInt(216, Superblock1Codec.checksum(block, maxDev));
    }
    return block;
  }

  private static void assertRefused(MemorySegment block, String field, String... words) {
    assertThatThrownBy(() -> Superblock1Codec.decode(block, MEMBER))
        .isInstanceOfSatisfying(
            FormatException.class,
            e -> {
              assertThat(e.member()).isEqualTo(MEMBER);
              assertThat(e.field()).isEqualTo(field);
              assertThat(e.getMessage()).startsWith(MEMBER + ": " + field).contains(words);
            });
  }

  @Test
  void wrongMagicIsNotAnMdMember() {
    assertRefused(mutated(b -> b.putInt(0, 0), true), "magic", "not an md v1.x member");
  }

  @Test
  void zerosAreNotAnMdMember() {
    assertRefused(MemorySegment.ofArray(new byte[4096]), "magic", "0x00000000");
  }

  @Test
  void badChecksum() {
    assertRefused(mutated(b -> b.putLong(200, 99), false), "sb_csum", "corrupt");
  }

  @Test
  void unknownFeatureBits() {
    assertRefused(mutated(b -> b.putInt(8, 0x4000), true), "feature_map", "0x4000", "newer");
  }

  @Test
  void unknownMajorVersion() {
    assertRefused(mutated(b -> b.putInt(4, 2), true), "major_version", "is 2");
  }

  @Test
  void nonZeroPadding() {
    assertRefused(mutated(b -> b.put(240, (byte) 1), true), "pad3", "not zero");
    assertRefused(mutated(b -> b.putInt(12, 1), true), "pad0", "not zero");
  }

  @Test
  void roleTableTooLarge() {
    assertRefused(mutated(b -> b.putInt(220, 1921), false), "max_dev", "1921");
  }

  @Test
  void zeroChunk() {
    assertRefused(mutated(b -> b.putInt(88, 0), true), "chunksize", "is 0 sectors");
  }

  @Test
  void chunkNotAPowerOfTwo() {
    assertRefused(mutated(b -> b.putInt(88, 24), true), "chunksize", "power of two");
  }

  @Test
  void raidDisksBeyondTheRoleTable() {
    assertRefused(mutated(b -> b.putInt(92, 5), true), "raid_disks", "is 5", "max_dev=4");
  }

  @Test
  void tooFewRaidDisksForRaid6() {
    assertRefused(
        mutated(b -> b.putInt(72, 6).putInt(92, 3), true), "raid_disks", "RAID-6 needs 4");
  }

  @Test
  void tinyDataSize() {
    assertRefused(mutated(b -> b.putLong(136, 9), true), "data_size", "9 sectors");
  }

  @Test
  void sizeBeyondDataSize() {
    assertRefused(mutated(b -> b.putLong(80, 4096), true), "size", "4096");
  }

  @Test
  void dataOffsetInsideTheSuperblock() {
    assertRefused(mutated(b -> b.putLong(128, 8), true), "data_offset", "inside the superblock");
  }

  @Test
  void badBlocksFlaggedWithoutALog() {
    assertRefused(
        mutated(b -> b.putInt(8, FeatureMap.BAD_BLOCKS).putInt(188, 0), true),
        "bblog_offset",
        "non-empty");
  }

  @Test
  void truncatedBlock() {
    MemorySegment block = mutated(b -> {}, true).asSlice(0, 200);
    assertRefused(block, "superblock", "truncated");
    MemorySegment shortRoles = mutated(b -> b.putInt(220, 1000), true).asSlice(0, 1024);
    assertRefused(shortRoles, "superblock", "truncated");
  }

  @Test
  void misplacedSuperblockIsAStaleCopy() throws FormatException {
    Superblock1 sb = Superblock1Codec.decode(mutated(b -> {}, true), MEMBER);
    assertThatThrownBy(() -> Superblock1Codec.checkPlacement(sb, 8192, 0, MEMBER))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining("super_offset")
        .hasMessageContaining("stale");
  }

  @Test
  void memberSmallerThanTheGeometryNeeds() throws FormatException {
    Superblock1 sb = Superblock1Codec.decode(mutated(b -> {}, true), MEMBER);
    Superblock1Codec.checkPlacement(sb, 4096, 8, MEMBER); // exactly big enough
    assertThatThrownBy(() -> Superblock1Codec.checkPlacement(sb, 4095, 8, MEMBER))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining("data_size")
        .hasMessageContaining("4096")
        .hasMessageContaining("truncated or smaller");
  }
}
