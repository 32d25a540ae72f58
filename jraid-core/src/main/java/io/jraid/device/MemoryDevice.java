package io.jraid.device;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.jspecify.annotations.Nullable;

/**
 * A device held in off-heap memory: one page-aligned segment of a shared {@link Arena}, for tests
 * and benchmarks.
 *
 * <p>Every operation completes inline, on the caller's thread, before the call returns, and
 * allocates nothing on success (a {@link MemorySegment#copy} and a callback). Concurrent I/O from
 * several threads is safe; as on a real disk, concurrent writes to overlapping ranges leave an
 * unspecified mix. A flush has nothing to do and succeeds; a discard zeroes its range, so a
 * discarded range reads back as zeros. Offsets need not be aligned to {@link #logicalBlockSize()},
 * which is only reported (512 unless chosen).
 *
 * <p>{@link #copyOf(Path)} loads a file (a Linux fixture member, say) and {@link #snapshot()} or
 * {@link #saveTo(Path)} give the contents back, so that tests can compare or keep them.
 */
public final class MemoryDevice implements BlockDevice {

  /** The alignment of the memory, so that the device's pages suit O_DIRECT-style users too. */
  private static final long PAGE = 4096;

  private final String name;
  private final Arena arena;
  private final MemorySegment memory;
  private final int logicalBlockSize;
  private final boolean readOnly;
  private volatile boolean closed;

  private MemoryDevice(String name, long size, int logicalBlockSize, boolean readOnly) {
    if (size < 0) {
      throw new IllegalArgumentException("size=" + size);
    }
    checkBlockSize(logicalBlockSize);
    this.name = name;
    this.arena = Arena.ofShared();
    this.memory = arena.allocate(Math.max(size, 1), PAGE).asSlice(0, size);
    this.logicalBlockSize = logicalBlockSize;
    this.readOnly = readOnly;
  }

  /** A zero-filled device of {@code size} bytes with 512-byte logical blocks. */
  public static MemoryDevice create(String name, long size) {
    return new MemoryDevice(name, size, 512, false);
  }

  /** A zero-filled device of {@code size} bytes reporting {@code logicalBlockSize}. */
  public static MemoryDevice create(String name, long size, int logicalBlockSize) {
    return new MemoryDevice(name, size, logicalBlockSize, false);
  }

  /**
   * A writable device holding a copy of {@code file}'s contents, named after the file; the file is
   * never written.
   */
  public static MemoryDevice copyOf(Path file) throws IOException {
    return copyOf(file, 512, false);
  }

