package io.jraid.nbd;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/** Literal wire bytes for codec tests: hex with spaces for readability, and ASCII strings. */
final class Wire {

  private Wire() {}

  /** Bytes from hex digits; spaces, newlines and underscores are ignored. */
  static byte[] hex(String digits) {
    return HexFormat.of().parseHex(digits.replaceAll("[\\s_]", ""));
  }

  /** The hex of some bytes, for readable assertion failures. */
  static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** The parts, one after the other. */
  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
