/**
 * Counters exported for scraping: {@link io.jraid.metrics.PrometheusText} writes the Prometheus
 * text exposition format, {@link io.jraid.metrics.ArrayMetrics} renders an array's engine and
 * member counters, and the NBD server's counters are written the same way. The hot path only bumps
 * per-lane cells ({@link io.jraid.stripe.LaneCounter}: member I/O), {@code LongAdder}s and plain
 * fields owned by each layer; this package reads them at scrape time (md's sysfs model), so
 * scraping costs the I/O path nothing.
 */
@NullMarked
package io.jraid.metrics;

import org.jspecify.annotations.NullMarked;
