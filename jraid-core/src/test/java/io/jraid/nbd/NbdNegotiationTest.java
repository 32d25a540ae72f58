package io.jraid.nbd;

import static io.jraid.nbd.Wire.ascii;
import static io.jraid.nbd.Wire.concat;
import static io.jraid.nbd.Wire.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jraid.device.MemoryDevice;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.Channels;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The handshake, byte for byte and without sockets: literal client bytes in, the exact server bytes
 * out, for every option and every malformed input the protocol document and the reference servers'
 * behaviour (spec/nbd.md §15a) describe.
 */
class NbdNegotiationTest {

  /** A 1 MiB export "disk" (default), preferring 64 KiB; and a 64 KiB read-only "ro". */
  static final MemoryDevice DISK = MemoryDevice.create("disk", 1 << 20);

  static final MemoryDevice RO_MEMORY = MemoryDevice.create("ro", 64 << 10);

  static final ExportTable EXPORTS =
      new ExportTable(
          List.of(
              new NbdExport("disk", "test disk", DISK, 64 << 10),
              NbdExport.of("ro", new ReadOnlyDevice(RO_MEMORY), 4096)),
          "disk");

  static final String GREETING = "4e42444d41474943 49484156454f5054 0003";
  static final String FLAGS_FIXED_NO_ZEROES = "00000003";
  static final String OPT = "49484156454f5054"; // IHAVEOPT
  static final String REP = "0003e889045565a9"; // option reply magic

  @AfterAll
  static void freeDevices() {
    DISK.close();
    RO_MEMORY.close();
  }

  /** What the server sent and how the handshake ended. */
  static final class Run {
    private final Negotiation.Outcome outcome;
    private final byte[] sent;

    Run(Negotiation.Outcome outcome, byte[] sent) {
      this.outcome = outcome;
      this.sent = sent;
    }

    Negotiation.Outcome outcome() {
      return outcome;
    }

    byte[] sent() {
      return sent;
    }

    /** The server's bytes after the greeting. */
    byte[] replies() {
      return Arrays.copyOfRange(sent, 18, sent.length);
    }
  }

  static Run negotiate(byte[] client) throws IOException {
    return negotiate(client, false);
  }

  static Run negotiate(byte[] client, boolean shuttingDown) throws IOException {
    ByteArrayOutputStream sent = new ByteArrayOutputStream();
    Negotiation n =
        new Negotiation(
            Channels.newChannel(new ByteArrayInputStream(client)),
            Channels.newChannel(sent),
            EXPORTS,
            () -> shuttingDown);
    Negotiation.Outcome outcome = n.run();
    assertThat(Wire.hex(Arrays.copyOf(sent.toByteArray(), 18))).isEqualTo(Wire.hex(hex(GREETING)));
    return new Run(outcome, sent.toByteArray());
  }

  /** An option request: IHAVEOPT, option, length, data. */
  static byte[] option(int option, byte[] data) {
    return concat(hex(OPT), hex(String.format("%08x %08x", option, data.length)), data);
  }

  static byte[] abort() {
    return option(2, new byte[0]);
  }

  static final String ABORT_ACK = REP + " 00000002 00000001 00000000";

  static void assertHex(byte[] actual, String expected) {
    assertThat(hex(actual)).isEqualTo(hex(hex(expected)));
  }

  static Negotiation.Closed closed(Run run) {
    assertThat(run.outcome()).isInstanceOf(Negotiation.Closed.class);
    return (Negotiation.Closed) run.outcome();
  }

  static Negotiation.Transmit transmit(Run run) {
    assertThat(run.outcome()).isInstanceOf(Negotiation.Transmit.class);
    return (Negotiation.Transmit) run.outcome();
  }

  // ---- greeting and client flags --------------------------------------------------------------

  @Test
  void greetingOffersFixedNewstyleAndNoZeroes() throws IOException {
    Run run = negotiate(concat(hex(FLAGS_FIXED_NO_ZEROES), abort()));
    assertHex(run.sent(), GREETING + ABORT_ACK);
    assertThat(closed(run).soft()).isTrue();
  }

  @Test
  void unknownClientFlagBitsDisconnectAtOnce() throws IOException {
    for (String flags : new String[] {"00000004", "80000003", "00000007"}) {
      Run run = negotiate(concat(hex(flags), abort()));
      assertThat(run.replies()).as("nothing after the greeting for %s", flags).isEmpty();
      assertThat(closed(run).soft()).isFalse();
      assertThat(closed(run).reason()).contains("client flags");
    }
  }

