package io.jraid.array;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jraid.device.BlockDevice;
import io.jraid.device.FileDevice;
import io.jraid.format.FeatureMap;
import io.jraid.format.MetadataVersion;
import io.jraid.format.RoleTable;
import io.jraid.format.Superblock1;
import io.jraid.stripe.EngineHarness;
import io.jraid.testing.ArrayFiles;
import io.jraid.testing.Seeds;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * mdadm --manage on a running array, with the members' own superblocks (read back from the files)
 * and a plain copy of the data as oracles: a failed member is recorded faulty on the others, a
 * spare added to a degraded array is rebuilt and recorded in sync, a hot spare takes over a failed
 * member by itself, RAID-6 rebuilds two at once, an interrupted rebuild resumes from its recorded
 * point, and what would lose data is refused.
 */
class ManageTest {

  @TempDir Path dir;

  private static final long MEMBER_BYTES = 12L << 20;

  private Path blank(String name) throws Exception {
    return ArrayFiles.blank(dir, name, MEMBER_BYTES);
  }

  private List<Path> create(int level, int n) throws Exception {
    CreateRequest r =
        new CreateRequest(
            level,
            n,
            64,
            null,
            MetadataVersion.V1_2,
            "manage",
            "test",
            CreateRequest.Bitmap.NONE,
            true,
            0);
    return ArrayFiles.create(dir, r, MEMBER_BYTES);
  }

  /** A RAID-5 of 4 with an internal write-intent bitmap of 64 KiB a bit. */
  private List<Path> createWithBitmap() throws Exception {
    CreateRequest r =
        new CreateRequest(
            5,
            4,
            64,
            null,
            MetadataVersion.V1_2,
            "manage",
            "test",
            CreateRequest.Bitmap.INTERNAL,
            true,
            0,
            64 * 1024);
    return ArrayFiles.create(dir, r, MEMBER_BYTES);
  }

  private static AssemblyDecision decide(List<Path> paths) throws Exception {
    return ArrayFiles.decide(paths);
  }

  private static Superblock1 sb(Path p) throws Exception {
    return MemberReader.read(p).superblock();
  }

  private static byte[] fill(RaidArray array, SplittableRandom random) throws Exception {
    byte[] data = new byte[(int) array.size()];
    random.nextBytes(data);
    try (Arena arena = Arena.ofShared()) {
      MemorySegment buffer = arena.allocate(data.length, 4096);
      MemorySegment.copy(MemorySegment.ofArray(data), 0, buffer, 0, data.length);
      CompletableFuture<Void> done = new CompletableFuture<>();
      array.write(buffer, 0, false, e -> complete(done, e));
      done.get(60, TimeUnit.SECONDS);
    }
    return data;
  }

  private static byte[] contents(RaidArray array) throws Exception {
    try (Arena arena = Arena.ofShared()) {
      MemorySegment buffer = arena.allocate(array.size(), 4096);
      CompletableFuture<Void> done = new CompletableFuture<>();
      array.read(buffer, 0, e -> complete(done, e));
      done.get(60, TimeUnit.SECONDS);
      return buffer.toArray(ValueLayout.JAVA_BYTE);
    }
  }

  private static void complete(CompletableFuture<Void> f, Throwable e) {
    if (e == null) {
      f.complete(null);
    } else {
      f.completeExceptionally(e);
    }
  }

  private static void await(RaidArray array, String what, Predicate<List<MemberView>> condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.test(array.members()) && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    List<MemberView> now = array.members();
    assertThat(condition.test(now)).as(what + ": " + now + "; events " + array.events()).isTrue();
  }

  /** Waits until {@code count} events of {@code kind} happened (their effects are recorded). */
  private static void awaitEvents(RaidArray array, ArrayEvent.Kind kind, long count)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (array.eventCounts().getOrDefault(kind, 0L) < count && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(array.eventCounts().getOrDefault(kind, 0L))
        .as("%s events: %s", kind, array.events())
        .isGreaterThanOrEqualTo(count);
  }

  private static boolean allActive(List<MemberView> views, int slots) {
    return views.stream().filter(v -> v.state() == MemberView.State.ACTIVE).count() == slots;
  }

  /** Opens members as fault injectors over their files, kept in {@code opened} in opening order. */
  private static RaidArray.MemberOpener faultyOpener(List<io.jraid.device.FaultyDevice> opened) {
    return (path, readOnly) -> {
      io.jraid.device.FaultyDevice f =
          new io.jraid.device.FaultyDevice(FileDevice.openReadWrite(path));
      opened.add(f);
      return f;
    };
  }

  private static MemberView view(RaidArray array, Path p) {
    return array.members().stream()
        .filter(v -> v.device().equals(p.toString()))
        .findFirst()
        .orElseThrow(() -> new AssertionError(p + " not in " + array.members()));
  }

  @ParameterizedTest(name = "raid{0}")
  @ValueSource(ints = {5, 6})
  void failAddRebuildRemoveAsMdRecordsIt(int level) throws Exception {
    long seed = Seeds.of(61, level);
    SplittableRandom random = new SplittableRandom(seed);
    int n = level == 5 ? 4 : 5;
    List<Path> paths = create(level, n);
    Path victim = paths.get(random.nextInt(n));
    Path spare = blank("spare.img");
    byte[] data;
    try (RaidArray array = RaidArray.open(decide(paths), false)) {
      data = fill(array, random);
      int slot = view(array, victim).slot();
      long eventsBefore = array.superblocks().events();
      array.fail(victim.toString());
      awaitEvents(array, ArrayEvent.Kind.FAIL, 1);
      assertThat(array.engine().failedMembers()).isEqualTo(1);
      for (Path p : paths) {
        if (!p.equals(victim)) {
          Superblock1 s = sb(p);
          assertThat(s.roles().role(sb(victim).devNumber()))
              .as("%s records %s faulty", p, victim)
              .isEqualTo(RoleTable.FAULTY);
          assertThat(s.events()).isGreaterThan(eventsBefore);
        }
      }
      assertThat(contents(array)).as("seed %d: degraded reads", seed).isEqualTo(data);

      array.add(spare, false);
      awaitEvents(array, ArrayEvent.Kind.REBUILD_FINISHED, 1);
      await(array, "spare rebuilt", v -> allActive(v, n));
      assertThat(view(array, spare).slot()).isEqualTo(slot);
      Superblock1 spareSb = sb(spare);
      assertThat(spareSb.role()).isEqualTo(slot);
      assertThat(spareSb.has(FeatureMap.RECOVERY_OFFSET)).isFalse();
      assertThat(spareSb.setUuid()).isEqualTo(sb(paths.getFirst()).setUuid());
      assertThat(array.events().stream().map(ArrayEvent::kind))
          .contains(
              ArrayEvent.Kind.FAIL,
              ArrayEvent.Kind.SPARE_ADDED,
              ArrayEvent.Kind.REBUILD_STARTED,
              ArrayEvent.Kind.REBUILD_FINISHED);
      assertThat(view(array, victim).state()).isEqualTo(MemberView.State.FAULTY);

      assertThatThrownBy(() -> array.remove(paths.get((paths.indexOf(victim) + 1) % n).toString()))
          .hasMessageContaining("fail it first");
      array.remove(victim.toString());
      assertThat(array.members()).noneMatch(v -> v.device().equals(victim.toString()));
      assertThat(contents(array)).isEqualTo(data);
    }
    List<Path> now = new ArrayList<>(paths);
    now.set(now.indexOf(victim), spare);
    AssemblyDecision again = decide(now);
    assertThat(again.verdict()).as(again.reason()).isEqualTo(AssemblyDecision.Verdict.CLEAN);
    // The removed member's descriptor is no longer faulty in the others (md: an unused entry).
    assertThat(sb(spare).roles().role(sb(victim).devNumber())).isNotEqualTo(RoleTable.FAULTY);
    try (RaidArray array = RaidArray.open(again, true)) {
      assertThat(contents(array)).as("seed %d", seed).isEqualTo(data);
    }
    // Read with only the rebuilt member and the minimum of the others: its data is real.
    List<Path> minimal = new ArrayList<>(now);
    for (int k = 0; k < (level == 6 ? 2 : 1); k++) {
      minimal.remove(minimal.get(minimal.get(0).equals(spare) ? 1 : 0));
    }
    try (RaidArray array = RaidArray.open(decide(minimal), true)) {
      assertThat(contents(array)).as("seed %d: with the rebuilt member", seed).isEqualTo(data);
    }
    BlockDevice[] files = new BlockDevice[n];
    for (Path p : now) {
      Superblock1 s = sb(p);
      files[s.role()] = FileDevice.openReadOnly(p);
    }
    try {
      EngineHarness.assertParityConsistent(RaidArray.geometryOf(sb(spare)), files);
    } finally {
      for (BlockDevice f : files) {
        f.close();
      }
    }
  }

