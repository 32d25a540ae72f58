package io.jraid.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jraid status}: {@code /proc/mdstat} for the arrays this user runs. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = {
      "Shows the running arrays as /proc/mdstat does: members, state, and the progress of a"
          + " resync, check or repair."
    })
final class StatusCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--json", description = "Print each array's details as JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    RunRegistry registry = RunRegistry.standard();
    List<RunRegistry.Entry> running = registry.list();
    int exit = 0;
    if (json) {
      List<Object> arrays = new ArrayList<>();
      for (RunRegistry.Entry entry : running) {
        try {
          arrays.add(new Json.Raw(new ControlClient(entry).get("/detail.json").strip()));
        } catch (java.io.IOException e) {
          err.println("jraid: " + e.getMessage());
          exit = Main.PROBLEM;
        }
      }
      Map<String, Object> all = new LinkedHashMap<>();
      all.put("arrays", arrays);
      out.println(Json.write(all));
      return exit;
    }
    out.println("Personalities : [raid6] [raid5] [raid4] ");
    for (RunRegistry.Entry entry : running) {
      try {
        out.print(new ControlClient(entry).get("/mdstat"));
        out.println();
      } catch (java.io.IOException e) {
        err.println("jraid: " + e.getMessage());
        exit = Main.PROBLEM;
      }
    }
    out.println("unused devices: <none>");
    return exit;
  }
}
