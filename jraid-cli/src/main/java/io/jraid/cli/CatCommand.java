package io.jraid.cli;

import io.jraid.array.AssemblyDecision;
import io.jraid.array.RaidArray;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jraid cat MEMBER...}: assembles the members read-only, in this process, and writes the
 * array's contents to standard output or a file — through the stripe engine, so a degraded array
 * (members missing or failing) is read by rebuilding the missing blocks. A way to get data off an
 * md disk set without Linux. Nothing is written to the members.
 */
@Command(
    name = "cat",
    mixinStandardHelpOptions = true,
    description = {
      "Assemble the members read-only and write the array's contents to standard output (or -o"
          + " FILE). Missing or failing members are rebuilt from parity. Nothing is written to the"
          + " members."
    })
final class CatCommand implements Callable<Integer> {

  /** Bytes per read of the array. */
  private static final int CHUNK = 1 << 20;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      description = "Write to FILE instead of standard output.")
  @Nullable Path output;

  @Parameters(arity = "1..*", paramLabel = "MEMBER", description = "Member files or devices.")
  List<Path> paths;

  @Override
  public Integer call() throws IOException {
    PrintWriter err = spec.commandLine().getErr();
    AssemblyDecision decision = Assembly.decide(paths, err, "read the array without it");
    if (decision == null) {
      return Main.PROBLEM;
    }
    if (!decision.verdict().runnable()) {
      err.println("jraid: cannot read the array: " + decision.reason());
      return Main.PROBLEM;
    }
    if (decision.verdict() != AssemblyDecision.Verdict.CLEAN) {
      err.println("jraid: note: " + decision.verdict() + " - " + decision.reason());
    }
    try (RaidArray array = RaidArray.open(decision, true);
        WritableByteChannel out = open();
        Arena arena = Arena.ofShared()) {
      MemorySegment buffer = arena.allocate(CHUNK, 4096);
      for (long offset = 0; offset < array.size(); offset += CHUNK) {
        MemorySegment part = buffer.asSlice(0, Math.min(CHUNK, array.size() - offset));
        array.read(part, offset);
        var bytes = part.asByteBuffer();
        while (bytes.hasRemaining()) {
          out.write(bytes);
        }
      }
    } catch (IOException e) {
      err.println("jraid: " + e.getMessage());
      return Main.PROBLEM;
    }
    return 0;
  }

  private WritableByteChannel open() throws IOException {
    if (output == null) {
      return new FileOutputStream(FileDescriptor.out).getChannel();
    }
    try {
      return FileChannel.open(
          output,
          StandardOpenOption.CREATE,
          StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING);
    } catch (IOException e) {
      // NoSuchFileException and friends say only the path: say what failed.
      throw new IOException(
          output + ": cannot write the output (" + e.getClass().getSimpleName() + ")", e);
    }
  }
}
