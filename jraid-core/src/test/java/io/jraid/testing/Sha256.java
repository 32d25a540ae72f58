package io.jraid.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 as lower-case hex, the form the fixture manifests record. */
public final class Sha256 {

  private Sha256() {}

  /** A fresh SHA-256 digest (every JDK has one). */
  public static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JDK has no SHA-256", e);
    }
  }

  /** The lower-case hex of a finished digest. */
  public static String hex(MessageDigest digest) {
    return HexFormat.of().formatHex(digest.digest());
  }

  /** The SHA-256 of some bytes. */
  public static String of(byte[] data) {
    MessageDigest d = newDigest();
    d.update(data);
    return hex(d);
  }

  /** The SHA-256 of a segment's bytes (heap or native). */
  public static String of(MemorySegment data) {
    MessageDigest d = newDigest();
    d.update(data.asByteBuffer());
    return hex(d);
  }

  /** The SHA-256 of a file's contents, as {@code sha256sum} prints it. */
  public static String of(Path file) {
    MessageDigest d = newDigest();
    byte[] buffer = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buffer)) > 0; ) {
        d.update(buffer, 0, n);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    return hex(d);
  }
}
