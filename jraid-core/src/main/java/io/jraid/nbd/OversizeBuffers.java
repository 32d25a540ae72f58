package io.jraid.nbd;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;

/**
 * The server-wide slow path for the rare READ or WRITE larger than a connection's pooled buffers
 * (up to the 32 MiB maximum): a fixed number of maximum-size buffers shared by every connection,
 * made on first use and kept. A request waits for one when all are taken, so however many clients
 * send huge requests, the server never holds more than {@code count} of them.
 */
final class OversizeBuffers {

  private final int count;
  private final Semaphore permits;
  private final ConcurrentLinkedQueue<PooledBuffer> free = new ConcurrentLinkedQueue<>();

  OversizeBuffers(int count) {
    this.count = count;
    this.permits = new Semaphore(count, true);
  }

  /** How many buffers there may be. */
  int count() {
    return count;
  }

  /** A buffer of {@link NbdExport#MAXIMUM_PAYLOAD} bytes, waiting while all are in use. */
  PooledBuffer take() throws InterruptedException {
    permits.acquire();
    PooledBuffer buffer = free.poll();
    if (buffer == null) {
      // Freed by the garbage collector with the server: connections may still be draining I/O
      // into it when the server's close() gives up waiting for them.
      buffer = new PooledBuffer(PooledBuffer.aligned(NbdExport.MAXIMUM_PAYLOAD));
    }
    return buffer;
  }

  void give(PooledBuffer buffer) {
    free.add(buffer);
    permits.release();
  }
}