  @Test
  void aHotSpareTakesOverAFailedMemberByItself() throws Exception {
    long seed = Seeds.of(62, 0);
    SplittableRandom random = new SplittableRandom(seed);
    List<Path> paths = create(5, 4);
    Path spare = blank("hot.img");
    try (RaidArray array = RaidArray.open(decide(paths), false)) {
      byte[] data = fill(array, random);
      array.add(spare, false);
      assertThat(view(array, spare).state()).isEqualTo(MemberView.State.SPARE);
      assertThat(sb(spare).role()).isEqualTo(RoleTable.SPARE);
      array.fail(paths.get(2).toString());
      awaitEvents(array, ArrayEvent.Kind.REBUILD_FINISHED, 1);
      await(array, "hot spare rebuilt", v -> allActive(v, 4));
      assertThat(view(array, spare).slot()).isEqualTo(2);
      assertThat(contents(array)).as("seed %d", seed).isEqualTo(data);
    }
  }

  @Test
  void raid6RebuildsTwoSparesInOnePass() throws Exception {
    long seed = Seeds.of(63, 0);
    SplittableRandom random = new SplittableRandom(seed);
    List<Path> paths = create(6, 6);
    try (RaidArray array = RaidArray.open(decide(paths), false)) {
      byte[] data = fill(array, random);
      array.fail(paths.get(1).toString());
      array.fail(paths.get(4).toString());
      assertThatThrownBy(() -> array.fail(paths.get(0).toString())).hasMessageContaining("refused");
      array.speedLimits(1, 1); // both spares join before the pass moves
      array.add(blank("s1.img"), false);
      array.add(blank("s2.img"), false);
      array.speedLimits(200_000, 200_000);
      await(array, "both rebuilt", v -> allActive(v, 6));
      long recoveries =
          array.events().stream()
              .filter(e -> e.kind() == ArrayEvent.Kind.REBUILD_STARTED)
              .filter(e -> e.message().contains("slot(s) 1, 4"))
              .count();
      assertThat(recoveries).as("one pass for both: %s", array.events()).isPositive();
      assertThat(contents(array)).as("seed %d", seed).isEqualTo(data);
    }
  }

  @Test
  void anInterruptedRebuildResumesFromItsRecordedPoint() throws Exception {
    long seed = Seeds.of(64, 0);
    SplittableRandom random = new SplittableRandom(seed);
    List<Path> paths = create(5, 4);
    Path spare = blank("slow.img");
    byte[] data;
    try (RaidArray array = RaidArray.open(decide(paths), false)) {
      data = fill(array, random);
      array.fail(paths.get(0).toString());
      array.remove(paths.get(0).toString());
      array.speedLimits(512, 512); // 12 MiB at 512 KiB/s: stopped well before the end
      array.add(spare, false);
      Thread.sleep(1500);
    }
    Superblock1 s = sb(spare);
    assertThat(s.has(FeatureMap.RECOVERY_OFFSET)).as("recovery offset recorded").isTrue();
    assertThat(s.recoveryOffset()).isPositive();
    List<Path> now = new ArrayList<>(paths.subList(1, 4));
    now.add(spare);
    AssemblyDecision again = decide(now);
    assertThat(again.verdict()).isEqualTo(AssemblyDecision.Verdict.DEGRADED);
    assertThat(again.slots().get(0).state()).isEqualTo(AssemblyDecision.SlotState.REBUILDING);
    try (RaidArray array = RaidArray.open(again, false)) {
      await(array, "rebuild resumed and finished", v -> allActive(v, 4));
      assertThat(array.events().stream().map(ArrayEvent::message))
          .anyMatch(m -> m.contains("from member sector " + s.recoveryOffset()));
      assertThat(contents(array)).as("seed %d", seed).isEqualTo(data);
    }
    assertThat(sb(spare).has(FeatureMap.RECOVERY_OFFSET)).isFalse();
    assertThat(decide(now).verdict()).isEqualTo(AssemblyDecision.Verdict.CLEAN);
  }

  /**
   * Every member dies (a power cut, as the crash campaign makes them): each failure is still logged
   * and the array's failure announced, although the last one has no working member left to record
   * it on (it was an error of the management thread, which then skipped the rest).
   */
  @Test
  void whenEveryMemberDiesEachFailureIsStillLogged() throws Exception {
    List<Path> paths = create(5, 4);
    List<io.jraid.device.FaultyDevice> faulty = new ArrayList<>();
    RaidArray.MemberOpener opener = faultyOpener(faulty);
    RaidArray array = RaidArray.open(decide(paths), false, opener);
    try (Arena arena = Arena.ofShared()) {
      MemorySegment buffer = arena.allocate(64 * 1024, 4096);
      CompletableFuture<Void> first = new CompletableFuture<>();
      array.write(buffer, 0, false, e -> complete(first, e)); // dirty: writes go straight on
      first.get(60, TimeUnit.SECONDS);
      for (io.jraid.device.FaultyDevice f : faulty) {
        f.failAfter(0);
      }
      CompletableFuture<Void> done = new CompletableFuture<>();
      array.write(buffer, 0, false, e -> complete(done, e));
      assertThatThrownBy(() -> done.get(60, TimeUnit.SECONDS))
          .hasCauseInstanceOf(java.io.IOException.class);
      awaitEvents(array, ArrayEvent.Kind.FAIL, 4);
      awaitEvents(array, ArrayEvent.Kind.ARRAY_FAILED, 1);
    } finally {
      // The last failure could not be recorded: its member is still named in sync, and cannot
      // flush, so the stop cannot record the array clean.
      assertThatThrownBy(array::close).hasMessageContaining("could not flush");
    }
  }

