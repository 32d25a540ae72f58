package io.jraid.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.jraid.testing.Seeds;
import io.jraid.testing.Sha256;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The user's path, end to end with real clients: {@code jraid create}, {@code jraid serve}, data in
 * and out with {@code nbdcopy}, {@code status}/{@code detail}, {@code jraid stop}; then assembled
 * again from the members in another order (and with one missing) and read back identical; the
 * members' superblocks, as {@code mdadm --examine} reads them, say clean and agree with {@code
 * jraid examine}.
 */
class ServeEndToEndTest {

  @TempDir static Path dir;

  @BeforeAll
  static void runDirectory() {
    System.setProperty("jraid.run.dir", dir.resolve("run").toString());
  }

  @AfterAll
  static void forget() {
    System.clearProperty("jraid.run.dir");
  }

  static void requireNbdClients() {
    for (String tool : List.of("/usr/bin/nbdcopy", "/usr/bin/nbdinfo")) {
      if (!Files.isExecutable(Path.of(tool))) {
        if (System.getenv("JRAID_REQUIRE_NBD_CLIENTS") != null) {
          fail(
              "JRAID_REQUIRE_NBD_CLIENTS is set but "
                  + tool
                  + " is missing: apt-get install libnbd-bin");
        }
        Assumptions.abort(tool + " is not installed (apt-get install libnbd-bin)");
      }
    }
  }

  /** A {@code jraid serve} running on its own thread, and the NBD URI it registered. */
  record Served(CompletableFuture<CliRun> run, String uri) {}