  @Test
  void endOfStreamDuringTheHandshakeIsAnEofException() {
    assertThatThrownBy(() -> negotiate(hex("0000"))).isInstanceOf(EOFException.class);
    assertThatThrownBy(() -> negotiate(concat(hex("00000003"), hex(OPT + "00000007"))))
        .isInstanceOf(EOFException.class);
    // An option whose data stops short.
    assertThatThrownBy(() -> negotiate(concat(hex("00000003 " + OPT + " 00000007 00000010"))))
        .isInstanceOf(EOFException.class);
  }

  // ---- EXPORT_NAME ----------------------------------------------------------------------------

  @Test
  void exportNameAnswersSizeFlagsAndTheZeroPadding() throws IOException {
    Run run = negotiate(concat(hex("00000001"), option(1, ascii("disk"))));
    assertHex(run.replies(), "0000000000100000 0d6d" + "00".repeat(124));
    Negotiation.Transmit t = transmit(run);
    assertThat(t.export().name()).isEqualTo("disk");
    assertThat(t.structuredReplies()).isFalse();
    assertThat(t.metaContextId()).isZero();
  }

  @Test
  void exportNameWithoutPaddingAfterNoZeroes() throws IOException {
    Run run = negotiate(concat(hex(FLAGS_FIXED_NO_ZEROES), option(1, ascii("ro"))));
    // READ_ONLY, no TRIM / WRITE_ZEROES / FAST_ZERO:
    // HAS_FLAGS|READ_ONLY|FLUSH|FUA|MULTI_CONN|CACHE.
    assertHex(run.replies(), "0000000000010000 050f");
    assertThat(transmit(run).export().name()).isEqualTo("ro");
  }

  @Test
  void nonFixedNewstyleClientGetsTheDefaultExportByEmptyName() throws IOException {
    Run run = negotiate(concat(hex("00000000"), option(1, new byte[0])));
    assertHex(run.replies(), "0000000000100000 0d6d" + "00".repeat(124));
    assertThat(transmit(run).export().name()).isEqualTo("disk");
  }

  @Test
  void exportNameWithStructuredRepliesAdvertisesDf() throws IOException {
    Run run =
        negotiate(
            concat(hex(FLAGS_FIXED_NO_ZEROES), option(8, new byte[0]), option(1, ascii("disk"))));
    assertHex(run.replies(), REP + " 00000008 00000001 00000000" + "0000000000100000 0ded");
    assertThat(transmit(run).structuredReplies()).isTrue();
  }

  @Test
  void unknownOrOverlongExportNameDisconnects() throws IOException {
    Run unknown = negotiate(concat(hex(FLAGS_FIXED_NO_ZEROES), option(1, ascii("nope"))));
    assertThat(unknown.replies()).isEmpty();
    assertThat(closed(unknown).soft()).isFalse();
    Run longName = negotiate(concat(hex(FLAGS_FIXED_NO_ZEROES), option(1, new byte[4097])));
    assertThat(longName.replies()).isEmpty();
    assertThat(closed(longName).soft()).isFalse();
  }

  // ---- INFO and GO ----------------------------------------------------------------------------

  static final String INFO_DISK_ALL =
      REP
          + " 00000006 00000003 0000000c 0000 0000000000100000 0d6d"
          + REP
          + " 00000006 00000003 0000000e 0003 00000200 00010000 02000000"
          + REP
          + " 00000006 00000003 00000006 0001"
          + hex(ascii("disk"))
          + REP
          + " 00000006 00000003 0000000b 0002"
          + hex(ascii("test disk"))
          + REP
          + " 00000006 00000001 00000000";

  @Test
  void infoSendsExportBlockSizeNameAndDescriptionThenAck() throws IOException {
    byte[] infoAll = option(6, hex("00000000 0003 0001 0002 0003"));
    Run run = negotiate(concat(hex(FLAGS_FIXED_NO_ZEROES), infoAll, abort()));
    assertHex(run.replies(), INFO_DISK_ALL + ABORT_ACK);
  }

