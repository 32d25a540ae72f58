package io.jraid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jraid.array.AssemblyDecision;
import io.jraid.array.AssemblyPlanner;
import io.jraid.array.Member;
import io.jraid.array.MemberReader;
import io.jraid.array.RaidArray;
import io.jraid.device.BlockDevice;
import io.jraid.device.FileDevice;
import io.jraid.stripe.EngineHarness;
import io.jraid.testing.CampaignShape;
import io.jraid.testing.DurabilityModel;
import io.jraid.testing.Seeds;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The crash campaign of the array's life with real processes (issue 6): an array made by {@code
 * jraid create}, served by {@code jraid serve} in a child JVM, written through NBD by a client
 * ({@link NbdBlockClient}) while the child is killed with SIGKILL ({@link Process#destroyForcibly})
 * at random points; members failed and spares added with {@code jraid manage} before some kills;
 * then {@code jraid serve} again (assembly, resync or recovery), and the checks: every write
 * acknowledged before a completed FLUSH, or with FUA, reads back through NBD ({@link
 * DurabilityModel}), and {@code jraid check} finds no stripe whose parity is wrong. A run ends with
 * {@code jraid stop}; the members then assemble clean, hold exactly the last acknowledged data, and
 * every stripe's parity matches the scalar reference.
 *
 * <p>A kill while writes were in flight leaves the array dirty. md (and jraid) refuse to start an
 * array that is dirty and degraded (the write hole), and jraid serve has no {@code --force}: so a
 * kill while a member is failed or a spare is still being rebuilt comes after the writes have gone
 * quiet and the array has recorded itself clean; then the assembly runs degraded and the rebuild
 * resumes from its recorded point. (The in-process campaign, CrashCampaignTest, forces such
 * assemblies and checks what the write hole leaves.)
 *
 * <p>Runs per shape: {@code -Djraid.campaign.runs=N} (default 1); kills per run: {@code
 * -Djraid.campaign.kills=N} (default 3).
 */
class ProcessCrashCampaignTest {

  static final int RUNS = Integer.getInteger("jraid.campaign.runs", 1);
  static final int KILLS = Integer.getInteger("jraid.campaign.kills", 3);
  private static final long MEMBER_BYTES = 6L << 20;

  @TempDir static Path dir;

  private static final AtomicLong runs = new AtomicLong();
  private static final AtomicLong kills = new AtomicLong();
  private static final AtomicLong quietKills = new AtomicLong();
  private static final AtomicLong failures = new AtomicLong();
  private static final AtomicLong sparesAdded = new AtomicLong();
  private static final AtomicLong rebuildsResumed = new AtomicLong();
  private static final AtomicLong writes = new AtomicLong();
  private static final AtomicLong flushes = new AtomicLong();
  private static final AtomicLong bytesVerified = new AtomicLong();
  private static final AtomicLong checks = new AtomicLong();

  @BeforeAll
  static void runDirectory() {
    System.setProperty("jraid.run.dir", dir.resolve("run").toString());
  }

  @AfterAll
  static void summary() {
    System.clearProperty("jraid.run.dir");
    System.out.println(
        "crash campaign (processes): runs "
            + runs
            + ", SIGKILLs "
            + kills
            + " ("
            + quietKills
            + " of a degraded or rebuilding array after the writes went quiet), member failures"
            + " injected (manage --fail) "
            + failures
            + ", spares added "
            + sparesAdded
            + " (rebuilds resumed after a kill "
            + rebuildsResumed
            + "), NBD writes "
            + writes
            + ", flushes "
            + flushes
            + ", bytes verified through NBD "
            + bytesVerified
            + ", jraid check passes with mismatch_cnt 0: "
            + checks);
  }

  static Stream<CampaignShape> shapes() {
    return Stream.of(new CampaignShape(5, 4, 64, 0), new CampaignShape(6, 5, 32, 64));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("shapes")
  void serverKilledWhileWritingComesBackWithEveryDurableWrite(CampaignShape shape)
      throws Exception {
    for (int run = 0; run < RUNS; run++) {
      long seed = Seeds.of(90, shape.level(), shape.disks(), run);
      Path runDir = Files.createDirectories(dir.resolve(shape.level() + "-" + run));
      new Run(shape, seed, runDir).go();
      runs.incrementAndGet();
    }
  }

  /** One seeded run over one array. */
  static final class Run {
    private final CampaignShape shape;
    private final long seed;
    private final SplittableRandom random;
    private final Path dir;
    private final List<Path> members = new ArrayList<>();
    private final List<String> journal = new ArrayList<>();
    private int blanks;
    private int kill;
    private @Nullable Process server;
    private String uri = "";
    private DurabilityModel model = new DurabilityModel(new byte[0]);

    Run(CampaignShape shape, long seed, Path dir) {
      this.shape = shape;
      this.seed = seed;
      this.random = new SplittableRandom(seed);
      this.dir = dir;
    }

    private String where() {
      return shape + ", seed " + seed + ", kill " + kill + "; journal " + journal;
    }

    void go() throws Exception {
      for (int i = 0; i < shape.disks(); i++) {
        members.add(blank());
      }
      List<String> create =
          new ArrayList<>(
              List.of(
                  "create",
                  "--level",
                  Integer.toString(shape.level()),
                  "--raid-devices",
                  Integer.toString(shape.disks()),
                  "--chunk",
                  shape.chunkKib() + "K",
                  "--assume-clean"));
      if (shape.bitmapKib() == 0) {
        create.addAll(List.of("--bitmap", "none"));
      } else {
        create.addAll(List.of("--bitmap", "internal", "--bitmap-chunk", shape.bitmapKib() + "K"));
      }
      members.forEach(p -> create.add(p.toString()));
      CliRun created = CliRun.of(create.toArray(String[]::new));
      assertThat(created.exitCode()).as(created.err()).isZero();
      serve();
      try (NbdBlockClient c = NbdBlockClient.open(uri)) {
        model = new DurabilityModel(new byte[(int) c.size()]);
      }
      for (kill = 0; kill < KILLS; kill++) {
        journal.clear();
        life();
        serve();
        awaitSynced();
        verify();
      }
      CliRun stop = CliRun.of("stop");
      assertThat(stop.exitCode()).as(stop.err()).isZero();
      Process p = server;
      assertThat(p != null && p.waitFor(60, TimeUnit.SECONDS)).as("serve stops").isTrue();
      assertThat(p.exitValue()).as("%s: serve's exit code", where()).isZero();
      offlineCheck();
    }

    private Path blank() throws IOException {
      return io.jraid.testing.ArrayFiles.blank(dir, "m" + blanks++ + ".img", MEMBER_BYTES);
    }

    // ---- the server process ------------------------------------------------------------------

    /** Starts {@code jraid serve} on the members in a child JVM and waits for it to register. */
    private void serve() throws Exception {
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      for (String flag : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
        if (flag.startsWith("--add-modules")
            || flag.startsWith("--enable-native-access")
            || flag.startsWith("--sun-misc-unsafe-memory-access")) {
          command.add(flag);
        }
      }
      command.add("-Djraid.run.dir=" + System.getProperty("jraid.run.dir"));
      command.add("-cp");
      command.add(System.getProperty("java.class.path"));
      command.add(Main.class.getName());
      command.addAll(List.of("serve", "--listen", "127.0.0.1:0"));
      members.forEach(p -> command.add(p.toString()));
      Path log = dir.resolve("serve-" + kill + "-" + System.nanoTime() + ".log");
      Process p =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      server = p;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (System.nanoTime() < deadline) {
        if (!p.isAlive()) {
          throw new AssertionError(
              where() + ": serve exited with " + p.exitValue() + ": " + Files.readString(log));
        }
        for (RunRegistry.Entry e : RunRegistry.standard().list()) {
          if (e.pid() == p.pid()) {
            uri = e.nbd();
            journal.add("served (" + Files.readString(log).strip().replace('\n', ' ') + ")");
            return;
          }
        }
        Thread.sleep(20);
      }
      throw new AssertionError(where() + ": serve did not register within 60 s");
    }

    private ControlClient control() throws IOException {
      Process p = server;
      for (RunRegistry.Entry e : RunRegistry.standard().list()) {
        if (p != null && e.pid() == p.pid()) {
          return new ControlClient(e);
        }
      }
      throw new IOException("the server is not registered");
    }

    private String state() throws IOException {
      for (String line : control().get("/detail").lines().toList()) {
        if (line.strip().startsWith("State :")) {
          return line.strip().substring("State :".length()).strip();
        }
      }
      return "";
    }

    private Properties syncState() throws IOException {
      return SyncWatch.state(control());
    }

    // ---- life until the kill -----------------------------------------------------------------

    private volatile boolean paused;
    private volatile boolean stop;

    /** Set just before the kill: a request failing after it failed because of it. */
    private volatile boolean killing;

    private final AtomicLong ops = new AtomicLong();

    private void life() throws Exception {
      paused = false;
      stop = false;
      killing = false;
      ops.set(0);
      List<String> problems = java.util.Collections.synchronizedList(new ArrayList<>());
      Thread writer =
          Thread.ofPlatform().name("nbd-writer").start(() -> write(random.split(), problems));
      int scenario = random.nextInt(10);
      long target = 100L + random.nextInt(600);
      boolean quiet = false;
      waitOps(target / 3, problems);
      if (scenario >= 5) {
        Path victim = members.get(random.nextInt(members.size()));
        manage("--fail", victim.toString());
        failures.incrementAndGet();
        members.remove(victim); // recorded faulty: assembly leaves it out from now on
        if (scenario >= 7) {
          Path spare = blank();
          members.add(spare);
          if (scenario == 9) {
            manage("--add", spare.toString(), "--wait"); // rebuilt before the kill
          } else {
            control().post("/speed?min=300&max=300"); // a slow rebuild: killed midway
            manage("--add", spare.toString());
          }
          sparesAdded.incrementAndGet();
        }
        quiet = scenario != 9;
      }
      waitOps(target, problems);
      if (quiet) {
        // A degraded or rebuilding array must be clean when it stops (no --force).
        paused = true;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!state().startsWith("clean") && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        String now = state();
        journal.add("quiet: " + now + ", " + syncState().getProperty("line", ""));
        assertThat(now).as(where()).startsWith("clean");
        quietKills.incrementAndGet();
      }
      Process p = server;
      killing = true;
      if (p != null) {
        p.destroyForcibly(); // SIGKILL
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      }
      kills.incrementAndGet();
      journal.add("killed at op " + ops.get());
      stop = true;
      writer.join(TimeUnit.SECONDS.toMillis(60));
      assertThat(writer.isAlive()).as("the writer ends").isFalse();
      assertThat(problems).as(where()).isEmpty();
    }

    private void waitOps(long n, List<String> problems) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (ops.get() < n && problems.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(2);
      }
    }

    private void manage(String... args) throws Exception {
      List<String> all = new ArrayList<>(List.of("manage"));
      all.addAll(List.of(args));
      CliRun r = CliRun.of(all.toArray(String[]::new));
      journal.add("manage " + String.join(" ", args) + " -> " + r.exitCode());
      assertThat(r.exitCode()).as("%s: %s%s", where(), r.out(), r.err()).isZero();
    }

    /** The NBD client: random writes (some FUA, some unaligned), flushes and checked reads. */
    private void write(SplittableRandom r, List<String> problems) {
      boolean killed = false;
      IOException why = null;
      try (NbdBlockClient c = NbdBlockClient.open(uri)) {
        long size = c.size();
        while (!stop && !killed) {
          if (paused) {
            Thread.sleep(1);
            continue;
          }
          int k = r.nextInt(100);
          long offset;
          int length;
          if (r.nextBoolean()) {
            length = 4096 * (1 + r.nextInt(16));
            offset = 4096L * r.nextLong((size - length) / 4096 + 1);
          } else {
            // Off the 4 KiB blocks, on sectors: NBD requests are in 512-byte units.
            length = 512 * (1 + r.nextInt(40));
            offset = 512L * r.nextLong((size - length) / 512 + 1);
          }
          if (k < 12) {
            long mark = model.flushStarted();
            try {
              c.flush();
              model.flushed(mark);
              flushes.incrementAndGet();
            } catch (IOException e) {
              killed = true;
              why = e;
            }
          } else if (k < 25) {
            try {
              String diff = model.checkRead(offset, c.read(offset, length));
              if (diff != null) {
                problems.add(where() + ": " + diff);
              }
            } catch (IOException e) {
              killed = true;
              why = e;
            }
          } else {
            byte[] data = new byte[length];
            r.nextBytes(data);
            boolean fua = k < 35;
            try {
              c.write(offset, data, fua);
              model.acknowledged(offset, data, fua);
              writes.incrementAndGet();
            } catch (IOException e) {
              model.failed(offset, data); // in flight at the kill: old or new, either may be there
              killed = true;
              why = e;
            }
          }
          ops.incrementAndGet();
        }
      } catch (IOException e) {
        if (!killing) {
          problems.add(where() + ": the NBD client failed: " + e);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (killed && !killing) {
        problems.add(where() + ": a request failed while the server was running: " + why);
      }
    }

    // ---- after the kill ----------------------------------------------------------------------

    /** Waits until the array is whole and in sync (adding a spare if it runs degraded without). */
    private void awaitSynced() throws Exception {
      String first = state();
      journal.add("restarted: " + first);
      if (first.contains("recovering")) {
        rebuildsResumed.incrementAndGet();
      }
      control().post("/speed?min=200000&max=200000");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (System.nanoTime() < deadline) {
        String now = state();
        boolean running = Boolean.parseBoolean(syncState().getProperty("running"));
        if (!running && now.contains("degraded")) {
          Path spare = blank();
          members.add(spare);
          manage("--add", spare.toString());
          sparesAdded.incrementAndGet();
          continue;
        }
        if (!running && !now.contains("degraded") && !now.contains("ing")) {
          return;
        }
        Thread.sleep(20);
      }
      throw new AssertionError(where() + ": not in sync within 120 s: " + state());
    }

    private void verify() throws Exception {
      byte[] actual = new byte[(int) model.size()];
      try (NbdBlockClient c = NbdBlockClient.open(uri)) {
        for (int at = 0; at < actual.length; at += 1 << 20) {
          int n = Math.min(1 << 20, actual.length - at);
          System.arraycopy(c.read(at, n), 0, actual, at, n);
        }
      }
      DurabilityModel.CrashCheck check = model.checkAfterCrash(actual, new BitSet());
      assertThat(check.problems()).as("%s: data after the kill", where()).isEmpty();
      bytesVerified.addAndGet(check.bytes());
      CliRun parity = CliRun.of("check", "--wait");
      assertThat(parity.exitCode())
          .as("%s: jraid check: %s%s", where(), parity.out(), parity.err())
          .isZero();
      assertThat(parity.out()).contains("mismatch_cnt 0");
      checks.incrementAndGet();
      model.settle(actual);
    }

    /** After the clean stop: assembled clean from the files, exact, parity right everywhere. */
    private void offlineCheck() throws Exception {
      List<Member> found = new ArrayList<>();
      for (Path p : members) {
        found.add(MemberReader.read(p));
      }
      AssemblyDecision decision = AssemblyPlanner.plan(found);
      assertThat(decision.verdict())
          .as("%s: %s", where(), decision.reason())
          .isEqualTo(AssemblyDecision.Verdict.CLEAN);
      try (RaidArray array = RaidArray.open(decision, true);
          Arena arena = Arena.ofShared()) {
        MemorySegment all = arena.allocate(array.size(), 4096);
        array.read(all, 0);
        assertThat(all.toArray(ValueLayout.JAVA_BYTE))
            .as("%s: the last acknowledged data", where())
            .isEqualTo(model.current());
      }
      BlockDevice[] byRole = new BlockDevice[shape.disks()];
      try {
        for (Member m : found) {
          if (io.jraid.format.RoleTable.isSlot(m.ownRole()) && m.ownRole() < byRole.length) {
            byRole[m.ownRole()] = FileDevice.openReadOnly(Path.of(m.path()));
          }
        }
        EngineHarness.assertParityConsistent(RaidArray.geometryOf(decision.freshest()), byRole);
      } finally {
        for (BlockDevice d : byRole) {
          if (d != null) {
            d.close();
          }
        }
      }
    }
  }
}
