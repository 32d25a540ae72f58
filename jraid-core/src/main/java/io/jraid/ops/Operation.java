package io.jraid.ops;

import static java.util.Objects.requireNonNull;

import io.jraid.parity.ParityKernels;
import io.jraid.parity.XorMode;
import java.lang.foreign.MemorySegment;
import org.jspecify.annotations.Nullable;

/**
 * A reusable operation descriptor — async_tx's {@code dma_async_tx_descriptor} plus its {@code
 * async_submit_ctl}: what to compute, on which blocks, after which other operation, and whom to
 * call when done.
 *
 * <h2>Life</h2>
 *
 * A descriptor belongs to its submitter (e.g. one per stripe operation slot) and is reused: a
 * builder ({@link #copy}, {@link #xor}, {@link #pq}, ...) resets it and sets its kind and blocks;
 * {@link #after} and {@link #then} add a dependency and a callback; {@link AsyncOps#submit} runs
 * it. A builder may be called while the descriptor is idle: never submitted, or complete and no
 * longer needed as a dependency — never while it is in flight. Arrays are referenced, not copied:
 * the owner must not change them, nor the blocks' contents, until the operation has completed.
 *
 * <h2>Reading the outcome</h2>
 *
 * {@link #result()} and {@link #failure()} are final once {@link #isComplete()} is true and until
 * the next builder. A failure is a programmer error reported by the kernels ({@link
 * IllegalArgumentException} for a bad block): the operation still completes and calls its callback.
 * Blocks follow {@link ParityKernels}' rules (native, 32-byte-aligned, one size per operation).
 *
 * <p>Thread safety: builders and setters are for the owner's thread; the state queries may be
 * called from any thread.
 */
public final class Operation {

  /** {@link #result()} bit: P (or the XOR parity) does not match (md's SUM_CHECK_P_RESULT). */
  public static final int P_MISMATCH = ParityKernels.P_MISMATCH;

  /** {@link #result()} bit: Q does not match (md's SUM_CHECK_Q_RESULT). */
  public static final int Q_MISMATCH = ParityKernels.Q_MISMATCH;

  private final String name;

  /** Guards {@link #state} changes, {@link #dependent}, {@link #waiters}, and dependents' armed. */
  final Object lock = new Object();

  // The descriptor: written by the owner while idle, read by the thread that runs it.
  private @Nullable OpKind kind;
  private @Nullable MemorySegment dst;
  private @Nullable MemorySegment src;
  private MemorySegment @Nullable [] blocks;
  private XorMode mode = XorMode.OVERWRITE;
  private @Nullable MemorySegment p;
  private @Nullable MemorySegment q;
  private int x = -1;
  private int y = -1;
  @Nullable Operation dependency;
  @Nullable OpCallback callback;

  // Its life (see OpState): changed under lock, read anywhere.
  volatile OpState state = OpState.IDLE;

  /** The one operation submitted with {@code after(this)} (async_tx's {@code next}). */
  @Nullable Operation dependent;

  /** Guarded by the dependency's lock: the dependency's completion starts this operation. */
  boolean armed;

  /** Threads in {@link AsyncOps#await} on this operation. */
  int waiters;

  /** Counts builds, so that a completion does not touch the next use of a rebuilt descriptor. */
  int generation;

  /** Complete and its callback returned: a dependent submitted now may start at once. */
  boolean settled;

  /** The instance it was submitted to, and the channel that runs it (null: the inline path). */
  @Nullable AsyncOps ops;

  @Nullable Channel channel;
  int result;
  @Nullable RuntimeException failure;

  /**
   * A new, unbuilt descriptor.
   *
   * @param name names it in diagnostics, e.g. {@code "stripe 812 reconstruct"}
   */
  public Operation(String name) {
    this.name = requireNonNull(name, "name");
  }

  /** dst = src (async_memcpy); both blocks the same size. */
  public Operation copy(MemorySegment dst, MemorySegment src) {
    reset(OpKind.COPY);
    this.dst = requireNonNull(dst, "dst");
    this.src = requireNonNull(src, "src");
    return this;
  }

  /** dst = 0. */
  public Operation zero(MemorySegment dst) {
    reset(OpKind.ZERO);
    this.dst = requireNonNull(dst, "dst");
    return this;
  }

  /** dst = ⊕ srcs (async_xor's ZERO_DST), for callers that do not deal in parity types. */
  public Operation xorZeroDst(MemorySegment dst, MemorySegment[] srcs) {
    return xor(dst, srcs, XorMode.OVERWRITE);
  }

