package io.jraid.parity;

/**
 * What an XOR does with its destination's current contents — the two cases of async_xor's {@code
 * ASYNC_TX_XOR_ZERO_DST} flag.
 */
public enum XorMode {
  /** dest = ⊕ sources: dest's old contents are ignored (ZERO_DST). */
  OVERWRITE,
  /**
   * dest ^= ⊕ sources: dest is one more source (no ZERO_DST; DROP_DST is how async_xor says the
   * same when dest is also listed as its first source).
   */
  ACCUMULATE
}
