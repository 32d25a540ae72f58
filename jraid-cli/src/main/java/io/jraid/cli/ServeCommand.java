package io.jraid.cli;

import io.jraid.array.AssemblyDecision;
import io.jraid.nbd.NbdServer;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jraid serve MEMBER...}: assembles the array its members make (as {@code mdadm --assemble}
 * would decide), runs it in this process and exports it over NBD until Ctrl-C or {@code jraid
 * stop}. Also {@code jraid assemble --serve}.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Assemble the array the given members make, run it and serve it over NBD (on 127.0.0.1 by"
          + " default) until Ctrl-C or `jraid stop`: then the server finishes what clients sent,"
          + " the array flushes and its superblocks are marked clean.",
      "A dirty array resyncs in the background (writes above the resync point recompute parity);"
          + " a degraded one runs degraded. Exit code 1 if the members do not make a runnable"
          + " array."
    })
final class ServeCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @CommandLine.Mixin Options options = new Options();

  @Parameters(arity = "1..*", paramLabel = "MEMBER", description = "Member files or devices.")
  List<Path> paths;

  /** The serving options, shared with {@code assemble --serve} and {@code quickstart}. */
  static final class Options {
    @Option(
        names = {"-o", "--readonly"},
        description = "Run the array read-only (no resync, writes refused).")
    boolean readOnly;

    @Option(
        names = "--listen",
        paramLabel = "HOST:PORT",
        defaultValue = "127.0.0.1:" + NbdServer.DEFAULT_PORT,
        description = "Where the NBD server listens (default ${DEFAULT-VALUE}).")
    String listen = "127.0.0.1:" + NbdServer.DEFAULT_PORT;

    @Option(
        names = "--export-name",
        paramLabel = "NAME",
        description = "The NBD export's name (default: the array's name); it is also the default.")
    @Nullable String exportName;

    @Option(
        names = "--control",
        paramLabel = "HOST:PORT",
        defaultValue = "127.0.0.1:0",
        description =
            "Where the control endpoint (status, detail, stop, /metrics) listens (default"
                + " ${DEFAULT-VALUE}: any free port, recorded in the run directory).")
    String control = "127.0.0.1:0";
  }

  @Override
  public Integer call() throws Exception {
    return serve(spec, options, paths);
  }

  /** Assembles {@code paths} and serves the array until stopped. */
  static int serve(CommandLine.Model.CommandSpec spec, Options options, List<Path> paths)
      throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    InetSocketAddress listen = address(spec, "--listen", options.listen);
    InetSocketAddress control = address(spec, "--control", options.control);
    AssemblyDecision decision = Assembly.decide(paths, err, "assemble without it");
    if (decision == null) {
      return Main.PROBLEM;
    }
    if (!decision.verdict().runnable()) {
      err.println("jraid: these members do not make a runnable array: " + decision.reason());
      err.println("jraid: see jraid assemble --dry-run for each member's state");
      return Main.PROBLEM;
    }
    for (String note : decision.notes()) {
      out.println("jraid: note: " + note);
    }
    for (AssemblyDecision.Excluded e : decision.excluded()) {
      out.println("jraid: left out " + e.member().path() + ": " + e.reason());
    }
    ArrayService service;
    try {
      service =
          ArrayService.start(
              decision,
              options.readOnly,
              listen,
              options.exportName,
              control,
              RunRegistry.standard());
    } catch (java.net.BindException e) {
      err.println(
          "jraid: cannot listen on "
              + options.listen
              + " or "
              + options.control
              + ": "
              + e.getMessage()
              + " (another server there? choose another with --listen HOST:PORT)");
      return Main.CANNOT_RUN;
    }
    Thread hook =
        Thread.ofPlatform()
            .unstarted(() -> {
              service.requestStop();
              try {
                service.stop(); // Ctrl-C: stop cleanly before the JVM exits
              } catch (java.io.IOException e) {
                System.err.println("jraid: stopping " + service.device() + ": " + e.getMessage());
              }
            });
    Runtime.getRuntime().addShutdownHook(hook);
    service.describe(out);
    service.runUntilStopped();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is already shutting down: the hook is running the stop
    }
    out.println("jraid: " + service.device() + " stopped; superblocks marked clean");
    out.flush();
    return 0;
  }

  static InetSocketAddress address(CommandLine.Model.CommandSpec spec, String option, String text) {
    int colon = text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), option + " " + text + ": expected HOST:PORT, e.g. 127.0.0.1:10809");
    }
    String host = text.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(text.substring(colon + 1));
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < 0 || port > 65535) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), option + " " + text + ": the port must be 0..65535");
    }
    return new InetSocketAddress(host, port);
  }
}
