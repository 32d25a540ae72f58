package io.jraid.cli;

import io.jraid.array.AssemblyDecision;
import io.jraid.array.AssemblyException;
import io.jraid.array.AssemblyPlanner;
import io.jraid.array.Member;
import io.jraid.array.MemberReader;
import io.jraid.format.FormatException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Reading the members named on a command line and deciding how they assemble, for commands. */
final class Assembly {

  private Assembly() {}

  /**
   * The decision for {@code paths}, or null after printing to {@code err} why there is none (a
   * member without a valid superblock, members that cannot be one array).
   *
   * @param withoutIt what leaving an unusable member out would let the user do ("assemble without
   *     it")
   */
  static @Nullable AssemblyDecision decide(List<Path> paths, PrintWriter err, String withoutIt) {
    List<Member> members = new ArrayList<>();
    for (Path path : paths) {
      try {
        members.add(MemberReader.read(path));
      } catch (FormatException | IOException e) {
        err.println("jraid: " + e.getMessage());
        err.println("jraid: leave " + path + " out to " + withoutIt);
        return null;
      }
    }
    try {
      return AssemblyPlanner.plan(members);
    } catch (AssemblyException e) {
      err.println("jraid: " + e.getMessage());
      return null;
    }
  }
}
