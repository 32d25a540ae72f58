package io.jraid.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jraid.device.MemoryDevice;
import io.jraid.testing.Seeds;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The decoders take any bytes. The handshake ({@link Negotiation}) ends in transmission, in a
 * close, or at the end of the input — never with another exception — and everything it sends is
 * well framed (the greeting, whole option replies, and only at the end an EXPORT_NAME answer). The
 * request checks ({@link RequestRules}) never throw and accept only requests that are aligned and
 * inside the export, unsigned and overflow-safe.
 *
 * <p>{@link #negotiation} and {@link #requests} are Jazzer fuzz tests: the normal build replays the
 * committed corpus ({@code src/test/resources/io/jraid/nbd/NbdDecodersFuzzTestInputs}: what qemu,
 * nbdinfo and an old-style client send); {@code JAZZER_FUZZ=1 ./mvnw -pl jraid-core test
 * -Dtest=NbdDecodersFuzzTest} fuzzes for real. The {@code mutated…} tests are the seeded, always-on
 * part: structure-aware mutations of those transcripts.
 */
class NbdDecodersFuzzTest {

  static final MemoryDevice DISK = MemoryDevice.create("disk", 1 << 20);

  static final ExportTable EXPORTS =
      new ExportTable(List.of(new NbdExport("disk", "fuzz", DISK, 65536)), "disk");

  static final long SIZE = 1 << 20;

  @AfterAll
  static void free() {
    DISK.close();
  }

  @FuzzTest(maxDuration = "30s")
  void negotiation(byte[] data) {
    negotiate(data);
  }

  @FuzzTest(maxDuration = "30s")
  void requests(byte[] data) {
    checkRequests(data);
  }

  /** Runs the handshake on {@code data}; returns how it ended (null: end of input). */
  static Negotiation.Outcome negotiate(byte[] data) {
    ByteArrayOutputStream sent = new ByteArrayOutputStream();
    Negotiation.Outcome outcome;
    try {
      outcome =
          new Negotiation(
                  Channels.newChannel(new ByteArrayInputStream(data)),
                  Channels.newChannel(sent),
                  EXPORTS,
                  () -> data.length > 0 && data[data.length - 1] == 0x5d)
              .run();
    } catch (EOFException e) {
      outcome = null;
    } catch (IOException e) {
      throw new AssertionError("in-memory channels cannot fail: " + e, e);
    }
    assertFramed(sent.toByteArray(), outcome);
    return outcome;
  }

  /** The greeting, whole option replies, and an EXPORT_NAME answer only as the last thing. */
  static void assertFramed(byte[] sent, Negotiation.Outcome outcome) {
    ByteBuffer b = ByteBuffer.wrap(sent);
    assertThat(b.remaining()).isGreaterThanOrEqualTo(18);
    assertThat(b.getLong()).isEqualTo(NbdProtocol.NBDMAGIC);
    b.position(18);
    while (b.remaining() >= 20 && b.getLong(b.position()) == NbdProtocol.OPTION_REPLY_MAGIC) {
      int length = b.getInt(b.position() + 16);
      assertThat(length).isBetween(0, b.remaining() - 20);
      int type = b.getInt(b.position() + 12);
      if (type == NbdProtocol.REP_INFO) {
        int info = Short.toUnsignedInt(b.getShort(b.position() + 20));
        if (info == NbdProtocol.INFO_EXPORT) {
          assertThat(b.getLong(b.position() + 22)).isEqualTo(SIZE);
          assertThat(b.getShort(b.position() + 30) & NbdProtocol.TF_HAS_FLAGS).isNotZero();
        }
      }
      b.position(b.position() + 20 + length);
    }
    if (b.hasRemaining()) {
      // Only an EXPORT_NAME answer may follow, and only as the start of transmission.
      assertThat(outcome).isInstanceOf(Negotiation.Transmit.class);
      assertThat(b.remaining()).isIn(10, 134);
      assertThat(b.getLong()).isEqualTo(SIZE);
    }
  }

  /**
   * Treats {@code data} as request headers (the first byte picks the session's state) and checks
   * each; whatever is accepted must be valid.
   */
  static int checkRequests(byte[] data) {
    if (data.length == 0) {
      return 0;
    }
    int mode = data[0];
    RequestRules rules =
        new RequestRules(
            SIZE,
            (mode & 1) != 0 ? 4096 : 512,
            (mode & 2) != 0,
            (mode & 4) != 0,
            (mode & 8) != 0 ? NbdProtocol.BASE_ALLOCATION_ID : 0);
    ByteBuffer in = ByteBuffer.wrap(data, 1, data.length - 1);
    RequestHeader h = new RequestHeader();
    int accepted = 0;
    while (in.remaining() >= NbdProtocol.REQUEST_BYTES) {
      h.decode(in);
      NbdCommand command = NbdCommand.of(h.type);
      if (command == NbdCommand.DISC) {
        continue;
      }
      ReplyError error = rules.check(h, (mode & 16) != 0);
      if (error == null) {
        accepted++;
        assertAcceptable(rules, h, command);
      }
    }
    return accepted;
  }

  private static void assertAcceptable(RequestRules rules, RequestHeader h, NbdCommand command) {
    assertThat(command).isNotEqualTo(NbdCommand.OTHER);
    if (command == NbdCommand.FLUSH) {
      return;
    }
    long length = h.lengthUnsigned();
    assertThat(h.offset).as("offset").isBetween(0L, rules.size());
    assertThat(length).as("length").isLessThanOrEqualTo(rules.size() - h.offset);
    assertThat((h.offset | length) % rules.minimumBlockSize()).as("alignment").isZero();
    if (command == NbdCommand.READ || command == NbdCommand.WRITE) {
      assertThat(length).isLessThanOrEqualTo(NbdExport.MAXIMUM_PAYLOAD);
    }
    if (rules.readOnly()) {
      assertThat(command).isIn(NbdCommand.READ, NbdCommand.CACHE, NbdCommand.BLOCK_STATUS);
    }
    if (command == NbdCommand.BLOCK_STATUS) {
      assertThat(length).isPositive();
      assertThat(rules.metaContextId()).isNotZero();
    }
    assertThat(h.flags & ~0x1f).as("known flags only").isZero();
  }

  // ---- seeded, always-on mutations ------------------------------------------------------------

  @Test
  void mutatedHandshakes() throws IOException {
    byte[][] seeds = {
      corpus("negotiation", "qemu"),
      corpus("negotiation", "nbdinfo"),
      corpus("negotiation", "export-name")
    };
    SplittableRandom random = new SplittableRandom(Seeds.of(0x4E42, 1));
    int transmitted = 0;
    int refused = 0;
    for (int round = 0; round < 20_000; round++) {
      byte[] bytes = mutate(seeds[random.nextInt(seeds.length)], random);
      Negotiation.Outcome outcome = negotiate(bytes);
      if (outcome instanceof Negotiation.Transmit) {
        transmitted++;
      } else if (outcome instanceof Negotiation.Closed) {
        refused++;
      }
    }
    // The mutations must reach past the greeting and the magic, or this test proves little.
    assertThat(transmitted).isGreaterThan(1000);
    assertThat(refused).isGreaterThan(1000);
  }

  @Test
  void mutatedRequests() throws IOException {
    byte[] seed = corpus("requests", "mixed");
    SplittableRandom random = new SplittableRandom(Seeds.of(0x4E42, 2));
    int accepted = 0;
    for (int round = 0; round < 20_000; round++) {
      accepted += checkRequests(mutate(seed, random));
    }
    assertThat(accepted).isGreaterThan(10_000);
  }

  /** One to four field-aware changes: bytes, big-endian ints at 4-byte boundaries, cuts. */
  static byte[] mutate(byte[] seed, SplittableRandom random) {
    byte[] bytes = seed.clone();
    int changes = 1 + random.nextInt(4);
    for (int c = 0; c < changes && bytes.length > 4; c++) {
      ByteBuffer b = ByteBuffer.wrap(bytes);
      int offset = random.nextInt(bytes.length - 3) & ~3;
      switch (random.nextInt(5)) {
        case 0 -> b.put(offset, (byte) random.nextInt());
        case 1 -> b.putInt(offset, random.nextInt());
        case 2 -> b.putInt(offset, random.nextBoolean() ? 0 : -1);
        case 3 -> b.putInt(offset, b.getInt(offset) ^ (1 << random.nextInt(32)));
        default -> b.putInt(offset, b.getInt(offset) + random.nextInt(-8, 9));
      }
    }
    if (random.nextInt(8) == 0) {
      bytes = Arrays.copyOf(bytes, random.nextInt(bytes.length + 1));
    }
    return bytes;
  }

  static byte[] corpus(String target, String name) throws IOException {
    String path = "NbdDecodersFuzzTestInputs/" + target + "/" + name;
    try (InputStream in = NbdDecodersFuzzTest.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IOException("missing corpus file " + path);
      }
      return in.readAllBytes();
    }
  }
}
