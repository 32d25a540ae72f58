package io.jraid.nbd;

import static io.jraid.nbd.Wire.ascii;
import static io.jraid.nbd.Wire.hex;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Request headers, reply headers and the request checks of the transmission phase, without sockets:
 * literal wire bytes in and out, and every rule of spec/nbd.md §8–§10 as a table.
 */
class NbdTransmissionCodecTest {

  // ---- request header ---------------------------------------------------------------------------

  @Test
  void decodesACompactRequest() {
    ByteBuffer in =
        ByteBuffer.wrap(hex("25609513 0001 0001 0102030405060708 fffffffffffff000 80000000 ff"));
    RequestHeader h = new RequestHeader();
    h.decode(in);
    assertThat(h.hasRequestMagic()).isTrue();
    assertThat(h.flags).isEqualTo(1);
    assertThat(h.type).isEqualTo(NbdProtocol.CMD_WRITE);
    assertThat(h.cookie).isEqualTo(0x0102030405060708L);
    assertThat(h.offset).isEqualTo(-4096L); // u64 2^64 - 4096
    assertThat(h.lengthUnsigned()).isEqualTo(1L << 31);
    assertThat(in.position()).isEqualTo(28);
    assertThat(h.toString()).contains("offset=18446744073709547520", "length=2147483648");
  }

  @Test
  void decodesHighFlagAndTypeBitsUnsigned() {
    RequestHeader h = new RequestHeader();
    h.decode(ByteBuffer.wrap(hex("25609514 ffff 8000 0000000000000000 0000000000000000 00000000")));
    assertThat(h.hasRequestMagic()).isFalse();
    assertThat(h.flags).isEqualTo(0xffff);
    assertThat(h.type).isEqualTo(0x8000);
    assertThat(NbdCommand.of(h.type)).isEqualTo(NbdCommand.OTHER);
  }

  // ---- replies ----------------------------------------------------------------------------------

  static String encoded(java.util.function.Consumer<ByteBuffer> writer) {
    ByteBuffer out = ByteBuffer.allocate(ReplyCodec.MAX_HEADER_BYTES);
    writer.accept(out);
    return hex(Arrays.copyOf(out.array(), out.position()));
  }

  @Test
  void simpleReplies() {
    assertThat(encoded(b -> ReplyCodec.simple(b, 0, 0x1122334455667788L)))
        .isEqualTo(hex(hex("67446698 00000000 1122334455667788")));
    assertThat(encoded(b -> ReplyCodec.simple(b, 22, 7)))
        .isEqualTo(hex(hex("67446698 00000016 0000000000000007")));
  }

  @Test
  void structuredChunks() {
    assertThat(encoded(b -> ReplyCodec.offsetData(b, 5, 0x10000, 4096)))
        .isEqualTo(hex(hex("668e33ef 0001 0001 0000000000000005 00001008 0000000000010000")));
    assertThat(encoded(b -> ReplyCodec.none(b, 6)))
        .isEqualTo(hex(hex("668e33ef 0001 0000 0000000000000006 00000000")));
    assertThat(encoded(b -> ReplyCodec.blockStatus(b, 8, 1, 0x20000, 0)))
        .isEqualTo(
            hex(hex("668e33ef 0001 0005 0000000000000008 0000000c 00000001 00020000 00000000")));
  }

  @Test
  void errorChunkCarriesTheErrorAndMessage() {
    ReplyError e = ReplyError.OUT_OF_RANGE;
    String expected =
        "668e33ef 0001 8001 0000000000000009"
            + String.format("%08x %08x %04x", 6 + e.message.length, 22, e.message.length)
            + hex(e.message);
    assertThat(encoded(b -> ReplyCodec.error(b, 9, e.error.code(), e.message)))
        .isEqualTo(hex(hex(expected)));
  }

  @Test
  void everyErrorReplyFitsTheHeaderRoom() {
    for (ReplyError e : ReplyError.values()) {
      assertThat(NbdProtocol.STRUCTURED_REPLY_BYTES + 6 + e.message.length)
          .as(e.name())
          .isLessThanOrEqualTo(ReplyCodec.MAX_HEADER_BYTES);
      assertThat(e.message).isNotEmpty();
    }
    assertThat(ReplyError.NO_SPACE.error.code()).isEqualTo(28);
    assertThat(ReplyError.READ_ONLY.error.code()).isEqualTo(1);
    assertThat(ReplyError.NOT_FAST.error.code()).isEqualTo(95);
    assertThat(ReplyError.SHUTTING_DOWN.error.code()).isEqualTo(108);
    assertThat(ReplyError.IO_ERROR.error.code()).isEqualTo(5);
  }

  // ---- option codec pieces ------------------------------------------------------------------