  /**
   * A device holding a copy of {@code file}'s contents, named after the file.
   *
   * @param readOnly whether the copy refuses writes, as a member opened read-only would
   */
  public static MemoryDevice copyOf(Path file, int logicalBlockSize, boolean readOnly)
      throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      MemoryDevice device =
          new MemoryDevice(file.toString(), channel.size(), logicalBlockSize, readOnly);
      try {
        long position = 0;
        while (position < device.size()) {
          long n = channel.read(window(device.memory, position), position);
          if (n < 0) {
            throw new IOException(file + ": shrank while being copied, at byte " + position);
          }
          position += n;
        }
        return device;
      } catch (IOException | RuntimeException e) {
        device.close();
        throw e;
      }
    }
  }

  /** A writable device holding a copy of {@code contents}. */
  public static MemoryDevice copyOf(String name, byte[] contents) {
    MemoryDevice device = new MemoryDevice(name, contents.length, 512, false);
    MemorySegment.copy(contents, 0, device.memory, ValueLayout.JAVA_BYTE, 0, contents.length);
    return device;
  }

  private static void checkBlockSize(int logicalBlockSize) {
    if (logicalBlockSize < 512
        || logicalBlockSize > 65536
        || Integer.bitCount(logicalBlockSize) != 1) {
      throw new IllegalArgumentException(
          "logicalBlockSize=" + logicalBlockSize + " (a power of two from 512 to 65536)");
    }
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public long size() {
    return memory.byteSize();
  }

  @Override
  public int logicalBlockSize() {
    return logicalBlockSize;
  }

  @Override
  public boolean readOnly() {
    return readOnly;
  }

  /**
   * The device's memory itself, for tests and benchmarks that check or prepare the contents without
   * I/O (parity checks, say). Writes through it bypass the device; it is invalid after {@link
   * #close()}.
   */
  public MemorySegment memory() {
    return memory;
  }

  @Override
  public void read(MemorySegment dst, long offset, IoCompletion done) {
    long length = dst.byteSize();
    Throwable error = DeviceErrors.checkRange(name, "read", offset, length, memory.byteSize());
    if (error == null && dst.isReadOnly()) {
      error = new IllegalArgumentException(name + ": read into a read-only segment");
    }
    if (error == null) {
      error = copy(memory, offset, dst, 0, length, "read", offset);
    }
    done.completed(error);
  }

  @Override
  public void write(MemorySegment src, long offset, boolean fua, IoCompletion done) {
    long length = src.byteSize();
    Throwable error =
        readOnly
            ? DeviceErrors.readOnly(name, offset, length)
            : DeviceErrors.checkRange(name, "write", offset, length, memory.byteSize());
    if (error == null) {
      error = copy(src, 0, memory, offset, length, "write", offset);
    }
    done.completed(error);
  }

  @Override
  public void flush(IoCompletion done) {
    done.completed(closed ? DeviceErrors.closed(name, "flush") : null);
  }

  @Override
  public void discard(long offset, long length, IoCompletion done) {
    Throwable error =
        readOnly
            ? DeviceErrors.failed(name, "discard", offset, length, "the device is read-only")
            : DeviceErrors.checkRange(name, "discard", offset, length, memory.byteSize());
    if (error == null && closed) {
      error = DeviceErrors.closed(name, "discard");
    }
    if (error == null) {
      try {
        memory.asSlice(offset, length).fill((byte) 0);
      } catch (IllegalStateException e) {
        error = DeviceErrors.closed(name, "discard");
      }
    }
    done.completed(error);
  }

  /**
   * Copies, turning the failures a copy can have into an error for the completion: the device or
   * the caller's segment closed, or the caller's segment confined to another thread. Null on
   * success.
   */
  private @Nullable Throwable copy(
      MemorySegment from,
      long fromOffset,
      MemorySegment to,
      long toOffset,
      long length,
      String op,
      long offset) {
    if (closed) {
      return DeviceErrors.closed(name, op);
    }
    try {
      MemorySegment.copy(from, fromOffset, to, toOffset, length);
      return null;
    } catch (RuntimeException e) {
      return DeviceErrors.failed(name, op, offset, length, String.valueOf(e), e);
    }
  }

  /** The whole contents as a byte array (at most 2 GiB). */
  public byte[] snapshot() {
    return snapshot(0, Math.toIntExact(memory.byteSize()));
  }

  /** The bytes {@code [offset, offset + length)}. */
  public byte[] snapshot(long offset, int length) {
    byte[] bytes = new byte[length];
    MemorySegment.copy(memory, ValueLayout.JAVA_BYTE, offset, bytes, 0, length);
    return bytes;
  }

  /** Writes the whole contents to {@code file}, replacing it. */
  public void saveTo(Path file) throws IOException {
    try (FileChannel channel =
        FileChannel.open(
            file,
            StandardOpenOption.WRITE,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      long position = 0;
      while (position < memory.byteSize()) {
        position += channel.write(window(memory, position), position);
      }
    }
    if (Files.size(file) != memory.byteSize()) {
      throw new IOException(file + ": short write saving " + name);
    }
  }

  /** A buffer over the bytes from {@code position}, at most 1 GiB (a buffer's limit). */
  private static ByteBuffer window(MemorySegment memory, long position) {
    return memory
        .asSlice(position, Math.min(memory.byteSize() - position, 1L << 30))
        .asByteBuffer();
  }

  /** Frees the memory. I/O after this (or racing with it) completes with an error. */
  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      arena.close();
    }
  }

  @Override
  public String toString() {
    return "MemoryDevice[" + name + ", " + memory.byteSize() + " bytes]";
  }
}
