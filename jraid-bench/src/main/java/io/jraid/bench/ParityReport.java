package io.jraid.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@link ParityBenchmark} and {@link CopyBenchmark} (any JMH options may be given, e.g. {@code
 * -f 3 -p k=4 -prof gc}, or a benchmark regex) and prints each result as GB/s of data processed —
 * the median over forks — with its ratio to ISA-L and to the memory copy of the same size in the
 * same run.
 *
 * <p>Started by {@code ./jraid jmh}.
 */
public final class ParityReport {

  private ParityReport() {}

  /** One benchmark result, reduced to what the table needs. */
  record Row(
      String kernel,
      String impl,
      int k,
      int blockBytes,
      double gbPerSec,
      double spread,
      double allocBytesPerOp) {}

  public static void main(String[] args) throws RunnerException, CommandLineOptionException {
    CommandLineOptions cli = new CommandLineOptions(args);
    OptionsBuilder builder = new OptionsBuilder();
    builder.parent(cli).jvmArgsPrepend(jvmFlags());
    if (cli.getIncludes().isEmpty()) {
      builder
          .include(ParityBenchmark.class.getSimpleName())
          .include(CopyBenchmark.class.getSimpleName());
    }
    Options options = builder.build();
    Collection<RunResult> results = new Runner(options).run();
    List<Row> rows = new ArrayList<>();
    for (RunResult r : results) {
      // Only the parity benchmarks fit the GB/s table; others (ArrayBenchmark) keep JMH's summary.
      if (r.getParams().getParam("k") != null && r.getParams().getParam("blockBytes") != null) {
        rows.add(row(r));
      }
    }
    if (!rows.isEmpty()) {
      print(rows);
    }
  }

  /**
   * The JVM flags every jraid JVM needs, as the root pom declares them (filtered into this jar), so
   * that the forks get them however the report is started.
   */
  static String[] jvmFlags() {
    try (InputStream in = ParityReport.class.getResourceAsStream("jvm.flags")) {
      if (in == null) {
        throw new IllegalStateException("jvm.flags is missing from the benchmarks jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip().split("\\s+");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Row row(RunResult r) {
    var params = r.getParams();
    String name = params.getBenchmark();
    String kernel = name.substring(name.lastIndexOf('.') + 1);
    int k = Integer.parseInt(params.getParam("k"));
    int blockBytes = Integer.parseInt(params.getParam("blockBytes"));
    double bytesPerOp = (double) k * blockBytes;
    List<Double> forkScores = new ArrayList<>();
    for (BenchmarkResult fork : r.getBenchmarkResults()) {
      forkScores.add(fork.getPrimaryResult().getScore());
    }
    forkScores.sort(Comparator.naturalOrder());
    double median = median(forkScores);
    double spread =
        forkScores.size() > 1
            ? (forkScores.get(forkScores.size() - 1) - forkScores.get(0)) / median
            : 0;
    Result<?> alloc = r.getSecondaryResults().get("gc.alloc.rate.norm");
    return new Row(
        kernel,
        params.getParam("impl") == null ? "-" : params.getParam("impl"),
        k,
        blockBytes,
        median * bytesPerOp / 1e9,
        spread,
        alloc == null ? Double.NaN : alloc.getScore());
  }

  static double median(List<Double> sorted) {
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  static void print(List<Row> rows) {
    Map<String, Row> byKey = new HashMap<>();
    for (Row row : rows) {
      byKey.put(key(row.kernel(), row.impl(), row.k(), row.blockBytes()), row);
    }
    rows.sort(
        Comparator.comparing(Row::kernel)
            .thenComparingInt(Row::k)
            .thenComparingInt(Row::blockBytes)
            .thenComparing(Row::impl));
    System.out.printf(
        Locale.ROOT,
        "%n%-16s %-7s %3s %9s %9s %7s %8s %8s %10s%n",
        "kernel",
        "impl",
        "k",
        "block",
        "GB/s",
        "spread",
        "x isal",
        "x copy",
        "alloc B/op");
    for (Row row : rows) {
      Row isal = byKey.get(key(row.kernel(), "isal", row.k(), row.blockBytes()));
      Row copy = byKey.get(key("copy", "-", row.k(), row.blockBytes()));
      System.out.printf(
          Locale.ROOT,
          "%-16s %-7s %3d %9s %9.2f %6.0f%% %8s %8s %10s%n",
          row.kernel(),
          row.impl(),
          row.k(),
          size(row.blockBytes()),
          row.gbPerSec(),
          row.spread() * 100,
          ratio(row, isal),
          ratio(row, copy),
          Double.isNaN(row.allocBytesPerOp())
              ? "-"
              : String.format(Locale.ROOT, "%.1f", row.allocBytesPerOp()));
    }
  }

  private static String ratio(Row row, Row base) {
    return base == null || row.kernel().equals("copy")
        ? "-"
        : String.format(Locale.ROOT, "%.2f", row.gbPerSec() / base.gbPerSec());
  }

  private static String key(String kernel, String impl, int k, int blockBytes) {
    return kernel + "/" + impl + "/" + k + "/" + blockBytes;
  }

  private static String size(int bytes) {
    return bytes >= 1 << 20
        ? (bytes >> 20) + " MiB"
        : bytes >= 1024 ? (bytes >> 10) + " KiB" : bytes + " B";
  }
}
