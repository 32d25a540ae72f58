package io.jraid.nbd;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The buffers of one connection in transmission: each request slot's own 64 KiB buffer and reply
 * header room, the read-ahead buffer, and the larger pooled buffers. About 4.4 MiB for 64 slots,
 * plus 16 MiB once a request over 64 KiB needs a pooled buffer.
 *
 * <p>Direct buffers are freed only by the garbage collector, so instead of dropping them when a
 * connection closes the server keeps those of a few closed connections ({@link Cache}) for the next
 * ones: a churn of connections neither allocates nor piles up unreclaimed memory.
 */
final class ConnectionMemory {

  /** Larger pooled buffers per connection, for requests over a slot's own 64 KiB. */
  static final int POOLED_BUFFERS = 16;

  /** Bytes per larger pooled buffer: typical large requests (up to 1 MiB) fit. */
  static final int POOLED_BUFFER_BYTES = 1 << 20;

  /** The read-ahead buffer of request headers (and small WRITE payloads). */
  static final int READ_AHEAD_BYTES = 128 * 1024;

  final PooledBuffer[] own;
  final ByteBuffer[] headers;
  final ByteBuffer readAhead;
  final BufferPool pooled;

  ConnectionMemory(int slots) {
    ByteBuffer slab = PooledBuffer.aligned((long) slots * RequestSlot.OWN_BUFFER_BYTES);
    ByteBuffer headerSlab = PooledBuffer.aligned((long) slots * ReplyCodec.MAX_HEADER_BYTES);
    own = new PooledBuffer[slots];
    headers = new ByteBuffer[slots];
    for (int i = 0; i < slots; i++) {
      own[i] =
          new PooledBuffer(
              slab.slice(i * RequestSlot.OWN_BUFFER_BYTES, RequestSlot.OWN_BUFFER_BYTES));
      headers[i] = headerSlab.slice(i * ReplyCodec.MAX_HEADER_BYTES, ReplyCodec.MAX_HEADER_BYTES);
    }
    readAhead = PooledBuffer.aligned(READ_AHEAD_BYTES);
    pooled = new BufferPool(POOLED_BUFFERS, POOLED_BUFFER_BYTES);
  }

  /** The connection memory of closed connections, kept for new ones. */
  static final class Cache {
    private final int slots;
    private final int keep;
    private final ConcurrentLinkedQueue<ConnectionMemory> idle = new ConcurrentLinkedQueue<>();

    /** Memory sets of {@code slots} request slots; at most {@code keep} idle ones kept. */
    Cache(int slots, int keep) {
      this.slots = slots;
      this.keep = keep;
    }

    /** A set for a new connection: a kept one, or a new one. */
    ConnectionMemory take() {
      ConnectionMemory m = idle.poll();
      return m != null ? m : new ConnectionMemory(slots);
    }

    /**
     * Keeps a set whose connection ended with every request finished (no device or socket uses it
     * any more), unless enough are kept already.
     */
    void give(ConnectionMemory m) {
      if (m.pooled.available() != POOLED_BUFFERS) {
        throw new IllegalStateException("connection memory given back with buffers in use");
      }
      if (idle.size() < keep) {
        m.readAhead.clear().flip();
        idle.add(m);
      }
    }

    /** Sets kept now. */
    int idle() {
      return idle.size();
    }
  }
}
