package io.jraid.parity;

/**
 * Results of {@link ParityKernels#locateCorruption}: a data slot (≥ 0) or one of these codes. An
 * int rather than an object so the check path allocates nothing.
 */
public final class CorruptBlock {

  /** P and Q both match the data. */
  public static final int NONE = -1;

  /** Only P is wrong (Q matches the data). */
  public static final int P = -2;

  /** Only Q is wrong (P matches the data). */
  public static final int Q = -3;

  /**
   * More than one block is wrong, or the syndromes point at no real data slot: the stripe cannot be
   * repaired by rewriting one block.
   */
  public static final int NOT_SINGLE = -4;

  private CorruptBlock() {}

  /** A human-readable form of a result, e.g. "data slot 3" or "not a single-block error". */
  public static String describe(int result) {
    return switch (result) {
      case NONE -> "consistent";
      case P -> "P block";
      case Q -> "Q block";
      case NOT_SINGLE -> "not a single-block error";
      default -> result >= 0 ? "data slot " + result : "invalid locateCorruption result " + result;
    };
  }
}
