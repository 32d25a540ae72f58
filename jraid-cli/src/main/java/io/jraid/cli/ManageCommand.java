package io.jraid.cli;

import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jraid manage [ARRAY] --fail DEV --remove DEV --add DEV}: mdadm's {@code --manage} on a
 * running array, through its control endpoint.
 */
@Command(
    name = "manage",
    mixinStandardHelpOptions = true,
    description = {
      "Changes the members of a running array, as mdadm --manage does. Operations run in this"
          + " order: --fail, --remove, --add, --replace. A device added to a degraded array takes a free"
          + " slot and is rebuilt while the array serves I/O; added to a complete array it waits"
          + " as a hot spare. ARRAY is the array's device (jraid0) or name; it may be left out"
          + " when one array runs."
    })
final class ManageCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(arity = "0..1", paramLabel = "ARRAY", description = "The array's device or name.")
  @Nullable String which;

  @Option(
      names = {"-f", "--fail"},
      paramLabel = "DEVICE",
      description = "Mark the member faulty (refused if the array would lose data).")
  List<String> fail = new ArrayList<>();

  @Option(
      names = {"-r", "--remove"},
      paramLabel = "DEVICE",
      description = "Take a faulty member or a spare out of the array.")
  List<String> remove = new ArrayList<>();

  @Option(
      names = {"-a", "--add"},
      paramLabel = "DEVICE",
      description = "Add the device as a spare (its old contents are overwritten).")
  List<Path> add = new ArrayList<>();

  @Option(
      names = "--replace",
      paramLabel = "DEVICE",
      description =
          "Copy the member onto a spare while it keeps serving, then swap them (the member is"
              + " marked faulty): redundancy never drops.")
  List<String> replace = new ArrayList<>();

  @Option(
      names = "--with",
      paramLabel = "SPARE",
      description = "With --replace: the spare to copy onto (default: any spare).")
  @Nullable String with;

  @Option(
      names = "--force",
      description = "With --add: overwrite a device that holds a member of another array.")
  boolean force;

  @Option(names = "--wait", description = "Wait for the rebuild this starts, showing its progress.")
  boolean await;

  @Override
  public Integer call() throws Exception {
    if (fail.isEmpty() && remove.isEmpty() && add.isEmpty() && replace.isEmpty()) {
      throw new IllegalArgumentException(
          "nothing to do: give --fail, --remove, --add or --replace");
    }
    PrintWriter out = spec.commandLine().getOut();
    RunRegistry.Entry entry = RunRegistry.standard().find(which);
    ControlClient client = new ControlClient(entry);
    for (String d : fail) {
      client.post("/manage?op=fail&device=" + encode(absolute(d)));
      out.println("jraid: set " + d + " faulty in " + entry.device());
    }
    for (String d : remove) {
      client.post("/manage?op=remove&device=" + encode(absolute(d)));
      out.println("jraid: removed " + d + " from " + entry.device());
    }
    for (Path d : add) {
      client.post(
          "/manage?op=add&device="
              + encode(d.toAbsolutePath().toString())
              + (force ? "&force=1" : ""));
      out.println("jraid: added " + d + " to " + entry.device());
    }
    for (String d : replace) {
      client.post(
          "/manage?op=replace&device="
              + encode(absolute(d))
              + (with == null ? "" : "&with=" + encode(absolute(with))));
      out.println("jraid: replacing " + d + " in " + entry.device());
    }
    if (await) {
      Properties end = SyncWatch.await(client, out, "recovery");
      if ("recovery".equals(end.getProperty("action"))) {
        boolean done = Boolean.parseBoolean(end.getProperty("completed"));
        out.println(
            "jraid: recovery "
                + (done ? "finished" : "stopped: " + end.getProperty("stopped_because", "")));
        return done ? 0 : Main.PROBLEM;
      }
    }
    return 0;
  }

  /** Members are named by the path the server opened; a relative path means this directory. */
  private static String absolute(String device) {
    Path p = Path.of(device);
    return java.nio.file.Files.exists(p) ? p.toAbsolutePath().toString() : device;
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