  @Test
  void infoAndGoGiveTheSameAnswer() throws IOException {
    byte[] data = hex("00000004" + hex(ascii("disk")) + "0003 0003 0001 0002");
    Run run = negotiate(concat(hex(FLAGS_FIXED_NO_ZEROES), option(6, data), option(7, data)));
    byte[] replies = run.replies();
    byte[] info = Arrays.copyOf(replies, replies.length / 2);
    byte[] go = Arrays.copyOfRange(replies, replies.length / 2, replies.length);
    // Identical except for the option echoed in each reply header (6 vs 7).
    assertHex(info, INFO_DISK_ALL);
    assertHex(go, INFO_DISK_ALL.replace(REP + " 00000006", REP + " 00000007"));
    assertThat(transmit(run).export().name()).isEqualTo("disk");
  }

  @Test
  void goWithoutInfoRequestsStillSendsExportAndBlockSize() throws IOException {
    Run run = negotiate(concat(hex(FLAGS_FIXED_NO_ZEROES), option(7, hex("00000000 0000"))));
    assertHex(
        run.replies(),
        REP
            + " 00000007 00000003 0000000c 0000 0000000000100000 0d6d"
            + REP
            + " 00000007 00000003 0000000e 0003 00000200 00010000 02000000"
            + REP
            + " 00000007 00000001 00000000");
  }

  @Test
  void goIgnoresUnknownInfoTypesAndSkipsAnEmptyDescription() throws IOException {
    Run run =
        negotiate(
            concat(
                hex(FLAGS_FIXED_NO_ZEROES),
                option(7, hex("00000002" + hex(ascii("ro")) + "0003 0002 7777 0001"))));
    assertHex(
        run.replies(),
        REP
            + " 00000007 00000003 0000000c 0000 0000000000010000 050f"
            + REP
            + " 00000007 00000003 0000000e 0003 00000200 00001000 02000000"
            + REP
            + " 00000007 00000003 00000004 0001"
            + hex(ascii("ro"))
            + REP
            + " 00000007 00000001 00000000");
  }

  @Test
  void unknownExportIsErrUnknownAndNegotiationContinues() throws IOException {
    Run run =
        negotiate(
            concat(
                hex(FLAGS_FIXED_NO_ZEROES),
                option(7, hex("00000004" + hex(ascii("nope")) + "0000")),
                option(7, hex("00000000 0000"))));
    String message = "no export named \"nope\"";
    assertHex(
        Arrays.copyOf(run.replies(), 20 + message.length()),
        REP + String.format(" 00000007 80000006 %08x", message.length()) + hex(ascii(message)));
    assertThat(transmit(run).export().name()).isEqualTo("disk");
  }

  @Test
  void malformedGoIsErrInvalidAndTheStreamStaysInStep() throws IOException {
    String[] malformed = {
      "", // no name length
      "00000010 6469736b 0000", // name length past the option's end
      "00000004 6469736b", // no info count
      "00000004 6469736b 0002 0001", // count says 2, one given
      "00000004 6469736b 0001 0001 00" // a stray byte after the requests
    };
    for (String data : malformed) {
      Run run = negotiate(concat(hex(FLAGS_FIXED_NO_ZEROES), option(7, hex(data)), abort()));
      byte[] replies = run.replies();
      assertThat(hex(Arrays.copyOf(replies, 16)))
          .as("reply to GO data %s", data)
          .isEqualTo(hex(hex(REP + " 00000007 80000003")));
      // The next option was read where it starts: ABORT got its ACK.
      assertHex(Arrays.copyOfRange(replies, replies.length - 20, replies.length), ABORT_ACK);
      assertThat(closed(run).soft()).isTrue();
    }
  }

  // ---- LIST, ABORT, STARTTLS, STRUCTURED_REPLY, unknown ----------------------------------------

  @Test
  void listNamesEveryExportThenAcks() throws IOException {
    Run run = negotiate(concat(hex(FLAGS_FIXED_NO_ZEROES), option(3, new byte[0]), abort()));
    assertHex(
        run.replies(),
        REP
            + " 00000003 00000002 00000011 00000004"
            + hex(ascii("disk"))
            + hex(ascii("test disk"))
            + REP
            + " 00000003 00000002 00000006 00000002"
            + hex(ascii("ro"))
            + REP
            + " 00000003 00000001 00000000"
            + ABORT_ACK);
  }

  @Test
  void listWithDataIsErrInvalidOnly() throws IOException {
    Run run = negotiate(concat(hex(FLAGS_FIXED_NO_ZEROES), option(3, hex("00")), abort()));
    byte[] r = run.replies();
    assertHex(Arrays.copyOf(r, 16), REP + " 00000003 80000003");
    assertHex(Arrays.copyOfRange(r, r.length - 20, r.length), ABORT_ACK);
  }

