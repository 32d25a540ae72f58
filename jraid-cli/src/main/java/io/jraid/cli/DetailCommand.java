package io.jraid.cli;

import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jraid detail [ARRAY]}: what {@code mdadm --detail} shows, from the running server. */
@Command(
    name = "detail",
    aliases = "-D",
    mixinStandardHelpOptions = true,
    description = {
      "Shows a running array as mdadm --detail does. ARRAY is its device (jraid0) or name; it may"
          + " be left out when one array runs."
    })
final class DetailCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--json", description = "Print the details as JSON.")
  boolean json;

  @Parameters(arity = "0..1", paramLabel = "ARRAY", description = "The array's device or name.")
  @Nullable String which;

  @Override
  public Integer call() throws Exception {
    RunRegistry.Entry entry = RunRegistry.standard().find(which);
    String body = new ControlClient(entry).get(json ? "/detail.json" : "/detail");
    spec.commandLine().getOut().print(body);
    spec.commandLine().getOut().flush();
    return 0;
  }
}
