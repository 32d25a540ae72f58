package io.jraid.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The superblock codec against the spec's test vectors and literal bytes. */
class Superblock1CodecTest {

  /** The test vector of md-superblock-v1.md §5, built field by field as raw little-endian bytes. */
  static byte[] specVector(int maxDev) {
    ByteBuffer b = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(0, 0xA92B4EFC).putInt(4, 1).putInt(8, 0);
    b.put(16, HexFormat.of().parseHex("00112233445566778899aabbccddeeff"));
    b.put(32, "myhost:0".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    b.putLong(64, 1700000000L).putInt(72, 5).putInt(76, 2).putLong(80, 2097152);
    b.putInt(88, 1024).putInt(92, 4).putInt(96, 0);
    b.putLong(128, 262144).putLong(136, 2097152).putLong(144, 8);
    b.putInt(160, 0);
    b.put(168, HexFormat.of().parseHex("a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"));
    b.put(184, (byte) 0).put(185, (byte) 0).putShort(186, (short) 8).putInt(188, 8);
    b.putLong(192, 1700000000L).putLong(200, 18).putLong(208, -1L);
    b.putInt(220, maxDev);
    for (int i = 0; i < maxDev; i++) {
      b.putShort(256 + 2 * i, (short) (i < 4 ? i : 0xFFFF));
    }
    if (maxDev == 129) {
      b.putShort(256 + 2 * 128, (short) 0xFFFE);
    }
    return b.array();
  }

  @Test
  void checksumOfTheSpecVector() {
    byte[] block = specVector(128);
    assertThat(Superblock1Codec.checksum(MemorySegment.ofArray(block), 128)).isEqualTo(0x208A9FC3);
  }

  @Test
  void checksumWithAnOddRoleCountAddsTheLastHalfWord() {
    byte[] block = specVector(129);
    assertThat(Superblock1Codec.checksum(MemorySegment.ofArray(block), 129)).isEqualTo(0x208B9FC2);
  }

  @Test
  void decodesEveryFieldOfTheSpecVector() throws FormatException {
    byte[] block = specVector(128);
    ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN).putInt(216, 0x208A9FC3);
    Superblock1 sb = Superblock1Codec.decode(MemorySegment.ofArray(block), "vector");
    assertThat(sb.setUuid()).hasToString("00112233:44556677:8899aabb:ccddeeff");
    assertThat(sb.setName()).isEqualTo("myhost:0");
    assertThat(sb.ctimeSeconds()).isEqualTo(1700000000L);
    assertThat(sb.level()).isEqualTo(5);
    assertThat(sb.layout()).isEqualTo(2);
    assertThat(sb.size()).isEqualTo(2097152);
    assertThat(sb.chunkSectors()).isEqualTo(1024);
    assertThat(sb.raidDisks()).isEqualTo(4);
    assertThat(sb.dataOffset()).isEqualTo(262144);
    assertThat(sb.dataSize()).isEqualTo(2097152);
    assertThat(sb.superOffset()).isEqualTo(8);
    assertThat(sb.version()).isEqualTo(MetadataVersion.V1_2);
    assertThat(sb.deviceUuid()).hasToString("a0a1a2a3:a4a5a6a7:a8a9aaab:acadaeaf");
    assertThat(sb.bblogSize()).isEqualTo(8);
    assertThat(sb.bblogOffset()).isEqualTo(8);
    assertThat(sb.events()).isEqualTo(18);
    assertThat(sb.clean()).isTrue();
    assertThat(sb.maxDev()).isEqualTo(128);
    assertThat(sb.role()).isZero();
    assertThat(sb.roles().role(3)).isEqualTo(3);
    assertThat(sb.roles().role(4)).isEqualTo(RoleTable.SPARE);
    assertThat(sb.roles().role(500)).isEqualTo(RoleTable.SPARE);
  }

