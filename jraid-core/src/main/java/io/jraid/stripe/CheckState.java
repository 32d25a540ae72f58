package io.jraid.stripe;

/**
 * Where a stripe is in a parity check (md's {@code check_state}), for resync, check and repair: the
 * blocks are read, parity is validated, and — when the action repairs — recomputed and written.
 */
enum CheckState {
  /** No check in progress. */
  IDLE,
  /** Validating P (and Q) against the data. */
  RUN,
  /** Recomputing the parity found wrong. */
  COMPUTE_RUN,
  /** Recomputed parity is being written to its members. */
  COMPUTE_RESULT
}
