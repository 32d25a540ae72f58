package io.jraid.stripe;

/**
 * Per-member flags of a stripe ({@code R5_*} in raid5.h), bits of {@link Stripe.Dev#flags}. Only
 * what is truly per member lives here; stripe-wide progress is {@link ReconstructState} and the
 * stripe's compute targets.
 */
final class DevFlags {

  /** The buffer holds the block's current content (as on the member, or newly computed). */
  static final int UPTODATE = 1;

  /** An I/O or operation owns the buffer. */
  static final int LOCKED = 1 << 1;

  /** The queued writes cover the whole block. */
  static final int OVERWRITE = 1 << 2;

  /** Read the block from the member in this pass's I/O phase. */
  static final int WANTREAD = 1 << 3;

  /** Write the block to the member in this pass's I/O phase. */
  static final int WANTWRITE = 1 << 4;

  /** The block is being computed from the others. */
  static final int WANTCOMPUTE = 1 << 5;

  /** A read of this block failed: treat the member as failed here and repair by rewriting. */
  static final int READ_ERROR = 1 << 6;

  /** The repair write was issued; next, read it back. */
  static final int REWRITE = 1 << 7;

  /** The member write must be durable before it completes. */
  static final int WANTFUA = 1 << 8;

  /** The buffer is the writer's own memory (full-block write, parity straight from it). */
  static final int SKIP_COPY = 1 << 9;

  /** Part of the read-modify-write in progress (its old data was taken out of parity). */
  static final int PREXOR = 1 << 11;

  /** Write the block to the slot's replacement only (md's replace copying a block across). */
  static final int WANT_REPLACE = 1 << 12;

  /**
   * The copy to the replacement is in flight. Apart from {@link #WANT_REPLACE} so that a pass
   * running meanwhile does not send it again: two writes to one place at once, the first completion
   * unlocking the block while the second still goes.
   */
  static final int COPYING = 1 << 13;

  private DevFlags() {}
}
