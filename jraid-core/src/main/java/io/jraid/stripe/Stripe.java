package io.jraid.stripe;

import io.jraid.device.IoCompletion;
import io.jraid.ops.Operation;
import java.lang.foreign.MemorySegment;
import org.jspecify.annotations.Nullable;

/**
 * A stripe head: one 4 KiB block of every member at the same member sector, with its buffers, the
 * requests waiting on each block and the state of the write in progress.
 *
 * <p>Owned by one {@link Lane}: only the thread running that lane reads or writes its state, so
 * nothing here is locked. Other threads touch only the {@code volatile} hand-off fields (I/O and
 * operation completions), then post the stripe to its lane.
 */
final class Stripe {

  /** One member's block in the stripe ({@code r5dev}). */
  static final class Dev implements IoCompletion {
    final Stripe stripe;
    final int index;

    /** The stripe cache's own buffer for this block. */
    final MemorySegment own;

    /** The buffer in use: {@link #own}, or the writer's memory with SKIP_COPY. */
    MemorySegment page;

    int flags;
    @Nullable Bio toread;
    @Nullable Bio towrite;
    @Nullable Bio written;

    /** The member the I/O in flight went to (its error fails that member only). */
    io.jraid.device.BlockDevice ioDevice;

    /** Whether the I/O in flight is a write (else a read). */
    boolean ioWrite;

    /** Set by the I/O completion (any thread), consumed by the lane. */
    volatile boolean ioDone;

    @Nullable Throwable ioError;

    /** The replacement the same block went to (md's replace), and how that write ended. */
    io.jraid.device.@Nullable BlockDevice replacementDevice;

    volatile @Nullable Throwable replacementError;

    /** Completions still to come for the I/O in flight (the member's, the replacement's). */
    final java.util.concurrent.atomic.AtomicInteger ioPending =
        new java.util.concurrent.atomic.AtomicInteger();

    /** Completion of the replacement's copy of a write. */
    final io.jraid.device.IoCompletion replacementDone =
        error -> {
          if (error != null) {
            replacementError = error;
          }
          arrived();
        };

    Dev(Stripe stripe, int index, MemorySegment own) {
      this.stripe = stripe;
      this.index = index;
      this.own = own;
      this.page = own;
    }

    boolean has(int flag) {
      return (flags & flag) != 0;
    }

    void set(int flag) {
      flags |= flag;
    }

    void clear(int flag) {
      flags &= ~flag;
    }

    @Override
    public void completed(@Nullable Throwable error) {
      ioError = error;
      arrived();
    }

    private void arrived() {
      // One completion due (no replacement): nothing races it, so no atomic update is needed.
      boolean last;
      if (ioPending.get() == 1) {
        ioPending.setRelease(0);
        last = true;
      } else {
        last = ioPending.decrementAndGet() == 0;
      }
      if (last) {
        ioDone = true;
        stripe.lane.post(stripe);
      }
    }
  }

  final Lane lane;
  final Dev[] devs;

  /** Member sector of this stripe (multiple of 8); -1 when free and unhashed. */
  long sector = -1;

  int pdIdx;
  int qdIdx;
  ReconstructState reconstruct = ReconstructState.IDLE;

  /** Blocks being computed (-1 = none); set while a compute chain runs. */
  int computeA = -1;

  int computeB = -1;

  /** Set by an operation chain's completion (any thread), consumed by the lane. */
  volatile boolean opsDone;

  /**
   * What the chain's operations threw, if they did (a bug: I/O errors are values), written before
   * {@link #opsDone} and read after it.
   */
  @Nullable RuntimeException opsFailure;

  /** An operation chain is running. */
  boolean opsRunning;

  /** The chain to submit, and the index of the next one not yet accepted (RETRY). */
  final Operation[] chain = new Operation[4];

  int chainLength;
  int chainNext;

