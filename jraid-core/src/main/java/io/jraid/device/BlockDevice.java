package io.jraid.device;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * A member of an array: a fixed-size run of bytes read and written at byte offsets. Implementations
 * are real files and block devices ({@link FileBlockDevice}); tests may wrap them to inject faults.
 *
 * <p>Reads and writes transfer the whole segment or fail: a short transfer (end of device, I/O
 * error) is an {@link IOException} naming the device and the range.
 */
public interface BlockDevice extends AutoCloseable {

  /** The device's name for messages: its path. */
  String name();

  /** Size in bytes. */
  long size();

  /** Size in 512-byte sectors (the unit md counts in). */
  default long sectors() {
    return size() >>> 9;
  }

  /** Whether writes are refused. */
  boolean readOnly();

  /** Reads {@code dst.byteSize()} bytes at {@code offset} into {@code dst}. */
  void read(MemorySegment dst, long offset) throws IOException;

  /** Writes all of {@code src} at {@code offset}. */
  void write(MemorySegment src, long offset) throws IOException;

  /** Makes every completed write durable (fdatasync). */
  void flush() throws IOException;

  @Override
  void close() throws IOException;
}
