package io.jraid.cli;

import java.io.PrintWriter;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jraid check|repair [ARRAY]}: md's {@code sync_action} check and repair. */
final class SyncCommand {

  private SyncCommand() {}

  /** Starts {@code action} on the array, and with {@code wait} follows it to the end. */
  static int run(
      picocli.CommandLine.Model.CommandSpec spec,
      @Nullable String which,
      String action,
      boolean wait)
      throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    RunRegistry.Entry entry = RunRegistry.standard().find(which);
    ControlClient client = new ControlClient(entry);
    client.post("/sync?action=" + action);
    out.println("jraid: " + action + " started on " + entry.device());
    if (!wait) {
      out.println("jraid: follow it with jraid status; the result shows in jraid detail --json");
      return 0;
    }
    Properties end = SyncWatch.await(client, out, action);
    long mismatches = Long.parseLong(end.getProperty("mismatch_sectors", "0"));
    boolean done = Boolean.parseBoolean(end.getProperty("completed"));
    out.println(
        "jraid: "
            + action
            + (done ? " finished" : " stopped at sector " + end.getProperty("position_sectors"))
            + ": mismatch_cnt "
            + mismatches
            + (mismatches == 0
                ? ""
                : action.equals("check")
                    ? " (where: jraid detail --json, events; fix with jraid repair)"
                    : " (rewritten; see jraid detail --json, events)"));
    return !done ? Main.PROBLEM : action.equals("check") && mismatches > 0 ? Main.PROBLEM : 0;
  }

  @Command(
      name = "check",
      mixinStandardHelpOptions = true,
      description = {
        "Reads the whole array and counts the stripes whose parity does not match their data"
            + " (md's check; mismatch_cnt in sectors), writing nothing. Exit code 1 when"
            + " mismatches were found."
      })
  static final class Check implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "ARRAY", description = "The array's device or name.")
    @Nullable String which;

    @Option(names = "--wait", description = "Follow the check to its end, showing progress.")
    boolean await;

    @Override
    public Integer call() throws Exception {
      return run(spec, which, "check", await);
    }
  }

  @Command(
      name = "repair",
      mixinStandardHelpOptions = true,
      description = {
        "Like check, and rewrites what does not match: RAID-5 parity as md does; on RAID-6 the"
            + " one bad block the P and Q syndromes point to, else P and Q."
      })
  static final class Repair implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "ARRAY", description = "The array's device or name.")
    @Nullable String which;

    @Option(names = "--wait", description = "Follow the repair to its end, showing progress.")
    boolean await;

    @Override
    public Integer call() throws Exception {
      return run(spec, which, "repair", await);
    }
  }
}
