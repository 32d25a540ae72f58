package io.jraid.cli;

import io.jraid.array.ArrayCreator;
import io.jraid.array.CreateException;
import io.jraid.array.CreatePlan;
import io.jraid.array.CreatePlanner;
import io.jraid.array.CreateRequest;
import io.jraid.array.Member;
import io.jraid.format.BitmapSuperblock;
import io.jraid.format.MetadataVersion;
import io.jraid.format.Superblock1;
import java.io.Console;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jraid create}: writes a new RAID-4/5/6 on the devices as {@code mdadm --create} (4.2)
 * would lay it out — superblocks, bitmap, bad-block log — so that Linux md and jraid both run it.
 *
 * <p>Safety: every check (arguments, devices, sizes) passes before anything is written. What the
 * devices hold already (an md superblock, a file system, swap, LUKS, a partition table) is named,
 * and overwriting it needs a "y" at the terminal or {@code --force}; without a terminal to ask, the
 * command refuses.
 */
@Command(
    name = "create",
    aliases = "-C",
    mixinStandardHelpOptions = true,
    description = {
      "Create a RAID-4/5/6 array on the given devices (files or block devices), laid out as"
          + " mdadm --create would, so that Linux md can assemble it too. Unless"
          + " --assume-clean, the array starts dirty: its first start resyncs parity.",
      "Sizes take K, M, G or T suffixes; a plain number is KiB, as in mdadm."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:created",
      "1:not created: a device cannot hold the array or could not be written, or the answer was"
          + " no",
      "2:bad usage, or data would be overwritten and there is no --force and no terminal to ask"
    })
final class CreateCommand implements Callable<Integer> {

  /** Asks the user; replaced in tests. */
  interface Terminal {
    /** Whether a person can be asked (stdin and stdout are a terminal). */
    boolean interactive();

    /** Prints {@code prompt} and reads one line; null at end of input. */
    @Nullable String readLine(String prompt);
  }

  /**
   * The process's console, when it is a terminal. On JDK 25, {@code System.console()} is null again
   * when the process has no terminal (JDK 22-24 returned a console there), hence the null checks
   * that Error Prone's rule, written for JDK 22, calls needless.
   */
  @SuppressWarnings("SystemConsoleNull")
  static final Terminal SYSTEM =
      new Terminal() {
        @Override
        public boolean interactive() {
          Console c = System.console();
          return c != null && c.isTerminal();
        }

        @Override
        public @Nullable String readLine(String prompt) {
          Console c = System.console();
          return c == null ? null : c.readLine("%s", prompt);
        }
      };

  private static final int USAGE = CommandLine.ExitCode.USAGE;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  Terminal terminal = SYSTEM;

  @Option(
      names = {"-l", "--level"},
      required = true,
      paramLabel = "LEVEL",
      description = "4, 5 or 6 (raid4, raid5, raid6 also work).")
  String level;

  @Option(
      names = {"-n", "--raid-devices"},
      required = true,
      paramLabel = "N",
      description = "Number of devices: 2 or more for RAID-4/5, 4 or more for RAID-6.")
  int raidDevices;

  @Option(
      names = {"-c", "--chunk"},
      paramLabel = "SIZE",
      description = "Chunk size, a power of two of at least 4K (default 512K).")
  @Nullable String chunk;

  @Option(
      names = {"-p", "--layout"},
      paramLabel = "NAME",
      description =
          "RAID-5/6 layout as mdadm names it (default left-symmetric): left-asymmetric,"
              + " right-symmetric, parity-first, left-symmetric-6, ddf-N-continue, ...")
  @Nullable String layout;

  @Option(
      names = {"-e", "--metadata"},
      paramLabel = "VERSION",
      description =
          "Superblock version: 1.2 (default, 4K from the start), 1.1 (at the start), 1.0"
              + " (at the end).")
  String metadata = "1.2";

  @Option(
      names = {"-N", "--name"},
      paramLabel = "NAME",
      description = "Array name (default 0); stored as HOMEHOST:NAME when that fits in 31 bytes.")
  @Nullable String name;

  @Option(
      names = "--homehost",
      paramLabel = "HOST",
      description = "Host the array belongs to (default: this host's name).")
  @Nullable String homehost;

