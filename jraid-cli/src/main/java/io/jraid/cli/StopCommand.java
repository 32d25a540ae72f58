package io.jraid.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jraid stop [ARRAY]}: stops a running array cleanly and waits until it has. */
@Command(
    name = "stop",
    aliases = "-S",
    mixinStandardHelpOptions = true,
    description = {
      "Stops a running array: the NBD server finishes the requests it has, the array drains and"
          + " flushes, the superblocks are marked clean. ARRAY is its device (jraid0) or name; it"
          + " may be left out when one array runs."
    })
final class StopCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--timeout",
      defaultValue = "120",
      description = "Seconds to wait for the array to stop (default ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  @Parameters(arity = "0..1", paramLabel = "ARRAY", description = "The array's device or name.")
  @Nullable String which;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    RunRegistry registry = RunRegistry.standard();
    RunRegistry.Entry entry = registry.find(which);
    new ControlClient(entry).post("/stop");
    long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
    while (entry.alive() && registry.list().stream().anyMatch(e -> e.equals(entry))) {
      if (System.nanoTime() > deadline) {
        spec.commandLine()
            .getErr()
            .println(
                "jraid: "
                    + entry.device()
                    + " (pid "
                    + entry.pid()
                    + ") did not stop within "
                    + timeoutSeconds
                    + " s; it may still be flushing: look with jraid status");
        return Main.PROBLEM;
      }
      Thread.sleep(50);
    }
    out.println("jraid: stopped " + entry.device());
    return 0;
  }
}
