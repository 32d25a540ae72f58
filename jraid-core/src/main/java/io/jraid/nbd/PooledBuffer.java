package io.jraid.nbd;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * A page-aligned off-heap request buffer, reused request after request: the payload of a WRITE is
 * read into it from the socket, the data of a READ is sent from it, and the device reads or writes
 * it in between. Used by one request at a time (the hand-offs between the connection's threads
 * order the accesses).
 *
 * <p>The device needs a segment of exactly the request's length; the buffer keeps the last one it
 * made, so a client that sends one request size (the usual case) costs no allocation at all.
 */
final class PooledBuffer {

  private final MemorySegment memory;
  private final ByteBuffer bytes;
  private MemorySegment view;

  PooledBuffer(MemorySegment memory) {
    this.memory = memory;
    this.bytes = memory.asByteBuffer();
    this.view = memory;
  }

  /** Bytes it holds. */
  long capacity() {
    return memory.byteSize();
  }

  /** The first {@code length} bytes as a segment, for the device. */
  MemorySegment segment(int length) {
    if (view.byteSize() != length) {
      view = memory.asSlice(0, length);
    }
    return view;
  }

  /** The first {@code length} bytes as a buffer at position 0, for the socket. */
  ByteBuffer bytes(int length) {
    bytes.clear().limit(length);
    return bytes;
  }
}
