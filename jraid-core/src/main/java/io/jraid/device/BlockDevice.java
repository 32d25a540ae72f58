package io.jraid.device;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.jspecify.annotations.Nullable;

/**
 * A member of an array, or the array itself: a fixed-size run of bytes read and written
 * asynchronously at byte offsets.
 *
 * <p>Every asynchronous call returns at once and later calls its {@link IoCompletion} exactly once
 * (possibly before returning, on the caller's thread). A transfer moves the whole segment or fails.
 * Offsets and lengths must be multiples of {@link #logicalBlockSize()} for devices that require it
 * (O_DIRECT); a request beyond the end fails with an error naming the device and the range. A write
 * with {@code fua} completes only when its data is on stable storage; {@link #flush} completes when
 * every write completed before it was issued is on stable storage.
 *
 * <p>The blocking methods ({@link #read(MemorySegment, long)} and friends) wait for the
 * asynchronous ones; they are for cold paths (superblocks, tools, tests).
 */
public interface BlockDevice extends AutoCloseable {

  /** The device's name for messages: its path, or a descriptive name. */
  String name();

  /** Size in bytes. */
  long size();

  /** The smallest unit of I/O in bytes (512 or 4096). */
  int logicalBlockSize();

  /**
   * The alignment in bytes (a power of two) that the memory of every transfer must have, and then
   * native memory: 1 when any buffer will do. A file or block device opened with O_DIRECT needs its
   * logical block size; decorators pass on their device's.
   */
  default int memoryAlignment() {
    return 1;
  }

  /** Size in 512-byte sectors (the unit md counts in). */
  default long sectors() {
    return size() >>> 9;
  }

  /** Whether writes are refused. */
  boolean readOnly();

  /** Reads {@code dst.byteSize()} bytes at {@code offset} into {@code dst}. */
  void read(MemorySegment dst, long offset, IoCompletion done);

  /** Writes all of {@code src} at {@code offset}; with {@code fua}, durably. */
  void write(MemorySegment src, long offset, boolean fua, IoCompletion done);

  /** Makes every write completed before this call durable. */
  void flush(IoCompletion done);

  /**
   * Tells the device that {@code [offset, offset + length)} is no longer needed. Reads of a
   * discarded range return zeros or the old data, as the device chooses.
   */
  void discard(long offset, long length, IoCompletion done);

  /** Blocking {@link #read(MemorySegment, long, IoCompletion)}. */
  default void read(MemorySegment dst, long offset) throws IOException {
    CompletableFuture<Void> f = new CompletableFuture<>();
    read(dst, offset, e -> complete(f, e));
    await(f);
  }

  /** Blocking {@link #write(MemorySegment, long, boolean, IoCompletion)}, without FUA. */
  default void write(MemorySegment src, long offset) throws IOException {
    CompletableFuture<Void> f = new CompletableFuture<>();
    write(src, offset, false, e -> complete(f, e));
    await(f);
  }

  /** Blocking {@link #flush(IoCompletion)}. */
  default void flush() throws IOException {
    CompletableFuture<Void> f = new CompletableFuture<>();
    flush(e -> complete(f, e));
    await(f);
  }

  @Override
  void close() throws IOException;

  private static void complete(CompletableFuture<Void> f, @Nullable Throwable error) {
    if (error == null) {
      f.complete(null);
    } else {
      f.completeExceptionally(error);
    }
  }

  private static void await(CompletableFuture<Void> f) throws IOException {
    try {
      f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted waiting for I/O");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      throw new IOException(cause.getMessage(), cause);
    }
  }
}
