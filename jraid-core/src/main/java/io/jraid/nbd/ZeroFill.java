package io.jraid.nbd;

import io.jraid.device.BlockDevice;
import io.jraid.device.IoCompletion;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.Semaphore;
import org.jspecify.annotations.Nullable;

/**
 * NBD_CMD_WRITE_ZEROES: writes zeroes over the whole range — every byte, whatever its length (up to
 * 4 GiB), before the request is acknowledged — from one shared, read-only buffer of zeroes of
 * {@link #CHUNK} bytes. The device has no "write zeroes" of its own, and a discard may leave old
 * data, so zeroes are really written (holes are never punched: NO_HOLE is always honoured).
 *
 * <p>A range that fits one chunk is one write completing the request directly. A longer one runs on
 * a virtual thread of its own that keeps {@link #WINDOW} chunk writes in flight and completes the
 * request with the first error, if any, once every write ended. This allocates a little per request
 * (a thread, a slice per chunk), which is fine for a command that moves megabytes.
 */
final class ZeroFill implements IoCompletion, Runnable {

  /** Bytes of the shared zero buffer: the largest write one chunk makes. */
  static final int CHUNK = 1 << 20;

  /** Chunk writes in flight at a time for one request. */
  static final int WINDOW = 4;

  private final RequestSlot slot;
  private final BlockDevice device;
  private final MemorySegment zeroes;
  private final Semaphore window = new Semaphore(WINDOW);
  private volatile @Nullable Throwable firstError;

  private ZeroFill(RequestSlot slot, BlockDevice device, MemorySegment zeroes) {
    this.slot = slot;
    this.device = device;
    this.zeroes = zeroes;
  }

  /** Zeroes the slot's range and then completes the slot. */
  static void start(RequestSlot slot, BlockDevice device, MemorySegment zeroes) {
    long length = Integer.toUnsignedLong(slot.length);
    if (length <= CHUNK) {
      device.write(zeroes.asSlice(0, length), slot.offset, slot.fua(), slot);
    } else {
      Thread.ofVirtual().name("nbd-write-zeroes").start(new ZeroFill(slot, device, zeroes));
    }
  }

  @Override
  public void run() {
    long position = slot.offset;
    long end = position + Integer.toUnsignedLong(slot.length);
    boolean fua = slot.fua();
    while (position < end && firstError == null) {
      window.acquireUninterruptibly();
      int n = (int) Math.min(CHUNK, end - position);
      device.write(zeroes.asSlice(0, n), position, fua, this);
      position += n;
    }
    window.acquireUninterruptibly(WINDOW);
    slot.completed(firstError);
  }

  /** One chunk write ended. */
  @Override
  public void completed(@Nullable Throwable error) {
    if (error != null && firstError == null) {
      firstError = error;
    }
    window.release();
  }
}
