package io.jraid.cli;

import io.jraid.array.AssemblyDecision;
import io.jraid.array.AssemblyDecision.Excluded;
import io.jraid.array.AssemblyDecision.Slot;
import io.jraid.array.Member;
import io.jraid.format.Superblock1;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jraid assemble --dry-run MEMBER...}: reads every member's superblock and says what
 * assembling them would do — clean and complete, needs a resync, degraded but runnable, or not
 * runnable, with the reason, and which member takes which slot. Writes nothing.
 */
@Command(
    name = "assemble",
    aliases = "-A",
    mixinStandardHelpOptions = true,
    description = {
      "Decide how the given members assemble into an array, as mdadm --assemble would: with"
          + " --dry-run print the decision and write nothing; with --serve run the array and serve"
          + " it over NBD (as jraid serve).",
      "Exit code 0 if the array could run, 1 if it could not or a member is unusable."
    })
final class AssembleCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = {"-n", "--dry-run"},
      description = "Only decide and print; write nothing.")
  boolean dryRun;

  @Option(
      names = "--serve",
      description = "Run the array and serve it over NBD (as jraid serve does).")
  boolean serve;

  @CommandLine.Mixin ServeCommand.Options serveOptions = new ServeCommand.Options();

  @Option(names = "--json", description = "Print the decision as JSON.")
  boolean json;

  @Parameters(arity = "1..*", paramLabel = "MEMBER", description = "Member files or devices.")
  List<Path> paths;

  @Override
  public Integer call() throws Exception {
    if (dryRun == serve) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "say --dry-run to only decide, or --serve to run the array and serve it over NBD");
    }
    if (serve) {
      return ServeCommand.serve(spec, serveOptions, paths);
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    AssemblyDecision decision = Assembly.decide(paths, err, "assemble without it");
    if (decision == null) {
      return Main.PROBLEM;
    }
    out.print(json ? Json.write(toJson(decision)) + "\n" : text(decision));
    out.flush();
    return decision.verdict().runnable() ? 0 : Main.PROBLEM;
  }

  /** The decision for people. */
  static String text(AssemblyDecision d) {
    Superblock1 sb = d.freshest();
    StringBuilder out = new StringBuilder();
    out.append("array ")
        .append(sb.setUuid())
        .append(" (")
        .append(sb.displayName())
        .append("): ")
        .append(describeGeometry(d))
        .append('\n');
    out.append("decision: ").append(d.verdict()).append(" - ").append(d.reason()).append('\n');
    int width = 0;
    for (Slot s : d.slots()) {
      width = Math.max(width, s.member() == null ? 1 : s.member().path().length());
    }
    for (Slot s : d.slots()) {
      String who = s.member() == null ? "-" : s.member().path();
      out.append(String.format("  slot %-3d %-" + width + "s  ", s.role(), who));
      out.append(
          switch (s.state()) {
            case IN_SYNC -> "in sync (events " + s.member().events() + ")";
            case REBUILDING ->
                "rebuilding, done up to member sector " + Long.toUnsignedString(s.recoveryOffset());
            case MISSING -> "missing";
          });
      out.append('\n');
    }
    for (Member m : d.spares()) {
      out.append("  spare    ")
          .append(m.path())
          .append(" (events ")
          .append(m.events())
          .append(")\n");
    }
    for (AssemblyDecision.Replacement r : d.replacements()) {
      out.append("  replacing slot ")
          .append(r.role())
          .append(": ")
          .append(r.member().path())
          .append(" (copied up to member sector ")
          .append(r.copiedBelow())
          .append(", resumes)\n");
    }
    for (Excluded e : d.excluded()) {
      out.append("  left out ")
          .append(e.member().path())
          .append(": ")
          .append(e.reason())
          .append('\n');
    }
    for (String note : d.notes()) {
      out.append("  note: ").append(note).append('\n');
    }
    out.append("dry run: nothing was written\n");
    return out.toString();
  }

  private static String describeGeometry(AssemblyDecision d) {
    Superblock1 sb = d.freshest();
    String layout = d.layoutName().isEmpty() ? "" : ", " + d.layoutName();
    return "raid"
        + sb.level()
        + layout
        + ", "
        + sb.raidDisks()
        + " devices, chunk "
        + sb.chunkSectors() / 2
        + "K, "
        + sb.size() / 2 * Math.max(sb.dataDisks(), 0)
        + " KiB, events "
        + sb.events();
  }

  static Map<String, Object> toJson(AssemblyDecision d) {
    Superblock1 sb = d.freshest();
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("uuid", sb.setUuid().toString());
    json.put("name", sb.displayName());
    json.put("level", sb.level());
    json.put("layout", sb.layout());
    json.put("layoutName", d.layoutName());
    json.put("raidDevices", sb.raidDisks());
    json.put("chunkSectors", sb.chunkSectors());
    json.put("events", sb.events());
    json.put("verdict", d.verdict().name());
    json.put("runnable", d.verdict().runnable());
    json.put("reason", d.reason());
    List<Object> slots = new ArrayList<>();
    for (Slot s : d.slots()) {
      Map<String, Object> slot = new LinkedHashMap<>();
      slot.put("role", s.role());
      slot.put("member", s.member() == null ? null : s.member().path());
      slot.put("state", s.state().name());
      if (s.member() != null) {
        slot.put("events", s.member().events());
      }
      if (s.state() == AssemblyDecision.SlotState.REBUILDING) {
        slot.put("recoveryOffset", s.recoveryOffset());
      }
      slots.add(slot);
    }
    json.put("slots", slots);
    json.put("spares", d.spares().stream().map(Member::path).toList());
    List<Object> replacing = new ArrayList<>();
    for (AssemblyDecision.Replacement r : d.replacements()) {
      replacing.add(
          Map.of("slot", r.role(), "member", r.member().path(), "copiedBelow", r.copiedBelow()));
    }
    json.put("replacements", replacing);
    List<Object> excluded = new ArrayList<>();
    for (Excluded e : d.excluded()) {
      excluded.add(Map.of("member", e.member().path(), "reason", e.reason()));
    }
    json.put("excluded", excluded);
    json.put("notes", d.notes());
    return json;
  }
}
