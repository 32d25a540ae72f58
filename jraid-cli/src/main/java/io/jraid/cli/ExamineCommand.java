package io.jraid.cli;

import io.jraid.array.Member;
import io.jraid.array.MemberReader;
import io.jraid.format.FormatException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jraid examine MEMBER...}: prints each member's md superblock the way {@code mdadm
 * --examine} does (same fields, same values), or as JSON. Reads only.
 */
@Command(
    name = "examine",
    aliases = "-E",
    mixinStandardHelpOptions = true,
    description = {
      "Print the md superblock of each member as mdadm --examine does. Nothing is written.",
      "Exit code 1 if a member has no valid superblock (the error says why)."
    })
final class ExamineCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--json", description = "Print JSON: one object per member.")
  boolean json;

  @Option(
      names = "--homehost",
      paramLabel = "NAME",
      description = "Host name the array names are compared with (default: this host's name).")
  @Nullable String homehost;

  @Parameters(arity = "1..*", paramLabel = "MEMBER", description = "Member files or devices.")
  List<Path> members;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String host = homehost != null ? homehost : systemHostName();
    ZoneId zone = ZoneId.systemDefault();
    List<Object> reports = new ArrayList<>();
    int status = 0;
    for (Path path : members) {
      try {
        Member m = MemberReader.read(path);
        ExamineReport.Member report =
            new ExamineReport.Member(
                path.toString(), m.superblock(), m.deviceSectors(), m.bitmap(), m.badBlocks());
        if (json) {
          reports.add(ExamineReport.json(report, host, zone));
        } else {
          out.print(ExamineReport.text(report, host, zone));
        }
      } catch (FormatException | IOException e) {
        err.println("jraid: " + e.getMessage());
        if (json) {
          Map<String, Object> failed = new LinkedHashMap<>();
          failed.put("path", path.toString());
          failed.put("error", e.getMessage());
          reports.add(failed);
        }
        status = Main.PROBLEM;
      }
    }
    if (json) {
      out.println(Json.write(reports));
    }
    out.flush();
    return status;
  }

  /** What {@code gethostname()} answers, as mdadm uses it when no HOMEHOST is configured. */
  static @Nullable String systemHostName() {
    try {
      Path proc = Path.of("/proc/sys/kernel/hostname");
      return Files.exists(proc) ? Files.readString(proc, StandardCharsets.UTF_8).trim() : null;
    } catch (IOException e) {
      return null;
    }
  }
}
