package io.jraid.parity;

import java.lang.foreign.MemorySegment;

/**
 * A segment spanning the whole address space, through which {@link VectorKernels} loads and stores
 * blocks by absolute address.
 *
 * <p>Why: a load through a block's own segment checks that block's bounds and liveness, and in a
 * loop over many sources the JIT cannot hoist those checks out of the inner loop. Through this
 * segment the bounds check is against a constant and there is no liveness check, which makes the
 * XOR of a 4 KiB stripe about 1.5 times faster. The price is that safety becomes the caller's duty:
 * {@link BlockChecks} checks every block (native, alive, aligned, the right size, apart from the
 * destinations) before a kernel touches it, and a block must not be freed while a kernel runs on it
 * — the same contract as passing pointers to a native library such as ISA-L.
 *
 * <p>Creating it is a restricted operation: the JVM needs {@code --enable-native-access}, which
 * every jraid JVM gets.
 */
final class NativeMemory {

  /** Every address, 0 to {@code Long.MAX_VALUE}; always alive. */
  @SuppressWarnings("restricted") // see the class comment: blocks are checked before every use
  static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

  private NativeMemory() {}
}
