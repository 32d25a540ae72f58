package io.jraid.device;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A member backed by a regular file or a block device, through a {@link FileChannel} with
 * positional I/O (safe to use from several threads at once).
 */
public final class FileBlockDevice implements BlockDevice {

  private final Path path;
  private final FileChannel channel;
  private final long size;
  private final boolean readOnly;

  private FileBlockDevice(Path path, FileChannel channel, long size, boolean readOnly) {
    this.path = path;
    this.channel = channel;
    this.size = size;
    this.readOnly = readOnly;
  }

  /** Opens {@code path} for reading only: nothing will be written to it. */
  public static FileBlockDevice openReadOnly(Path path) throws IOException {
    return open(path, true);
  }

  /** Opens {@code path} for reading and writing. */
  public static FileBlockDevice openReadWrite(Path path) throws IOException {
    return open(path, false);
  }

  private static FileBlockDevice open(Path path, boolean readOnly) throws IOException {
    if (!Files.exists(path)) {
      throw new IOException(path + ": no such file or device");
    }
    if (Files.isDirectory(path)) {
      throw new IOException(path + ": is a directory, not a member file or block device");
    }
    FileChannel channel =
        readOnly
            ? FileChannel.open(path, StandardOpenOption.READ)
            : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
    try {
      return new FileBlockDevice(path, channel, sizeOf(path, channel), readOnly);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  /**
   * The size of a file, or of a block device (whose {@code st_size} is 0: read from sysfs, as
   * {@code blockdev --getsize64} would answer).
   */
  private static long sizeOf(Path path, FileChannel channel) throws IOException {
    long size = channel.size();
    if (size == 0 && !Files.isRegularFile(path)) {
      Path real = path.toRealPath();
      Path sysfs = Path.of("/sys/class/block", real.getFileName().toString(), "size");
      if (Files.exists(sysfs, LinkOption.NOFOLLOW_LINKS) || Files.exists(sysfs)) {
        size = Long.parseLong(Files.readString(sysfs).trim()) * 512;
      }
    }
    return size;
  }

  @Override
  public String name() {
    return path.toString();
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public boolean readOnly() {
    return readOnly;
  }

  @Override
  public void read(MemorySegment dst, long offset) throws IOException {
    checkRange(offset, dst.byteSize());
    ByteBuffer buffer = dst.asByteBuffer();
    long position = offset;
    while (buffer.hasRemaining()) {
      int n = channel.read(buffer, position);
      if (n < 0) {
        throw new IOException(
            name()
                + ": unexpected end at byte "
                + position
                + " reading "
                + dst.byteSize()
                + " bytes at "
                + offset
                + " (device truncated?)");
      }
      position += n;
    }
  }

  @Override
  public void write(MemorySegment src, long offset) throws IOException {
    if (readOnly) {
      throw new IOException(name() + ": opened read-only");
    }
    checkRange(offset, src.byteSize());
    ByteBuffer buffer = src.asByteBuffer();
    long position = offset;
    while (buffer.hasRemaining()) {
      position += channel.write(buffer, position);
    }
  }

  private void checkRange(long offset, long length) throws IOException {
    if (offset < 0 || length < 0 || offset > size - length) {
      throw new IOException(
          name()
              + ": range ["
              + offset
              + ", "
              + (offset + length)
              + ") is beyond the device's "
              + size
              + " bytes");
    }
  }

  @Override
  public void flush() throws IOException {
    channel.force(false);
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  @Override
  public String toString() {
    return name();
  }
}
