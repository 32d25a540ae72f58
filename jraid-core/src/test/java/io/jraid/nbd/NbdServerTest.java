package io.jraid.nbd;

import static io.jraid.nbd.NbdTestClient.BLOCK_STATUS;
import static io.jraid.nbd.NbdTestClient.CACHE;
import static io.jraid.nbd.NbdTestClient.DF;
import static io.jraid.nbd.NbdTestClient.FAST_ZERO;
import static io.jraid.nbd.NbdTestClient.FLUSH;
import static io.jraid.nbd.NbdTestClient.FUA;
import static io.jraid.nbd.NbdTestClient.NO_HOLE;
import static io.jraid.nbd.NbdTestClient.READ;
import static io.jraid.nbd.NbdTestClient.REQ_ONE;
import static io.jraid.nbd.NbdTestClient.TRIM;
import static io.jraid.nbd.NbdTestClient.WRITE;
import static io.jraid.nbd.NbdTestClient.WRITE_ZEROES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jraid.device.FaultyDevice;
import io.jraid.device.MemoryDevice;
import io.jraid.nbd.NbdTestClient.Reply;
import io.jraid.testing.Seeds;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The server over real sockets with a hand-written client: every command in simple and structured
 * mode against an in-memory model, and every kind of bad request — out of range, overflowing,
 * unaligned, oversized, zero-length, truncated, bad magic, unknown commands and flags — after which
 * the connection (or, for a hard disconnect, every other connection) keeps working.
 */
class NbdServerTest {

  static final int SIZE = 40 << 20; // room for a 32 MiB request

  static final int EINVAL = 22;
  static final int ENOSPC = 28;
  static final int EPERM = 1;
  static final int EIO = 5;
  static final int ENOTSUP = 95;
  static final int ESHUTDOWN = 108;

  MemoryDevice memory;
  FaultyDevice disk;
  MemoryDevice roMemory;
  NbdServer server;
  byte[] model;
  SplittableRandom random;

  @BeforeEach
  void start() throws IOException {
    memory = MemoryDevice.create("mem", SIZE);
    disk = new FaultyDevice(memory);
    roMemory = MemoryDevice.create("ro", 1 << 20);
    model = new byte[SIZE];
    random = new SplittableRandom(Seeds.of(0x4e4244));
    server =
        NbdServer.builder()
            .export(NbdExport.of("mem", disk, 256 << 10).withDescription("memory"))
            .export(NbdExport.of("ro", new ReadOnlyDevice(roMemory), 4096))
            .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .start();
  }

  @AfterEach
  void stop() {
    server.close();
    assertThat(server.stats().connectionsOpen()).as("connections left open").isZero();
    memory.close();
    roMemory.close();
  }

  byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) random.nextInt();
    }
    return b;
  }

  /** Writes through the client and the model. */
  void write(NbdTestClient c, long offset, byte[] data, int flags) throws IOException {
    Reply r = c.call(WRITE, flags, offset, data.length, data);
    assertThat(r.error()).as("write at %d", offset).isZero();
    System.arraycopy(data, 0, model, (int) offset, data.length);
  }

  void assertReads(NbdTestClient c, long offset, int length) throws IOException {
    Reply r = c.read(offset, length);
    assertThat(r.error()).as("read at %d: %s", offset, r.message()).isZero();
    assertThat(r.data()).hasSize(length);
    assertThat(
            Arrays.mismatch(
                r.data(), Arrays.copyOfRange(model, (int) offset, (int) offset + length)))
        .as("first differing byte of the read at %d", offset)
        .isEqualTo(-1);
  }

  static void assertError(Reply r, int errno, boolean structured) {
    assertThat(r.error()).isEqualTo(errno);
    assertThat(r.data()).isEmpty();
    if (structured) {
      assertThat(r.message()).as("structured error message").isNotEmpty();
    }
  }

  // ---- handshake over the socket ----------------------------------------------------------------

  @Test
  void goReportsSizeFlagsAndBlockSizes() throws IOException {
    try (NbdTestClient c = NbdTestClient.open(server.port(), "mem", true, true)) {
      assertThat(c.size()).isEqualTo(SIZE);
      assertThat(c.transmissionFlags()).isEqualTo(0x0ded);
      assertThat(c.blockSizes()).containsExactly(512, 256 << 10, 32 << 20);
    }
    try (NbdTestClient c = NbdTestClient.open(server.port(), "ro", false, false)) {
      assertThat(c.size()).isEqualTo(1 << 20);
      assertThat(c.transmissionFlags()).isEqualTo(0x050f);
      assertThat(c.blockSizes()).containsExactly(512, 4096, 32 << 20);
    }
    assertThat(server.defaultExport().name()).isEqualTo("mem");
    assertThat(server.exports()).extracting(NbdExport::name).containsExactly("mem", "ro");
  }

  @Test
  void builderChoosesTheDefaultExportAndRejectsBadConfigurations() throws IOException {
    InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    try (NbdServer second =
            NbdServer.builder()
                .export(NbdExport.of("mem", disk, 4096))
                .export(NbdExport.of("ro", new ReadOnlyDevice(roMemory), 4096))
                .defaultExport("ro")
                .bind(any)
                .start();
        NbdTestClient c = NbdTestClient.open(second.port(), false)) {
      assertThat(second.defaultExport().name()).isEqualTo("ro");
      assertThat(c.size()).isEqualTo(1 << 20);
      assertThat(c.transmissionFlags() & 2).as("READ_ONLY").isNotZero();
    }
    assertThatThrownBy(() -> NbdServer.builder().bind(any).start())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no export");
    assertThatThrownBy(() ->
            NbdServer.builder()
                .export(NbdExport.of("a", disk, 4096))
                .defaultExport("b")
                .bind(any)
                .start())
        .hasMessageContaining("default export \"b\"");
    assertThatThrownBy(() ->
            NbdServer.builder()
                .export(NbdExport.of("a", disk, 4096))
                .bind(server.address())
                .start())
        .isInstanceOf(IOException.class)
        .hasMessageContaining("cannot listen on");
    assertThatThrownBy(() -> NbdServer.builder().maxInFlight(0))
        .hasMessageContaining("maxInFlight=0");
    assertThatThrownBy(() -> NbdServer.builder().oversizeBuffers(0))
        .hasMessageContaining("oversizeBuffers=0");
  }

  @Test
  void handshakeViolationsDropOnlyThatConnection() throws IOException {
    try (NbdTestClient good = NbdTestClient.open(server.port(), false);
        NbdTestClient badFlags = NbdTestClient.connect(server.port());
        NbdTestClient badMagic = NbdTestClient.connect(server.port());
        NbdTestClient unknownName = NbdTestClient.connect(server.port())) {
      badFlags.clientFlags(0x10);
      NbdTestClient.expectEof(badFlags);
      badMagic.clientFlags(3);
      badMagic.rawOut().writeLong(0x1122334455667788L);
      badMagic.rawOut().writeLong(0);
      badMagic.rawOut().flush();
      NbdTestClient.expectEof(badMagic);
      unknownName.clientFlags(3);
      unknownName.option(1, "nope".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      NbdTestClient.expectEof(unknownName);
      byte[] data = randomBytes(4096);
      write(good, 0, data, 0);
      assertReads(good, 0, 4096);
    }
    assertThat(server.stats().protocolViolations()).isEqualTo(3);
  }

  @Test
  void abortGetsAnAckAndTheServerCloses() throws IOException {
    try (NbdTestClient c = NbdTestClient.connect(server.port())) {
      c.clientFlags(3);
      c.option(2, new byte[0]);
      NbdTestClient.OptionReply ack = c.readOptionReply();
      assertThat(ack.type()).isEqualTo(1);
      assertThat(ack.option()).isEqualTo(2);
      NbdTestClient.expectEof(c);
    }
  }

  // ---- every command ----------------------------------------------------------------------------

  @ParameterizedTest(name = "structured={0}")
  @ValueSource(booleans = {false, true})
  void everyCommandAgainstTheModel(boolean structured) throws IOException {
    try (NbdTestClient c = NbdTestClient.open(server.port(), structured)) {
      write(c, 0, randomBytes(4096), 0);
      write(c, 4096, randomBytes(65536), FUA);
      write(c, 1 << 20, randomBytes(1 << 20), 0); // a pooled 1 MiB buffer
      write(c, 3 << 20, randomBytes((2 << 20) + 512), FUA); // an oversize buffer
      assertReads(c, 0, 4096 + 65536);
      assertReads(c, 512, 1024);
      assertReads(c, 1 << 20, 1 << 20);
      assertReads(c, 3 << 20, (2 << 20) + 512);
      assertThat(c.command(READ, DF, 0, 4096).error()).isEqualTo(structured ? 0 : EINVAL);
      assertThat(c.command(FLUSH, 0, 0, 0).error()).isZero();
      assertThat(c.command(FLUSH, FUA, 0, 0).error()).isZero();
      // TRIM reaches the device's discard (memory devices zero the range).
      assertThat(c.command(TRIM, 0, 8192, 8192).error()).isZero();
      Arrays.fill(model, 8192, 16384, (byte) 0);
      assertReads(c, 0, 4096 + 65536);
      // WRITE_ZEROES: one chunk, and many chunks (zeroed completely, not punched).
      assertThat(c.command(WRITE_ZEROES, NO_HOLE, 1 << 20, 4096).error()).isZero();
      Arrays.fill(model, 1 << 20, (1 << 20) + 4096, (byte) 0);
      int longZero = (3 << 20) + 1024;
      assertThat(c.command(WRITE_ZEROES, FUA, (1 << 20) + 8192, longZero).error()).isZero();
      Arrays.fill(model, (1 << 20) + 8192, (1 << 20) + 8192 + longZero, (byte) 0);
      assertReads(c, 1 << 20, 5 << 20);
      assertThat(c.command(WRITE_ZEROES, FAST_ZERO, 0, 4096).error()).isEqualTo(ENOTSUP);
      assertThat(c.command(CACHE, 0, 0, 1 << 20).error()).isZero();
      Reply status = c.command(BLOCK_STATUS, REQ_ONE, 4096, 65536);
      if (structured) {
        assertThat(status.error()).isZero();
        assertThat(status.contextId()).isEqualTo(1);
        assertThat(status.extents()).hasSize(1);
        assertThat(status.extents().getFirst()).containsExactly(65536, 0);
      } else {
        assertError(status, EINVAL, false);
      }
      assertReads(c, 0, 6 << 20);
      c.disconnect();
      NbdTestClient.expectEof(c);
    }
  }

  @ParameterizedTest(name = "structured={0}")
  @ValueSource(booleans = {false, true})
  void zeroLengthRequestsSucceedExceptBlockStatus(boolean structured) throws IOException {
    try (NbdTestClient c = NbdTestClient.open(server.port(), structured)) {
      for (int type : new int[] {READ, WRITE, TRIM, WRITE_ZEROES, CACHE}) {
        Reply r = c.call(type, 0, 4096, 0, new byte[0]);
        assertThat(r.error()).as("zero-length %d", type).isZero();
        assertThat(r.data()).isEmpty();
      }
      assertThat(c.command(READ, 0, SIZE, 0).error()).as("zero bytes at the end").isZero();
      assertThat(c.command(BLOCK_STATUS, 0, 0, 0).error()).isEqualTo(EINVAL);
      assertReads(c, 0, 512);
    }
  }

  // ---- bad requests
  // ------------------------------------------------------------------------------

  @ParameterizedTest(name = "structured={0}")
  @ValueSource(booleans = {false, true})
  void outOfRangeAndOverflowingOffsetsKeepTheConnection(boolean structured) throws IOException {
    try (NbdTestClient c = NbdTestClient.open(server.port(), structured)) {
      write(c, SIZE - 4096, randomBytes(4096), 0);
      assertError(c.read(SIZE - 4096, 8192), EINVAL, structured);
      assertError(c.read(SIZE, 512), EINVAL, structured);
      assertError(c.read(-4096L, 8192), EINVAL, structured); // 2^64 - 4096 + 8192 wraps
      assertError(c.read(Long.MIN_VALUE, 512), EINVAL, structured); // 2^63
      assertError(c.call(WRITE, 0, SIZE - 512, 1024, randomBytes(1024)), ENOSPC, structured);
      assertError(c.call(WRITE, 0, -512L, 512, randomBytes(512)), ENOSPC, structured);
      assertError(c.command(WRITE_ZEROES, 0, SIZE, 512), ENOSPC, structured);
      assertError(c.command(TRIM, 0, SIZE - 512, 1024), EINVAL, structured);
      assertError(c.command(CACHE, 0, -512L, 4096), EINVAL, structured);
      assertReads(c, SIZE - 4096, 4096);
    }
  }

  @ParameterizedTest(name = "structured={0}")
  @ValueSource(booleans = {false, true})
  void unalignedOversizedAndUnknownRequestsAreEinval(boolean structured) throws IOException {
    try (NbdTestClient c = NbdTestClient.open(server.port(), structured)) {
      assertError(c.read(1, 512), EINVAL, structured);
      assertError(c.read(0, 100), EINVAL, structured);
      assertError(c.read(0, (32 << 20) + 512), EINVAL, structured);
      assertError(c.read(0, -1), EINVAL, structured); // 0xffffffff
      assertError(c.command(TRIM, 0, 0, 1000), EINVAL, structured);
      assertError(c.command(8, 0, 0, 0), EINVAL, structured); // RESIZE
      assertError(c.command(0x4242, 0, 0, 512), EINVAL, structured);
      assertError(c.command(READ, 1 << 5, 0, 512), EINVAL, structured);
      assertError(c.command(READ, 1 << 15, 0, 512), EINVAL, structured);
      assertError(c.command(WRITE_ZEROES, REQ_ONE, 0, 512), EINVAL, structured);
      // Refused writes have their payload drained: bytes that look like a request are not one.
      byte[] lookalike = new byte[4096];
      java.nio.ByteBuffer.wrap(lookalike)
          .putInt(0x25609513)
          .putShort((short) 0)
          .putShort((short) 2);
      assertError(c.call(WRITE, 0, 1, 4096, lookalike), EINVAL, structured);
      assertError(c.call(WRITE, 0, 0, 4095, Arrays.copyOf(lookalike, 4095)), EINVAL, structured);
      byte[] oversized = new byte[(32 << 20) + 4096];
      assertError(c.call(WRITE, 0, 0, oversized.length, oversized), EINVAL, structured);
      write(c, 0, randomBytes(8192), 0);
      assertReads(c, 0, 8192);
    }
    assertThat(server.stats().errors(NbdError.EINVAL)).isEqualTo(13);
    assertThat(server.stats().requests(NbdCommand.OTHER)).isEqualTo(2);
  }

  @Test
  void largestRequestsUseTheOversizeBuffers() throws IOException {
    try (NbdTestClient a = NbdTestClient.open(server.port(), true);
        NbdTestClient b = NbdTestClient.open(server.port(), false)) {
      write(a, 0, randomBytes(32 << 20), FUA);
      assertReads(b, 0, 32 << 20);
      assertReads(a, 4096, (32 << 20) - 8192);
    }
  }

  @Test
  void absurdWriteLengthIsAHardDisconnect() throws IOException {
    try (NbdTestClient bad = NbdTestClient.open(server.port(), false);
        NbdTestClient good = NbdTestClient.open(server.port(), true)) {
      bad.send(WRITE, 0, 0, (64 << 20) + 4096, new byte[0]);
      bad.flushOut();
      NbdTestClient.expectEof(bad);
      write(good, 0, randomBytes(512), 0);
      assertReads(good, 0, 512);
    }
  }

  @Test
  void badRequestMagicDisconnectsOnlyThatConnection() throws IOException {
    try (NbdTestClient bad = NbdTestClient.open(server.port(), true);
        NbdTestClient good = NbdTestClient.open(server.port(), false)) {
      write(good, 0, randomBytes(4096), 0);
      bad.rawOut().writeInt(0x25609514);
      bad.rawOut().write(new byte[24]);
      bad.rawOut().flush();
      NbdTestClient.expectEof(bad);
      assertReads(good, 0, 4096);
    }
    assertThat(server.stats().protocolViolations()).isEqualTo(1);
  }

  @Test
  void truncatedHeaderOrPayloadThenEofIsCleanedUp() throws IOException, InterruptedException {
    try (NbdTestClient good = NbdTestClient.open(server.port(), true)) {
      try (NbdTestClient half = NbdTestClient.open(server.port(), false)) {
        half.rawOut().write(new byte[] {0x25, 0x60, (byte) 0x95, 0x13, 0, 0, 0});
        half.rawOut().flush();
      }
      try (NbdTestClient shortWrite = NbdTestClient.open(server.port(), false)) {
        shortWrite.send(WRITE, 0, 0, 1 << 20, new byte[1000]);
        shortWrite.flushOut();
      }
      waitFor(() -> server.stats().connectionsOpen() == 1);
      write(good, 0, randomBytes(4096), 0);
      assertReads(good, 0, 4096);
    }
  }

  // ---- ordering, pipelining, disconnect
  // ----------------------------------------------------------

  @ParameterizedTest(name = "structured={0}")
  @ValueSource(booleans = {false, true})
  void discAfterQueuedRequestsAnswersThemAll(boolean structured) throws IOException {
    try (NbdTestClient c = NbdTestClient.open(server.port(), structured)) {
      byte[] a = randomBytes(1 << 20);
      byte[] b = randomBytes(4096);
      long w1 = c.send(WRITE, 0, 0, a.length, a);
      long r1 = c.send(READ, 0, 0, 4096, new byte[0]);
      long w2 = c.send(WRITE, FUA, 1 << 21, b.length, b);
      long f = c.send(FLUSH, 0, 0, 0, new byte[0]);
      c.send(NbdTestClient.DISC, 0, 0, 0, new byte[0]);
      c.flushOut();
      Map<Long, Reply> replies = new HashMap<>();
      for (int i = 0; i < 4; i++) {
        Reply r = c.readReply();
        replies.put(r.cookie(), r);
      }
      assertThat(replies.keySet()).containsExactlyInAnyOrder(w1, r1, w2, f);
      assertThat(replies.values()).allSatisfy(r -> assertThat(r.error()).isZero());
      NbdTestClient.expectEof(c);
      assertThat(memory.snapshot(1 << 21, 4096)).isEqualTo(b);
      assertThat(memory.snapshot(0, 1 << 20)).isEqualTo(a);
    }
  }

  @Test
  void moreRequestsThanSlotsAreAllAnswered() throws IOException {
    try (NbdServer small =
            NbdServer.builder()
                .export(NbdExport.of("mem", disk, 4096))
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .maxInFlight(1)
                .start();
        NbdTestClient c = NbdTestClient.open(small.port(), true)) {
      Map<Long, Integer> expected = new HashMap<>();
      for (int i = 0; i < 300; i++) {
        byte[] data = randomBytes(4096);
        data[0] = (byte) i;
        long offset = (long) i * 4096;
        if (i % 3 == 2) {
          expected.put(c.send(READ, 0, offset - 8192, 4096, new byte[0]), i - 2);
        } else {
          System.arraycopy(data, 0, model, (int) offset, 4096);
          expected.put(c.send(WRITE, 0, offset, 4096, data), -1);
        }
      }
      c.flushOut();
      for (int i = 0; i < 300; i++) {
        Reply r = c.readReply();
        assertThat(r.error()).isZero();
        int readOf = expected.remove(r.cookie());
        if (readOf >= 0) {
          assertThat(r.data())
              .isEqualTo(Arrays.copyOfRange(model, readOf * 4096, readOf * 4096 + 4096));
        }
      }
      assertThat(expected).isEmpty();
    }
  }

  // ---- read-only, device errors, shutdown
  // --------------------------------------------------------

  @ParameterizedTest(name = "structured={0}")
  @ValueSource(booleans = {false, true})
  void readOnlyExportRefusesWritesWithEperm(boolean structured) throws IOException {
    byte[] contents = randomBytes(1 << 20);
    roMemory.memory().copyFrom(java.lang.foreign.MemorySegment.ofArray(contents));
    try (NbdTestClient c = NbdTestClient.open(server.port(), "ro", structured, false)) {
      assertError(c.write(0, randomBytes(4096)), EPERM, structured);
      assertError(c.command(TRIM, 0, 0, 4096), EPERM, structured);
      assertError(c.command(WRITE_ZEROES, 0, 0, 4096), EPERM, structured);
      assertThat(c.command(FLUSH, 0, 0, 0).error()).isZero();
      Reply r = c.read(0, 1 << 20);
      assertThat(r.error()).isZero();
      assertThat(r.data()).isEqualTo(contents);
    }
  }

  @ParameterizedTest(name = "structured={0}")
  @ValueSource(booleans = {false, true})
  void deviceErrorsAreEio(boolean structured) throws IOException {
    try (NbdTestClient c = NbdTestClient.open(server.port(), structured)) {
      disk.failReads(16, 8).failWrites(64, 8);
      assertError(c.read(0, 16384), EIO, structured);
      assertError(c.write(32768, randomBytes(4096)), EIO, structured);
      disk.failFlushes(true);
      assertError(c.command(FLUSH, 0, 0, 0), EIO, structured);
      disk.clearFaults();
      assertThat(c.command(FLUSH, 0, 0, 0).error()).isZero();
      assertReads(c, 0, 16384);
    }
    assertThat(server.stats().errors(NbdError.EIO)).isEqualTo(3);
  }

  @Test
  void closeFinishesRequestsInFlightAnswersNewOnesWithEshutdownAndKeepsTheDevice()
      throws Exception {
    try (NbdTestClient c = NbdTestClient.open(server.port(), true)) {
      write(c, 0, randomBytes(4096), 0);
      disk.delayCompletions(Duration.ofMillis(300));
      long slow = c.send(READ, 0, 0, 4096, new byte[0]);
      c.flushOut();
      Thread.sleep(50);
      CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
      Thread.sleep(50);
      long late = c.send(READ, 0, 0, 4096, new byte[0]);
      c.flushOut();
      Map<Long, Reply> replies = new HashMap<>();
      for (int i = 0; i < 2; i++) {
        Reply r = c.readReply();
        replies.put(r.cookie(), r);
      }
      assertThat(replies.get(slow).error()).isZero();
      assertThat(replies.get(slow).data()).isEqualTo(Arrays.copyOf(model, 4096));
      assertThat(replies.get(late).error()).isEqualTo(ESHUTDOWN);
      closing.get();
      NbdTestClient.expectEof(c);
    }
    disk.clearFaults();
    // The device was not closed by the server: it still works.
    byte[] back = new byte[4096];
    memory.read(java.lang.foreign.MemorySegment.ofArray(back), 0);
    assertThat(back).isEqualTo(Arrays.copyOf(model, 4096));
    assertThat(server.stats().errors(NbdError.ESHUTDOWN)).isEqualTo(1);
  }

  // ---- statistics
  // ---------------------------------------------------------------------------------

  @Test
  void statisticsCountRequestsBytesErrorsAndLatency() throws IOException {
    try (NbdTestClient c = NbdTestClient.open(server.port(), true)) {
      write(c, 0, randomBytes(8192), 0);
      assertReads(c, 0, 4096);
      assertReads(c, 4096, 4096);
      c.read(1, 512);
      c.command(FLUSH, 0, 0, 0);
      c.disconnect();
      NbdTestClient.expectEof(c);
    }
    NbdStats s = server.stats();
    assertThat(s.requests(NbdCommand.WRITE)).isEqualTo(1);
    assertThat(s.requests(NbdCommand.READ)).isEqualTo(3);
    assertThat(s.requests(NbdCommand.FLUSH)).isEqualTo(1);
    assertThat(s.requests(NbdCommand.DISC)).isEqualTo(1);
    assertThat(s.bytesWritten()).isEqualTo(8192);
    assertThat(s.bytesRead()).isEqualTo(8192);
    assertThat(s.errors(NbdError.EINVAL)).isEqualTo(1);
    assertThat(s.connectionsTotal()).isEqualTo(1);
    LatencyHistogram reads = s.latency(NbdCommand.READ);
    assertThat(reads.count()).isEqualTo(3);
    long[] cumulative = reads.cumulativeCounts();
    assertThat(cumulative).hasSize(LatencyHistogram.upperBoundsSeconds().length + 1);
    assertThat(cumulative[cumulative.length - 1]).isEqualTo(3);
    assertThat(cumulative).isSorted();
    assertThat(reads.sumNanos()).isPositive();
    assertThat(s.latency(NbdCommand.DISC).count()).isZero();
  }

  static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waited 10 s").isLessThan(deadline);
      Thread.sleep(5);
    }
  }
}
