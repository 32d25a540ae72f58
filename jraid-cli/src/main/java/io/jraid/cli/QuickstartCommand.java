package io.jraid.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jraid quickstart}: a RAID-6 of six sparse member files under {@code ./jraid-data/},
 * created on first use and reused after, served over NBD, with the commands to use it.
 */
@Command(
    name = "quickstart",
    mixinStandardHelpOptions = true,
    description = {
      "Create (first time) or reuse a RAID-6 of 6 sparse member files under ./jraid-data/, serve"
          + " it over NBD on 127.0.0.1 and print how to use it. Ctrl-C or `jraid stop` stops it"
          + " cleanly; run it again to get the same array and data back."
    })
final class QuickstartCommand implements Callable<Integer> {

  static final int MEMBERS = 6;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--dir",
      defaultValue = "jraid-data",
      description = "Where the member files live (default ./${DEFAULT-VALUE}).")
  Path dir;

  @Option(
      names = "--member-size",
      defaultValue = "1G",
      paramLabel = "SIZE",
      description =
          "Size of each (sparse) member file when created (default ${DEFAULT-VALUE}: a 4 GiB"
              + " array).")
  String memberSize;

  @CommandLine.Mixin ServeCommand.Options options = new ServeCommand.Options();

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    List<Path> members = new ArrayList<>();
    for (int i = 0; i < MEMBERS; i++) {
      members.add(dir.resolve("member" + i + ".img"));
    }
    long existing = members.stream().filter(Files::exists).count();
    if (existing == 0) {
      long size = Sizes.parse(memberSize);
      if (size < (16L << 20)) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--member-size " + memberSize + ": at least 16M");
      }
      Files.createDirectories(dir);
      for (Path p : members) {
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
          f.setLength(size); // sparse: costs nothing until written
        }
      }
      List<String> args =
          new ArrayList<>(
              List.of(
                  "--level",
                  "6",
                  "--raid-devices",
                  Integer.toString(MEMBERS),
                  "--name",
                  "quickstart"));
      for (Path p : members) {
        args.add(p.toString());
      }
      CommandLine create = new CommandLine(new CreateCommand());
      create.setOut(out);
      create.setErr(spec.commandLine().getErr());
      int code = create.execute(args.toArray(String[]::new));
      if (code != 0) {
        return code;
      }
    } else if (existing != MEMBERS) {
      spec.commandLine()
          .getErr()
          .println(
              "jraid: "
                  + dir
                  + " holds "
                  + existing
                  + " of the "
                  + MEMBERS
                  + " member files (member0.img … member5.img): serve them with jraid serve, or"
                  + " move the directory away to start afresh");
      return Main.PROBLEM;
    } else {
      out.println("jraid: reusing the array in " + dir);
    }
    printHowTo(out);
    return ServeCommand.serve(spec, options, members);
  }

  private void printHowTo(PrintWriter out) throws IOException {
    String uri = "nbd://" + options.listen;
    out.println();
    out.println("Use it from another terminal:");
    out.println("  nbdinfo " + uri + "                          # size, flags, block sizes");
    out.println("  qemu-img convert -p -n -O raw disk.img " + uri + "   # copy an image in");
    out.println("  nbdcopy " + uri + " copy.img                  # copy everything out");
    out.println("  nbdfuse mnt/ " + uri + " &                    # the array as the file mnt/nbd");
    out.println(
        "  sudo nbd-client 127.0.0.1 "
            + options.listen.substring(options.listen.lastIndexOf(':') + 1)
            + " /dev/nbd0   # a kernel block device for mkfs");
    out.println("  ./jraid status ; ./jraid detail ; ./jraid stop");
    out.println();
    out.flush();
  }
}
