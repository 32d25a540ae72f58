package io.jraid.array;

import static org.assertj.core.api.Assertions.assertThat;

import io.jraid.device.BlockDevice;
import io.jraid.format.MetadataVersion;
import io.jraid.format.Superblock1;
import io.jraid.stripe.EngineHarness;
import io.jraid.stripe.SyncJob;
import io.jraid.testing.ArrayFiles;
import io.jraid.testing.Seeds;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A created array through its life as md records it in the superblocks: the initial resync runs in
 * the background and ends clean; a write makes the array dirty first and quiet makes it clean
 * again; a clean stop assembles clean; a crash (members copied while dirty) assembles as needing a
 * resync, which makes every stripe's parity right. The members' own superblocks, read back from the
 * files, are the oracle.
 */
class ArrayLifeTest {

  @TempDir Path dir;

  private List<Path> create(int level, int n, boolean assumeClean) throws Exception {
    CreateRequest r =
        new CreateRequest(
            level,
            n,
            128,
            null,
            MetadataVersion.V1_2,
            "life",
            "test",
            CreateRequest.Bitmap.NONE,
            assumeClean,
            0);
    return ArrayFiles.create(dir, r, 12L << 20);
  }

  private static AssemblyDecision decide(List<Path> paths) throws Exception {
    return ArrayFiles.decide(paths);
  }

  private static List<Superblock1> superblocks(List<Path> paths) throws Exception {
    List<Superblock1> sbs = new ArrayList<>();
    for (Path p : paths) {
      sbs.add(MemberReader.read(p).superblock());
    }
    return sbs;
  }

  private static void awaitRecordedClean(RaidArray array) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!array.recordedClean() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(array.recordedClean()).as("recorded clean").isTrue();
  }

  @ParameterizedTest(name = "raid{0}")
  @ValueSource(ints = {5, 6})
  void createdArraysResyncThenLiveCleanAndDirtyAsMdRecordsIt(int level) throws Exception {
    long seed = Seeds.of(51, level);
    SplittableRandom random = new SplittableRandom(seed);
    List<Path> paths = create(level, level == 5 ? 4 : 5, false);
    assertThat(superblocks(paths)).allMatch(sb -> sb.resyncOffset() == 0);
    AssemblyDecision decision = decide(paths);
    assertThat(decision.verdict()).isEqualTo(AssemblyDecision.Verdict.NEEDS_RESYNC);
    byte[] data = new byte[1 << 20];
    random.nextBytes(data);
    long offset = 4096L * (1 + random.nextInt(64)) + random.nextInt(4096);
    long eventsAtStart = decision.freshest().events();
    try (Arena arena = Arena.ofShared()) {
      MemorySegment buffer = arena.allocate(data.length, 4096);
      MemorySegment.copy(MemorySegment.ofArray(data), 0, buffer, 0, data.length);
      try (RaidArray array = RaidArray.open(decision, false)) {
        SyncJob resync = array.engine().syncJob();
        assertThat(resync).as("the initial resync starts by itself").isNotNull();
        array.write(buffer, offset); // usable at once, while the resync runs
        assertThat(resync.await(60, TimeUnit.SECONDS)).isTrue();
        assertThat(resync.completed())
            .as("%s, failed %d", resync, array.engine().failedMembers())
            .isTrue();
        awaitRecordedClean(array);
        assertThat(superblocks(paths))
            .as("resync done and quiet: clean on every member")
            .allMatch(sb -> sb.clean() && sb.events() > eventsAtStart);
        long events = superblocks(paths).getFirst().events();

        // A write after a quiet spell: dirty on disk before it lands, clean again after.
        array.write(buffer.asSlice(0, 4096), 0);
        List<Superblock1> during = superblocks(paths);
        if (!array.recordedClean()) {
          assertThat(during).allMatch(sb -> sb.resyncOffset() == 0 || sb.clean());
        }
        awaitRecordedClean(array);
        assertThat(superblocks(paths)).allMatch(sb -> sb.clean() && sb.events() >= events + 2);
      }
      // A clean stop assembles clean, with the data in place.
      AssemblyDecision again = decide(paths);
      assertThat(again.verdict()).isEqualTo(AssemblyDecision.Verdict.CLEAN);
      try (RaidArray array = RaidArray.open(again, true)) {
        MemorySegment back = arena.allocate(data.length, 4096);
        array.read(back, offset);
        assertThat(back.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))
            .as("seed %d", seed)
            .isEqualTo(data);
      }
      EngineHarness.assertParityConsistent(RaidArray.geometryOf(again.freshest()), open(paths));
    }
  }

  @ParameterizedTest(name = "raid{0}")
  @ValueSource(ints = {5, 6})
  void aCrashWhileDirtyAssemblesAsNeedingResyncWhichFixesParity(int level) throws Exception {
    long seed = Seeds.of(52, level);
    SplittableRandom random = new SplittableRandom(seed);
    List<Path> paths = create(level, level == 5 ? 4 : 5, true);
    assertThat(decide(paths).verdict()).isEqualTo(AssemblyDecision.Verdict.CLEAN);
    List<Path> crashed = new ArrayList<>();
    // The copies below must all be taken while the array is dirty: on a busy machine copying the
    // members can take longer than md's 200 ms quiet delay, after which the array is marked clean.
    RaidArray.safeModeDelayMillisOverride = 60_000;
    try (RaidArray array = RaidArray.open(decide(paths), false);
        Arena arena = Arena.ofShared()) {
      MemorySegment buffer = arena.allocate(256 * 1024, 4096);
      byte[] bytes = new byte[(int) buffer.byteSize()];
      random.nextBytes(bytes);
      MemorySegment.copy(MemorySegment.ofArray(bytes), 0, buffer, 0, bytes.length);
      array.write(buffer, 8192);
      assertThat(array.recordedClean()).isFalse();
      // The "crash": the members as they are now, dirty, and then a stripe's parity torn as a
      // power cut between a data and a parity write would leave it.
      for (Path p : paths) {
        Path copy = dir.resolve("crash-" + p.getFileName());
        Files.copy(p, copy, StandardCopyOption.REPLACE_EXISTING);
        crashed.add(copy);
      }
    } finally {
      RaidArray.safeModeDelayMillisOverride = 0;
    }
    AssemblyDecision decision = decide(crashed);
    assertThat(decision.verdict()).isEqualTo(AssemblyDecision.Verdict.NEEDS_RESYNC);
    long dataOffset = decision.freshest().dataOffset() * 512;
    try (RandomAccessFile f = new RandomAccessFile(crashed.get(1).toFile(), "rw")) {
      f.seek(dataOffset + 4096L * random.nextInt(16));
      f.write(new byte[] {1, 2, 3, 4});
    }
    var geometry = RaidArray.geometryOf(decision.freshest());
    assertThat(EngineHarness.inconsistentStripes(geometry, open(crashed), 0, geometry.devSectors()))
        .isPositive();
    try (RaidArray array = RaidArray.open(decision, false)) {
      SyncJob resync = array.engine().syncJob();
      assertThat(resync).isNotNull();
      assertThat(resync.await(60, TimeUnit.SECONDS)).isTrue();
      assertThat(resync.mismatchSectors()).as("seed %d", seed).isPositive();
      awaitRecordedClean(array);
    }
    assertThat(decide(crashed).verdict()).isEqualTo(AssemblyDecision.Verdict.CLEAN);
    EngineHarness.assertParityConsistent(geometry, open(crashed));
  }

  private static BlockDevice[] open(List<Path> paths) throws Exception {
    return ArrayFiles.copiesBySlot(paths);
  }
}
