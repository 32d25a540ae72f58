package io.jraid.device;

import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * The error messages every device gives, so that a failure always names the device, the operation
 * and the byte range, whichever implementation reported it. Only the error path allocates.
 */
final class DeviceErrors {

  private DeviceErrors() {}

  /**
   * The error for a transfer of {@code length} bytes at {@code offset} that does not fit a device
   * of {@code size} bytes, or null when it fits.
   */
  static @Nullable IOException checkRange(
      String device, String op, long offset, long length, long size) {
    if (offset >= 0 && length >= 0 && offset <= size - length) {
      return null;
    }
    return new IOException(
        device
            + ": "
            + op
            + " of "
            + length
            + " bytes at offset "
            + offset
            + " "
            + range(offset, length)
            + " is outside the device's "
            + size
            + " bytes");
  }

  /** An I/O error with a message naming the device, the operation and the range. */
  static IOException failed(String device, String op, long offset, long length, String why) {
    return new IOException(
        device
            + ": "
            + op
            + " of "
            + length
            + " bytes at offset "
            + offset
            + " "
            + range(offset, length)
            + " failed: "
            + why);
  }

  /** As {@link #failed(String, String, long, long, String)}, keeping the cause. */
  static IOException failed(
      String device, String op, long offset, long length, String why, Throwable cause) {
    IOException e = failed(device, op, offset, length, why);
    e.initCause(cause);
    return e;
  }

  /** The error for a write to a device opened read-only. */
  static IOException readOnly(String device, long offset, long length) {
    return failed(device, "write", offset, length, "the device is read-only");
  }

  /** The error for an operation on a closed device. */
  static IOException closed(String device, String op) {
    return new IOException(device + ": " + op + " refused: the device is closed");
  }

  /** {@code [offset, offset + length)} as text. */
  static String range(long offset, long length) {
    return "[" + offset + ", " + (offset + length) + ")";
  }
}
