package io.jraid.ops;

import static io.jraid.ops.OpKind.COPY;
import static io.jraid.ops.OpKind.PQ;
import static io.jraid.ops.OpKind.PQ_VALIDATE;
import static io.jraid.ops.OpKind.PQ_XOR;
import static io.jraid.ops.OpKind.RECOVER_DATA_P;
import static io.jraid.ops.OpKind.RECOVER_DATA_Q;
import static io.jraid.ops.OpKind.RECOVER_TWO_DATA;
import static io.jraid.ops.OpKind.XOR;
import static io.jraid.ops.OpKind.XOR_VALIDATE;
import static io.jraid.ops.OpKind.ZERO;

import io.jraid.parity.ParityKernels;
import io.jraid.parity.ParitySelection;
import java.util.EnumSet;
import java.util.List;

/** The channel configurations the tests run on, all with the kernels selected for this JVM. */
enum Engine {
  /** No channel: everything runs in the submitter. */
  INLINE,
  /** Two workers with every capability: chains stay on one worker. */
  WORKERS,
  /**
   * Three workers with split capabilities, so that chains switch channels: copies on one,
   * validations on another, recoveries on the third, XOR and PQ_XOR on the last two.
   */
  SPLIT,
  /** Copies and XORs on two workers, everything else inline: chains mix both paths. */
  PARTIAL;

  static final ParityKernels KERNELS = ParitySelection.selected();

  AsyncOps open(int queueCapacity) {
    return switch (this) {
      case INLINE -> AsyncOps.inline(KERNELS);
      case WORKERS -> AsyncOps.withWorkers(KERNELS, 2, queueCapacity);
      case SPLIT ->
          AsyncOps.withChannels(
              KERNELS,
              queueCapacity,
              List.of(
                  EnumSet.of(COPY, ZERO),
                  EnumSet.of(XOR, XOR_VALIDATE, PQ_XOR, PQ_VALIDATE),
                  EnumSet.of(XOR, PQ, PQ_XOR, RECOVER_DATA_P, RECOVER_DATA_Q, RECOVER_TWO_DATA)));
      case PARTIAL ->
          AsyncOps.withChannels(
              KERNELS, queueCapacity, List.of(EnumSet.of(COPY), EnumSet.of(XOR, PQ_XOR)));
    };
  }
}
