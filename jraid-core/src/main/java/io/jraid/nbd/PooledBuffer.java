package io.jraid.nbd;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * A page-aligned off-heap request buffer, reused request after request: the payload of a WRITE is
 * read into it from the socket, the data of a READ is sent from it, and the device reads or writes
 * it in between. Used by one request at a time (the hand-offs between the connection's threads
 * order the accesses).
 *
 * <p>The memory is a plain direct {@link ByteBuffer} (not an arena's segment) on purpose: the JDK
 * allocates a scope releaser for every arena-backed buffer of every socket write, and none for
 * these. The device sees the same memory as a segment ({@link MemorySegment#ofBuffer}) of exactly
 * the request's length; the buffer keeps the last such segment it made, so a client that sends one
 * request size (the usual case) costs no allocation at all.
 */
final class PooledBuffer {

  private final ByteBuffer bytes;
  private final MemorySegment memory;
  private MemorySegment view;

  /** Over {@code bytes}, a direct buffer (page-aligned where it matters: see {@link #aligned}). */
  PooledBuffer(ByteBuffer bytes) {
    this.bytes = bytes;
    this.memory = MemorySegment.ofBuffer(bytes);
    this.view = memory;
  }

  /** A new direct buffer of {@code size} bytes starting on a 4096-byte page. */
  static ByteBuffer aligned(long size) {
    if (size > Integer.MAX_VALUE - 4096) {
      throw new IllegalArgumentException("buffer of " + size + " bytes");
    }
    int pages = (int) ((size + 4095) & ~4095L);
    return ByteBuffer.allocateDirect(pages + 4095).alignedSlice(4096).limit((int) size).slice();
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
