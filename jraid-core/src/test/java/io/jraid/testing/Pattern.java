package io.jraid.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The data stream every fixture array holds: the AES-128-CTR keystream of {@code
 * shared/fixtures/README.md}.
 *
 * <pre>
 * key      = first 16 bytes of SHA-256(UTF-8 bytes of seed)
 * block(k) = AES-128-Encrypt(key, uint128_be(k))      k = 0, 1, 2, ...
 * byte(i)  = block(i / 16)[i % 16]                    array offset i holds byte(i)
 * </pre>
 *
 * <p>That is AES/CTR/NoPadding with an all-zero initial counter applied to zero plaintext, so the
 * stream has random access: a stream at {@code offset} starts the counter at {@code offset / 16}
 * and skips {@code offset % 16} bytes. The stream does not depend on the array geometry.
 *
 * <p>An instance is a sequential stream that keeps one initialised {@link Cipher} (fast enough to
 * compare whole arrays: the JDK's CTR mode runs on AES-NI). Instances are not thread-safe; the
 * static methods are.
 */
public final class Pattern {

  /** The size of the scratch buffer used for segment fills and whole-stream digests. */
  private static final int CHUNK = 1 << 20;

  private final Cipher cipher;
  private long position;
  private byte[] scratch = new byte[0];

  private Pattern(String seed, long offset) {
    if (offset < 0) {
      throw new IllegalArgumentException("offset=" + offset);
    }
    byte[] counter = new byte[16];
    long block = offset >>> 4;
    for (int i = 0; i < 8; i++) {
      counter[15 - i] = (byte) (block >>> (8 * i));
    }
    try {
      cipher = Cipher.getInstance("AES/CTR/NoPadding");
      cipher.init(
          Cipher.ENCRYPT_MODE, new SecretKeySpec(key(seed), "AES"), new IvParameterSpec(counter));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK has no AES/CTR/NoPadding", e);
    }
    position = offset & ~15L;
    fill(new byte[(int) (offset & 15)]);
  }

  /** A sequential stream of the pattern of {@code seed} starting at array offset {@code offset}. */
  public static Pattern at(String seed, long offset) {
    return new Pattern(seed, offset);
  }

  /** The AES-128 key of a seed: the first 16 bytes of SHA-256 of its UTF-8 bytes. */
  public static byte[] key(String seed) {
    return Arrays.copyOf(Sha256.newDigest().digest(seed.getBytes(UTF_8)), 16);
  }

  /** The pattern bytes {@code [offset, offset + length)} of {@code seed} (random access). */
  public static byte[] bytes(String seed, long offset, int length) {
    byte[] b = new byte[length];
    at(seed, offset).fill(b);
    return b;
  }

  /**
   * The SHA-256 of the first {@code length} bytes of the pattern: a fixture manifest's {@code
   * sha256} when {@code length} is its {@code array_size_bytes}.
   */
  public static String sha256(String seed, long length) {
    Pattern p = at(seed, 0);
    MessageDigest digest = Sha256.newDigest();
    byte[] chunk = new byte[(int) Math.min(CHUNK, length)];
    for (long done = 0; done < length; ) {
      int n = (int) Math.min(chunk.length, length - done);
      p.fill(chunk, 0, n);
      digest.update(chunk, 0, n);
      done += n;
    }
    return Sha256.hex(digest);
  }

  /**
   * Where {@code actual} first differs from the pattern of {@code seed} at {@code offset}: the
   * array offset of the first differing byte, or -1 when all {@code actual.byteSize()} bytes match.
   * The way to compare a whole array read back from a fixture without holding the expected copy.
   */
  public static long mismatch(String seed, long offset, MemorySegment actual) {
    Pattern p = at(seed, offset);
    byte[] chunk = new byte[(int) Math.min(CHUNK, actual.byteSize())];
    MemorySegment expected = MemorySegment.ofArray(chunk);
    for (long done = 0; done < actual.byteSize(); ) {
      int n = (int) Math.min(chunk.length, actual.byteSize() - done);
      p.fill(chunk, 0, n);
      long m = MemorySegment.mismatch(actual, done, done + n, expected, 0, n);
      if (m >= 0) {
        return offset + done + m;
      }
      done += n;
    }
    return -1;
  }

  /** The array offset of the next byte this stream produces. */
  public long position() {
    return position;
  }

  /** Fills all of {@code dst} with the next bytes of the stream. */
  public void fill(byte[] dst) {
    fill(dst, 0, dst.length);
  }

  /** Fills {@code dst[off, off + len)} with the next {@code len} bytes of the stream. */
  public void fill(byte[] dst, int off, int len) {
    Objects.checkFromIndexSize(off, len, dst.length);
    // Encrypting zeros in place yields the keystream; CTR hands back every byte at once.
    Arrays.fill(dst, off, off + len, (byte) 0);
    int produced;
    try {
      produced = cipher.update(dst, off, len, dst, off);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES/CTR failed at offset " + position, e);
    }
    if (produced != len) {
      throw new IllegalStateException("AES/CTR returned " + produced + " of " + len + " bytes");
    }
    position += len;
  }

  /** Fills all of {@code dst} (heap or native) with the next bytes of the stream. */
  public void fill(MemorySegment dst) {
    long size = dst.byteSize();
    if (scratch.length < Math.min(CHUNK, size)) {
      scratch = new byte[(int) Math.min(CHUNK, size)];
    }
    for (long done = 0; done < size; ) {
      int n = (int) Math.min(scratch.length, size - done);
      fill(scratch, 0, n);
      MemorySegment.copy(scratch, 0, dst, ValueLayout.JAVA_BYTE, done, n);
      done += n;
    }
  }

  /** The next {@code length} bytes of the stream. */
  public byte[] next(int length) {
    byte[] b = new byte[length];
    fill(b);
    return b;
  }
}
