package io.jraid.stripe;

/**
 * Where a stripe's write is ({@code reconstruct_state} in raid5.h).
 *
 * <pre>
 * IDLE ──RCW──▶ DRAIN_RUN ──(parity computed)──▶ DRAIN_RESULT ──(member writes issued)──▶ IDLE
 * IDLE ──RMW──▶ PREXOR_DRAIN_RUN ──────────────▶ PREXOR_DRAIN_RESULT ─────────────────────▶ IDLE
 * </pre>
 *
 * The {@code *_RUN} states are left only by the completion of the operation chain; while a write
 * runs, no new fill or dirtying decision is taken for the stripe.
 */
enum ReconstructState {
  /** No write in progress. */
  IDLE,
  /** Reconstruct-write: new data copied in, parity computed from all data. */
  DRAIN_RUN,
  /** Read-modify-write: old data XORed out of parity, new data copied in and XORed in. */
  PREXOR_DRAIN_RUN,
  /** Parity of a reconstruct-write is ready; members can be written. */
  DRAIN_RESULT,
  /** Parity of a read-modify-write is ready; members can be written. */
  PREXOR_DRAIN_RESULT
}
