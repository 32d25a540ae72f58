package io.jraid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jraid.array.MemberReader;
import io.jraid.format.Superblock1;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code jraid create} as a user meets it: what it refuses and how (one line, documented exit
 * codes, nothing written), when it asks, and that {@code --force} and a "y" go ahead. The
 * comparison with mdadm's own view of created members is in {@code LinuxCreateTest}.
 */
class CreateCommandTest {

  /** A terminal that answers {@code answer}, or none when {@code answer} is null. */
  record FakeTerminal(@Nullable String answer, List<String> prompts)
      implements CreateCommand.Terminal {
    FakeTerminal(@Nullable String answer) {
      this(answer, new ArrayList<>());
    }

    @Override
    public boolean interactive() {
      return answer != null;
    }

    @Override
    public @Nullable String readLine(String prompt) {
      prompts.add(prompt);
      return answer;
    }
  }

  /** Runs {@code jraid ARGS} with {@code terminal} standing in for the console. */
  static CliRun run(CreateCommand.Terminal terminal, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new Main());
    ((CreateCommand) cli.getSubcommands().get("create").getCommand()).terminal = terminal;
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new CliRun(code, out.toString(), err.toString());
  }

  static List<String> images(Path dir, int n, long bytes) throws Exception {
    List<String> paths = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Path p = dir.resolve("d" + i + ".img");
      try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
        f.setLength(bytes);
      }
      paths.add(p.toString());
    }
    return paths;
  }

  static String[] args(List<String> devices, String... options) {
    List<String> a = new ArrayList<>(List.of("create"));
    a.addAll(List.of(options));
    a.addAll(devices);
    return a.toArray(String[]::new);
  }

  private static List<byte[]> contents(List<String> paths) throws Exception {
    List<byte[]> c = new ArrayList<>();
    for (String p : paths) {
      c.add(Files.readAllBytes(Path.of(p)));
    }
    return c;
  }

  private static final FakeTerminal NO_TERMINAL = new FakeTerminal(null);

  @Test
  void createsAndSaysWhat(@TempDir Path dir) throws Exception {
    List<String> d = images(dir, 4, 4 << 20);
    CliRun run = run(NO_TERMINAL, args(d, "-l", "5", "-n", "4", "-c", "64", "--homehost", "h"));
    assertThat(run.err()).isEmpty();
    assertThat(run.exitCode()).isZero();
    Superblock1 sb = MemberReader.read(Path.of(d.getFirst())).superblock();
    assertThat(run.out())
        .contains("jraid: creating raid5 (left-symmetric), 4 devices, chunk 64K, metadata 1.2")
        .contains("each device gives 3072 KiB (data offset 2048 sectors); array size 9216 KiB")
        .contains("bitmap: none")
        .contains("initial sync: full resync when the array first starts")
        .contains(d.get(3) + ": slot 3, device uuid ")
        .contains("jraid: array " + sb.setUuid() + " (h:0) created");
    for (int i = 0; i < 4; i++) {
      assertThat(MemberReader.read(Path.of(d.get(i))).ownRole()).isEqualTo(i);
    }
  }

  @Test
  void refusesToOverwriteAnMdMemberWithoutATerminal(@TempDir Path dir) throws Exception {
    List<String> d = images(dir, 3, 4 << 20);
    assertThat(run(NO_TERMINAL, args(d, "-l", "5", "-n", "3")).exitCode()).isZero();
    List<byte[]> before = contents(d);
    CliRun again = run(NO_TERMINAL, args(d, "--level=6", "-n", "3"));
    assertThat(again.exitCode()).isEqualTo(2); // RAID-6 on 3: a usage error before anything else
    CliRun run = run(NO_TERMINAL, args(d, "--level", "4", "--raid-devices", "3"));
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err().lines()).hasSize(1);
    assertThat(run.err())
        .startsWith(
            "jraid: create: " + d.getFirst() + " holds an md superblock (metadata 1.2, raid5")
        .contains("not overwriting without --force");
    assertThat(contents(d)).containsExactlyElementsOf(before);
  }

  @Test
  void refusesToOverwriteAFileSystemThenForceGoesAhead(@TempDir Path dir) throws Exception {
    List<String> d = images(dir, 3, 4 << 20);
    try (RandomAccessFile f = new RandomAccessFile(d.get(1), "rw")) {
      f.seek(1080);
      f.write(new byte[] {0x53, (byte) 0xEF}); // ext2/3/4 s_magic
    }
    List<byte[]> before = contents(d);
    CliRun refused = run(NO_TERMINAL, args(d, "-l", "5", "-n", "3"));
    assertThat(refused.exitCode()).isEqualTo(2);
    assertThat(refused.err().lines()).hasSize(1);
    assertThat(refused.err()).contains(d.get(1) + " holds an ext2/3/4 file system");
    assertThat(contents(d)).containsExactlyElementsOf(before);
    CliRun forced = run(NO_TERMINAL, args(d, "-l", "5", "-n", "3", "--force"));
    assertThat(forced.exitCode()).isZero();
    assertThat(forced.out()).contains(d.get(1) + " holds an ext2/3/4 file system: overwriting");
    assertThat(MemberReader.read(Path.of(d.get(1))).superblock().raidDisks()).isEqualTo(3);
  }

  @Test
  void asksAtATerminal(@TempDir Path dir) throws Exception {
    List<String> d = images(dir, 4, 4 << 20);
    assertThat(run(NO_TERMINAL, args(d, "-l", "6", "-n", "4")).exitCode()).isZero();
    List<byte[]> before = contents(d);
    FakeTerminal no = new FakeTerminal("n");
    CliRun declined = run(no, args(d, "-l", "5", "-n", "4"));
    assertThat(declined.exitCode()).isEqualTo(1);
    assertThat(no.prompts()).containsExactly("Continue creating array? [y/N] ");
    assertThat(declined.err()).isEqualTo("jraid: create aborted: nothing was written\n");
    assertThat(contents(d)).containsExactlyElementsOf(before);
    CliRun accepted = run(new FakeTerminal("y"), args(d, "-l", "5", "-n", "4"));
    assertThat(accepted.exitCode()).isZero();
    assertThat(MemberReader.read(Path.of(d.getFirst())).superblock().level()).isEqualTo(5);
  }

  @Test
  void blankDevicesNeedNoQuestion(@TempDir Path dir) throws Exception {
    FakeTerminal never = new FakeTerminal("n");
    List<String> d = images(dir, 3, 4 << 20);
    assertThat(run(never, args(d, "-l", "4", "-n", "3", "--assume-clean")).exitCode()).isZero();
    assertThat(never.prompts()).isEmpty();
  }

  @Test
  void badArgumentsGiveOneLineAndExitCode2(@TempDir Path dir) throws Exception {
    List<String> d = images(dir, 3, 4 << 20);
    List<byte[]> before = contents(d);
    usage(d, "level '3' is not supported", "-l", "3", "-n", "3");
    usage(d, "chunk 6K is not a power of two", "-l", "5", "-n", "3", "-c", "6K");
    usage(d, "layout 'diagonal' is not a RAID-5 layout", "-l", "5", "-n", "3", "-p", "diagonal");
    usage(d, "--raid-devices is 4 but 3 devices are named", "-l", "5", "-n", "4");
    usage(d, "RAID-6 needs 4 to 256 devices, not 3", "-l", "6", "-n", "3");
    usage(d, "metadata=0.90", "-l", "5", "-n", "3", "-e", "0.90");
    usage(d, "jraid supports --bitmap internal or none", "-l", "5", "-n", "3", "-b", "/x.bmp");
    usage(d, "smaller than one chunk", "-l", "5", "-n", "3", "--size", "64K");
    Path link = dir.resolve("again.img");
    Files.createSymbolicLink(link, Path.of(d.getFirst()));
    usage(
        List.of(d.get(0), d.get(1), link.toString()), "are the same device", "-l", "5", "-n", "3");
    usage(
        List.of(d.get(0), d.get(1), dir.resolve("missing.img").toString()),
        "no such file or device",
        "-l",
        "5",
        "-n",
        "3");
    assertThat(run(NO_TERMINAL, args(d, "-n", "3")).exitCode()).isEqualTo(2); // no --level
    assertThat(contents(d)).containsExactlyElementsOf(before);
  }

  @Test
  void aDeviceTooSmallIsNamedWithExitCode1(@TempDir Path dir) throws Exception {
    List<String> d = images(dir, 3, 4 << 20);
    try (RandomAccessFile f = new RandomAccessFile(d.get(2), "rw")) {
      f.setLength(1 << 20);
    }
    CliRun run = run(NO_TERMINAL, args(d, "-l", "5", "-n", "3", "-c", "64K"));
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err().lines()).hasSize(1);
    assertThat(run.err()).startsWith("jraid: create: " + d.get(2) + ": ").contains("too small");
    assertThat(Files.readAllBytes(Path.of(d.getFirst()))).containsOnly(0);
  }

  private static void usage(List<String> devices, String message, String... options) {
    CliRun run = run(NO_TERMINAL, args(devices, options));
    assertThat(run.exitCode()).as(String.join(" ", options)).isEqualTo(2);
    assertThat(run.err().lines()).as(run.err()).hasSize(1);
    assertThat(run.err()).startsWith("jraid: create: ").contains(message);
  }
}