  @Test
  void abortIgnoresItsData() throws IOException {
    Run run = negotiate(concat(hex(FLAGS_FIXED_NO_ZEROES), option(2, hex("0102030405"))));
    assertHex(run.replies(), ABORT_ACK);
    assertThat(closed(run).soft()).isTrue();
  }

  @Test
  void starttlsIsRefusedByPolicy() throws IOException {
    Run run = negotiate(concat(hex(FLAGS_FIXED_NO_ZEROES), option(5, new byte[0]), abort()));
    byte[] r = run.replies();
    assertHex(Arrays.copyOf(r, 16), REP + " 00000005 80000002");
    assertThat(NbdTestClient.text(Arrays.copyOfRange(r, 20, r.length - 20))).contains("TLS");
  }

  @Test
  void structuredReplyOnceThenInvalid() throws IOException {
    Run run =
        negotiate(
            concat(
                hex(FLAGS_FIXED_NO_ZEROES),
                option(8, new byte[0]),
                option(8, new byte[0]),
                option(8, hex("00")),
                abort()));
    byte[] r = run.replies();
    assertHex(Arrays.copyOf(r, 20), REP + " 00000008 00000001 00000000");
    assertHex(Arrays.copyOfRange(r, 20, 36), REP + " 00000008 80000003");
  }

  @Test
  void extendedHeadersAndUnknownOptionsAreUnsupportedAfterSkippingTheirData() throws IOException {
    for (int opt : new int[] {11, 4, 12, 0x1234, 0x7fffffff}) {
      Run run =
          negotiate(concat(hex(FLAGS_FIXED_NO_ZEROES), option(opt, hex("0102030405")), abort()));
      byte[] r = run.replies();
      assertHex(Arrays.copyOf(r, 16), REP + String.format(" %08x 80000001", opt));
      assertHex(Arrays.copyOfRange(r, r.length - 20, r.length), ABORT_ACK);
    }
  }

  @Test
  void longOptionDataIsSkippedUnread() throws IOException {
    byte[] big = new byte[Negotiation.MAX_OPTION_DATA + 1000];
    Arrays.fill(big, (byte) 0x49); // would look like IHAVEOPT if it were parsed
    Run unknown = negotiate(concat(hex(FLAGS_FIXED_NO_ZEROES), option(0x4242, big), abort()));
    assertHex(Arrays.copyOf(unknown.replies(), 16), REP + " 00004242 80000001");
    assertThat(closed(unknown).soft()).isTrue();
    Run known = negotiate(concat(hex(FLAGS_FIXED_NO_ZEROES), option(7, big), abort()));
    assertHex(Arrays.copyOf(known.replies(), 16), REP + " 00000007 80000009");
    assertThat(closed(known).soft()).isTrue();
  }

  @Test
  void absurdOptionLengthOrBadMagicDisconnects() throws IOException {
    Run absurd = negotiate(concat(hex(FLAGS_FIXED_NO_ZEROES + OPT + " 00000007 fffffff0")));
    assertThat(absurd.replies()).isEmpty();
    assertThat(closed(absurd).soft()).isFalse();
    Run magic =
        negotiate(concat(hex(FLAGS_FIXED_NO_ZEROES + "49484156454f5055 00000002 00000000")));
    assertThat(magic.replies()).isEmpty();
    assertThat(closed(magic).reason()).contains("magic");
  }

  // ---- metadata contexts ----------------------------------------------------------------------

  static byte[] metaContext(String name, String... queries) {
    return NbdTestClient.metaContextData(name, queries);
  }

  static final String BASE_ALLOCATION = hex(ascii("base:allocation"));

  @Test
  void setMetaContextSelectsBaseAllocationForGo() throws IOException {
    Run run =
        negotiate(
            concat(
                hex(FLAGS_FIXED_NO_ZEROES),
                option(8, new byte[0]),
                option(10, metaContext("disk", "base:allocation")),
                option(7, hex("00000004" + hex(ascii("disk")) + "0000"))));
    byte[] r = run.replies();
    assertHex(
        Arrays.copyOfRange(r, 20, 20 + 20 + 19 + 20),
        REP
            + " 0000000a 00000004 00000013 00000001"
            + BASE_ALLOCATION
            + REP
            + " 0000000a 00000001 00000000");
    Negotiation.Transmit t = transmit(run);
    assertThat(t.structuredReplies()).isTrue();
    assertThat(t.metaContextId()).isEqualTo(1);
  }

