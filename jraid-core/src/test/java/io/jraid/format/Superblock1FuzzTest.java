package io.jraid.format;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jraid.testing.Seeds;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The superblock decoder takes any bytes: it decodes them or throws {@link FormatException},
 * nothing else, and whatever it accepts re-encodes to the same checksummed bytes.
 *
 * <p>{@link #decode} is a Jazzer fuzz test: in the normal build it replays the committed corpus
 * ({@code src/test/resources/.../Superblock1FuzzTestInputs/decode}, superblocks Linux md wrote);
 * {@code JAZZER_FUZZ=1 ./mvnw -pl jraid-core test -Dtest=Superblock1FuzzTest} fuzzes for real.
 * {@link #mutatedLinuxSuperblocks} is the seeded, always-on part: field-aware mutations of a Linux
 * superblock, with the checksum made right so the mutations reach past it.
 */
class Superblock1FuzzTest {

  @FuzzTest(maxDuration = "30s")
  void decode(byte[] data) {
    decodeOrReject(data);
  }

  @Test
  void mutatedLinuxSuperblocks() throws IOException {
    byte[] linux = seed("linux-r6-ddf");
    SplittableRandom random = new SplittableRandom(Seeds.of(0x5B));
    int accepted = 0;
    for (int round = 0; round < 20_000; round++) {
      byte[] bytes = Arrays.copyOf(linux, 4096);
      ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
      int changes = 1 + random.nextInt(4);
      for (int c = 0; c < changes; c++) {
        int offset = random.nextInt(random.nextBoolean() ? 256 : 512) & ~3;
        switch (random.nextInt(4)) {
          case 0 -> b.put(offset, (byte) random.nextInt());
          case 1 -> b.putInt(offset, random.nextInt());
          case 2 -> b.putInt(offset, random.nextBoolean() ? 0 : -1);
          default -> b.putInt(offset, b.getInt(offset) ^ (1 << random.nextInt(32)));
        }
      }
      if (random.nextInt(4) != 0) {
        int maxDev = b.getInt(Superblock1Layout.MAX_DEV_OFFSET);
        if (maxDev >= 0 && maxDev <= RoleTable.MAX_ENTRIES) {
          b.putInt(216, Superblock1Codec.checksum(MemorySegment.ofArray(bytes), maxDev));
        }
      }
      int length = random.nextInt(8) == 0 ? random.nextInt(4097) : 4096;
      if (decodeOrReject(Arrays.copyOf(bytes, length))) {
        accepted++;
      }
    }
    // The mutations must reach past the checksum and magic, or this test proves little.
    assertThat(accepted).isGreaterThan(1000);
  }

  /** Decodes; true if accepted. Anything but a FormatException fails the test. */
  private static boolean decodeOrReject(byte[] data) {
    Superblock1 sb;
    try {
      sb = Superblock1Codec.decode(MemorySegment.ofArray(data), "fuzz");
    } catch (FormatException e) {
      assertThat(e.getMessage()).startsWith("fuzz: ");
      return false;
    }
    byte[] encoded = Superblock1Codec.encode(sb);
    int checked = Superblock1Layout.checksummedBytes(sb.maxDev());
    assertThat(Arrays.copyOf(encoded, checked)).isEqualTo(Arrays.copyOf(data, checked));
    try {
      assertThat(Superblock1Codec.decode(MemorySegment.ofArray(encoded), "again")).isEqualTo(sb);
    } catch (FormatException e) {
      throw new AssertionError("re-encoded superblock refused: " + e.getMessage(), e);
    }
    return true;
  }

  private static byte[] seed(String name) throws IOException {
    try (InputStream in =
        Superblock1FuzzTest.class.getResourceAsStream("Superblock1FuzzTestInputs/decode/" + name)) {
      if (in == null) {
        throw new IOException("missing corpus file " + name);
      }
      return in.readAllBytes();
    }
  }
}
