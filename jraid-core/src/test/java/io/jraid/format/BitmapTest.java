package io.jraid.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jraid.format.BitmapRegions.Range;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The bitmap superblock codec against literal bytes, and bit addressing against hand sums. */
class BitmapTest {

  private static final MdUuid UUID = MdUuid.parse("3c20b327:1a04e119:1ff5b809:e2ce4182");

  /** A bitmap superblock as mdadm writes it for a 1 GiB member with 64 MiB chunks. */
  private static byte[] literal() {
    ByteBuffer b = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
    b.put(0, "bitm".getBytes(java.nio.charset.StandardCharsets.US_ASCII)); // magic 0x6d746962
    b.putInt(4, 4);
    b.put(8, HexFormat.of().parseHex("3c20b3271a04e1191ff5b809e2ce4182"));
    b.putLong(24, 20).putLong(32, 18).putLong(40, 2097152);
    b.putInt(48, 0).putInt(52, 64 << 20).putInt(56, 5).putInt(60, 0).putInt(64, 8);
    b.put(256, (byte) 0b0000_0101); // bits 0 and 2
    b.put(257, (byte) 0b1000_0000); // bit 15
    return b.array();
  }

  @Test
  void decodesEveryField() throws FormatException {
    BitmapSuperblock bitmap = BitmapCodec.decode(MemorySegment.ofArray(literal()), UUID, "m");
    assertThat(bitmap)
        .isEqualTo(new BitmapSuperblock(4, UUID, 20, 18, 2097152, 0, 64 << 20, 5, 0, 8, 0, ""));
    assertThat(bitmap.chunks()).isEqualTo(16); // 1 GiB / 64 MiB
    assertThat(bitmap.areaBytes()).isEqualTo(258);
    assertThat(BitmapCodec.dirtyBits(MemorySegment.ofArray(literal()), bitmap)).isEqualTo(3);
    assertThat(BitmapCodec.isSet(MemorySegment.ofArray(literal()), 2)).isTrue();
    assertThat(BitmapCodec.isSet(MemorySegment.ofArray(literal()), 1)).isFalse();
    assertThat(BitmapCodec.isSet(MemorySegment.ofArray(literal()), 15)).isTrue();
  }

  @Test
  void encodeGivesBackTheSameHeader() throws FormatException {
    byte[] bytes = literal();
    BitmapSuperblock bitmap = BitmapCodec.decode(MemorySegment.ofArray(bytes), UUID, "m");
    byte[] encoded = new byte[4096];
    BitmapCodec.encode(bitmap, MemorySegment.ofArray(encoded));
    assertThat(java.util.Arrays.copyOf(encoded, 256))
        .isEqualTo(java.util.Arrays.copyOf(bytes, 256));
  }

  @Test
  void setAndClearBitsInLittleEndianOrder() {
    byte[] area = new byte[512];
    MemorySegment s = MemorySegment.ofArray(area);
    BitmapCodec.set(s, 9, true);
    assertThat(area[257]).isEqualTo((byte) 0b10);
    BitmapCodec.set(s, 9, false);
    assertThat(area[257]).isZero();
  }

  @Test
  void refusesWhatTheKernelRefuses() {
    assertRefused(b -> b.putInt(0, 0), "bitmap magic");
    assertRefused(b -> b.putInt(4, 6), "bitmap version");
    assertRefused(b -> b.putInt(52, 3000), "bitmap chunksize");
    assertRefused(b -> b.putInt(56, 0), "bitmap daemon_sleep");
    assertRefused(b -> b.putInt(60, 20000), "bitmap write_behind");
    assertRefused(b -> b.put(8, (byte) 0), "bitmap uuid");
  }

