package io.jraid.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code jraid} command: an mdadm-like command line for jraid arrays.
 *
 * <p>Exit codes: 0 success; 1 the command ran and found a problem (e.g. an implementation failed
 * its check); 2 bad usage (unknown option, malformed value); 3 the command could not run here (e.g.
 * a required library is missing).
 */
@Command(
    name = "jraid",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "User-space software RAID-4/5/6, compatible with Linux md.",
    subcommands = {
      BenchCommand.class,
      ExamineCommand.class,
      AssembleCommand.class,
      CreateCommand.class,
      ServeCommand.class,
      StatusCommand.class,
      DetailCommand.class,
      StopCommand.class,
      ManageCommand.class,
      SyncCommand.Check.class,
      SyncCommand.Repair.class,
      QuickstartCommand.class,
      CatCommand.class,
      CommandLine.HelpCommand.class
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:success",
      "1:the command ran and found a problem",
      "2:bad usage",
      "3:the command cannot run on this machine"
    })
public final class Main implements Runnable {

  /** Exit code: the command ran and found a problem. */
  static final int PROBLEM = 1;

  /** Exit code: the command cannot run here. */
  static final int CANNOT_RUN = 3;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "name a command (see --help)");
  }

  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, UTF_8), true);
    PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, UTF_8), true);
    System.exit(execute(out, err, args));
  }

  /** Runs the command line, printing to the given writers; returns the exit code. */
  static int execute(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(out);
    cli.setErr(err);
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      // One line that says what is wrong; the stack trace only helps us, not the user.
      commandLine.getErr().println("jraid: " + e.getMessage());
      return e instanceof IllegalArgumentException ? CommandLine.ExitCode.USAGE : CANNOT_RUN;
    });
    return cli.execute(args);
  }

  /** The version from the jar's manifest, when there is one. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"jraid " + (v == null ? "(development build)" : v)};
    }
  }
}