  private static Served serve(List<Path> members) throws Exception {
    List<String> args = new ArrayList<>(List.of("serve", "--listen", "127.0.0.1:0"));
    members.forEach(p -> args.add(p.toString()));
    CompletableFuture<CliRun> run = new CompletableFuture<>();
    Thread.ofPlatform().start(() -> run.complete(CliRun.of(args.toArray(String[]::new))));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (run.isDone()) {
        fail("serve ended early: " + run.get());
      }
      List<RunRegistry.Entry> entries = RunRegistry.standard().list();
      if (!entries.isEmpty()) {
        return new Served(run, entries.getFirst().nbd());
      }
      Thread.sleep(20);
    }
    throw new AssertionError("serve did not register within 60 s");
  }

  private static void stop(Served served) throws Exception {
    CliRun stop = CliRun.of("stop");
    assertThat(stop.exitCode()).as(stop.err()).isZero();
    CliRun run = served.run().get(60, TimeUnit.SECONDS);
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("stopped; superblocks marked clean");
    assertThat(RunRegistry.standard().list()).isEmpty();
  }

  private static void tool(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue())
        .as("%s: %s", String.join(" ", command), new String(out, StandardCharsets.UTF_8))
        .isZero();
  }

  @Test
  void createServeStopReassembleInAnotherOrderAndDegraded() throws Exception {
    requireNbdClients();
    long seed = Seeds.of(61);
    List<Path> members = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      Path p = dir.resolve("m" + i + ".img");
      try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
        f.setLength(24L << 20);
      }
      members.add(p);
    }
    List<String> create =
        new ArrayList<>(List.of("create", "--level", "5", "--raid-devices", "5", "--chunk", "64K"));
    members.forEach(p -> create.add(p.toString()));
    CliRun created = CliRun.of(create.toArray(String[]::new));
    assertThat(created.exitCode()).as(created.err()).isZero();

    Served served = serve(members);
    CliRun status = CliRun.of("status");
    assertThat(status.out()).contains("active raid5", "[5/5] [UUUUU]", "level 5, 64k chunk");
    CliRun detail = CliRun.of("detail", "--json");
    assertThat(detail.exitCode()).as(detail.err()).isZero();
    assertThat(detail.out()).contains("\"level\": 5", "\"raid_devices\": 5");
    long size = Long.parseLong(nbdinfo(served.uri(), "--size").strip());
    byte[] data = new byte[(int) size];
    new SplittableRandom(seed).nextBytes(data);
    Path in = dir.resolve("in.bin");
    Files.write(in, data);
    tool("nbdcopy", in.toString(), served.uri());
    // The initial resync yields to the copy; let it finish, so that the stop records clean (a
    // stop during a resync records its checkpoint: "active", as md would).
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (CliRun.of("status").out().contains("resync =") && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    stop(served);

    // Clean on every member, as mdadm reads them, and identical to jraid's examine.
    if (Files.isExecutable(LinuxExamineTest.MDADM)) {
      for (Path p : members) {
        String mdadm = LinuxExamineTest.mdadmExamine(p);
        assertThat(mdadm).contains("State : clean");
        CliRun ours = CliRun.of("examine", p.toString());
        assertThat(ours.out()).isEqualTo(mdadm);
      }
    }

    List<Path> reversed = new ArrayList<>(members.reversed());
    for (List<Path> order : List.of(reversed, reversed.subList(0, 4))) {
      Served again = serve(order);
      Path out = dir.resolve("out.bin");
      Files.deleteIfExists(out);
      tool("nbdcopy", again.uri(), out.toString());
      assertThat(Sha256.of(out))
          .as("seed %d, %d members", seed, order.size())
          .isEqualTo(Sha256.of(data));
      stop(again);
    }
  }

  private static String nbdinfo(String uri, String option) throws Exception {
    Process p = new ProcessBuilder("nbdinfo", option, uri).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new String(out, StandardCharsets.UTF_8);
  }

  @Test
  void manageFailAddRebuildRemoveAndCheckFromTheCommandLine() throws Exception {
    requireNbdClients();
    long seed = Seeds.of(62);
    List<Path> members = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      Path p = dir.resolve("g" + i + ".img");
      try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
        f.setLength(24L << 20);
      }
      members.add(p);
    }
    Path spare = members.removeLast();
    List<String> create =
        new ArrayList<>(
            List.of(
                "create",
                "--level",
                "5",
                "--raid-devices",
                "4",
                "--chunk",
                "64K",
                "--assume-clean"));
    members.forEach(p -> create.add(p.toString()));
    CliRun created = CliRun.of(create.toArray(String[]::new));
    assertThat(created.exitCode()).as(created.err()).isZero();
    Served served = serve(members);
    long size = Long.parseLong(nbdinfo(served.uri(), "--size").strip());
    byte[] data = new byte[(int) size];
    new SplittableRandom(seed).nextBytes(data);
    Path in = dir.resolve("g-in.bin");
    Files.write(in, data);
    tool("nbdcopy", in.toString(), served.uri());

    CliRun fail = CliRun.of("manage", "--fail", members.get(1).toString());
    assertThat(fail.exitCode()).as(fail.err()).isZero();
    assertThat(CliRun.of("status").out()).contains("g1.img[1](F)", "[4/3] [U_UU]");
    CliRun refused = CliRun.of("manage", "--fail", members.get(2).toString());
    assertThat(refused.exitCode()).isNotZero();
    assertThat(refused.err()).contains("refused");

    CliRun add = CliRun.of("manage", "--add", spare.toString(), "--wait");
    assertThat(add.exitCode()).as(add.err()).isZero();
    assertThat(add.out()).contains("recovery finished");
    CliRun remove = CliRun.of("manage", "--remove", members.get(1).toString());
    assertThat(remove.exitCode()).as(remove.err()).isZero();
    CliRun detail = CliRun.of("detail");
    assertThat(detail.out()).contains("active sync       " + spare).doesNotContain("faulty");
    assertThat(CliRun.of("detail", "--json").out())
        .contains("\"Fail\"", "\"SpareAdded\"", "\"RebuildFinished\"", "\"Remove\"");
    CliRun check = CliRun.of("check", "--wait");
    assertThat(check.exitCode()).as(check.out() + check.err()).isZero();
    assertThat(check.out()).contains("check finished: mismatch_cnt 0");

    Path out = dir.resolve("g-out.bin");
    tool("nbdcopy", served.uri(), out.toString());
    assertThat(Sha256.of(out)).as("seed %d", seed).isEqualTo(Sha256.of(data));
    stop(served);
    if (Files.isExecutable(LinuxExamineTest.MDADM)) {
      String examined = LinuxExamineTest.mdadmExamine(spare);
      assertThat(examined).contains("Device Role : Active device 1", "State : clean");
      assertThat(examined).doesNotContain("Recovery Offset");
    }
    // The set with the rebuilt member in place of the failed one reads back the same.
    List<Path> now = new ArrayList<>(members);
    now.set(1, spare);
    Served again = serve(now.subList(1, 4));
    Path back = dir.resolve("g-back.bin");
    tool("nbdcopy", again.uri(), back.toString());
    assertThat(Sha256.of(back)).as("seed %d: without slot 0", seed).isEqualTo(Sha256.of(data));
    stop(again);
  }
}
