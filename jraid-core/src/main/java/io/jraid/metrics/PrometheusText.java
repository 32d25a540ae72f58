package io.jraid.metrics;

/**
 * Writes the Prometheus text exposition format (version 0.0.4): a {@code # HELP} and {@code # TYPE}
 * line per metric family, then one line per sample with escaped label values.
 */
public final class PrometheusText {

  /** The {@code Content-Type} of this format. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final StringBuilder out = new StringBuilder(4096);

  /** Starts a metric family. */
  public PrometheusText family(String name, String type, String help) {
    out.append("# HELP ").append(name).append(' ');
    for (int i = 0; i < help.length(); i++) {
      char c = help.charAt(i);
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        default -> out.append(c);
      }
    }
    out.append('\n').append("# TYPE ").append(name).append(' ').append(type).append('\n');
    return this;
  }

  /** A counter family. */
  public PrometheusText counter(String name, String help) {
    return family(name, "counter", help);
  }

  /** A gauge family. */
  public PrometheusText gauge(String name, String help) {
    return family(name, "gauge", help);
  }

  /**
   * One integer sample (counters and most gauges), written exactly.
   *
   * @param labels label names and values, alternating
   */
  public PrometheusText sample(String name, long value, String... labels) {
    labels(name, labels);
    out.append(value).append('\n');
    return this;
  }

  /**
   * One sample.
   *
   * @param labels label names and values, alternating
   */
  public PrometheusText sample(String name, double value, String... labels) {
    labels(name, labels);
    if (value == Math.rint(value) && Math.abs(value) < 1e15) {
      out.append((long) value);
    } else if (Double.isInfinite(value)) {
      out.append(value > 0 ? "+Inf" : "-Inf");
    } else {
      out.append(value);
    }
    out.append('\n');
    return this;
  }

  private void labels(String name, String... labels) {
    if (labels.length % 2 != 0) {
      throw new IllegalArgumentException("labels come in name/value pairs: " + labels.length);
    }
    out.append(name);
    if (labels.length > 0) {
      out.append('{');
      for (int i = 0; i < labels.length; i += 2) {
        if (i > 0) {
          out.append(',');
        }
        out.append(labels[i]).append("=\"");
        escapeLabel(labels[i + 1]);
        out.append('"');
      }
      out.append('}');
    }
    out.append(' ');
  }

  private void escapeLabel(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '"' -> out.append("\\\"");
        case '\n' -> out.append("\\n");
        default -> out.append(c);
      }
    }
  }

  /** The exposition so far. */
  @Override
  public String toString() {
    return out.toString();
  }
}
