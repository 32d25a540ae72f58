package io.jraid.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The data pattern against the known answers of shared/fixtures/README.md, and against itself. */
class PatternTest {

  private static final HexFormat HEX = HexFormat.of();

  @Test
  void keyIsTheFirstHalfOfSha256OfTheSeed() {
    assertThat(HEX.formatHex(Pattern.key("abc"))).isEqualTo("ba7816bf8f01cfea414140de5dae2223");
  }

  @ParameterizedTest(name = "abc bytes {0}..")
  @CsvSource({
    "0, 5f699ed0c9b382577615a0b28c1d0584",
    "16, 8a622b1138838ca3fd85d7754e1f4c23",
    "4096, 21d1c97810b1f5774e72c2a06af6657b"
  })
  void knownAnswers(long offset, String hex) {
    assertThat(HEX.formatHex(Pattern.bytes("abc", offset, 16))).isEqualTo(hex);
  }

  /** The README's whole-stream answer: 256 MiB, about 0.7 to 1.4 s here (AES-NI and SHA-NI). */
  @Test
  void sha256Of256MibKnownAnswer() {
    assertThat(Pattern.sha256("abc", 256L << 20))
        .isEqualTo("8d3e7aec14f0f9ed23e497782ba368f3268028a3e8a23a0f6637ed70c8839ce8");
  }

  /**
   * FIPS-197 appendix C.1, through the same cipher the pattern uses: the first CTR keystream block
   * is AES of the initial counter block, so a counter equal to the plaintext yields the ciphertext.
   */
  @Test
  void aesIsFips197() throws Exception {
    Cipher c = Cipher.getInstance("AES/CTR/NoPadding");
    c.init(
        Cipher.ENCRYPT_MODE,
        new SecretKeySpec(HEX.parseHex("000102030405060708090a0b0c0d0e0f"), "AES"),
        new IvParameterSpec(HEX.parseHex("00112233445566778899aabbccddeeff")));
    assertThat(HEX.formatHex(c.update(new byte[16]))).isEqualTo("69c4e0d86a7b0430d8cdb78070b4c55a");
  }

  @ParameterizedTest(name = "offset {0}")
  @ValueSource(longs = {0, 1, 7, 15, 16, 17, 31, 4095, 4096, 4097, 65535, 65536 + 13, 199_990})
  void randomAccessEqualsSequential(long offset) {
    byte[] all = Pattern.bytes("abc", 0, 200_000);
    for (int length : new int[] {0, 1, 15, 16, 17, 33, 4099}) {
      int len = (int) Math.min(length, all.length - offset);
      assertThat(Pattern.bytes("abc", offset, len))
          .as("length %d", len)
          .isEqualTo(Arrays.copyOfRange(all, (int) offset, (int) offset + len));
    }
  }

  @Test
  void counterCarriesIntoHigherBytes() {
    // The counter is one big-endian integer, not a 32-bit word: blocks 256 (a carry into the next
    // byte) and 2^32 (a carry out of the low 32 bits) follow their predecessors.
    for (long boundary : new long[] {256L * 16, (1L << 32) * 16}) {
      byte[] across = Pattern.bytes("abc", boundary - 21, 64);
      assertThat(Pattern.bytes("abc", boundary, 43)).isEqualTo(Arrays.copyOfRange(across, 21, 64));
    }
  }

  @Test
  void piecewiseFillsEqualOneFill() {
    byte[] whole = Pattern.bytes("seed", 5, 10_000);
    Pattern p = Pattern.at("seed", 5);
    byte[] pieces = new byte[whole.length];
    int at = 0;
    for (int n = 1; at < pieces.length; n = n * 3 + 1) {
      int len = Math.min(n, pieces.length - at);
      p.fill(pieces, at, len);
      at += len;
    }
    assertThat(pieces).isEqualTo(whole);
    assertThat(p.position()).isEqualTo(5 + whole.length);
  }

  @Test
  void segmentFillEqualsArrayFillAcrossChunks() {
    int size = (3 << 20) + 5; // crosses the 1 MiB scratch chunk
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment s = arena.allocate(size);
      Pattern.at("seed", 3).fill(s);
      assertThat(s.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(Pattern.bytes("seed", 3, size));
      assertThat(Pattern.mismatch("seed", 3, s)).isEqualTo(-1);
      s.set(
          ValueLayout.JAVA_BYTE,
          (2 << 20) + 1,
          (byte) ~s.get(ValueLayout.JAVA_BYTE, (2 << 20) + 1));
      assertThat(Pattern.mismatch("seed", 3, s)).isEqualTo(3 + (2 << 20) + 1);
    }
  }

  @Test
  void streamDependsOnTheSeed() {
    assertThat(Pattern.bytes("abd", 0, 16)).isNotEqualTo(Pattern.bytes("abc", 0, 16));
  }
}
