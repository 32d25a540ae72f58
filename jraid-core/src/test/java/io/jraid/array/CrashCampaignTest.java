package io.jraid.array;

import static org.assertj.core.api.Assertions.assertThat;

import io.jraid.array.AssemblyDecision.Slot;
import io.jraid.array.AssemblyDecision.SlotState;
import io.jraid.device.BlockDevice;
import io.jraid.device.FaultyDevice;
import io.jraid.device.FileDevice;
import io.jraid.device.IoCompletion;
import io.jraid.format.FeatureMap;
import io.jraid.format.FormatException;
import io.jraid.format.MetadataVersion;
import io.jraid.format.RoleTable;
import io.jraid.format.Superblock1;
import io.jraid.layout.ArrayGeometry;
import io.jraid.layout.StripeMap;
import io.jraid.stripe.EngineHarness;
import io.jraid.stripe.StripeEngine;
import io.jraid.stripe.SyncJob;
import io.jraid.testing.CampaignShape;
import io.jraid.testing.DurabilityModel;
import io.jraid.testing.Seeds;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The crash and fault campaign of the array's life, in process (issue 6): seeded runs over RAID-5
 * and RAID-6 arrays whose members are files wrapped in {@link FaultyDevice}s with power-cut
 * tracking on.
 *
 * <p>Each run creates an array and goes through {@link #CYCLES} cycles of:
 *
 * <ol>
 *   <li><b>life</b>: two threads send random writes (aligned and not, some FUA, some spanning whole
 *       stripes), flushes and reads (each read must return the last acknowledged data) while the
 *       test fails members ({@code manage --fail}, write errors on a range, a disk that dies after
 *       a number of operations), opens windows of read errors, adds spares (rebuilt at a random
 *       speed, so often only partly), removes failed members — never more at once than the level
 *       survives;
 *   <li><b>power cut</b>: at a random point every member loses power at the same instant ({@link
 *       FaultyDevice#powerCut(List)}: what no completed flush or FUA covered is undone); sometimes
 *       right after a failure (which may not be recorded yet), sometimes after the writes went
 *       quiet (the array records itself clean), mostly in full flight. The array is then closed
 *       with nothing reaching its members, as a crash leaves them;
 *   <li><b>assembly</b> from the member files as they are, a spare added for each missing slot, and
 *       resync/recovery run to the end;
 *   <li><b>check</b> against the {@link DurabilityModel}: every byte holds its durable value (a
 *       write acknowledged before a completed flush, or acknowledged FUA) or that of a write that
 *       was not durable; and every stripe's P (and Q) equals what the scalar reference computes
 *       from its data, read from the member files.
 * </ol>
 *
 * A run ends with a clean stop, a clean assembly and every byte equal to the last acknowledged
 * write.
 *
 * <h2>Dirty and degraded</h2>
 *
 * A crash while writes were in flight leaves the array dirty; if a member had failed (or a spare
 * was still being rebuilt) it is also degraded, which md refuses to start (the write hole: a stripe
 * whose data and parity writes were cut apart reconstructs its missing block wrongly) unless
 * forced, and so does {@link AssemblyPlanner}. The campaign then forces the assembly, as {@code
 * mdadm --assemble --force} would (keeping the array dirty, so it still resyncs after the rebuild),
 * and checks what is still guaranteed: every byte outside the write hole. The bytes exempted are
 * those of missing or rebuilding slots (above their recovery point) in stripes a non-durable write
 * touched; everything else, parity included, is checked as usual. The counts say how many.
 *
 * <p>Runs per shape: {@code -Djraid.campaign.runs=N} (default 1); cycles per run: {@code
 * -Djraid.campaign.cycles=N} (default 3); only the shapes whose name contains a text: {@code
 * -Djraid.campaign.shapes=raid6}; replacements {@code -Djraid.campaign.replaces=on|often|off}
 * (default on); pass them with {@code -Djraid.test.flags=...}. The base seed is printed; {@code
 * -Djraid.seed=N} replays the same operations, faults and cut points (the interleaving of the
 * threads is the machine's); {@code -Djraid.campaign.runSeed=N} replays one run of a failure's
 * report.
 */
class CrashCampaignTest {

  static final int RUNS = Integer.getInteger("jraid.campaign.runs", 1);
  static final int CYCLES = Integer.getInteger("jraid.campaign.cycles", 3);

  /**
   * One run's seed, as a failure reports it ({@code shape, seed N, cycle C}): every run of the
   * shapes selected uses it (pair it with {@code jraid.campaign.shapes}); runs repeat it.
   */
  static final @Nullable Long RUN_SEED = Long.getLong("jraid.campaign.runSeed");

  /**
   * How often fate starts {@code --replace} copies: {@code on} (the default: now and then, when a
   * spare is at hand), {@code often} (at every chance, adding the spare if none is: the mode that
   * found the replace defects in RELIABILITY.md), or {@code off}.
   */
  static final String REPLACES = replacesMode(System.getProperty("jraid.campaign.replaces", "on"));

  private static String replacesMode(String mode) {
    if (!List.of("on", "often", "off").contains(mode)) {
      throw new IllegalArgumentException(
          "-Djraid.campaign.replaces=" + mode + ": expected on, often or off");
    }
    return mode;
  }

  private static final long MEMBER_BYTES = 6L << 20;
  private static final long IO_TIMEOUT_SECONDS = 60;
  private static final Tally TALLY = new Tally();
  private static final Logger JRAID_LOG = Logger.getLogger("io.jraid");
  private static @Nullable Level savedLevel;

  @TempDir Path dir;

  /** The shapes; {@code -Djraid.campaign.shapes=raid6} keeps those whose name contains it. */
  static Stream<CampaignShape> shapes() {
    String only = System.getProperty("jraid.campaign.shapes", "");
    return Stream.of(
            new CampaignShape(5, 3, 16),
            new CampaignShape(5, 4, 64),
            new CampaignShape(5, 5, 4),
            new CampaignShape(6, 4, 32),
            new CampaignShape(6, 5, 64),
            new CampaignShape(6, 6, 8),
            new CampaignShape(4, 4, 32), // RAID-4: parity always on the last member
            // With a write-intent bitmap: resync after the cut visits only chunks with bits set,
            // so the parity check afterwards also checks that every write's bit was durable
            // first and that no bit was cleared before its writes were.
            new CampaignShape(5, 4, 16, 16),
            new CampaignShape(6, 5, 8, 64))
        .filter(s -> s.toString().contains(only));
  }

  @BeforeAll
  static void quiet() {
    // Every cut makes every member fail in the engine's eyes: warnings by the hundred. Errors
    // (a management task that threw, say) still show.
    savedLevel = JRAID_LOG.getLevel();
    JRAID_LOG.setLevel(Level.SEVERE);
  }

  @AfterAll
  static void summary() {
    JRAID_LOG.setLevel(savedLevel);
    System.out.println("crash campaign (in process): " + TALLY.line());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("shapes")
  void membersFailSparesRebuildAndThePowerIsCut(CampaignShape shape) throws Exception {
    for (int run = 0; run < RUNS; run++) {
      long seed =
          RUN_SEED != null
              ? RUN_SEED
              : shape.bitmapKib() == 0
                  ? Seeds.of(70, shape.level(), shape.disks(), shape.chunkKib(), run)
                  : Seeds.of(
                      70, shape.level(), shape.disks(), shape.chunkKib(), shape.bitmapKib(), run);
      Path runDir = Files.createDirectories(dir.resolve("run" + run));
      Run r = new Run(shape, seed, runDir);
      if (r.direct) {
        TALLY.directRuns.incrementAndGet();
      }
      r.go();
      try (Stream<Path> files = Files.list(runDir)) {
        for (Path f : files.toList()) {
          Files.delete(f);
        }
      }
      TALLY.runs.incrementAndGet();
    }
  }

  /** The campaign's counts, over every run of the class. */
  static final class Tally {
    final AtomicLong runs = new AtomicLong();
    final AtomicLong directRuns = new AtomicLong();
    final AtomicLong cuts = new AtomicLong();
    final AtomicLong quietCuts = new AtomicLong();
    final AtomicLong failedByRequest = new AtomicLong();
    final AtomicLong writeErrorFaults = new AtomicLong();
    final AtomicLong deadDisks = new AtomicLong();
    final AtomicLong readErrorWindows = new AtomicLong();
    final AtomicLong sparesAdded = new AtomicLong();
    final AtomicLong sparesRebuilt = new AtomicLong();
    final AtomicLong replacesStarted = new AtomicLong();
    final AtomicLong forced = new AtomicLong();
    final AtomicLong writes = new AtomicLong();
    final AtomicLong flushes = new AtomicLong();
    final AtomicLong reads = new AtomicLong();
    final AtomicLong bytesVerified = new AtomicLong();
    final AtomicLong maybeBytes = new AtomicLong();
    final AtomicLong exemptBytes = new AtomicLong();
    final AtomicLong stripesChecked = new AtomicLong();

    String line() {
      long failures =
          failedByRequest.get() + writeErrorFaults.get() + deadDisks.get() + readErrorWindows.get();
      return "runs "
          + runs
          + " ("
          + directRuns
          + " with O_DIRECT members), power cuts "
          + cuts
          + " ("
          + quietCuts
          + " after the writes went quiet), member failures injected "
          + failures
          + " (manage --fail "
          + failedByRequest
          + ", write-error ranges "
          + writeErrorFaults
          + ", dying disks "
          + deadDisks
          + ", read-error windows "
          + readErrorWindows
          + "), spares added "
          + sparesAdded
          + ", spares rebuilt "
          + sparesRebuilt
          + ", replaces started "
          + replacesStarted
          + ", forced dirty-degraded assemblies "
          + forced
          + ", writes "
          + writes
          + ", flushes "
          + flushes
          + ", reads checked "
          + reads
          + ", bytes verified "
          + bytesVerified
          + " ("
          + maybeBytes
          + " held a non-durable write's value, "
          + exemptBytes
          + " exempt in the write hole), stripes parity-checked "
          + stripesChecked;
    }
  }

  /** Waits for one asynchronous request; its error, or null. */
  static @Nullable Throwable io(Consumer<IoCompletion> request) throws InterruptedException {
    CompletableFuture<Void> f = new CompletableFuture<>();
    request.accept(e -> {
      if (e == null) {
        f.complete(null);
      } else {
        f.completeExceptionally(e);
      }
    });
    try {
      f.get(IO_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      return null;
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (TimeoutException e) {
      return new Hung();
    }
  }

  /** A request that did not complete within {@link #IO_TIMEOUT_SECONDS}. */
  static final class Hung extends Exception {
    private static final long serialVersionUID = 1;

    Hung() {
      super("the request did not complete within " + IO_TIMEOUT_SECONDS + " s");
    }
  }

  /** One seeded run over one array. */
  static final class Run {
    private final CampaignShape shape;
    private final long seed;
    private final SplittableRandom random;
    private final Path dir;

    /** The devices the next assembly is given (members and spares). */
    private final List<Path> members = new ArrayList<>();

    /** The fault injectors over the running array's devices, by path. */
    private final Map<Path, FaultyDevice> faulty = new LinkedHashMap<>();

    private final List<String> problems = new ArrayList<>();

    /** The devices' I/O this cycle, for a lost block's history in a failure's report. */
    private final IoHistory history = new IoHistory();

    /** What happened this cycle (faults, spares, the cut, the assembly), for a failure's report. */
    private final List<String> journal = new ArrayList<>();

    /**
     * Half the runs open their members with O_DIRECT (where the file system has it), chosen from
     * the seed without a draw from {@link #random}, so that older seeds still replay.
     */
    private final boolean direct;

    private int blanks;
    private int cycle;
    private RaidArray array;
    private ArrayGeometry geometry;
    private DurabilityModel model;

    Run(CampaignShape shape, long seed, Path dir) {
      this.shape = shape;
      this.seed = seed;
      this.random = new SplittableRandom(seed);
      this.dir = dir;
      this.direct = Math.floorMod(seed, 2) == 1 && io.jraid.testing.ArrayFiles.directIoWorks(dir);
    }

    private String where() {
      return shape + ", seed " + seed + ", cycle " + cycle + (direct ? ", O_DIRECT" : "");
    }

    void go() throws Exception {
      create();
      AssemblyDecision decision = decide();
      assertThat(decision.verdict()).as(where()).isEqualTo(AssemblyDecision.Verdict.CLEAN);
      open(decision);
      geometry = array.engine().geometry();
      model = new DurabilityModel(new byte[(int) array.size()]);
      for (cycle = 0; cycle < CYCLES; cycle++) {
        life();
        AssembledAfterCut after = reassemble();
        awaitSynced();
        check(after);
      }
      List<MemberView> before = array.members();
      List<ArrayEvent> events = array.events();
      array.close();
      AssemblyDecision end = decide();
      assertThat(end.verdict())
          .as(
              "%s: after a clean stop: %s; excluded %s; notes %s; superblocks %s; members before"
                  + " the stop %s; events %s",
              where(), end.reason(), end.excluded(), end.notes(), superblocks(), before, events)
          .isEqualTo(AssemblyDecision.Verdict.CLEAN);
      try (RaidArray clean = RaidArray.open(end, true)) {
        assertThat(readAll(clean))
            .as("%s: after a clean stop, the last acknowledged data", where())
            .isEqualTo(model.current());
      }
    }

    // ---- members ----------------------------------------------------------------------------

    private Path blank() throws IOException {
      return io.jraid.testing.ArrayFiles.blank(dir, "m" + blanks++ + ".img", MEMBER_BYTES);
    }

    private void create() throws Exception {
      List<BlockDevice> devices = new ArrayList<>();
      List<CreatePlanner.Device> planned = new ArrayList<>();
      for (int i = 0; i < shape.disks(); i++) {
        Path p = blank();
        members.add(p);
        BlockDevice d = FileDevice.openReadWrite(p);
        devices.add(d);
        planned.add(new CreatePlanner.Device(d.name(), d.sectors()));
      }
      CreateRequest r =
          new CreateRequest(
              shape.level(),
              shape.disks(),
              shape.chunkKib() * 2,
              null,
              MetadataVersion.V1_2,
              "crash",
              "test",
              shape.bitmapKib() == 0 ? CreateRequest.Bitmap.NONE : CreateRequest.Bitmap.INTERNAL,
              true, // zeroed members: the parity of zeros is zeros
              0,
              shape.bitmapKib() * 1024L);
      CreatePlan plan =
          CreatePlanner.plan(
              r, planned, CreatePlanner.Identity.random(shape.disks(), InstantSource.system()));
      ArrayCreator.write(plan, devices);
      for (BlockDevice d : devices) {
        d.close();
      }
    }

    private AssemblyDecision decide() throws IOException, AssemblyException {
      List<Member> found = new ArrayList<>();
      for (Path p : List.copyOf(members)) {
        try {
          found.add(MemberReader.read(p));
        } catch (FormatException e) {
          // A spare whose superblock the cut undid (added, never flushed): a blank again.
          members.remove(p);
        }
      }
      return AssemblyPlanner.plan(found);
    }

    private void open(AssemblyDecision decision) throws IOException {
      faulty.clear();
      array =
          RaidArray.open(
              decision,
              false,
              (path, readOnly) -> {
                BlockDevice file =
                    FileDevice.builder(path).readWrite(!readOnly).direct(direct).open();
                if (readOnly) {
                  return file;
                }
                FaultyDevice f = new FaultyDevice(file).trackUnflushedWrites(true);
                synchronized (faulty) {
                  faulty.put(path, f);
                }
                return history.traced(f, path.getFileName().toString());
              });
      array.onEvent(e -> {
        if (e.kind() == ArrayEvent.Kind.SPARE_ACTIVE && e.message().contains("rebuilt")) {
          TALLY.sparesRebuilt.incrementAndGet();
        }
      });
      members.clear();
      for (Slot s : decision.slots()) {
        if (s.member() != null) {
          members.add(Path.of(s.member().path()));
        }
      }
      for (Member m : decision.spares()) {
        members.add(Path.of(m.path()));
      }
      for (AssemblyDecision.Replacement r : decision.replacements()) {
        members.add(Path.of(r.member().path())); // a resumed copy: the next assembly needs it too
      }
    }

    private void addSpare() throws IOException {
      Path spare = blank();
      array.add(spare, false);
      members.add(spare);
      TALLY.sparesAdded.incrementAndGet();
    }

    // ---- life: I/O and faults until the cut --------------------------------------------------

    private volatile boolean stop;
    private volatile boolean cut;
    private volatile boolean paused;
    private final AtomicLong ops = new AtomicLong();

    /** Devices with a fault injected that has not yet failed them, and read-error windows. */
    private final Map<Path, Long> latent = new LinkedHashMap<>();

    private @Nullable Path readErrors;
    private long readErrorsUntil;

    /** The op count at which the power goes (brought forward, sometimes, by a failure). */
    private long target;

    private void life() throws Exception {
      synchronized (this) {
        journal.clear();
      }
      history.clear();
      stop = false;
      cut = false;
      paused = false;
      ops.set(0);
      latent.clear();
      readErrors = null;
      target = 100L + random.nextInt(1200);
      boolean quiet = random.nextInt(4) == 0;
      List<Thread> writers = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        Writer w = new Writer(random.nextLong(), i);
        writers.add(Thread.ofPlatform().name("campaign-writer-" + i).start(w));
      }
      while (ops.get() < target && problems().isEmpty()) {
        Thread.sleep(1 + random.nextInt(8));
        Path errors = readErrors;
        if (errors != null && ops.get() > readErrorsUntil) {
          FaultyDevice f;
          synchronized (faulty) {
            f = faulty.get(errors);
          }
          if (f != null) {
            f.clearFaults();
          }
          latent.remove(errors);
          readErrors = null;
        }
        if (random.nextInt(6) == 0) {
          chaos();
        }
      }
      if (quiet && problems().isEmpty()) {
        paused = true;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (!array.recordedClean() && System.nanoTime() < deadline) {
          Thread.sleep(5);
        }
        TALLY.quietCuts.incrementAndGet();
      }
      note(
          "power cut"
              + (quiet ? " (quiet, recorded clean " + array.recordedClean() + ")" : "")
              + "; members "
              + array.members()
              + ", sync "
              + array.engine().syncJob());
      cut = true;
      List<FaultyDevice> devices;
      synchronized (faulty) {
        devices = List.copyOf(faulty.values());
      }
      history.mark("power cut");
      FaultyDevice.powerCut(devices);
      TALLY.cuts.incrementAndGet();
      stop = true;
      for (Thread t : writers) {
        t.join(TimeUnit.SECONDS.toMillis(2 * IO_TIMEOUT_SECONDS));
        if (t.isAlive()) {
          problem(t.getName() + " is stuck after the cut");
        }
      }
      try {
        array.close(); // nothing reaches the members any more: the crash
      } catch (IOException | RuntimeException e) {
        // expected: no superblock can be written
      }
      assertThat(problems())
          .as("%s; journal %s; events %s", where(), journal(), array.events())
          .isEmpty();
    }

    private FaultyDevice faultyOf(Path p) {
      synchronized (faulty) {
        FaultyDevice f = faulty.get(p);
        if (f == null) {
          throw new IllegalStateException(p + " is not open");
        }
        return f;
      }
    }

    /** One random act of fate, within what the level survives. */
    private void chaos() throws Exception {
      List<MemberView> views = array.members();
      for (MemberView v : views) {
        if (v.state() == MemberView.State.FAULTY) {
          latent.remove(Path.of(v.device()));
        }
      }
      StripeEngine engine = array.engine();
      boolean budget = engine.failedMembers() + latent.size() < geometry.parityDisks();
      List<MemberView> active =
          views.stream()
              .filter(v -> v.state() == MemberView.State.ACTIVE && v.slot() >= 0)
              .filter(v -> !latent.containsKey(Path.of(v.device())))
              .toList();
      switch (random.nextInt(10)) {
        case 0, 1, 2 -> {
          if (budget && !active.isEmpty()) {
            injectFailure(active.get(random.nextInt(active.size())));
          }
        }
        case 3 -> {
          if (budget && !active.isEmpty() && readErrors == null) {
            MemberView v = active.get(random.nextInt(active.size()));
            Path p = Path.of(v.device());
            long sector = dataSector();
            int count = 8 + random.nextInt(256);
            faultyOf(p).failReads(sector, count);
            note("read errors on " + v + " sectors " + sector + "+" + count);
            latent.put(p, ops.get());
            readErrors = p;
            readErrorsUntil = ops.get() + 20 + random.nextInt(200);
            TALLY.readErrorWindows.incrementAndGet();
          }
        }
        case 4, 5 -> {
          long spares = views.stream().filter(v -> v.state() == MemberView.State.SPARE).count();
          if (spares < 2 && (engine.failedMembers() > 0 || random.nextInt(3) == 0)) {
            addSpare();
            note("spare added; members " + array.members());
          }
        }
        case 6 -> {
          for (MemberView v : views) {
            if (v.state() == MemberView.State.FAULTY) {
              Path p = Path.of(v.device());
              synchronized (faulty) {
                faulty.remove(p); // the array closes it
              }
              array.remove(v.device());
              note("removed " + v);
              members.remove(p);
              latent.remove(p);
              if (p.equals(readErrors)) {
                readErrors = null;
              }
              break;
            }
          }
        }
        case 7 -> {
          if (random.nextBoolean()) {
            long kibps = 500L + random.nextInt(4000); // a rebuild of a few seconds: cut midway
            array.speedLimits(kibps, kibps);
            note("speed " + kibps);
          } else {
            array.speedLimits(200_000, 200_000);
          }
        }
        case 8 -> {
          // mdadm --replace: a working member copied onto a spare while it keeps serving.
          boolean spare = views.stream().anyMatch(v -> v.state() == MemberView.State.SPARE);
          boolean often = REPLACES.equals("often");
          if (often && !spare && !active.isEmpty()) {
            addSpare();
            spare = true;
          }
          boolean now = often || (REPLACES.equals("on") && random.nextInt(3) == 0);
          if (now && spare && !active.isEmpty()) {
            MemberView v = active.get(random.nextInt(active.size()));
            try {
              array.replace(v.device(), null);
              note("replacing " + v + "; members " + array.members());
              TALLY.replacesStarted.incrementAndGet();
            } catch (IllegalStateException refused) {
              // already being replaced, or no longer in sync: md refuses too
            }
          }
        }
        default -> {
          // a quiet moment
        }
      }
    }

    /** Each device's own view after the cut: role, events, flags, recovery offset. */
    private String superblocks() {
      StringBuilder b = new StringBuilder();
      for (Path p : members) {
        try {
          Member m = MemberReader.read(p);
          Superblock1 sb = m.superblock();
          b.append(p.getFileName())
              .append("{dev ")
              .append(sb.devNumber())
              .append(" role ")
              .append(m.ownRole())
              .append(" events ")
              .append(sb.events())
              .append(sb.has(FeatureMap.REPLACEMENT) ? " replacement" : "")
              .append(sb.has(FeatureMap.RECOVERY_OFFSET) ? " recovery " + sb.recoveryOffset() : "")
              .append(" table ")
              .append(roleTable(sb.roles()))
              .append("} ");
        } catch (IOException | FormatException e) {
          b.append(p.getFileName()).append("{").append(e.getMessage()).append("} ");
        }
      }
      return b.toString();
    }

    /** A role table as descriptor:role pairs, spares left out (F = faulty). */
    private static String roleTable(RoleTable roles) {
      StringBuilder b = new StringBuilder("[");
      for (int i = 0; i < roles.size(); i++) {
        int role = roles.role(i);
        if (role != RoleTable.SPARE) {
          b.append(b.length() > 1 ? " " : "")
              .append(i)
              .append(':')
              .append(role == RoleTable.FAULTY ? "F" : Integer.toString(role));
        }
      }
      return b.append(']').toString();
    }

    private long dataSector() {
      return geometry.dataOffset() + random.nextLong(geometry.devSectors() - 512);
    }

    private void injectFailure(MemberView v) throws IOException {
      Path p = Path.of(v.device());
      if (random.nextInt(4) == 0) {
        // The power goes just after: while the failure may not be recorded yet.
        target = Math.min(target, ops.get() + random.nextInt(30));
      }
      switch (random.nextInt(3)) {
        case 0 -> {
          try {
            array.fail(v.device());
            note("failed " + v + " by request");
            TALLY.failedByRequest.incrementAndGet();
          } catch (IllegalStateException refused) {
            // the array counted differently (a failure just happened): md refuses too
          }
        }
        case 1 -> {
          long sector = dataSector();
          int count = 8 + random.nextInt(4096);
          faultyOf(p).failWrites(sector, count);
          note("write errors on " + v + " sectors " + sector + "+" + count);
          latent.put(p, ops.get());
          TALLY.writeErrorFaults.incrementAndGet();
        }
        default -> {
          int n = random.nextInt(300);
          faultyOf(p).failAfter(n);
          note("dies after " + n + " operations: " + v);
          latent.put(p, ops.get());
          TALLY.deadDisks.incrementAndGet();
        }
      }
    }

    /** What the engine holds (for a request that hung), the members, and the array's threads. */
    private String audit() {
      StringBuilder threads = new StringBuilder();
      for (Map.Entry<Thread, StackTraceElement[]> t : Thread.getAllStackTraces().entrySet()) {
        String name = t.getKey().getName();
        if (name.startsWith("jraid-") && !name.startsWith("jraid-io")) {
          threads.append("\n  ").append(name).append(" ").append(t.getKey().getState());
          for (int i = 0; i < Math.min(12, t.getValue().length); i++) {
            threads.append("\n    at ").append(t.getValue()[i]);
          }
        }
      }
      String engine;
      try {
        engine = array.engine().audit();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        engine = "interrupted";
      } catch (RuntimeException e) {
        engine = "audit failed: " + e;
      }
      return "engine: " + engine + "; members " + array.members() + "; threads:" + threads;
    }

    private synchronized void note(String what) {
      journal.add("@" + ops.get() + " " + what);
    }

    private synchronized List<String> journal() {
      return List.copyOf(journal);
    }

    private synchronized void problem(String what) {
      problems.add(what);
    }

    private synchronized List<String> problems() {
      return List.copyOf(problems);
    }

    /** A client: random writes, flushes and reads, each checked against the model. */
    private final class Writer implements Runnable {
      private final SplittableRandom r;
      private final int id;
      private boolean failedSinceCut;

      Writer(long seed, int id) {
        this.r = new SplittableRandom(seed);
        this.id = id;
      }

      @Override
      public void run() {
        long stripeBytes = (long) geometry.dataDisks() * geometry.chunkSectors() * 512;
        int max = (int) Math.max(256 * 1024, 2 * stripeBytes);
        try (Arena arena = Arena.ofShared()) {
          MemorySegment buffer = arena.allocate(max, 4096);
          while (!stop && !(cut && failedSinceCut)) {
            if (paused) {
              Thread.sleep(1);
              continue;
            }
            int k = r.nextInt(100);
            if (k < 12) {
              flush();
            } else if (k < 30) {
              read(buffer);
            } else {
              write(buffer, k < 38, stripeBytes);
            }
            ops.incrementAndGet();
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
          problem("writer " + id + " threw " + e);
        }
      }

      private long[] range(long stripeBytes) {
        long size = model.size();
        long offset;
        long length;
        int shape = r.nextInt(10);
        if (shape < 4) {
          length = 4096L * (1 + r.nextInt(r.nextInt(4) == 0 ? 64 : 8));
          offset = 4096L * r.nextLong(size / 4096);
        } else if (shape < 5) {
          length = stripeBytes * (1 + r.nextInt(2));
          offset = stripeBytes * r.nextLong(size / stripeBytes);
        } else {
          length = 1L + r.nextInt(r.nextBoolean() ? 600 : 20_000);
          offset = r.nextLong(size);
        }
        length = Math.min(length, size - offset);
        return new long[] {offset, length};
      }

      private void write(MemorySegment buffer, boolean fua, long stripeBytes)
          throws InterruptedException {
        long[] range = range(stripeBytes);
        long offset = range[0];
        int length = (int) range[1];
        if (!model.reserve(offset, length)) {
          return;
        }
        try {
          byte[] data = new byte[length];
          r.nextBytes(data);
          MemorySegment src = buffer.asSlice(0, length);
          MemorySegment.copy(MemorySegment.ofArray(data), 0, src, 0, length);
          Throwable e = io(done -> array.write(src, offset, fua, done));
          if (e instanceof Hung) {
            String audit;
            try {
              audit = array.engine().audit();
            } catch (RuntimeException x) {
              audit = x.toString();
            }
            problem(
                where()
                    + ": a write of "
                    + length
                    + " bytes at "
                    + offset
                    + " hung; "
                    + audit
                    + " failed "
                    + array.engine().failedMembers()
                    + " members "
                    + array.members());
          }
          if (e == null) {
            model.acknowledged(offset, data, fua);
          } else {
            model.failed(offset, data);
            failedSinceCut = cut;
            if (!cut) {
              problem(where() + ": a write of " + length + " bytes at " + offset + " failed: " + e);
            }
          }
          TALLY.writes.incrementAndGet();
        } finally {
          model.release(offset, length);
        }
      }

      private void read(MemorySegment buffer) throws InterruptedException {
        long[] range = range(4096);
        long offset = range[0];
        int length = (int) range[1];
        if (!model.reserve(offset, length)) {
          return;
        }
        try {
          MemorySegment dst = buffer.asSlice(0, length);
          Throwable e = io(done -> array.read(dst, offset, done));
          if (e instanceof Hung) {
            problem(
                where() + ": a read of " + length + " bytes at " + offset + " hung; " + audit());
          }
          if (cut) {
            failedSinceCut = true;
            return; // after the cut, reads fail or race the cut: nothing to learn
          }
          if (e != null) {
            problem(where() + ": a read of " + length + " bytes at " + offset + " failed: " + e);
            return;
          }
          String diff = model.checkRead(offset, dst.toArray(ValueLayout.JAVA_BYTE));
          if (diff != null) {
            problem(where() + ": " + diff);
          }
          TALLY.reads.incrementAndGet();
        } finally {
          model.release(offset, length);
        }
      }

      private void flush() throws InterruptedException {
        long mark = model.flushStarted();
        Throwable e = io(done -> array.flush(done));
        if (e instanceof Hung) {
          problem(where() + ": a flush hung; " + audit());
        }
        failedSinceCut = cut && e != null;
        if (e == null) {
          model.flushed(mark);
        } else if (!cut) {
          problem(where() + ": a flush failed: " + e + "; members " + array.members());
        }
        TALLY.flushes.incrementAndGet();
      }
    }

    // ---- after the cut -----------------------------------------------------------------------

    /** How the array came back: forced or not, and the bytes the write hole exempts. */
    record AssembledAfterCut(AssemblyDecision decision, boolean forced, BitSet exempt) {}

    private AssembledAfterCut reassemble() throws Exception {
      unflushedAtCut = model.pendingWrites();
      history.mark("assembly");
      AssemblyDecision d;
      try {
        d = decide();
      } catch (AssemblyException e) {
        throw new AssertionError(
            where()
                + ": the members do not assemble after the cut: "
                + e.getMessage()
                + "; superblocks "
                + superblocks()
                + "; journal "
                + journal(),
            e);
      }
      boolean forced = false;
      BitSet exempt = new BitSet();
      if (!d.verdict().runnable()) {
        long degraded = d.slots().stream().filter(s -> s.state() != SlotState.IN_SYNC).count();
        assertThat(!d.freshest().clean() && degraded <= geometry.parityDisks())
            .as(
                "%s: not runnable, and not for the write hole: %s; excluded %s; notes %s;"
                    + " superblocks %s; journal %s",
                where(), d.reason(), d.excluded(), d.notes(), superblocks(), journal())
            .isTrue();
        exempt = writeHole(d);
        d =
            new AssemblyDecision(
                AssemblyDecision.Verdict.DEGRADED,
                "forced (mdadm --assemble --force): " + d.reason(),
                d.freshest(),
                d.slots(),
                d.spares(),
                d.excluded(),
                d.notes(),
                d.replacements());
        forced = true;
        TALLY.forced.incrementAndGet();
      }
      note(
          "assembled "
              + (forced ? "by force " : "")
              + d.verdict()
              + ": "
              + d.reason()
              + "; slots "
              + d.slots().stream()
                  .map(sl -> sl.role() + "=" + sl.state() + "@" + sl.recoveryOffset())
                  .toList());
      for (AssemblyDecision.Excluded e : d.excluded()) {
        Path p = Path.of(e.member().path());
        members.remove(p);
        Files.deleteIfExists(p);
      }
      open(d);
      array.speedLimits(200_000, 200_000);
      long missing = d.slots().stream().filter(s -> s.state() == SlotState.MISSING).count();
      for (long k = d.spares().size(); k < missing; k++) {
        addSpare();
      }
      return new AssembledAfterCut(d, forced, exempt);
    }

    /**
     * The bytes of missing or rebuilding slots (above their recovery point) in the stripes that a
     * write not made durable touched: where a forced dirty-degraded assembly may rebuild wrong data
     * (md's write hole).
     */
    private BitSet writeHole(AssemblyDecision d) {
      StripeMap map = new StripeMap(geometry);
      long[] from = new long[geometry.raidDisks()];
      java.util.Arrays.fill(from, Long.MAX_VALUE);
      for (Slot s : d.slots()) {
        if (s.state() == SlotState.MISSING) {
          from[s.role()] = 0;
        } else if (s.state() == SlotState.REBUILDING) {
          from[s.role()] = s.recoveryOffset();
        }
      }
      Set<Long> torn = new HashSet<>();
      for (long[] w : model.unflushed()) {
        for (long b = w[0] / 4096; b <= (w[0] + w[1] - 1) / 4096; b++) {
          torn.add(map.memberSector(b * 8) >>> 3);
        }
      }
      BitSet exempt = new BitSet();
      long blocks = model.size() / 4096;
      for (long b = 0; b < blocks; b++) {
        long arraySector = b * 8;
        long memberSector = map.memberSector(arraySector);
        int member = map.member(map.stripe(arraySector), map.ddIdx(arraySector));
        if (memberSector >= from[member] && torn.contains(memberSector >>> 3)) {
          exempt.set((int) (b * 4096), (int) (b * 4096 + 4096));
        }
      }
      return exempt;
    }

    /** Where the first lost bytes lie, and the writes not durable in their stripe. */
    private String diagnose(DurabilityModel.CrashCheck c, AssembledAfterCut after, byte[] actual) {
      if (c.lost().isEmpty()) {
        return "";
      }
      StripeMap map = new StripeMap(geometry);
      long at = c.lost().getFirst();
      long arraySector = at / 512;
      long stripe = map.stripe(arraySector);
      long memberSector = map.memberSector(arraySector);
      StringBuilder b =
          new StringBuilder("first lost byte ")
              .append(at)
              .append(": slot ")
              .append(map.member(stripe, map.ddIdx(arraySector)))
              .append(", member sector ")
              .append(memberSector)
              .append(", P ")
              .append(map.pdIdx(stripe))
              .append(", Q ")
              .append(map.qdIdx(stripe))
              .append(", exempt ")
              .append(after.exempt().get((int) at))
              .append("; writes not durable in that stripe:");
      for (long[] w : unflushedAtCut) {
        for (long blk = w[0] / 4096; blk <= (w[0] + w[1] - 1) / 4096; blk++) {
          if (map.memberSector(blk * 8) >>> 3 == memberSector >>> 3) {
            b.append(" [")
                .append(w[0])
                .append("+")
                .append(w[1])
                .append(" ack ")
                .append(w[2])
                .append("]");
            break;
          }
        }
      }
      long block = at & ~4095L;
      b.append("; block hashes: durable ")
          .append(
              Long.toHexString(IoHistory.hash(MemorySegment.ofArray(model.durable(block, 4096)))))
          .append(", found ")
          .append(
              Long.toHexString(IoHistory.hash(MemorySegment.ofArray(actual).asSlice(block, 4096))))
          .append("; history of the member block at device byte ")
          .append((geometry.dataOffset() + (memberSector & ~7L)) * 512)
          .append(':')
          .append(history.of((geometry.dataOffset() + (memberSector & ~7L)) * 512));
      return b.toString();
    }

    private List<long[]> unflushedAtCut = List.of();

    private void awaitSynced() throws InterruptedException {
      StripeEngine engine = array.engine();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (System.nanoTime() < deadline) {
        SyncJob job = engine.syncJob();
        if (engine.failedMembers() == 0
            && engine.syncedBelow() == Long.MAX_VALUE
            && (job == null || job.finished())) {
          return;
        }
        Thread.sleep(10);
      }
      throw new AssertionError(
          where()
              + ": resync/recovery did not finish: "
              + array.members()
              + ", sync "
              + engine.syncJob()
              + ", failed members "
              + engine.failedMembers()
              + ", synced below "
              + engine.syncedBelow()
              + ", events "
              + array.events()
              + ", journal "
              + journal());
    }

    private void check(AssembledAfterCut after) throws Exception {
      byte[] actual = readAll(array);
      DurabilityModel.CrashCheck c = model.checkAfterCrash(actual, after.exempt());
      assertThat(c.problems())
          .as(
              "%s: data after the cut; %s; journal %s; events %s",
              where(), diagnose(c, after, actual), journal(), array.events())
          .isEmpty();
      TALLY.bytesVerified.addAndGet(c.bytes() - c.exemptBytes());
      TALLY.maybeBytes.addAndGet(c.maybeBytes());
      TALLY.exemptBytes.addAndGet(c.exemptBytes());
      BlockDevice[] byRole = new BlockDevice[geometry.raidDisks()];
      try {
        for (MemberView v : array.members()) {
          if (v.state() == MemberView.State.ACTIVE && v.slot() >= 0) {
            byRole[v.slot()] = FileDevice.openReadOnly(Path.of(v.device()));
          }
        }
        assertThat(byRole)
            .as("%s: every slot in sync: %s", where(), array.members())
            .doesNotContainNull();
        long bad = EngineHarness.inconsistentStripes(geometry, byRole, 0, geometry.devSectors());
        assertThat(bad)
            .as(
                "%s: stripes with wrong parity after the resync (%s); members %s; journal %s;"
                    + " events %s",
                where(),
                bad == 0
                    ? ""
                    : EngineHarness.describeInconsistentStripes(
                        geometry, byRole, 0, geometry.devSectors()),
                array.members(),
                journal(),
                array.events())
            .isZero();
        TALLY.stripesChecked.addAndGet(geometry.devSectors() / 8);
      } finally {
        for (BlockDevice d : byRole) {
          if (d != null) {
            d.close();
          }
        }
      }
      model.settle(actual);
    }

    private static byte[] readAll(RaidArray a) throws Exception {
      try (Arena arena = Arena.ofShared()) {
        MemorySegment buffer = arena.allocate(a.size(), 4096);
        Throwable e = io(done -> a.read(buffer, 0, done));
        if (e != null) {
          throw new AssertionError("reading the whole array failed", e);
        }
        return buffer.toArray(ValueLayout.JAVA_BYTE);
      }
    }
  }
}