  /**
   * A member the engine has just failed shows as faulty at once, and removing it then works,
   * although the record of its failure is still queued on the management thread (held back here at
   * the engine's warning). It was refused as "holds slot 1 and is working", which a user who saw it
   * faulty cannot make sense of (the crash campaign tripped on it).
   */
  @Test
  void aMemberShownFaultyCanBeRemovedBeforeItsFailureIsRecorded() throws Exception {
    List<Path> paths = create(5, 4);
    Path victim = paths.get(1);
    List<io.jraid.device.FaultyDevice> opened = new ArrayList<>();
    RaidArray.MemberOpener opener = faultyOpener(opened);
    SplittableRandom random = new SplittableRandom(Seeds.of(91, 1));
    byte[] row = new byte[3 * 64 * 1024]; // one whole row: it writes every member
    random.nextBytes(row);
    RaidArray array = RaidArray.open(decide(paths), false, opener);
    try (Arena arena = Arena.ofShared();
        io.jraid.testing.HeldLog failureLog = io.jraid.testing.HeldLog.holding("failed: {3}")) {
      MemorySegment buffer = arena.allocate(row.length, 4096);
      MemorySegment.copy(MemorySegment.ofArray(row), 0, buffer, 0, row.length);
      opened.stream()
          .filter(f -> f.name().equals(victim.toString()))
          .findFirst()
          .orElseThrow()
          .failWrites(0, MEMBER_BYTES / 512);
      CompletableFuture<Void> written = new CompletableFuture<>();
      array.write(buffer, 0, false, e -> complete(written, e));
      assertThat(failureLog.awaitHeld(30)).as("the member's failure is reported").isTrue();
      assertThat(view(array, victim).state()).isEqualTo(MemberView.State.FAULTY);
      array.remove(victim.toString());
      assertThat(array.members()).noneMatch(v -> v.device().equals(victim.toString()));
      failureLog.release();
      written.get(60, TimeUnit.SECONDS);
      assertThat(java.util.Arrays.copyOf(contents(array), row.length)).isEqualTo(row);
    } finally {
      array.close();
    }
    List<Path> rest = new ArrayList<>(paths);
    rest.remove(victim);
    AssemblyDecision after = decide(rest);
    assertThat(after.verdict()).isEqualTo(AssemblyDecision.Verdict.DEGRADED);
    try (RaidArray degraded = RaidArray.open(after, true)) {
      assertThat(java.util.Arrays.copyOf(contents(degraded), row.length)).isEqualTo(row);
    }
  }

  /**
   * A spare added to an array with a bitmap takes the bitmap's superblock from a member; a member
   * that cannot be read (dying, not yet failed by any I/O) is passed over for the next one. The add
   * failed with that member's read error, naming a device the user did not touch.
   */
  @Test
  void aSpareIsAddedWhileAMemberCannotBeRead() throws Exception {
    List<Path> paths = createWithBitmap();
    List<io.jraid.device.FaultyDevice> opened = new ArrayList<>();
    RaidArray.MemberOpener opener = faultyOpener(opened);
    try (RaidArray array = RaidArray.open(decide(paths), false, opener)) {
      for (io.jraid.device.FaultyDevice f : opened) {
        f.failReads(0, 2048); // every member's metadata unreadable...
      }
      opened.get(2).clearFaults(); // ...but one
      Path spare = blank("spare");
      array.add(spare, false);
      assertThat(view(array, spare).state()).isEqualTo(MemberView.State.SPARE);
      for (io.jraid.device.FaultyDevice f : opened) {
        f.failReads(0, 2048);
      }
      Path another = blank("another");
      assertThatThrownBy(() -> array.add(another, false))
          .isInstanceOf(java.io.IOException.class)
          .hasMessageContaining("no member's bitmap could be read");
      assertThat(array.members()).noneMatch(v -> v.device().equals(another.toString()));
    }
    Superblock1 added = sb(dir.resolve("spare"));
    assertThat(added.has(FeatureMap.BITMAP_OFFSET)).isTrue();
  }

  /**
   * A member one update behind is taken in at assembly with the freshest role table, not its own.
   * With its own older table (only its events caught up), every later update kept that table:
   * members at one event count disagreed on who holds a slot, and the next assembly left some out
   * as split off (the crash campaign: a RAID-5 of 5 that would not assemble after a clean stop).
   */
  @Test
  void aMemberOneUpdateBehindTakesTheFreshestRoles() throws Exception {
    List<Path> paths = create(5, 4);
    try (RaidArray array = RaidArray.open(decide(paths), false)) {
      array.fail(paths.get(3).toString());
      awaitEvents(array, ArrayEvent.Kind.FAIL, 1);
    }
    // As if the record of the failure had not reached disk2: it still names disk3 in slot 3.
    Path behind = paths.get(2);
    Superblock1 now = sb(behind);
    Superblock1 older =
        MemberSuperblocks.apply(
            now, MemberSuperblocks.Change.role(3, 3), now.events() - 1, now.utimeSeconds());
    try (RandomAccessFile f = new RandomAccessFile(behind.toFile(), "rw")) {
      f.seek(older.superOffset() * 512);
      f.write(io.jraid.format.Superblock1Codec.encode(older));
    }
    List<Path> three = paths.subList(0, 3);
    AssemblyDecision d = decide(three);
    assertThat(d.verdict()).isEqualTo(AssemblyDecision.Verdict.DEGRADED);
    try (RaidArray array = RaidArray.open(d, false)) {
      assertThat(array.size()).isPositive(); // opened and stopped clean: every member written
    }
    for (Path p : three) {
      assertThat(sb(p).roles()).as("%s", p).isEqualTo(sb(paths.get(0)).roles());
    }
    assertThat(sb(behind).roles().role(3)).isEqualTo(RoleTable.FAULTY);
    assertThat(decide(three).verdict()).isEqualTo(AssemblyDecision.Verdict.DEGRADED);
  }

  /**
   * A cut during the update that gives a spare a slot can leave the spare's own superblock one
   * event behind, still a spare, while the others name it in the slot. Assembly takes it as a spare
   * and the slot as missing; the array then rebuilds the slot (here onto that spare). Named in the
   * slot by the tables it was given, it counted as the slot's holder: nothing was rebuilt, no event
   * said why, and a resync waited for good (the campaign's "no resync started").
   */
  @Test
  void aSpareThatMissedTakingItsSlotIsRebuiltIntoIt() throws Exception {
    long seed = Seeds.of(94, 0);
    SplittableRandom random = new SplittableRandom(seed);
    List<Path> paths = create(5, 4);
    Path spare = blank("spare.img");
    byte[] data;
    try (RaidArray array = RaidArray.open(decide(paths), false)) {
      data = fill(array, random);
      array.fail(paths.get(3).toString());
      awaitEvents(array, ArrayEvent.Kind.FAIL, 1);
      array.speedLimits(1024, 1024);
      array.add(spare, false); // takes slot 3 at once; stopped before it is rebuilt
      await(array, "the spare in slot 3", v -> view(array, spare).slot() == 3);
    }
    // As if the power went while that update was written: the spare's own superblock missed it.
    Superblock1 now = sb(spare);
    assertThat(now.role()).isEqualTo(3);
    Superblock1 older =
        MemberSuperblocks.apply(
            now,
            MemberSuperblocks.Change.role(now.devNumber(), RoleTable.SPARE)
                .and(
                    MemberSuperblocks.Change.recoveryOffset(
                        now.devNumber(), Superblock1.MAX_SECTOR)),
            now.events() - 1,
            now.utimeSeconds());
    try (RandomAccessFile f = new RandomAccessFile(spare.toFile(), "rw")) {
      f.seek(older.superOffset() * 512);
      f.write(io.jraid.format.Superblock1Codec.encode(older));
    }
    List<Path> all = new ArrayList<>(paths.subList(0, 3));
    all.add(spare);
    AssemblyDecision d = decide(all);
    assertThat(d.verdict()).as(d.reason()).isEqualTo(AssemblyDecision.Verdict.DEGRADED);
    try (RaidArray array = RaidArray.open(d, false)) {
      array.speedLimits(200_000, 200_000);
      await(array, "slot 3 rebuilt", v -> allActive(v, 4));
      assertThat(array.engine().failedMembers()).isZero();
      assertThat(contents(array)).as("seed %d", seed).isEqualTo(data);
    }
    assertThat(decide(all).verdict()).isEqualTo(AssemblyDecision.Verdict.CLEAN);
  }