  @Test
  void optionRepliesByteForByte() {
    assertThat(encoded(b -> OptionCodec.writeGreeting(b)))
        .isEqualTo(hex(hex("4e42444d41474943 49484156454f5054 0003")));
    assertThat(encoded(b -> OptionCodec.writeServer(b, "a", "bc")))
        .isEqualTo(hex(hex("0003e889045565a9 00000003 00000002 00000007 00000001 61 6263")));
    assertThat(encoded(b -> OptionCodec.writeMetaContext(b, 10, 1, "base:allocation")))
        .isEqualTo(
            hex(
                hex(
                    "0003e889045565a9 0000000a 00000004 00000013 00000001"
                        + hex(ascii("base:allocation")))));
    assertThat(encoded(b -> OptionCodec.writeError(b, 5, NbdProtocol.REP_ERR_POLICY, "no")))
        .isEqualTo(hex(hex("0003e889045565a9 00000005 80000002 00000002 6e6f")));
    assertThat(encoded(b -> OptionCodec.writeExportNameAnswer(b, 4096, 0x0d6d, true)))
        .isEqualTo(hex(hex("0000000000001000 0d6d")));
  }

  @Test
  void clientFlags() {
    assertThat(OptionCodec.clientFlagsKnown(0)).isTrue();
    assertThat(OptionCodec.clientFlagsKnown(1)).isTrue();
    assertThat(OptionCodec.clientFlagsKnown(3)).isTrue();
    assertThat(OptionCodec.clientFlagsKnown(4)).isFalse();
    assertThat(OptionCodec.clientFlagsKnown(Integer.MIN_VALUE | 1)).isFalse();
  }

  // ---- request rules ----------------------------------------------------------------------------

  /** 1 MiB export, 512-byte minimum, writable, structured, context 1 selected. */
  static final RequestRules RW = new RequestRules(1 << 20, 512, false, true, 1);

  static final RequestRules SIMPLE = new RequestRules(1 << 20, 512, false, false, 0);

  static final RequestRules RO = new RequestRules(1 << 20, 4096, true, true, 1);

  static RequestHeader request(int type, int flags, long offset, long length) {
    RequestHeader h = new RequestHeader();
    h.magic = NbdProtocol.REQUEST_MAGIC;
    h.type = type;
    h.flags = flags;
    h.offset = offset;
    h.length = (int) length;
    return h;
  }

  static Arguments rule(
      String why,
      RequestRules rules,
      int type,
      int flags,
      long offset,
      long length,
      @Nullable ReplyError expected) {
    return Arguments.of(why, rules, type, flags, offset, length, expected);
  }

