package io.jraid.metrics;

import io.jraid.nbd.LatencyHistogram;
import io.jraid.nbd.NbdCommand;
import io.jraid.nbd.NbdError;
import io.jraid.nbd.NbdServer;
import io.jraid.nbd.NbdStats;
import java.util.Locale;

/** An NBD server's counters: requests and latency per command, bytes, errors, connections. */
public final class NbdMetrics {

  private NbdMetrics() {}

  /** Writes the metrics of {@code server}. */
  public static void write(PrometheusText text, NbdServer server) {
    NbdStats stats = server.stats();
    text.counter("jraid_nbd_requests_total", "NBD requests received, by command.");
    for (NbdCommand c : NbdCommand.values()) {
      text.sample("jraid_nbd_requests_total", stats.requests(c), "command", lower(c.name()));
    }
    text.counter("jraid_nbd_read_bytes_total", "Bytes sent in successful NBD READ replies.")
        .sample("jraid_nbd_read_bytes_total", stats.bytesRead());
    text.counter("jraid_nbd_written_bytes_total", "Bytes of successful NBD WRITE requests.")
        .sample("jraid_nbd_written_bytes_total", stats.bytesWritten());
    text.counter("jraid_nbd_errors_total", "NBD replies sent with an error, by error.");
    for (NbdError e : NbdError.values()) {
      text.sample("jraid_nbd_errors_total", stats.errors(e), "error", e.name());
    }
    text.gauge("jraid_nbd_connections", "NBD connections open.")
        .sample("jraid_nbd_connections", stats.connectionsOpen());
    text.counter("jraid_nbd_connections_total", "NBD connections accepted.")
        .sample("jraid_nbd_connections_total", stats.connectionsTotal());
    text.counter(
            "jraid_nbd_protocol_violations_total",
            "Connections dropped for breaking the protocol (bad magic, absurd lengths).")
        .sample("jraid_nbd_protocol_violations_total", stats.protocolViolations());
    text.family(
        "jraid_nbd_request_duration_seconds",
        "histogram",
        "Time from receiving an NBD request to sending its reply, by command.");
    double[] bounds = LatencyHistogram.upperBoundsSeconds();
    for (NbdCommand c : NbdCommand.values()) {
      LatencyHistogram h = stats.latency(c);
      long[] cumulative = h.cumulativeCounts();
      String command = lower(c.name());
      for (int i = 0; i < bounds.length; i++) {
        text.sample(
            "jraid_nbd_request_duration_seconds_bucket",
            cumulative[i],
            "command",
            command,
            "le",
            Double.toString(bounds[i]));
      }
      text.sample(
          "jraid_nbd_request_duration_seconds_bucket",
          cumulative[bounds.length],
          "command",
          command,
          "le",
          "+Inf");
      text.sample("jraid_nbd_request_duration_seconds_sum", h.sumNanos() / 1e9, "command", command);
      text.sample(
          "jraid_nbd_request_duration_seconds_count",
          cumulative[bounds.length],
          "command",
          command);
    }
  }

  private static String lower(String name) {
    return name.toLowerCase(Locale.ROOT);
  }
}
