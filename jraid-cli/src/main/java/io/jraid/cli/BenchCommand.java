package io.jraid.cli;

import io.jraid.parity.IsalKernels;
import io.jraid.parity.ParityBench;
import io.jraid.parity.ParityBench.Kernel;
import io.jraid.parity.ParityBench.Plan;
import io.jraid.parity.ParityBench.Result;
import io.jraid.parity.ParityKernels;
import io.jraid.parity.ParitySelection;
import io.jraid.parity.VectorKernels;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jraid bench}: times every parity implementation on this machine, after checking each
 * against the scalar reference, and says which one jraid uses — what Linux prints at boot for its
 * raid6 and xor routines.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Time each parity implementation (scalar, Vector API, ISA-L when present) on this machine,",
      "after checking it against the scalar reference, and show which one jraid uses.",
      "Figures are GB/s of data processed (k blocks per operation), the median of interleaved"
          + " rounds."
    })
final class BenchCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--json", description = "Print the results as JSON.")
  boolean json;

  @Option(
      names = {"-k", "--data-blocks"},
      split = ",",
      paramLabel = "K",
      description = "Data blocks per stripe (default: ${DEFAULT-VALUE}).",
      defaultValue = "4,10")
  List<Integer> ks;

  @Option(
      names = {"-b", "--block-size"},
      split = ",",
      paramLabel = "SIZE",
      converter = Sizes.Converter.class,
      description = "Block sizes, e.g. 4K,64K,1M (default: ${DEFAULT-VALUE}).",
      defaultValue = "4K,64K,1M")
  List<Integer> blockSizes;

  @Option(
      names = "--kernel",
      split = ",",
      paramLabel = "NAME",
      description =
          "Kernels to time: xor_gen, pq_gen, pq_validate, recov_2data, recov_datap"
              + " (default: all).")
  List<String> kernelNames;

  @Option(
      names = "--impl",
      split = ",",
      paramLabel = "NAME",
      description = "Implementations to time: scalar, vector, isal (default: all that run here).")
  List<String> implNames;

  @Option(
      names = "--rounds",
      description = "Interleaved rounds per configuration (default: ${DEFAULT-VALUE}).",
      defaultValue = "5")
  int rounds;

  @Option(
      names = "--slice-ms",
      description = "Milliseconds each implementation runs per round (default: ${DEFAULT-VALUE}).",
      defaultValue = "20")
  int sliceMillis;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    ParityKernels selected = ParitySelection.selected();
    List<ParityKernels> impls = implementations();
    Plan plan = new Plan(kernels(), ks, blockSizes, impls, rounds, sliceMillis * 1_000_000L);
    if (!json) {
      out.printf(
          Locale.ROOT,
          "jraid bench: %d cores, Vector API %d-bit, ISA-L %s%n",
          Runtime.getRuntime().availableProcessors(),
          VectorKernels.vectorBits(),
          IsalKernels.load().isPresent()
              ? "loaded"
              : "not loaded (" + IsalKernels.loadFailure() + ")");
      out.println("each implementation is checked against the scalar reference, then timed;");
      out.println("GB/s of data processed, median of interleaved rounds");
      out.println();
      StringBuilder header =
          new StringBuilder(String.format(Locale.ROOT, "%-12s %3s %7s", "kernel", "k", "block"));
      for (ParityKernels impl : impls) {
        header.append(String.format(Locale.ROOT, " %9s", impl.name()));
      }
      out.println(header);
    }
    List<Result> row = new ArrayList<>();
    List<Result> results =
        ParityBench.run(
            plan,
            r -> {
              row.add(r);
              if (row.size() == impls.size()) {
                if (!json) {
                  out.println(line(row));
                }
                row.clear();
              }
            });
    boolean allVerified = results.stream().allMatch(Result::verified);
    if (json) {
      out.println(ParityBench.toJson(results));
    } else {
      out.println();
      out.printf(Locale.ROOT, "selected: %s (%s)%n", selected.name(), ParitySelection.reason());
      if (!allVerified) {
        out.println(
            "FAILED: an implementation gave different bytes from the scalar reference;"
                + " it is marked FAILED above and must not be used");
      }
    }
    return allVerified ? 0 : Main.PROBLEM;
  }

  private static String line(List<Result> row) {
    Result first = row.get(0);
    StringBuilder s =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "%-12s %3d %7s",
                first.kernel().label(),
                first.k(),
                ParityBench.size(first.blockBytes())));
    for (Result r : row) {
      s.append(
          r.verified()
              ? String.format(Locale.ROOT, " %9.2f", r.gbPerSec())
              : String.format(Locale.ROOT, " %9s", "FAILED"));
    }
    return s.toString();
  }

  private List<Kernel> kernels() {
    if (kernelNames == null || kernelNames.isEmpty()) {
      return List.of(Kernel.values());
    }
    List<Kernel> list = new ArrayList<>();
    for (String name : kernelNames) {
      Kernel match = null;
      for (Kernel k : Kernel.values()) {
        if (k.label().equalsIgnoreCase(name.strip())) {
          match = k;
        }
      }
      if (match == null) {
        throw new CommandLine.ParameterException(
            spec.commandLine(),
            "unknown kernel '"
                + name
                + "' (use xor_gen, pq_gen, pq_validate, recov_2data or recov_datap)");
      }
      list.add(match);
    }
    return list;
  }

  private List<ParityKernels> implementations() {
    if (implNames == null || implNames.isEmpty()) {
      return ParitySelection.available();
    }
    List<ParityKernels> list = new ArrayList<>();
    for (String name : implNames) {
      list.add(ParitySelection.byName(name.strip()));
    }
    return list;
  }
}