  private static void assertRefused(java.util.function.Consumer<ByteBuffer> change, String field) {
    byte[] bytes = literal();
    change.accept(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN));
    assertThatThrownBy(() -> BitmapCodec.decode(MemorySegment.ofArray(bytes), UUID, "/dev/m"))
        .isInstanceOfSatisfying(
            FormatException.class,
            e -> {
              assertThat(e.field()).isEqualTo(field);
              assertThat(e.getMessage()).startsWith("/dev/m: " + field);
            });
  }

  /** 4 data disks, 64 KiB raid chunks (128 sectors); member size 1024 sectors. */
  private static BitmapRegions regions(int bitmapChunkBytes) {
    return new BitmapRegions(
        new BitmapSuperblock(4, UUID, 0, 0, 1024, 0, bitmapChunkBytes, 5, 0, 0, 0, ""), 128, 4);
  }

  @Test
  void aBitLargerThanARaidChunkCoversWholeRows() {
    // 128 KiB bitmap chunks = 256 member sectors = 2 chunk rows = 2 * 4 * 128 array sectors.
    BitmapRegions r = regions(128 << 10);
    assertThat(r.arrayRangesOf(1)).containsExactly(new Range(1024, 1024));
    assertThat(r.bitOf(1023)).isZero();
    assertThat(r.bitOf(1024)).isEqualTo(1);
    assertThat(r.bitOf(4095)).isEqualTo(3);
  }

  @Test
  void aBitSmallerThanARaidChunkCoversAPieceOfEveryDataChunkOfItsRow() {
    // 4 KiB bitmap chunks = 8 member sectors. Bit 17 = member sectors 136..143 = row 1, offset 8.
    BitmapRegions r = regions(4096);
    assertThat(r.arrayRangesOf(17))
        .containsExactly(
            new Range(512 + 8, 8),
            new Range(640 + 8, 8),
            new Range(768 + 8, 8),
            new Range(896 + 8, 8));
    for (Range range : r.arrayRangesOf(17)) {
      assertThat(r.bitOf(range.start())).isEqualTo(17);
      assertThat(r.bitOf(range.start() + range.sectors() - 1)).isEqualTo(17);
    }
    assertThat(r.memberSectorOf(3 * 128 + 5)).isEqualTo(5); // chunk 3 = row 0, 4th data chunk
  }

  @Test
  void theLastBitMayCoverLess() {
    BitmapSuperblock b = new BitmapSuperblock(4, UUID, 0, 0, 1000, 0, 4096, 5, 0, 0, 0, "");
    assertThat(b.chunks()).isEqualTo(125);
    assertThat(b.sectorsOf(124)).isEqualTo(8);
    BitmapSuperblock odd = new BitmapSuperblock(4, UUID, 0, 0, 1001, 0, 4096, 5, 0, 0, 0, "");
    assertThat(odd.chunks()).isEqualTo(126);
    assertThat(odd.sectorsOf(125)).isEqualTo(1);
    assertThatThrownBy(() -> odd.bitOf(1001)).isInstanceOf(IllegalArgumentException.class);
    assertThat(List.of(odd.firstSectorOf(125))).containsExactly(1000L);
  }

  @Test
  void badBlockLogEntriesDecodeStartAndLength() throws FormatException {
    ByteBuffer b = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(0, (4096L << 10) | 8); // sectors 4096..4103
    b.putLong(8, (100L << 10) | 1);
    for (int i = 16; i < 4096; i += 8) {
      b.putLong(i, -1L);
    }
    BadBlockLog log = BadBlockLog.decode(MemorySegment.ofArray(b.array()), 0, "m");
    assertThat(log.entries())
        .containsExactly(new BadBlockLog.BadRange(4096, 8), new BadBlockLog.BadRange(100, 1));
    BadBlockLog shifted = BadBlockLog.decode(MemorySegment.ofArray(b.array()), 3, "m");
    assertThat(shifted.entries().getFirst()).isEqualTo(new BadBlockLog.BadRange(4096 * 8, 64));
  }

  @Test
  void badBlockLogWithAZeroLengthEntryIsCorrupt() {
    ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(0, 4096L << 10).putLong(8, -1L);
    assertThatThrownBy(() -> BadBlockLog.decode(MemorySegment.ofArray(b.array()), 0, "/dev/m"))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining("/dev/m: bad-block log entry 0 has length 0");
  }
}