  /** dst ^= ⊕ srcs (async_xor's DROP_DST: dst is not listed among the sources). */
  public Operation xorDropDst(MemorySegment dst, MemorySegment[] srcs) {
    return xor(dst, srcs, XorMode.ACCUMULATE);
  }

  /**
   * dst = ⊕ srcs ({@link XorMode#OVERWRITE}, async_xor's ZERO_DST) or dst ^= ⊕ srcs ({@link
   * XorMode#ACCUMULATE}, DROP_DST: dst is not listed among the sources).
   */
  public Operation xor(MemorySegment dst, MemorySegment[] srcs, XorMode mode) {
    reset(OpKind.XOR);
    this.dst = requireNonNull(dst, "dst");
    this.blocks = requireNonNull(srcs, "srcs");
    this.mode = requireNonNull(mode, "mode");
    return this;
  }

  /**
   * Whether the blocks (data and their parity) XOR to zero (async_xor_val): {@link #result()} is 0
   * or {@link #P_MISMATCH}. Writes nothing, unlike the kernel's software path.
   */
  public Operation xorValidate(MemorySegment[] blocks) {
    reset(OpKind.XOR_VALIDATE);
    this.blocks = requireNonNull(blocks, "blocks");
    return this;
  }

  /**
   * P and/or Q of the data in syndrome-slot order (async_gen_syndrome); a null data entry is a zero
   * block, a null P or Q is not computed (not both).
   */
  public Operation pq(MemorySegment[] data, @Nullable MemorySegment p, @Nullable MemorySegment q) {
    return syndrome(OpKind.PQ, data, p, q);
  }

  /** P ^= and Q ^= the contribution of the non-null data entries (PQ_XOR_DST: RAID-6 rmw). */
  public Operation pqXor(MemorySegment[] data, MemorySegment p, MemorySegment q) {
    return syndrome(OpKind.PQ_XOR, data, requireNonNull(p, "p"), requireNonNull(q, "q"));
  }

  /**
   * Checks P and/or Q against the data, writing nothing (async_syndrome_val): {@link #result()} has
   * {@link #P_MISMATCH} and/or {@link #Q_MISMATCH}. A null P or Q is not checked.
   */
  public Operation pqValidate(
      MemorySegment[] data, @Nullable MemorySegment p, @Nullable MemorySegment q) {
    return syndrome(OpKind.PQ_VALIDATE, data, p, q);
  }

  /** Rebuilds data[x] and P from Q and the other slots (async_raid6_datap_recov). */
  public Operation recoverDataP(MemorySegment[] data, int x, MemorySegment p, MemorySegment q) {
    syndrome(OpKind.RECOVER_DATA_P, data, requireNonNull(p, "p"), requireNonNull(q, "q"));
    this.x = x;
    return this;
  }

  /** Rebuilds data[x] from P and the other slots, then Q from the complete data. */
  public Operation recoverDataQ(MemorySegment[] data, int x, MemorySegment p, MemorySegment q) {
    syndrome(OpKind.RECOVER_DATA_Q, data, requireNonNull(p, "p"), requireNonNull(q, "q"));
    this.x = x;
    return this;
  }

  /** Rebuilds data[x] and data[y] from P, Q and the other slots (async_raid6_2data_recov). */
  public Operation recoverTwoData(
      MemorySegment[] data, int x, int y, MemorySegment p, MemorySegment q) {
    syndrome(OpKind.RECOVER_TWO_DATA, data, requireNonNull(p, "p"), requireNonNull(q, "q"));
    this.x = x;
    this.y = y;
    return this;
  }

  private Operation syndrome(
      OpKind kind, MemorySegment[] data, @Nullable MemorySegment p, @Nullable MemorySegment q) {
    reset(kind);
    this.blocks = requireNonNull(data, "data");
    this.p = p;
    this.q = q;
    return this;
  }

  /**
   * Runs this operation only after {@code dependency} has completed (async_tx's {@code depend_tx};
   * FENCE is implied: this one may read what the dependency wrote). An operation may have only one
   * dependent. Null: no dependency.
   */
  public Operation after(@Nullable Operation dependency) {
    requireBuiltAndIdle();
    if (dependency == this) {
      throw new IllegalArgumentException(name + " cannot depend on itself");
    }
    this.dependency = dependency;
    return this;
  }