  /**
   * Members opened with O_DIRECT take transfers only from memory aligned to their logical block.
   * With a write-intent bitmap, writes from memory at any address, a member failed and a spare
   * rebuilt into its slot, every transfer the array makes must meet that: the bitmap's header read
   * when the spare is added (it was a 256-byte read into unaligned memory), the bitmap's last page
   * written whole, writers' buffers lent only when aligned. Nothing fails; the data is intact.
   */
  @Test
  void directMembersWithABitmapRebuildASpare() throws Exception {
    long seed = Seeds.of(96, 0);
    SplittableRandom random = new SplittableRandom(seed);
    List<Path> paths = createWithBitmap();
    Path spare = blank("spare.img");
    org.junit.jupiter.api.Assumptions.assumeTrue(ArrayFiles.directIoWorks(dir), "no O_DIRECT");
    RaidArray.MemberOpener direct =
        (path, readOnly) -> FileDevice.builder(path).readWrite(!readOnly).direct(true).open();
    byte[] data;
    List<Path> all = new ArrayList<>(List.of(paths.get(0), paths.get(2), paths.get(3), spare));
    try (RaidArray array = RaidArray.open(decide(paths), false, direct);
        Arena arena = Arena.ofShared()) {
      data = fill(array, random);
      MemorySegment buffer = arena.allocate(64 * 1024 + 4096, 4096);
      for (int i = 0; i < 40; i++) {
        int shift = random.nextInt(3) == 0 ? 0 : 1 + random.nextInt(4095);
        int length = 4096 * (1 + random.nextInt(12)) - (random.nextBoolean() ? 0 : 100);
        long offset = random.nextLong(array.size() - length);
        MemorySegment slice = buffer.asSlice(shift, length);
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, slice, 0, length);
        array.write(slice, offset);
        System.arraycopy(bytes, 0, data, (int) offset, length);
      }
      array.fail(paths.get(1).toString());
      awaitEvents(array, ArrayEvent.Kind.FAIL, 1);
      array.add(spare, false);
      await(array, "slot 1 rebuilt onto the spare", v -> allActive(v, 4));
      assertThat(array.engine().failedMembers()).as("seed %d", seed).isZero();
      assertThat(contents(array)).as("seed %d", seed).isEqualTo(data);
    }
    assertThat(decide(all).verdict()).isEqualTo(AssemblyDecision.Verdict.CLEAN);
  }

  /**
   * md's rule (MD_SB_CHANGE_PENDING): a write is not acknowledged while a member's failure is not
   * yet recorded in the superblocks. Otherwise a write whose data went to parity only (its block is
   * on the failed member) could be acknowledged and flushed, the power could go before the record,
   * and assembly would take the failed member back as in sync: its stale block would win the
   * resync, and acknowledged data would be lost. Here the superblock writes are held back while the
   * member fails and the write is sent, then the power goes before the failure is recorded: the
   * write must fail, or if it was acknowledged, be there after assembly and resync.
   */
  @Test
  void aWriteIsNotAcknowledgedBeforeAFailureItDependsOnIsRecorded() throws Exception {
    long seed = Seeds.of(66, 0);
    SplittableRandom random = new SplittableRandom(seed);
    List<Path> paths = create(5, 4);
    List<io.jraid.device.FaultyDevice> faulty = new ArrayList<>();
    List<SuperblockGate> gates = new ArrayList<>();
    long superblockAt = sb(paths.getFirst()).superOffset() * 512;
    RaidArray.MemberOpener opener =
        (path, readOnly) -> {
          io.jraid.device.FaultyDevice f =
              new io.jraid.device.FaultyDevice(FileDevice.openReadWrite(path))
                  .trackUnflushedWrites(true);
          faulty.add(f);
          SuperblockGate g = new SuperblockGate(f, superblockAt);
          gates.add(g);
          return g;
        };
    byte[] before = new byte[4096];
    byte[] after = new byte[4096];
    random.nextBytes(before);
    random.nextBytes(after);
    RaidArray array = RaidArray.open(decide(paths), false, opener);
    boolean acknowledged;
    try (Arena arena = Arena.ofShared()) {
      MemorySegment block = arena.allocate(4096, 4096);
      MemorySegment.copy(MemorySegment.ofArray(before), 0, block, 0, 4096);
      array.write(block, 0); // the block at array offset 0: on slot 0's member
      array.flush();
      gates.forEach(SuperblockGate::hold);
      array.fail(paths.get(0).toString()); // slot 0's member holds array offset 0
      MemorySegment.copy(MemorySegment.ofArray(after), 0, block, 0, 4096);
      CompletableFuture<Void> written = new CompletableFuture<>();
      array.write(block, 0, true, e -> complete(written, e)); // FUA: durable when acknowledged
      try {
        written.get(1, TimeUnit.SECONDS);
        acknowledged = true;
      } catch (java.util.concurrent.TimeoutException e) {
        acknowledged = false;
      }
      io.jraid.device.FaultyDevice.powerCut(faulty);
      gates.forEach(SuperblockGate::release); // the record fails now: the power is off
      if (!acknowledged) {
        try {
          written.get(30, TimeUnit.SECONDS);
          acknowledged = true; // acknowledged although the failure could not be recorded
        } catch (java.util.concurrent.ExecutionException expected) {
          // not known to be durable: so it says
        }
      }
      closeUnpowered(array);
    }
    AssemblyDecision decision = decide(paths);
    try (RaidArray again = RaidArray.open(decision, false)) {
      awaitSync(again);
      byte[] back = java.util.Arrays.copyOf(contents(again), 4096);
      if (acknowledged) {
        assertThat(back)
            .as("seed %d: acknowledged FUA write after assembly (%s)", seed, decision.reason())
            .isEqualTo(after);
      } else {
        assertThat(back)
            .as("seed %d", seed)
            .satisfiesAnyOf(
                b -> assertThat(b).isEqualTo(before), b -> assertThat(b).isEqualTo(after));
      }
    }
  }

  /**
   * A clean record claims that every member it names in sync holds its part of every stripe, so it
   * is made only from data on stable storage. Here one member takes the writes into its volatile
   * cache and then cannot flush; the power goes just as its failure is about to be written. A clean
   * record made before that (the others flushed and written, the member's own superblock one update
   * behind, which assembly accepts, as md does) brought the member back in sync without its writes
   * and without a resync: parity disagreed with data (crash campaign, RAID-5 4x16K). Now the array
   * stays recorded dirty until the failure is recorded, and assembly resyncs.
   */
  @Test
  void aMemberThatCannotFlushIsNotRecordedCleanInSync() throws Exception {
    long seed = Seeds.of(67, 0);
    SplittableRandom random = new SplittableRandom(seed);
    List<Path> paths = create(5, 4);
    long superblockAt = sb(paths.getFirst()).superOffset() * 512;
    Path dying = paths.get(1);
    int dyingDev = sb(dying).devNumber();
    java.util.Map<Path, io.jraid.device.FaultyDevice> faulty =
        new java.util.concurrent.ConcurrentHashMap<>();
    java.util.concurrent.atomic.AtomicBoolean cut = new java.util.concurrent.atomic.AtomicBoolean();
    RaidArray.MemberOpener opener =
        (path, readOnly) -> {
          io.jraid.device.FaultyDevice f =
              new io.jraid.device.FaultyDevice(FileDevice.openReadWrite(path))
                  .trackUnflushedWrites(true);
          faulty.put(path, f);
          return new io.jraid.testing.ForwardingDevice(f) {
            @Override
            public void write(
                MemorySegment src, long offset, boolean fua, io.jraid.device.IoCompletion done) {
              if (offset == superblockAt
                  && namesFaulty(src, dyingDev)
                  && cut.compareAndSet(false, true)) {
                try {
                  io.jraid.device.FaultyDevice.powerCut(List.copyOf(faulty.values()));
                } catch (java.io.IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              }
              inner.write(src, offset, fua, done);
            }
          };
        };
    RaidArray array = RaidArray.open(decide(paths), false, opener);
    try {
      fill(array, random); // acknowledged, not flushed: in the members' volatile caches
      faulty.get(dying).failFlushes(true);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!cut.get() && System.nanoTime() < deadline) {
        Thread.sleep(10); // safe mode records clean after 200 ms without writes, or tries to
      }
      assertThat(cut).as("the member's failure was recorded").isTrue();
    } finally {
      closeUnpowered(array);
    }
    AssemblyDecision decision = decide(paths);
    try (RaidArray again = RaidArray.open(decision, false)) {
      awaitSync(again);
    }
    EngineHarness.assertParityConsistent(
        RaidArray.geometryOf(sb(paths.getFirst())), ArrayFiles.copiesBySlot(paths));
  }

  /**
   * A copy that fails while its swap is being recorded (the superblocks already name the member it
   * copied faulty) leaves its slot out in the engine too, as md has it. The engine kept serving the
   * slot from the replaced member and counted it in sync while every superblock called the slot
   * empty: a --fail of another member went through, and after a cut no assembly could run the array
   * (crash campaign, RAID-5 4x16K with a bitmap: two slots out).
   */
  @Test
  void aCopyThatFailsAsItTakesItsSlotLeavesTheSlotOut() throws Exception {
    long seed = Seeds.of(68, 0);
    SplittableRandom random = new SplittableRandom(seed);
    List<Path> paths = create(5, 4);
    Path copy = blank("copy.img");
    Path original = paths.get(0); // slot 0: holds array offset 0
    long superblockAt = sb(original).superOffset() * 512;
    List<SuperblockGate> others = new java.util.concurrent.CopyOnWriteArrayList<>();
    CountDownLatch swapWritten = new CountDownLatch(1);
    java.util.concurrent.atomic.AtomicBoolean armed =
        new java.util.concurrent.atomic.AtomicBoolean();
    RaidArray.MemberOpener opener =
        (path, readOnly) -> {
          if (!path.equals(copy)) {
            SuperblockGate g = new SuperblockGate(FileDevice.openReadWrite(path), superblockAt);
            others.add(g);
            return g;
          }
          io.jraid.device.FaultyDevice f =
              new io.jraid.device.FaultyDevice(FileDevice.openReadWrite(path));
          return new io.jraid.testing.ForwardingDevice(f) {
            @Override
            public void write(
                MemorySegment src, long offset, boolean fua, io.jraid.device.IoCompletion done) {
              if (offset != superblockAt || !takesSlot(src) || !armed.compareAndSet(false, true)) {
                inner.write(src, offset, fua, done);
                return;
              }
              // The copy's own superblock of the swap is written first and alone: the others'
              // wait at their gates while the copy fails its next write.
              inner.write(
                  src,
                  offset,
                  fua,
                  error -> {
                    others.forEach(SuperblockGate::hold);
                    f.failWrites(0, f.size() / 512);
                    swapWritten.countDown();
                    done.completed(error);
                  });
            }
          };
        };
    byte[] block = new byte[4096];
    random.nextBytes(block);
    RaidArray array = RaidArray.open(decide(paths), false, opener);
    try (Arena arena = Arena.ofShared()) {
      fill(array, random);
      array.add(copy, false);
      // Writes elsewhere keep the array dirty, so the write below needs no superblock update.
      java.util.concurrent.atomic.AtomicBoolean writing =
          new java.util.concurrent.atomic.AtomicBoolean(true);
      MemorySegment elsewhere = arena.allocate(4096, 4096);
      Thread keeper =
          Thread.ofPlatform()
              .start(() -> {
                while (writing.get()) {
                  try {
                    array.write(elsewhere, 64 * 1024); // slot 1
                    Thread.sleep(20);
                  } catch (Exception e) {
                    return;
                  }
                }
              });
      array.replace(original.toString(), copy.toString());
      assertThat(swapWritten.await(60, TimeUnit.SECONDS)).as("the copy finished").isTrue();
      MemorySegment src = arena.allocate(4096, 4096);
      MemorySegment.copy(MemorySegment.ofArray(block), 0, src, 0, 4096);
      CompletableFuture<Void> written = new CompletableFuture<>();
      array.write(src, 0, false, e -> complete(written, e)); // to the original and the copy
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (array.engine().replacementComplete(0) && System.nanoTime() < deadline) {
        Thread.sleep(1); // until the copy's write failed and the engine dropped it
      }
      others.forEach(SuperblockGate::release);
      written.get(30, TimeUnit.SECONDS);
      writing.set(false);
      keeper.join();
      awaitEvents(array, ArrayEvent.Kind.FAIL, 2); // the original replaced, the copy failed
      assertThat(array.engine().failedMembers())
          .as("slot 0: its member recorded replaced, its copy failed")
          .isEqualTo(1);
      assertThatThrownBy(() -> array.fail(paths.get(1).toString())).hasMessageContaining("refused");
    } finally {
      array.close();
    }
    List<Path> left = List.of(paths.get(1), paths.get(2), paths.get(3));
    AssemblyDecision decision = decide(left);
    assertThat(decision.verdict())
        .as(decision.reason())
        .isEqualTo(AssemblyDecision.Verdict.DEGRADED);
    try (RaidArray again = RaidArray.open(decision, true)) {
      assertThat(java.util.Arrays.copyOf(contents(again), 4096))
          .as("seed %d", seed)
          .isEqualTo(block);
    }
  }

  /** Whether the superblock in {@code block} is a copy's taking its slot (no longer a copy). */
  private static boolean takesSlot(MemorySegment block) {
    try {
      Superblock1 written = io.jraid.format.Superblock1Codec.decode(block, "written");
      return written.role() < written.raidDisks() && !written.has(FeatureMap.REPLACEMENT);
    } catch (io.jraid.format.FormatException e) {
      return false;
    }
  }

  /** Stops an array whose members lost power: the stop cannot write, and says so. */
  private static void closeUnpowered(RaidArray array) {
    try {
      array.close();
    } catch (java.io.IOException expected) {
      // the power is off: nothing more reaches the members
    }
  }

  /** Waits for the sync or rebuild the assembly started, if any. */
  private static void awaitSync(RaidArray array) throws InterruptedException {
    io.jraid.stripe.SyncJob job = array.engine().syncJob();
    if (job != null) {
      assertThat(job.await(60, TimeUnit.SECONDS)).isTrue();
    }
  }

  /** Whether the superblock in {@code block} names device {@code devNumber} faulty. */
  private static boolean namesFaulty(MemorySegment block, int devNumber) {
    try {
      Superblock1 written = io.jraid.format.Superblock1Codec.decode(block, "written");
      return written.roles().role(devNumber) == RoleTable.FAULTY;
    } catch (io.jraid.format.FormatException e) {
      return false;
    }
  }

  /**
   * A spare takes a failed member's slot only once the failure is recorded: were the spare's new
   * role written first (a spare added while the failure waits its turn), the failed member would
   * get a superblock in which it and the spare hold one slot, and a power cut before the failure's
   * record would leave an array that cannot assemble (two members claim the slot with the same
   * events). Found by the crash campaign.
   */
  @Test
  void aSpareTakesAFailedSlotOnlyAfterTheFailureIsRecorded() throws Exception {
    List<Path> paths = create(5, 4);
    Path spare = blank("late.img");
    List<SuperblockGate> gates = new ArrayList<>();
    long superblockAt = sb(paths.getFirst()).superOffset() * 512;
    RaidArray.MemberOpener opener =
        (path, readOnly) -> {
          SuperblockGate g = new SuperblockGate(FileDevice.openReadWrite(path), superblockAt);
          synchronized (gates) {
            gates.add(g);
          }
          return g;
        };
    try (RaidArray array = RaidArray.open(decide(paths), false, opener)) {
      // The management thread is busy adding the spare (its superblock writes are held) ...
      CompletableFuture<Void> added = addWithSuperblocksHeld(array, spare, gates);
      // ... when a member fails: its record waits behind the add.
      array.engine().failMember(1, new java.io.IOException("injected"));
      synchronized (gates) {
        gates.forEach(SuperblockGate::release);
      }
      added.get(30, TimeUnit.SECONDS);
      awaitEvents(array, ArrayEvent.Kind.REBUILD_FINISHED, 1);
    }
    for (Path p : List.of(paths.get(0), paths.get(1), paths.get(2), paths.get(3), spare)) {
      RoleTable roles = sb(p).roles();
      for (int slot = 0; slot < 4; slot++) {
        int holders = 0;
        for (int d = 0; d < roles.size(); d++) {
          holders += roles.role(d) == slot ? 1 : 0;
        }
        assertThat(holders)
            .as("%s: holders of slot %d in %s", p, slot, roles)
            .isLessThanOrEqualTo(1);
      }
    }
  }

  /**
   * A stop closes every member, also one that cannot flush (it failed, or the power went): it used
   * to keep it open, with its file and I/O threads, for good. Found by the crash campaign, which
   * ran out of threads.
   */
  @Test
  void aStopClosesAMemberThatCannotFlush() throws Exception {
    List<Path> paths = create(5, 4);
    List<io.jraid.device.FaultyDevice> faulty = new ArrayList<>();
    List<Boolean> closed = new ArrayList<>();
    RaidArray.MemberOpener opener =
        (path, readOnly) -> {
          int index = closed.size();
          closed.add(false);
          io.jraid.device.FaultyDevice f =
              new io.jraid.device.FaultyDevice(FileDevice.openReadWrite(path));
          faulty.add(f);
          return new io.jraid.testing.ForwardingDevice(f) {
            @Override
            public void close() throws java.io.IOException {
              closed.set(index, true);
              super.close();
            }
          };
        };
    RaidArray array = RaidArray.open(decide(paths), false, opener);
    faulty.get(2).failFlushes(true);
    assertThatThrownBy(array::close).isInstanceOf(java.io.IOException.class);
    assertThat(closed).as("members closed").containsOnly(true);
  }

  /**
   * The member being replaced fails while the management thread is busy with a superblock update
   * that the dying member fails too: the copy must still take the slot as its rebuilding member. It
   * used to stay a replacement for good (the failure was already "recorded" by the failed
   * superblock write), so its rebuild point never moved and an assembly after a cut found the slot
   * rebuilding from where the copy had been. Found by the crash campaign.
   */
  @Test
  void theCopyTakesTheSlotWhenItsMemberFailsDuringASuperblockUpdate() throws Exception {
    long seed = Seeds.of(69, 0);
    List<Path> paths = create(5, 4);
    Path copy = blank("copy.img");
    Path late = blank("late.img");
    Path victim = paths.get(2);
    java.util.Map<Path, io.jraid.device.FaultyDevice> faulty =
        new java.util.concurrent.ConcurrentHashMap<>();
    List<SuperblockGate> gates = new ArrayList<>();
    long superblockAt = sb(paths.getFirst()).superOffset() * 512;
    RaidArray.MemberOpener opener =
        (path, readOnly) -> {
          io.jraid.device.FaultyDevice f =
              new io.jraid.device.FaultyDevice(FileDevice.openReadWrite(path));
          faulty.put(path, f);
          SuperblockGate g = new SuperblockGate(f, superblockAt);
          synchronized (gates) {
            gates.add(g);
          }
          return g;
        };
    try (RaidArray array = RaidArray.open(decide(paths), false, opener)) {
      byte[] data = fill(array, new SplittableRandom(seed));
      array.add(copy, false);
      array.speedLimits(256, 256);
      array.replace(victim.toString(), copy.toString());
      // The management thread is busy adding a spare (its superblock writes are held) ...
      CompletableFuture<Void> added = addWithSuperblocksHeld(array, late, gates);
      // ... when the member being copied dies: the engine hands its slot to the copy at once, and
      // the held superblock write to the dead member fails before the failure is recorded.
      faulty.get(victim).failAfter(0);
      array.engine().failMember(2, new java.io.IOException("injected"));
      synchronized (gates) {
        gates.forEach(SuperblockGate::release);
      }
      added.get(30, TimeUnit.SECONDS);
      array.speedLimits(200_000, 200_000);
      await(array, "the copy rebuilt in slot 2", v -> allActive(v, 4));
      assertThat(view(array, copy).slot()).isEqualTo(2);
      assertThat(contents(array)).as("seed %d", seed).isEqualTo(data);
    }
    Superblock1 s = sb(copy);
    assertThat(s.role()).isEqualTo(2);
    assertThat(s.has(FeatureMap.REPLACEMENT) || s.has(FeatureMap.RECOVERY_OFFSET))
        .as("the copy recorded as slot 2's member, in sync")
        .isFalse();
  }

  /**
   * Holds every superblock write and adds {@code spare} on another thread: returns once the
   * management thread is inside that add, waiting on its superblock writes (until the gates are
   * released), with the add's future.
   */
  private static CompletableFuture<Void> addWithSuperblocksHeld(
      RaidArray array, Path spare, List<SuperblockGate> gates) throws InterruptedException {
    synchronized (gates) {
      gates.forEach(SuperblockGate::hold);
    }
    CompletableFuture<Void> added =
        CompletableFuture.runAsync(() -> {
          try {
            array.add(spare, false);
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (gates.stream().noneMatch(SuperblockGate::holdsAny) && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    return added;
  }

  /** Holds back the writes of a member's superblock (not its data) while held. */
  private static final class SuperblockGate extends io.jraid.testing.ForwardingDevice {
    private final long superblock;
    private final List<Runnable> heldBack = new ArrayList<>();
    private boolean holding;

    SuperblockGate(BlockDevice inner, long superblock) {
      super(inner);
      this.superblock = superblock;
    }

    synchronized void hold() {
      holding = true;
    }

    synchronized boolean holdsAny() {
      return !heldBack.isEmpty();
    }

    void release() {
      List<Runnable> go;
      synchronized (this) {
        holding = false;
        go = List.copyOf(heldBack);
        heldBack.clear();
      }
      go.forEach(Runnable::run);
    }

    @Override
    public void write(
        MemorySegment src, long offset, boolean fua, io.jraid.device.IoCompletion done) {
      synchronized (this) {
        if (holding && offset == superblock) {
          heldBack.add(() -> inner.write(src, offset, fua, done));
          return;
        }
      }
      inner.write(src, offset, fua, done);
    }
  }

  @Test
  void badRequestsAreRefusedAndChangeNothing() throws Exception {
    List<Path> paths = create(5, 4);
    try (RaidArray array = RaidArray.open(decide(paths), false)) {
      long events = array.superblocks().events();
      assertThatThrownBy(() -> array.fail("/no/such/member"))
          .hasMessageContaining("not a device of the array");
      assertThatThrownBy(() -> array.add(paths.get(1), false))
          .hasMessageContaining("already in the array");
      Path small = dir.resolve("small.img");
      try (RandomAccessFile f = new RandomAccessFile(small.toFile(), "rw")) {
        f.setLength(4L << 20);
      }
      assertThatThrownBy(() -> array.add(small, false)).hasMessageContaining("too small");
      assertThat(array.superblocks().events()).isEqualTo(events);
      array.fail(paths.get(3).toString());
      assertThatThrownBy(() -> array.fail(paths.get(0).toString())).hasMessageContaining("refused");
      assertThat(array.engine().failedMembers()).isEqualTo(1);
    }
  }

  @Test
  void replaceCopiesAWorkingMemberThenSwapsIt() throws Exception {
    long seed = Seeds.of(65, 0);
    SplittableRandom random = new SplittableRandom(seed);
    List<Path> paths = create(5, 4);
    Path spare = blank("copy.img");
    Path victim = paths.get(2);
    try (RaidArray array = RaidArray.open(decide(paths), false)) {
      byte[] data = fill(array, random);
      array.add(spare, false);
      assertThatThrownBy(() -> array.replace(paths.get(1).toString(), paths.get(0).toString()))
          .hasMessageContaining("not a spare");
      array.speedLimits(256, 256); // slow enough that writes land during the copy
      array.replace(victim.toString(), null);
      assertThat(view(array, spare).state()).isEqualTo(MemberView.State.REBUILDING);
      assertThat(view(array, victim).state()).isEqualTo(MemberView.State.ACTIVE);
      assertThat(sb(spare).has(FeatureMap.REPLACEMENT)).isTrue();
      assertThat(array.engine().failedMembers()).as("redundancy intact while copying").isZero();
      byte[] more = new byte[256 * 1024];
      random.nextBytes(more);
      long at = array.size() - more.length - 4096 * 3;
      try (Arena arena = Arena.ofShared()) {
        MemorySegment src = arena.allocate(more.length, 4096);
        MemorySegment.copy(MemorySegment.ofArray(more), 0, src, 0, more.length);
        array.write(src, at);
      }
      System.arraycopy(more, 0, data, (int) at, more.length);
      finishReplacement(array, spare, victim, 2, data, seed);
    }
    Superblock1 s = sb(spare);
    assertThat(s.role()).isEqualTo(2);
    assertThat(s.has(FeatureMap.REPLACEMENT) || s.has(FeatureMap.RECOVERY_OFFSET)).isFalse();
    List<Path> now = new ArrayList<>(paths);
    now.set(2, spare);
    AssemblyDecision again = decide(now);
    assertThat(again.verdict()).as(again.reason()).isEqualTo(AssemblyDecision.Verdict.CLEAN);
  }

  /** Lets a replacement copy run to its end: the copy takes the slot, the original leaves. */
  private static void finishReplacement(
      RaidArray array, Path copy, Path original, int slot, byte[] data, long seed)
      throws Exception {
    array.speedLimits(200_000, 200_000);
    awaitEvents(array, ArrayEvent.Kind.REBUILD_FINISHED, 1);
    await(
        array,
        "replaced",
        v -> allActive(v, 4) && view(array, original).state() == MemberView.State.FAULTY);
    assertThat(view(array, copy).slot()).isEqualTo(slot);
    assertThat(contents(array)).as("seed %d", seed).isEqualTo(data);
    array.remove(original.toString());
  }

  @Test
  void aReplacementInterruptedByAStopResumesWhereItStoppedAtTheNextAssembly() throws Exception {
    long seed = Seeds.of(67, 0);
    SplittableRandom random = new SplittableRandom(seed);
    List<Path> paths = create(5, 4);
    Path spare = blank("copy.img");
    Path victim = paths.get(1);
    byte[] data;
    long stoppedAt;
    try (RaidArray array = RaidArray.open(decide(paths), false)) {
      data = fill(array, random);
      array.add(spare, false);
      array.speedLimits(1024, 1024);
      array.replace(victim.toString(), spare.toString());
      await(array, "part copied", v -> view(array, spare).recoveredBelow() >= 2048);
    } // the stop records how far the copy got
    Superblock1 copy = sb(spare);
    assertThat(copy.has(FeatureMap.REPLACEMENT)).isTrue();
    stoppedAt = copy.recoveryOffset();
    assertThat(stoppedAt).isPositive();
    List<Path> all = new ArrayList<>(paths);
    all.add(spare);
    AssemblyDecision d = decide(all);
    assertThat(d.replacements())
        .as(d.excluded().toString())
        .singleElement()
        .satisfies(r -> {
          assertThat(r.role()).isEqualTo(1);
          assertThat(r.copiedBelow()).isEqualTo(stoppedAt);
        });
    try (RaidArray array = RaidArray.open(d, false)) {
      assertThat(view(array, spare).state()).isEqualTo(MemberView.State.REBUILDING);
      assertThat(view(array, spare).recoveredBelow()).isGreaterThanOrEqualTo(stoppedAt);
      assertThat(array.engine().failedMembers()).as("redundancy intact while copying").isZero();
      finishReplacement(array, spare, victim, 1, data, seed);
    }
    List<Path> now = new ArrayList<>(paths);
    now.set(1, spare);
    AssemblyDecision again = decide(now);
    assertThat(again.verdict()).as(again.reason()).isEqualTo(AssemblyDecision.Verdict.CLEAN);
    try (RaidArray array = RaidArray.open(again, true)) {
      assertThat(contents(array)).as("seed %d: the copy alone", seed).isEqualTo(data);
    }
  }

  @Test
  void aFlushMakesWritesDurableOnTheReplacementBeingMadeToo() throws Exception {
    long seed = Seeds.of(68, 0);
    SplittableRandom random = new SplittableRandom(seed);
    List<Path> paths = create(5, 4);
    Path spare = blank("copy.img");
    Path victim = paths.get(1);
    java.util.Map<Path, io.jraid.device.FaultyDevice> faulty =
        new java.util.concurrent.ConcurrentHashMap<>();
    int chunk = 32 * 1024; // create() makes 64-sector chunks
    byte[] row = new byte[3 * chunk]; // stripe 0's whole row: a chunk on every member
    random.nextBytes(row);
    try (RaidArray array =
        RaidArray.open(
            decide(paths),
            false,
            (path, readOnly) -> {
              io.jraid.device.FaultyDevice f =
                  new io.jraid.device.FaultyDevice(FileDevice.openReadWrite(path))
                      .trackUnflushedWrites(true);
              faulty.put(path, f);
              return f;
            })) {
      fill(array, random);
      array.add(spare, false);
      array.speedLimits(1024, 1024);
      array.replace(victim.toString(), spare.toString());
      await(array, "stripe 0 copied", v -> view(array, spare).recoveredBelow() >= 256);
      try (Arena arena = Arena.ofShared()) {
        MemorySegment src = arena.allocate(row.length, 4096);
        MemorySegment.copy(MemorySegment.ofArray(row), 0, src, 0, row.length);
        CompletableFuture<Void> written = new CompletableFuture<>();
        array.write(src, 0, false, e -> complete(written, e));
        written.get(60, TimeUnit.SECONDS);
      }
      CompletableFuture<Void> flushed = new CompletableFuture<>();
      array.engine().flush(e -> complete(flushed, e));
      flushed.get(60, TimeUnit.SECONDS);
      // Only the copy loses its power: what the flush acknowledged must be on it all the same.
      // (and gets it back at once, so that the stop can record how far the copy got).
      io.jraid.device.FaultyDevice.powerCut(List.of(faulty.get(spare)));
      faulty.get(spare).powerOn();
    }
    long at = sb(victim).dataOffset() * 512;
    // Left-symmetric: stripe 0's parity is on slot 3, its second chunk on slot 1.
    byte[] expected = java.util.Arrays.copyOfRange(row, chunk, 2 * chunk);
    assertThat(bytes(victim, at, chunk)).isEqualTo(expected);
    assertThat(bytes(spare, at, chunk))
        .as("seed %d: slot 1's chunk of stripe 0 on the copy after the cut", seed)
        .isEqualTo(expected);
  }

  /**
   * Slot 1 is being replaced; its member fails (the copy takes the slot in the engine) and the copy
   * fails as well, while the management thread is busy adding another spare. Both failures are
   * recorded before any spare takes the slot: recorded after, the spare's role reached the
   * superblock of the first member, not yet marked faulty, and the two claimed the slot at one
   * event count (a cut there left an array that would not assemble: "both claim slot 1"). And the
   * spare is rebuilt from its start: the copy's recovery, still running for the same slot, had
   * marked it rebuilt up to where that pass already was, and the data read back wrong.
   */
  @Test
  void aSpareTakesASlotOnlyOnceTheFailuresThereAreRecorded() throws Exception {
    long seed = Seeds.of(92, 0);
    SplittableRandom random = new SplittableRandom(seed);
    List<Path> paths = create(5, 3);
    Path copy = blank("copy.img");
    Path late = blank("late.img");
    CountDownLatch lateOpened = new CountDownLatch(1);
    List<io.jraid.device.FaultyDevice> lateDevice =
        new java.util.concurrent.CopyOnWriteArrayList<>();
    RaidArray.MemberOpener opener =
        (path, readOnly) -> {
          io.jraid.device.FaultyDevice f =
              new io.jraid.device.FaultyDevice(FileDevice.openReadWrite(path));
          if (path.equals(late)) {
            f.delayCompletions(java.time.Duration.ofMillis(300)); // keeps its add busy a while
            lateDevice.add(f);
            lateOpened.countDown();
          }
          return f;
        };
    try (RaidArray array = RaidArray.open(decide(paths), false, opener)) {
      byte[] data = fill(array, random);
      List<String> conflicts = new java.util.concurrent.CopyOnWriteArrayList<>();
      MemberSuperblocks sbs = array.superblocks();
      assertThat(sbs).isNotNull();
      sbs.beforeEachUpdate((events, next) -> {
        java.util.Map<Integer, String> holders = new java.util.HashMap<>();
        for (MemberSuperblocks.Entry e : next) {
          Superblock1 own = e.superblock();
          if (RoleTable.isSlot(own.role()) && !own.has(FeatureMap.REPLACEMENT)) {
            String other = holders.put(own.role(), e.device().name());
            if (other != null) {
              conflicts.add(
                  "events "
                      + events
                      + ": "
                      + other
                      + " and "
                      + e.device().name()
                      + " hold slot "
                      + own.role());
            }
          }
        }
      });
      array.add(copy, false);
      array.speedLimits(1024, 1024);
      array.replace(paths.get(1).toString(), copy.toString());
      CompletableFuture<Void> adding =
          CompletableFuture.runAsync(() -> {
            try {
              array.add(late, false);
            } catch (java.io.IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          });
      assertThat(lateOpened.await(30, TimeUnit.SECONDS)).isTrue();
      array.engine().failMember(1, new java.io.IOException("test: slot 1's member fails"));
      array.engine().failMember(1, new java.io.IOException("test: its copy fails too"));
      adding.get(60, TimeUnit.SECONDS);
      lateDevice.getFirst().delayCompletions(java.time.Duration.ZERO);
      array.speedLimits(200_000, 200_000);
      await(array, "the late spare rebuilt in slot 1", v -> allActive(v, 3));
      assertThat(conflicts).as("superblock updates with two holders of a slot").isEmpty();
      assertThat(view(array, late).slot()).isEqualTo(1);
      assertThat(contents(array))
          .as("seed %d: after the late spare's rebuild", seed)
          .isEqualTo(data);
    }
  }

  /**
   * Two copies that complete in one pass take their slots in two superblock updates. Each
   * replacement's own superblock is written first; recorded together, a cut after the first left
   * the second swap recorded in it while the second copy's own superblock still said "copying from
   * the start", and the array did not assemble (a RAID-5 with two slots to rebuild).
   */
  @Test
  void twoCopiesThatFinishTogetherTakeTheirSlotsOneUpdateEach() throws Exception {
    long seed = Seeds.of(93, 0);
    SplittableRandom random = new SplittableRandom(seed);
    List<Path> paths = create(5, 4);
    Path copyA = blank("copyA.img");
    Path copyB = blank("copyB.img");
    try (RaidArray array = RaidArray.open(decide(paths), false)) {
      byte[] data = fill(array, random);
      java.util.Set<Integer> copying = java.util.concurrent.ConcurrentHashMap.newKeySet();
      List<String> swapsPerUpdate = new java.util.concurrent.CopyOnWriteArrayList<>();
      MemberSuperblocks sbs = array.superblocks();
      assertThat(sbs).isNotNull();
      sbs.beforeEachUpdate((events, next) -> {
        int swaps = 0;
        for (MemberSuperblocks.Entry e : next) {
          int dev = e.superblock().devNumber();
          if (e.superblock().has(FeatureMap.REPLACEMENT)) {
            copying.add(dev);
          } else if (copying.remove(dev)) {
            swaps++;
          }
        }
        if (swaps > 1) {
          swapsPerUpdate.add("events " + events + ": " + swaps + " copies take their slots");
        }
      });
      array.add(copyA, false);
      array.add(copyB, false);
      array.speedLimits(1024, 1024);
      array.replace(paths.get(1).toString(), copyA.toString());
      array.replace(paths.get(2).toString(), copyB.toString());
      array.speedLimits(200_000, 200_000);
      await(
          array,
          "both copies in their slots",
          v ->
              view(array, paths.get(1)).state() == MemberView.State.FAULTY
                  && view(array, paths.get(2)).state() == MemberView.State.FAULTY
                  && allActive(v, 4));
      assertThat(swapsPerUpdate).isEmpty();
      assertThat(contents(array)).as("seed %d", seed).isEqualTo(data);
    }
  }

  private static byte[] bytes(Path member, long at, int length) throws Exception {
    try (RandomAccessFile f = new RandomAccessFile(member.toFile(), "r")) {
      byte[] b = new byte[length];
      f.seek(at);
      f.readFully(b);
      return b;
    }
  }

  @Test
  void aMemberFailingDuringItsReplacementHandsOverToTheCopy() throws Exception {
    long seed = Seeds.of(66, 0);
    SplittableRandom random = new SplittableRandom(seed);
    List<Path> paths = create(6, 5);
    Path spare = blank("copy.img");
    Path victim = paths.get(3);
    try (RaidArray array = RaidArray.open(decide(paths), false)) {
      byte[] data = fill(array, random);
      array.add(spare, false);
      array.speedLimits(256, 256);
      array.replace(victim.toString(), spare.toString());
      Thread.sleep(300);
      array.fail(victim.toString());
      awaitEvents(array, ArrayEvent.Kind.FAIL, 1);
      assertThat(view(array, spare).slot()).isEqualTo(3);
      array.speedLimits(200_000, 200_000);
      await(array, "the copy took over and was rebuilt", v -> allActive(v, 5));
      assertThat(contents(array)).as("seed %d", seed).isEqualTo(data);
      assertThat(view(array, victim).state()).isEqualTo(MemberView.State.FAULTY);
    }
  }
}