  /** The sync pass's request on this stripe (md's SYNC_REQUESTED), or null. */
  @Nullable Bio sync;

  /** Progress of the parity check that request runs. */
  CheckState check = CheckState.IDLE;

  /** Parity found wrong by the check ({@link io.jraid.ops.Operation#P_MISMATCH} and Q bits). */
  int checkResult;

  /** Allowed to read blocks ahead of a partial write (md's PREREAD_ACTIVE). */
  boolean prereadActive;

  /** On the lane's delayed list. */
  boolean delayed;

  /** Queued to its lane (avoids posting twice). */
  final java.util.concurrent.atomic.AtomicBoolean queued =
      new java.util.concurrent.atomic.AtomicBoolean();

  /** Intrusive links of the lane's inactive (LRU) list. */
  @Nullable Stripe prev;

  @Nullable Stripe next;

  /** Intrusive links of the lane's delayed list. */
  @Nullable Stripe delayPrev;

  @Nullable Stripe delayNext;

  /** Sources of the parity operations, in syndrome-slot order; one array per chain step. */
  final MemorySegment[] sourcesA;

  final MemorySegment[] sourcesB;

  /**
   * Source arrays of every length 0..disks, for XORs over a varying set of blocks; a second set for
   * the second step of a chain, whose sources must not overwrite the first step's.
   */
  private final MemorySegment[][] sourcesByCount;

  private final MemorySegment[][] secondSourcesByCount;

  /** A read-modify-write has copied its new data in (second step running). */
  boolean rmwDrained;

  /** Completion of the stripe's operation chains: note it and hand the stripe to its lane. */
  final io.jraid.ops.OpCallback opsCallback;

  final Operation opA = new Operation("stripe-op-a");
  final Operation opB = new Operation("stripe-op-b");

  Stripe(Lane lane, MemorySegment slab, int disks, int syndromeSources) {
    this.lane = lane;
    this.opsCallback =
        op -> {
          opsFailure = op.failure();
          opsDone = true;
          lane.post(this);
        };
    this.devs = new Dev[disks];
    for (int i = 0; i < disks; i++) {
      devs[i] = new Dev(this, i, slab.asSlice((long) i * StripeEngine.BLOCK, StripeEngine.BLOCK));
    }
    this.sourcesA = new MemorySegment[syndromeSources];
    this.sourcesB = new MemorySegment[syndromeSources];
    this.sourcesByCount = new MemorySegment[disks + 1][];
    this.secondSourcesByCount = new MemorySegment[disks + 1][];
    for (int n = 0; n <= disks; n++) {
      sourcesByCount[n] = new MemorySegment[n];
      secondSourcesByCount[n] = new MemorySegment[n];
    }
  }

  /** Whether an I/O or operation completion is waiting to be taken by a pass. */
  boolean completionsPending() {
    if (opsDone) {
      return true;
    }
    for (Dev d : devs) {
      if (d.ioDone) {
        return true;
      }
    }
    return false;
  }

  /** A reusable source array of length {@code n} (the caller fills every entry). */
  MemorySegment[] sources(int n) {
    return sourcesByCount[n];
  }

  /** Like {@link #sources(int)}, for a chain's second step. */
  MemorySegment[] secondSources(int n) {
    return secondSourcesByCount[n];
  }

  /** Whether nothing is pending on the stripe, so it can go back to the inactive list. */
  boolean idle() {
    if (reconstruct != ReconstructState.IDLE
        || check != CheckState.IDLE
        || sync != null
        || opsRunning
        || computeA >= 0
        || chainLength > 0) {
      return false;
    }
    for (Dev d : devs) {
      if (d.toread != null
          || d.towrite != null
          || d.written != null
          || (d.flags & (DevFlags.LOCKED | DevFlags.WANTREAD | DevFlags.WANTWRITE)) != 0) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return "stripe " + sector + " (" + reconstruct + ", check " + check + ")";
  }
}