  /** Calls {@code callback} when this operation completes (see {@link OpCallback}); null: none. */
  public Operation then(@Nullable OpCallback callback) {
    requireBuiltAndIdle();
    this.callback = callback;
    return this;
  }

  /**
   * What this operation computes.
   *
   * @throws IllegalStateException if no builder has been called yet
   */
  public OpKind kind() {
    OpKind k = kind;
    if (k == null) {
      throw new IllegalStateException(name + " has not been built (call a builder such as xor())");
    }
    return k;
  }

  /** A validation's mismatch bits ({@link #P_MISMATCH}, {@link #Q_MISMATCH}); 0 for the others. */
  public int result() {
    return result;
  }

  /** The kernel's exception if the operation failed (or its dependency did), else null. */
  public @Nullable RuntimeException failure() {
    return failure;
  }

  /** Whether it has run since it was last submitted (its callback may still be running). */
  public boolean isComplete() {
    return state == OpState.COMPLETE;
  }

  /**
   * Whether it was accepted by {@link AsyncOps#submit} since its last builder (complete or not).
   */
  public boolean isSubmitted() {
    return state != OpState.IDLE;
  }

  /** The name given at construction. */
  public String name() {
    return name;
  }

  /** The operation this one runs after, or null. */
  public @Nullable Operation dependency() {
    return dependency;
  }

  @Override
  public String toString() {
    return name + "(" + (kind == null ? "unbuilt" : kind) + ", " + state + ")";
  }

  /** Runs the kernel; throws what it throws. Called by the thread that completes it. */
  void execute() {
    ParityKernels k = requireNonNull(ops).kernels;
    MemorySegment[] b = blocks;
    switch (kind()) {
      case COPY -> copyBlock(requireNonNull(dst), requireNonNull(src));
      case ZERO -> requireNonNull(dst).fill((byte) 0);
      case XOR -> k.xorGen(requireNonNull(dst), requireNonNull(b), mode);
      case XOR_VALIDATE -> result = k.xorIsZero(requireNonNull(b)) ? 0 : P_MISMATCH;
      case PQ -> k.pqGen(requireNonNull(b), p, q);
      case PQ_XOR -> k.pqXor(requireNonNull(b), requireNonNull(p), requireNonNull(q));
      case PQ_VALIDATE -> result = k.pqValidate(requireNonNull(b), p, q);
      case RECOVER_DATA_P ->
          k.recoverDataAndP(requireNonNull(b), x, requireNonNull(p), requireNonNull(q));
      case RECOVER_DATA_Q ->
          k.recoverDataAndQ(requireNonNull(b), x, requireNonNull(p), requireNonNull(q));
      case RECOVER_TWO_DATA ->
          k.recoverTwoData(requireNonNull(b), x, y, requireNonNull(p), requireNonNull(q));
    }
  }

  private static void copyBlock(MemorySegment dst, MemorySegment src) {
    if (dst.byteSize() != src.byteSize()) {
      throw new IllegalArgumentException(
          "dst.byteSize()="
              + dst.byteSize()
              + " (must equal src.byteSize()="
              + src.byteSize()
              + ")");
    }
    dst.copyFrom(src);
  }

  /** Marks it submitted, to run on {@code channel} (null: inline) of {@code ops}. Under lock. */
  void activate(AsyncOps ops, @Nullable Channel channel) {
    this.ops = ops;
    this.channel = channel;
    this.state = OpState.PENDING;
  }

  private void reset(OpKind kind) {
    synchronized (lock) {
      requireNotInFlight();
      this.kind = kind;
      dst = null;
      src = null;
      blocks = null;
      mode = XorMode.OVERWRITE;
      p = null;
      q = null;
      x = -1;
      y = -1;
      dependency = null;
      callback = null;
      dependent = null;
      armed = false;
      ops = null;
      channel = null;
      result = 0;
      failure = null;
      generation++;
      settled = false;
      state = OpState.IDLE;
    }
  }

  private void requireBuiltAndIdle() {
    kind();
    if (state != OpState.IDLE) {
      throw new IllegalStateException(
          this + " was submitted: call a builder before setting its dependency or callback");
    }
  }

  private void requireNotInFlight() {
    OpState s = state;
    if (s == OpState.LINKED || s == OpState.PENDING) {
      throw new IllegalStateException(this + " is in flight: rebuild it only once it completed");
    }
  }
}