  @Option(
      names = {"-b", "--bitmap"},
      paramLabel = "internal|none",
      description =
          "Write-intent bitmap. Default as mdadm 4.2: internal when each device gives the array"
              + " more than 100 GiB, none otherwise.")
  @Nullable String bitmap;

  @Option(
      names = "--bitmap-chunk",
      paramLabel = "SIZE",
      description =
          "Member space one bitmap bit covers (a plain number is KiB; e.g. 64M). Default as"
              + " mdadm: 64M, or more when the bitmap would not fit.")
  @Nullable String bitmapChunk;

  @Option(
      names = "--assume-clean",
      description =
          "Take parity as consistent: no initial resync (only for blank devices or to"
              + " re-create an array over its own members).")
  boolean assumeClean;

  @Option(
      names = {"-z", "--size"},
      paramLabel = "SIZE",
      description = "Space to use from each device (default: all the smallest device can give).")
  @Nullable String size;

  @Option(
      names = {"-f", "--force"},
      description = "Overwrite what the devices hold without asking.")
  boolean force;

  @Parameters(
      arity = "1..*",
      paramLabel = "DEVICE",
      description = "The member devices, in slot order.")
  List<Path> devices;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      return create(out, err);
    } catch (IllegalArgumentException e) {
      err.println("jraid: create: " + e.getMessage());
      return USAGE;
    } catch (CreateException e) {
      err.println("jraid: create: " + e.getMessage());
      return Main.PROBLEM;
    } finally {
      out.flush();
      err.flush();
    }
  }

  private int create(PrintWriter out, PrintWriter err) throws CreateException {
    CreateRequest request = request();
    checkPaths();
    List<CreatePlanner.Device> offered = new ArrayList<>();
    List<String> found = new ArrayList<>();
    for (ArrayCreator.Offered o : ArrayCreator.inspect(devices)) {
      offered.add(o.device());
      for (String what : o.contents()) {
        found.add(o.device().name() + " holds " + what);
      }
    }
    CreatePlan plan =
        CreatePlanner.plan(
            request, offered, CreatePlanner.Identity.random(offered.size(), Clock.systemUTC()));
    out.print(summary(plan));
    out.flush();
    if (!found.isEmpty() && !confirmed(found, out, err)) {
      return terminal.interactive() ? Main.PROBLEM : USAGE;
    }
    List<Member> written = ArrayCreator.write(plan);
    for (int i = 0; i < written.size(); i++) {
      Superblock1 sb = written.get(i).superblock();
      out.println(
          "jraid: "
              + written.get(i).path()
              + ": slot "
              + i
              + ", device uuid "
              + sb.deviceUuid()
              + ", data offset "
              + sb.dataOffset()
              + " sectors, "
              + sb.dataSize()
              + " sectors available");
    }
    out.println(
        "jraid: array "
            + plan.first().setUuid()
            + " ("
            + plan.first().displayName()
            + ") created"
            + (plan.needsResync()
                ? "; its first start resyncs parity"
                : "; parity taken as consistent (--assume-clean)"));
    return 0;
  }

  /** Asks before overwriting; false (having said why) when the create must not go on. */
  private boolean confirmed(List<String> found, PrintWriter out, PrintWriter err) {
    if (force) {
      for (String f : found) {
        out.println("jraid: " + f + ": overwriting (--force)");
      }
      return true;
    }
    if (!terminal.interactive()) {
      err.println(
          "jraid: create: "
              + String.join("; ", found)
              + ": not overwriting without --force (no terminal to ask)");
      return false;
    }
    for (String f : found) {
      out.println("jraid: " + f);
    }
    out.flush();
    String answer = terminal.readLine("Continue creating array? [y/N] ");
    String a = answer == null ? "" : answer.strip().toLowerCase(Locale.ROOT);
    if (a.equals("y") || a.equals("yes")) {
      return true;
    }
    err.println("jraid: create aborted: nothing was written");
    return false;
  }

  /** What is about to happen, one fact a line. */
  static String summary(CreatePlan plan) {
    Superblock1 sb = plan.first();
    CreateRequest r = plan.request();
    StringBuilder s = new StringBuilder();
    s.append("jraid: creating raid")
        .append(r.level())
        .append(r.level() == 4 ? "" : " (" + plan.layoutName() + ")")
        .append(", ")
        .append(r.raidDisks())
        .append(" devices, chunk ")
        .append(sb.chunkSectors() / 2)
        .append("K, metadata ")
        .append(sb.version())
        .append(", name ")
        .append(sb.displayName())
        .append('\n');
    s.append("jraid: each device gives ")
        .append(sb.size() / 2)
        .append(" KiB (data offset ")
        .append(sb.dataOffset())
        .append(" sectors); array size ")
        .append(plan.arraySectors() / 2)
        .append(" KiB\n");
    BitmapSuperblock bitmap = plan.bitmap();
    s.append("jraid: bitmap: ")
        .append(
            bitmap == null
                ? "none"
                : "internal, chunk "
                    + Integer.toUnsignedLong(bitmap.chunkBytes()) / 1024
                    + "K, "
                    + sb.bitmapOffset()
                    + " sectors from the superblock")
        .append('\n');
    s.append("jraid: initial sync: ")
        .append(
            plan.needsResync()
                ? "full resync when the array first starts"
                : "none (--assume-clean: parity taken as consistent)")
        .append('\n');
    for (String note : plan.notes()) {
      s.append("jraid: note: ").append(note).append('\n');
    }
    return s.toString();
  }

  private CreateRequest request() {
    CreateRequest.Bitmap b =
        bitmap == null
            ? CreateRequest.Bitmap.DEFAULT
            : switch (bitmap.toLowerCase(Locale.ROOT)) {
              case "internal" -> CreateRequest.Bitmap.INTERNAL;
              case "none" -> CreateRequest.Bitmap.NONE;
              default ->
                  throw new IllegalArgumentException(
                      "bitmap '" + bitmap + "': jraid supports --bitmap internal or none");
            };
    return new CreateRequest(
        level(level),
        raidDevices,
        chunk == null
            ? CreateRequest.DEFAULT_CHUNK_SECTORS
            : Math.toIntExact(Math.min(sectors(chunk, "--chunk"), Integer.MAX_VALUE)),
        layout,
        MetadataVersion.parse(metadata),
        name,
        homehost != null ? homehost : ExamineCommand.systemHostName(),
        b,
        assumeClean,
        size == null || size.equalsIgnoreCase("max") ? 0 : sectors(size, "--size"),
        bitmapChunk == null ? 0 : sectors(bitmapChunk, "--bitmap-chunk") * 512);
  }

  private static int level(String text) {
    String t = text.toLowerCase(Locale.ROOT);
    return switch (t.startsWith("raid") ? t.substring(4) : t) {
      case "4" -> 4;
      case "5" -> 5;
      case "6" -> 6;
      default ->
          throw new IllegalArgumentException(
              "level '"
                  + text
                  + "' is not supported: jraid creates RAID-4, 5 or 6 (--level 4|5|6)");
    };
  }

  /** A size in sectors: a plain number is KiB (mdadm's unit), else a {@link Sizes} size. */
  private static long sectors(String text, String option) {
    long bytes =
        text.strip().chars().allMatch(Character::isDigit) && !text.isBlank()
            ? Sizes.parse(text.strip() + "K")
            : Sizes.parse(text);
    if (bytes % 512 != 0) {
      throw new IllegalArgumentException(
          option + " " + text + " is not a whole number of 512-byte sectors");
    }
    return bytes / 512;
  }

  /** Every device exists, is a file or a block device, and is named once. */
  private void checkPaths() {
    for (int i = 0; i < devices.size(); i++) {
      Path p = devices.get(i);
      if (!Files.exists(p)) {
        throw new IllegalArgumentException(
            p + ": no such file or device (jraid create does not make image files: truncate -s)");
      }
      if (Files.isDirectory(p)) {
        throw new IllegalArgumentException(p + " is a directory, not a file or block device");
      }
      for (int j = 0; j < i; j++) {
        try {
          if (Files.isSameFile(devices.get(j), p)) {
            throw new IllegalArgumentException(
                devices.get(j) + " and " + p + " are the same device: name each device once");
          }
        } catch (IOException e) {
          throw new IllegalArgumentException(p + ": cannot be examined (" + e.getMessage() + ")");
        }
      }
    }
  }
}
