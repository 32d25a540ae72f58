package io.jraid.nbd;

import java.util.concurrent.atomic.LongAdder;

/**
 * Request latencies in fixed buckets, cheap to record from many threads (one {@link LongAdder} per
 * bucket, no lock, no allocation) and shaped for a Prometheus histogram: {@link
 * #cumulativeCounts()} gives the count at or below each upper bound, the last entry being {@code
 * +Inf} (every sample), with {@link #sumNanos()} and {@link #count()} beside it.
 *
 * <p>Bounds go from 50 µs to 10 s in 1–2.5–5 steps. A latency is measured from the moment a
 * request's header was read to the moment its reply was written to the socket.
 */
public final class LatencyHistogram {

  /** The upper bound of each bucket in nanoseconds, ascending; a last bucket holds the rest. */
  private static final long[] BOUNDS_NANOS = {
    50_000L,
    100_000L,
    250_000L,
    500_000L,
    1_000_000L,
    2_500_000L,
    5_000_000L,
    10_000_000L,
    25_000_000L,
    50_000_000L,
    100_000_000L,
    250_000_000L,
    500_000_000L,
    1_000_000_000L,
    2_500_000_000L,
    5_000_000_000L,
    10_000_000_000L
  };

  private final LongAdder[] buckets = new LongAdder[BOUNDS_NANOS.length + 1];
  private final LongAdder sumNanos = new LongAdder();

  LatencyHistogram() {
    for (int i = 0; i < buckets.length; i++) {
      buckets[i] = new LongAdder();
    }
  }

  /** The bucket upper bounds in seconds (a copy), without the final {@code +Inf}. */
  public static double[] upperBoundsSeconds() {
    double[] seconds = new double[BOUNDS_NANOS.length];
    for (int i = 0; i < seconds.length; i++) {
      seconds[i] = BOUNDS_NANOS[i] / 1e9;
    }
    return seconds;
  }

  /** Records one latency. */
  void record(long nanos) {
    int i = 0;
    while (i < BOUNDS_NANOS.length && nanos > BOUNDS_NANOS[i]) {
      i++;
    }
    buckets[i].increment();
    sumNanos.add(Math.max(0, nanos));
  }

  /**
   * For each bound of {@link #upperBoundsSeconds()} the number of samples at or below it, then the
   * total ({@code +Inf}); one entry more than the bounds. Read while requests complete, the counts
   * are each exact at some moment, not a snapshot of one moment.
   */
  public long[] cumulativeCounts() {
    long[] counts = new long[buckets.length];
    long running = 0;
    for (int i = 0; i < buckets.length; i++) {
      running += buckets[i].sum();
      counts[i] = running;
    }
    return counts;
  }

  /** Samples recorded. */
  public long count() {
    long n = 0;
    for (LongAdder b : buckets) {
      n += b.sum();
    }
    return n;
  }

  /** The sum of every latency recorded, in nanoseconds. */
  public long sumNanos() {
    return sumNanos.sum();
  }
}