  static Stream<Arguments> rules() {
    long size = 1 << 20;
    int read = NbdProtocol.CMD_READ;
    int write = NbdProtocol.CMD_WRITE;
    int zeroes = NbdProtocol.CMD_WRITE_ZEROES;
    int trim = NbdProtocol.CMD_TRIM;
    int cache = NbdProtocol.CMD_CACHE;
    int status = NbdProtocol.CMD_BLOCK_STATUS;
    int flush = NbdProtocol.CMD_FLUSH;
    return Stream.of(
        rule("read inside", RW, read, 0, 0, 4096, null),
        rule("read to the very end", RW, read, 0, size - 512, 512, null),
        rule("read with FUA (ignored)", RW, read, 1, 0, 512, null),
        rule("read with DF", RW, read, NbdProtocol.CMD_FLAG_DF, 0, 512, null),
        rule(
            "DF without structured",
            SIMPLE,
            read,
            NbdProtocol.CMD_FLAG_DF,
            0,
            512,
            ReplyError.BAD_FLAGS),
        rule("read 0 bytes at the end", RW, read, 0, size, 0, null),
        rule("read past the end", RW, read, 0, size - 512, 1024, ReplyError.OUT_OF_RANGE),
        rule("read at the end", RW, read, 0, size, 512, ReplyError.OUT_OF_RANGE),
        rule(
            "read at 2^64-4096 (wraps if added)",
            RW,
            read,
            0,
            -4096L,
            8192,
            ReplyError.OUT_OF_RANGE),
        rule("read at 2^63", RW, read, 0, Long.MIN_VALUE, 512, ReplyError.OUT_OF_RANGE),
        rule("read 0 bytes past the end", RW, read, 0, size + 512, 0, ReplyError.OUT_OF_RANGE),
        rule("read unaligned offset", RW, read, 0, 1, 512, ReplyError.UNALIGNED),
        rule("read unaligned length", RW, read, 0, 0, 511, ReplyError.UNALIGNED),
        rule(
            "read over 32 MiB",
            new RequestRules(1L << 30, 512, false, true, 1),
            read,
            0,
            0,
            (32 << 20) + 512,
            ReplyError.TOO_LARGE),
        rule("read of 0xffffffff", RW, read, 0, 0, 0xffffffffL, ReplyError.UNALIGNED),
        rule("read of 0xfffffe00", RW, read, 0, 0, 0xfffffe00L, ReplyError.TOO_LARGE),
        rule("write past the end", RW, write, 0, size - 512, 1024, ReplyError.NO_SPACE),
        rule("write at 2^64-512", RW, write, 1, -512L, 512, ReplyError.NO_SPACE),
        rule("write on read-only", RO, write, 0, 0, 4096, ReplyError.READ_ONLY),
        rule(
            "write with NO_HOLE",
            RW,
            write,
            NbdProtocol.CMD_FLAG_NO_HOLE,
            0,
            512,
            ReplyError.BAD_FLAGS),
        rule("zeroes past the end", RW, zeroes, 0, size, 512, ReplyError.NO_SPACE),
        rule("zeroes with NO_HOLE and FUA", RW, zeroes, 3, 0, 4096, null),
        rule(
            "zeroes with FAST_ZERO",
            RW,
            zeroes,
            NbdProtocol.CMD_FLAG_FAST_ZERO,
            0,
            4096,
            ReplyError.NOT_FAST),
        rule(
            "zeroes longer than the maximum payload",
            new RequestRules(1L << 32, 512, false, false, 0),
            zeroes,
            0,
            0,
            0xfffffe00L,
            null),
        rule("zeroes on read-only", RO, zeroes, 0, 0, 4096, ReplyError.READ_ONLY),
        rule("trim past the end", RW, trim, 0, size, 512, ReplyError.OUT_OF_RANGE),
        rule("trim on read-only", RO, trim, 0, 0, 4096, ReplyError.READ_ONLY),
        rule(
            "trim with REQ_ONE",
            RW,
            trim,
            NbdProtocol.CMD_FLAG_REQ_ONE,
            0,
            512,
            ReplyError.BAD_FLAGS),
        rule("cache inside", RW, cache, 0, 0, 4096, null),
        rule("cache past the end", RW, cache, 0, 0, size + 512, ReplyError.OUT_OF_RANGE),
        rule("block status", RW, status, NbdProtocol.CMD_FLAG_REQ_ONE, 0, 4096, null),
        rule("block status of 0 bytes", RW, status, 0, 0, 0, ReplyError.EMPTY_BLOCK_STATUS),
        rule("block status without context", SIMPLE, status, 0, 0, 512, ReplyError.NO_META_CONTEXT),
        rule("block status past the end", RW, status, 0, size, 512, ReplyError.OUT_OF_RANGE),
        rule("flush with offset and length (ignored)", RW, flush, 0, 12345, 99, null),
        rule("flush on read-only", RO, flush, 1, 0, 0, null),
        rule(
            "flush with NO_HOLE",
            RW,
            flush,
            NbdProtocol.CMD_FLAG_NO_HOLE,
            0,
            0,
            ReplyError.BAD_FLAGS),
        rule("unknown flag bit 5", RW, read, 1 << 5, 0, 512, ReplyError.BAD_FLAGS),
        rule("unknown flag bit 15", RW, read, 1 << 15, 0, 512, ReplyError.BAD_FLAGS),
        rule("unknown command 8 (RESIZE)", RW, 8, 0, 0, 0, ReplyError.UNKNOWN_COMMAND),
        rule("unknown command 0xffff", RW, 0xffff, 0, 0, 0, ReplyError.UNKNOWN_COMMAND),
        rule("4096-byte minimum: 512 unaligned", RO, read, 0, 512, 4096, ReplyError.UNALIGNED));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rules")
  void requestRules(
      String why,
      RequestRules rules,
      int type,
      int flags,
      long offset,
      long length,
      @Nullable ReplyError expected) {
    assertThat(rules.check(request(type, flags, offset, length), false)).isEqualTo(expected);
    assertThat(rules.check(request(type, flags, offset, length), true))
        .as("shutting down")
        .isEqualTo(ReplyError.SHUTTING_DOWN);
  }

  @Test
  void transmissionFlagsFollowTheExport() {
    try (var disk = io.jraid.device.MemoryDevice.create("d", 1 << 20)) {
      NbdExport e = NbdExport.of("d", disk, 256 << 10);
      assertThat(e.transmissionFlags(false)).isEqualTo(0x0d6d);
      assertThat(e.transmissionFlags(true)).isEqualTo(0x0ded);
      assertThat(e.preferredBlockSize()).isEqualTo(256 << 10);
      assertThat(new NbdExport("r", "", new ReadOnlyDevice(disk), 4096).transmissionFlags(true))
          .isEqualTo(0x058f);
    }
  }
}
