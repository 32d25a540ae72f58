package io.jraid.nbd;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.jspecify.annotations.Nullable;

/**
 * A connection's pool of larger request buffers (for requests that do not fit a request slot's own
 * buffer): {@code count} page-aligned buffers of {@code size} bytes, carved from the connection's
 * arena the first time one is needed, then reused. Only the connection's reader takes (and waits
 * while all are in use); any thread gives back.
 */
final class BufferPool {

  private final Arena arena;
  private final int count;
  private final int size;
  private final Handoff<PooledBuffer> free;
  private boolean allocated;

  BufferPool(Arena arena, int count, int size) {
    this.arena = arena;
    this.count = count;
    this.size = size;
    this.free = new Handoff<>(count);
  }

  /** Bytes per buffer. */
  int bufferSize() {
    return size;
  }

  /**
   * A free buffer, waiting for one if all are in use (reader thread only).
   *
   * @return null if the pool was stopped while waiting
   */
  @Nullable PooledBuffer take() {
    if (!allocated) {
      allocated = true;
      MemorySegment slab = arena.allocate((long) count * size, 4096);
      for (int i = 0; i < count; i++) {
        free.offer(new PooledBuffer(slab.asSlice((long) i * size, size)));
      }
    }
    return free.take();
  }

  /** Gives a buffer back. */
  void give(PooledBuffer buffer) {
    free.offer(buffer);
  }

  /** Wakes a reader waiting in {@link #take()} for good. */
  void stop() {
    free.stop();
  }
}