  @Test
  void encodeGivesBackTheSameBytes() throws FormatException {
    for (int maxDev : new int[] {128, 129}) {
      byte[] block = specVector(maxDev);
      ByteBuffer.wrap(block)
          .order(ByteOrder.LITTLE_ENDIAN)
          .putInt(216, maxDev == 128 ? 0x208A9FC3 : 0x208B9FC2);
      Superblock1 sb = Superblock1Codec.decode(MemorySegment.ofArray(block), "vector");
      assertThat(Superblock1Codec.encode(sb)).isEqualTo(block);
      assertThat(Superblock1Codec.decode(MemorySegment.ofArray(Superblock1Codec.encode(sb)), "x"))
          .isEqualTo(sb);
    }
  }

  @Test
  void encodeWritesWholeSectorsAndZerosBeyondTheRoles() {
    byte[] block = new byte[4096];
    Arrays.fill(block, (byte) 0x5A);
    Superblock1 sb = sample(RoleTable.allSpare(129).withRole(0, 0));
    int written = Superblock1Codec.encode(sb, MemorySegment.ofArray(block));
    assertThat(written).isEqualTo(1024); // 256 + 258 bytes, rounded up to 512
    assertThat(Arrays.copyOfRange(block, 514, 1024)).containsOnly(0);
    assertThat(block[1024]).isEqualTo((byte) 0x5A);
  }

  @Test
  void nameKeepsInteriorBytesAndAllThirtyTwoCharacters() throws FormatException {
    String full = "abcdefghijklmnopqrstuvwxyz:01234"; // 32 characters: no NUL at all
    Superblock1 sb = sample(RoleTable.of(0, 1, 2, 3));
    Superblock1 named = withName(sb, full);
    byte[] bytes = Superblock1Codec.encode(named);
    assertThat(new String(bytes, 32, 32, java.nio.charset.StandardCharsets.US_ASCII))
        .isEqualTo(full);
    assertThat(Superblock1Codec.decode(MemorySegment.ofArray(bytes), "x").setName())
        .isEqualTo(full);
  }

  @Test
  void rejectsANameThatCannotBeStored() {
    Superblock1 sb = sample(RoleTable.of(0));
    assertThatThrownBy(() -> withName(sb, "x".repeat(33)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("setName=");
  }

  @Test
  void littleEndianFieldsLandAtTheirOffsets() {
    byte[] bytes = Superblock1Codec.encode(sample(RoleTable.of(0, 1, 2, 3)));
    MemorySegment s = MemorySegment.ofArray(bytes);
    var u32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    assertThat(Arrays.copyOfRange(bytes, 0, 4))
        .containsExactly(0xFC, 0x4E, 0x2B, 0xA9); // FC 4E 2B A9 on disk
    assertThat(s.get(u32, 92)).isEqualTo(4);
    assertThat(s.get(u32, 220)).isEqualTo(4);
    assertThat(bytes[256 + 6]).isEqualTo((byte) 3);
  }

  /** A RAID-5 member superblock with the given roles. */
  static Superblock1 sample(RoleTable roles) {
    return new Superblock1(
        0,
        MdUuid.parse("3c20b327:1a04e119:1ff5b809:e2ce4182"),
        "host:0",
        1_763_000_000L,
        5,
        2,
        2048,
        128,
        Math.min(4, roles.size()),
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        2048,
        2048,
        8,
        0,
        0,
        0,
        MdUuid.parse("ad408c70bacbd6da517e6cecec1514ce"),
        0,
        0,
        8,
        8,
        1_763_000_100L,
        17,
        Superblock1.MAX_SECTOR,
        0,
        roles);
  }

  static Superblock1 withName(Superblock1 s, String name) {
    return new Superblock1(
        s.featureMap(),
        s.setUuid(),
        name,
        s.ctime(),
        s.level(),
        s.layout(),
        s.size(),
        s.chunkSectors(),
        s.raidDisks(),
        s.bitmapOffset(),
        s.newLevel(),
        s.reshapePosition(),
        s.deltaDisks(),
        s.newLayout(),
        s.newChunk(),
        s.newOffset(),
        s.dataOffset(),
        s.dataSize(),
        s.superOffset(),
        s.recoveryOffset(),
        s.devNumber(),
        s.cntCorrectedRead(),
        s.deviceUuid(),
        s.devFlags(),
        s.bblogShift(),
        s.bblogSize(),
        s.bblogOffset(),
        s.utime(),
        s.events(),
        s.resyncOffset(),
        s.logicalBlockSize(),
        s.roles());
  }
}
