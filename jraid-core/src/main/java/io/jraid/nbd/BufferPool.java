package io.jraid.nbd;

import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;

/**
 * A connection's pool of larger request buffers (for requests that do not fit a request slot's own
 * buffer): {@code count} page-aligned buffers of {@code size} bytes, made the first time one is
 * needed, then reused. Only the connection's reader takes (and waits while all are in use); any
 * thread gives back.
 */
final class BufferPool {

  private final int count;
  private final int size;
  private final Handoff<PooledBuffer> free;
  private boolean allocated;

  BufferPool(int count, int size) {
    this.count = count;
    this.size = size;
    this.free = new Handoff<>(count);
  }

  /** Bytes per buffer. */
  int bufferSize() {
    return size;
  }

  /** Buffers in the pool now (all of them when no request holds one, or none made yet). */
  int available() {
    return allocated ? free.size() : count;
  }

  /**
   * A free buffer, waiting for one if all are in use (reader thread only).
   *
   * @return null if the waiting thread was told to stop
   */
  @Nullable PooledBuffer take() {
    if (!allocated) {
      allocated = true;
      ByteBuffer slab = PooledBuffer.aligned((long) count * size);
      for (int i = 0; i < count; i++) {
        free.offer(new PooledBuffer(slab.slice(i * size, size)));
      }
    }
    return free.take();
  }

  /** Gives a buffer back. */
  void give(PooledBuffer buffer) {
    free.offer(buffer);
  }
}
