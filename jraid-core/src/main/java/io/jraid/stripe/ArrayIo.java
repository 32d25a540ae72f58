package io.jraid.stripe;

import io.jraid.device.IoCompletion;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jctools.queues.MpmcArrayQueue;
import org.jspecify.annotations.Nullable;

/**
 * One array request (a read or a write of a byte range, from the block device a user sees), split
 * into {@link Bio} pieces, one per 4 KiB block it touches. Completes when its last piece does, with
 * the first error any piece saw. Pooled: taken by {@link StripeEngine#read}/{@code write}, given
 * back after its completion ran.
 */
final class ArrayIo {

  /** Request kinds. */
  enum Kind {
    READ,
    WRITE,
    /**
     * A sync pass's request for one stripe ({@link SyncJob}); never split, never completed here.
     */
    SYNC
  }

  Kind kind = Kind.READ;
  MemorySegment buffer = MemorySegment.NULL;
  long offset;
  boolean fua;
  @Nullable IoCompletion done;

  /**
   * The buffer is native memory that a write may lend to the stripe (md's skip_copy, when the
   * engine allows it); with {@link #bufferAddress}, worked out once per request rather than per
   * block by the lanes.
   */
  boolean lendable;

  long bufferAddress;

  /** Pieces not yet completed, plus one held by the splitter until every piece is queued. */
  final AtomicInteger pending = new AtomicInteger();

  final AtomicReference<@Nullable Throwable> error = new AtomicReference<>();

  /**
   * The request's own first piece: a request of one block (the common small I/O) takes no
   * descriptor from the engine's shared pool, which every submitter and lane contends for.
   */
  final Bio ownPiece;

  /** {@link #ownPiece} is not yet in use by this request. */
  boolean ownPieceFree;

  private final StripeEngine engine;

  ArrayIo(StripeEngine engine) {
    this.engine = engine;
    this.ownPiece = new Bio(this);
  }

  /** A piece descriptor for this request: its own first, then one from {@code pool}. */
  Bio piece(MpmcArrayQueue<Bio> pool) {
    if (ownPieceFree) {
      ownPieceFree = false;
      return ownPiece;
    }
    return StripeEngine.take(pool);
  }

  /** A piece (or the splitter's hold) finished; the last one completes the request. */
  void pieceDone(@Nullable Throwable failure) {
    piecesDone(1, failure);
  }

  /** {@code count} pieces finished (all with {@code failure}, or none failed). */
  void piecesDone(int count, @Nullable Throwable failure) {
    if (failure != null) {
      error.compareAndSet(null, failure);
    }
    if (pending.addAndGet(-count) == 0) {
      IoCompletion callback = done;
      Throwable first = error.get();
      boolean write = kind == Kind.WRITE;
      done = null;
      buffer = MemorySegment.NULL;
      error.set(null);
      engine.recycle(this);
      if (callback != null) {
        if (write) {
          engine.acknowledge(callback, first); // held while a member failure is unrecorded
        } else {
          callback.completed(first);
        }
      }
    }
  }
}