  @Test
  void setMetaContextNeedsStructuredReplies() throws IOException {
    Run run =
        negotiate(
            concat(
                hex(FLAGS_FIXED_NO_ZEROES),
                option(10, metaContext("", "base:allocation")),
                abort()));
    assertHex(Arrays.copyOf(run.replies(), 16), REP + " 0000000a 80000003");
  }

  @Test
  void setMetaContextIgnoresOtherNamespacesAndForgetsEarlierSelections() throws IOException {
    Run run =
        negotiate(
            concat(
                hex(FLAGS_FIXED_NO_ZEROES),
                option(8, new byte[0]),
                option(10, metaContext("", "base:allocation")),
                option(10, metaContext("", "qemu:dirty-bitmap:x", "base:")),
                option(7, hex("00000000 0000"))));
    byte[] r = run.replies();
    int second = 20 + 39 + 20;
    assertHex(Arrays.copyOfRange(r, second, second + 20), REP + " 0000000a 00000001 00000000");
    assertThat(transmit(run).metaContextId()).isZero();
  }

  @Test
  void contextSelectedForAnotherExportDoesNotApply() throws IOException {
    Run run =
        negotiate(
            concat(
                hex(FLAGS_FIXED_NO_ZEROES),
                option(8, new byte[0]),
                option(10, metaContext("ro", "base:allocation")),
                option(7, hex("00000004" + hex(ascii("disk")) + "0000"))));
    assertThat(transmit(run).metaContextId()).isZero();
  }

  @Test
  void listMetaContextListsBaseAllocation() throws IOException {
    String listed =
        REP
            + " 00000009 00000004 00000013 00000000"
            + BASE_ALLOCATION
            + REP
            + " 00000009 00000001 00000000";
    for (String[] queries : new String[][] {{}, {"base:"}, {"base:allocation", "x:y"}}) {
      Run run =
          negotiate(
              concat(hex(FLAGS_FIXED_NO_ZEROES), option(9, metaContext("", queries)), abort()));
      assertHex(run.replies(), listed + ABORT_ACK);
    }
    Run none =
        negotiate(concat(hex(FLAGS_FIXED_NO_ZEROES), option(9, metaContext("", "x:y")), abort()));
    assertHex(none.replies(), REP + " 00000009 00000001 00000000" + ABORT_ACK);
  }

  @Test
  void malformedOrUnknownMetaContextRequests() throws IOException {
    String[] malformed = {
      "00000000", // no query count
      "00000000 00000001", // one query, none given
      "00000000 00000001 00000010 62617365", // query length past the end
      "00000000 00000000 00", // trailing byte
      "00000000 ffffffff 00000000", // absurd count
      "00000009 6469736b" // name length past the end
    };
    for (String data : malformed) {
      Run run = negotiate(concat(hex(FLAGS_FIXED_NO_ZEROES), option(9, hex(data)), abort()));
      assertThat(hex(Arrays.copyOf(run.replies(), 16)))
          .as("LIST_META_CONTEXT data %s", data)
          .isEqualTo(hex(hex(REP + " 00000009 80000003")));
      assertThat(closed(run).soft()).isTrue();
    }
    Run unknown =
        negotiate(concat(hex(FLAGS_FIXED_NO_ZEROES), option(9, metaContext("nope")), abort()));
    assertHex(Arrays.copyOf(unknown.replies(), 16), REP + " 00000009 80000006");
  }

  // ---- shutdown ---------------------------------------------------------------------------------

  @Test
  void duringShutdownOptionsGetErrShutdownButAbortIsAcknowledged() throws IOException {
    Run run =
        negotiate(
            concat(hex(FLAGS_FIXED_NO_ZEROES), option(7, hex("00000000 0000")), abort()), true);
    byte[] r = run.replies();
    assertHex(Arrays.copyOf(r, 16), REP + " 00000007 80000007");
    assertHex(Arrays.copyOfRange(r, r.length - 20, r.length), ABORT_ACK);
    Run exportName = negotiate(concat(hex(FLAGS_FIXED_NO_ZEROES), option(1, new byte[0])), true);
    assertThat(exportName.replies()).isEmpty();
    assertThat(closed(exportName).soft()).isFalse();
  }
}
