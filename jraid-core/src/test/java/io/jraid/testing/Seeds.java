package io.jraid.testing;

/**
 * The base seed of the randomized tests: {@code -Djraid.seed=N} replays a run; otherwise a fresh
 * one, printed once so that a failure can be replayed.
 */
public final class Seeds {

  public static final long BASE = choose();

  private Seeds() {}

  private static long choose() {
    Long fixed = Long.getLong("jraid.seed");
    long seed = fixed != null ? fixed : System.nanoTime() ^ 0x5DEECE66DL;
    System.out.println(
        "jraid tests: base seed "
            + seed
            + " (replay with -Djraid.test.flags=-Djraid.seed="
            + seed
            + ")");
    return seed;
  }

  /** A seed for one case, derived from the base seed and the case's coordinates. */
  public static long of(long... coordinates) {
    long h = BASE;
    for (long c : coordinates) {
      h = (h ^ c) * 0x9E3779B97F4A7C15L;
      h ^= h >>> 29;
    }
    return h;
  }
}
