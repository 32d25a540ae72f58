package io.jraid.ops;

/**
 * What an {@link Operation} computes: the async_tx operations raid456 uses (crypto/async_tx), one
 * constant per {@link Operation} builder. The comment names the async_tx call it stands for.
 */
public enum OpKind {
  /** dst = src (async_memcpy). */
  COPY,
  /** dst = 0 (async_memset with zero, of old kernels). */
  ZERO,
  /** dst = ⊕ srcs, or dst ^= ⊕ srcs (async_xor with ZERO_DST or DROP_DST). */
  XOR,
  /** result = ⊕ blocks == 0 ? 0 : P_MISMATCH, writing nothing (async_xor_val). */
  XOR_VALIDATE,
  /** P = ⊕ D_z and/or Q = ⊕ g^z·D_z (async_gen_syndrome). */
  PQ,
  /** P ^= ⊕ D_z, Q ^= ⊕ g^z·D_z over the present slots (async_gen_syndrome with PQ_XOR_DST). */
  PQ_XOR,
  /** result = P_MISMATCH | Q_MISMATCH bits, writing nothing (async_syndrome_val). */
  PQ_VALIDATE,
  /** Lost data slot x and P, from Q and the other slots (async_raid6_datap_recov). */
  RECOVER_DATA_P,
  /** Lost data slot x from P, then Q from the complete data (raid5.c: xor, then gen_syndrome). */
  RECOVER_DATA_Q,
  /** Lost data slots x and y, from P and Q (async_raid6_2data_recov). */
  RECOVER_TWO_DATA
}
