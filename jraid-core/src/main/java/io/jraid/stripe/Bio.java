package io.jraid.stripe;

import org.jspecify.annotations.Nullable;

/**
 * The part of an {@link ArrayIo} that falls in one 4 KiB block of one member: where in the block,
 * how long, and where in the request's buffer. Queued on the block's to-read or to-write list of
 * its stripe. Pooled per engine.
 */
final class Bio {

  ArrayIo io;

  /** Member sector of the stripe (a multiple of 8). */
  long stripeSector;

  /** The member (slot) holding the block. */
  int member;

  /** Byte offset of the piece within the 4 KiB block. */
  int blockOffset;

  /** Bytes of the piece. */
  int length;

  /** Byte offset of the piece within the request's buffer. */
  long bufferOffset;

  /** Next piece in the list the piece is on. */
  @Nullable Bio next;

  Bio(ArrayIo placeholder) {
    this.io = placeholder;
  }

  /** Whether the piece covers the whole block. */
  boolean wholeBlock() {
    return blockOffset == 0 && length == StripeEngine.BLOCK;
  }
}
