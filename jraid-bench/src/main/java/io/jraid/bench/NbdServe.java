package io.jraid.bench;

import io.jraid.array.RaidArray;
import io.jraid.device.BlockDevice;
import io.jraid.device.MemoryDevice;
import io.jraid.layout.Algorithm;
import io.jraid.layout.ArrayGeometry;
import io.jraid.nbd.NbdCommand;
import io.jraid.nbd.NbdExport;
import io.jraid.nbd.NbdServer;
import io.jraid.nbd.NbdStats;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Serves an in-memory RAID array over NBD for end-to-end benchmarks ({@code scripts/nbd-vs-qemu.sh}
 * runs fio's nbd engine against it and against qemu-nbd): a left-symmetric RAID-5 of {@code
 * --disks} {@link MemoryDevice} members with {@code --chunk-kib} chunks, holding {@code --size-mib}
 * of data, exported as {@code md} on 127.0.0.1.
 *
 * <pre>
 * java [jvm.flags] -cp benchmarks.jar io.jraid.bench.NbdServe [--port 10809] [--size-mib 1024]
 *     [--disks 5] [--level 5] [--chunk-kib 64]
 * </pre>
 *
 * Prints {@code listening on 127.0.0.1:PORT} once clients may connect (port 0 picks a free one),
 * then serves until it is terminated (SIGTERM, Ctrl-C); then prints the request counts.
 */
public final class NbdServe {

  private NbdServe() {}

  /** Parsed command line. */
  record Options(int port, long sizeMib, int disks, int level, int chunkKib) {
    static Options parse(String[] args) {
      int port = NbdServer.DEFAULT_PORT;
      long sizeMib = 1024;
      int disks = 5;
      int level = 5;
      int chunkKib = 64;
      for (int i = 0; i < args.length; i++) {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(args[i] + " needs a value");
        }
        String value = args[++i];
        switch (args[i - 1]) {
          case "--port" -> port = Integer.parseInt(value);
          case "--size-mib" -> sizeMib = Long.parseLong(value);
          case "--disks" -> disks = Integer.parseInt(value);
          case "--level" -> level = Integer.parseInt(value);
          case "--chunk-kib" -> chunkKib = Integer.parseInt(value);
          default ->
              throw new IllegalArgumentException(
                  "unknown option "
                      + args[i - 1]
                      + " (--port, --size-mib, --disks, --level, --chunk-kib)");
        }
      }
      return new Options(port, sizeMib, disks, level, chunkKib);
    }
  }

  public static void main(String[] args) throws Exception {
    Options o;
    try {
      o = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("NbdServe: " + e.getMessage());
      System.exit(2);
      return;
    }
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    int dataDisks = o.disks() - (o.level() == 6 ? 2 : 1);
    int chunkSectors = o.chunkKib() * 2;
    long memberSectors = (o.sizeMib() << 11) / dataDisks;
    memberSectors -= memberSectors % chunkSectors;
    long dataOffset = 2048;
    ArrayGeometry g =
        new ArrayGeometry(
            o.level(),
            Algorithm.LEFT_SYMMETRIC,
            chunkSectors,
            o.disks(),
            memberSectors,
            dataOffset);
    BlockDevice[] members = new BlockDevice[o.disks()];
    List<BlockDevice> owned = new ArrayList<>();
    for (int i = 0; i < members.length; i++) {
      members[i] = MemoryDevice.create("m" + i, (dataOffset + memberSectors) * 512);
      owned.add(members[i]);
    }
    CountDownLatch stop = new CountDownLatch(1);
    try (RaidArray array = RaidArray.start("md", g, members, owned, false, false);
        NbdServer server =
            NbdServer.builder()
                .export(NbdExport.of("md", array, (long) dataDisks * chunkSectors * 512))
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), o.port()))
                .start()) {
      Thread main = Thread.currentThread();
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    // On SIGTERM: stop serving, and let main print the counts before the exit.
                    stop.countDown();
                    try {
                      main.join(5000);
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  },
                  "nbd-serve-stop"));
      out.printf(
          "raid%d, %d members, %d KiB chunks, %d MiB%n",
          o.level(), o.disks(), o.chunkKib(), array.size() >> 20);
      out.println("listening on 127.0.0.1:" + server.port());
      stop.await();
      printStats(out, server.stats());
    }
  }

  private static void printStats(PrintStream out, NbdStats stats) {
    StringBuilder line = new StringBuilder("requests:");
    for (NbdCommand c : NbdCommand.values()) {
      if (stats.requests(c) > 0) {
        line.append(' ').append(c).append('=').append(stats.requests(c));
      }
    }
    out.println(line);
    out.printf(
        "read %d MiB, written %d MiB, connections %d%n",
        stats.bytesRead() >> 20, stats.bytesWritten() >> 20, stats.connectionsTotal());
  }
}
