package io.jraid.array;

import static org.assertj.core.api.Assertions.assertThat;

import io.jraid.device.BlockDevice;
import io.jraid.device.FileDevice;
import io.jraid.device.IoCompletion;
import io.jraid.format.BitmapCodec;
import io.jraid.format.BitmapSuperblock;
import io.jraid.format.MetadataVersion;
import io.jraid.format.Superblock1;
import io.jraid.layout.ArrayGeometry;
import io.jraid.stripe.EngineHarness;
import io.jraid.stripe.SyncJob;
import io.jraid.testing.ArrayFiles;
import io.jraid.testing.ForwardingDevice;
import io.jraid.testing.Seeds;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The write-intent bitmap at run time, against oracles outside it: the bits read back from the
 * member files (by the format codec), a reference set of the chunks written, parity checked stripe
 * by stripe with the scalar reference, and the member I/O order itself — every data or parity write
 * that reaches a member finds its chunk's bit already on that member.
 */
class WriteIntentBitmapTest {

  private static final long BITMAP_CHUNK = 64 * 1024;

  @TempDir Path dir;

  @AfterEach
  void restoreSweeps() {
    RaidArray.bitmapSweepMillisOverride = 0;
  }

  private List<Path> create(int level, int n, boolean assumeClean) throws Exception {
    CreateRequest r =
        new CreateRequest(
                level,
                n,
                64,
                null,
                MetadataVersion.V1_2,
                "bits",
                "test",
                CreateRequest.Bitmap.INTERNAL,
                assumeClean,
                0)
            .withBitmapChunk(BITMAP_CHUNK);
    List<Path> paths = ArrayFiles.create(dir, r, 12L << 20);
    // mdadm's new bitmap is all ones with events 0 (stale): the first run's sweeps clean it, and
    // a clean stop sweeps it clean at once.
    try (RaidArray array = RaidArray.open(decide(paths), false)) {
      assertThat(array.bitmap()).isNotNull();
    }
    for (Path p : paths) {
      assertThat(onDisk(p).bits().toString()).as("bits after the first clean stop").isEqualTo("{}");
    }
    return paths;
  }

  private static AssemblyDecision decide(List<Path> paths) throws Exception {
    return ArrayFiles.decide(paths);
  }

  /** The bitmap on one member file: its superblock and set bits, read with the format codec. */
  private record OnDisk(BitmapSuperblock header, BitSet bits, Superblock1 sb) {}

  private static OnDisk onDisk(Path member) throws Exception {
    Member m = MemberReader.read(member);
    Superblock1 sb = m.superblock();
    try (RandomAccessFile f = new RandomAccessFile(member.toFile(), "r");
        Arena arena = Arena.ofConfined()) {
      byte[] bytes = new byte[64 * 1024];
      f.seek(BitmapCodec.sectorOf(sb) * 512);
      f.readFully(bytes);
      MemorySegment area = arena.allocate(bytes.length);
      MemorySegment.copy(MemorySegment.ofArray(bytes), 0, area, 0, bytes.length);
      BitmapSuperblock header = BitmapCodec.decode(area, sb.setUuid(), member.toString());
      BitSet bits = new BitSet();
      for (int bit = 0; bit < header.chunks(); bit++) {
        if (BitmapCodec.isSet(area, bit)) {
          bits.set(bit);
        }
      }
      return new OnDisk(header, bits, sb);
    }
  }

  /** The bitmap chunks (member space) an array write at {@code offset} covers, whole rows. */
  private static void chunksOf(ArrayGeometry g, long offset, long length, BitSet into) {
    long rowSectors = (long) g.chunkSectors() * g.dataDisks();
    long firstRow = offset / 512 / rowSectors;
    long lastRow = (offset + length - 1) / 512 / rowSectors;
    long perBit = BITMAP_CHUNK / 512;
    into.set(
        (int) (firstRow * g.chunkSectors() / perBit),
        (int) (((lastRow + 1) * g.chunkSectors() - 1) / perBit) + 1);
  }

  private static void awaitCleanBits(List<Path> paths, long seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      boolean clean = true;
      for (Path p : paths) {
        clean &= onDisk(p).bits().isEmpty();
      }
      if (clean) {
        return;
      }
      Thread.sleep(20);
    }
    for (Path p : paths) {
      assertThat(onDisk(p).bits().toString())
          .as("bits on %s after quiet", p.getFileName())
          .isEqualTo("{}");
    }
  }

  @ParameterizedTest(name = "raid{0}")
  @ValueSource(ints = {5, 6})
  void everyMemberWriteFindsItsBitOnThatMemberAndBitsClearWhenQuiet(int level) throws Exception {
    long seed = Seeds.of(61, level);
    SplittableRandom random = new SplittableRandom(seed);
    List<Path> paths = create(level, level == 5 ? 4 : 5, true);
    RaidArray.bitmapSweepMillisOverride = 3_600_000; // no clearing while the writes are checked
    List<String> violations = Collections.synchronizedList(new ArrayList<>());
    long dataOffset = decide(paths).freshest().dataOffset() * 512;
    RaidArray.MemberOpener checking =
        (path, readOnly) ->
            new BitFirstDevice(FileDevice.openReadWrite(path), path, dataOffset, violations);
    BitSet written = new BitSet();
    long eventsAfterWrites;
    try (RaidArray array = RaidArray.open(decide(paths), false, checking);
        Arena arena = Arena.ofShared()) {
      ArrayGeometry g = array.engine().geometry();
      MemorySegment buffer = arena.allocate(256 * 1024, 4096);
      for (int i = 0; i < 60; i++) {
        long length = 512L * (1 + random.nextInt(300));
        long offset = 512L * random.nextLong((array.size() - length) / 512);
        MemorySegment slice = buffer.asSlice(0, length);
        slice.fill((byte) i);
        array.write(slice, offset);
        chunksOf(g, offset, length, written);
        // Right after the write is acknowledged, every member has the bits (a superset of them).
        for (Path p : paths) {
          BitSet bits = onDisk(p).bits();
          BitSet missing = (BitSet) written.clone();
          missing.andNot(bits);
          assertThat(missing.toString())
              .as("seed %d: bits missing on %s", seed, p.getFileName())
              .isEqualTo("{}");
        }
      }
      assertThat(violations).as("seed %d", seed).isEmpty();
      WriteIntentBitmap bitmap = array.bitmap();
      assertThat(bitmap).isNotNull();
      assertThat(bitmap.dirtyChunks()).isEqualTo(written);
      long[] counts = bitmap.writeCounts();
      assertThat(counts[1]).as("page-write batches").isPositive();
      eventsAfterWrites = java.util.Objects.requireNonNull(array.superblocks()).events();
    }
    // A clean stop sweeps the idle chunks clean (md's bitmap flush) and keeps events current.
    for (Path p : paths) {
      OnDisk d = onDisk(p);
      assertThat(d.bits().toString()).as("bits after a clean stop").isEqualTo("{}");
      assertThat(d.header().events()).isEqualTo(d.sb().events());
      assertThat(d.header().stale()).isFalse();
      // Raised to the array's events by the stop's sweeps (writes completed with the array
      // whole), before the stop's own superblock update (and safe mode's, if it came first).
      assertThat(d.header().eventsCleared()).isBetween(eventsAfterWrites, d.sb().events() - 1);
    }
  }

  @ParameterizedTest(name = "raid{0}")
  @ValueSource(ints = {5, 6})
  void bitsClearLazilyTwoSweepsAfterTheLastWrite(int level) throws Exception {
    List<Path> paths = create(level, level == 5 ? 4 : 5, true);
    RaidArray.bitmapSweepMillisOverride = 100;
    try (RaidArray array = RaidArray.open(decide(paths), false);
        Arena arena = Arena.ofShared()) {
      MemorySegment buffer = arena.allocate(4096, 4096);
      array.write(buffer, 3 << 20);
      long eventsAtWrite = java.util.Objects.requireNonNull(array.superblocks()).events();
      assertThat(onDisk(paths.getFirst()).bits().cardinality()).isPositive();
      awaitCleanBits(paths, 20);
      OnDisk d = onDisk(paths.getFirst());
      assertThat(d.header().eventsCleared())
          .as("a write completed with the array whole: events_cleared raised")
          .isGreaterThanOrEqualTo(eventsAtWrite);
    }
  }

  @ParameterizedTest(name = "raid{0}")
  @ValueSource(ints = {5, 6})
  void aCrashResyncsOnlyTheChunksWhoseBitsAreSet(int level) throws Exception {
    long seed = Seeds.of(62, level);
    SplittableRandom random = new SplittableRandom(seed);
    List<Path> paths = create(level, level == 5 ? 4 : 5, true);
    RaidArray.bitmapSweepMillisOverride = 3_600_000;
    BitSet written = new BitSet();
    List<Path> crashed = new ArrayList<>();
    ArrayGeometry g;
    try (RaidArray array = RaidArray.open(decide(paths), false);
        Arena arena = Arena.ofShared()) {
      g = array.engine().geometry();
      MemorySegment buffer = arena.allocate(8192, 4096);
      long offset = 0;
      for (int i = 0; i < 3; i++) {
        offset = 4096L * random.nextLong(array.size() / 4096 - 2);
        array.write(buffer, offset);
        chunksOf(g, offset, buffer.byteSize(), written);
      }
      // The crash: members as they are while dirty. Safe mode records clean after 200 ms of
      // quiet, which a slow copy can outlast: write again and copy again until caught dirty.
      for (int attempt = 0; attempt < 20; attempt++) {
        crashed.clear();
        array.write(buffer, offset);
        for (Path p : paths) {
          Path copy = dir.resolve("crash-" + p.getFileName());
          Files.copy(p, copy, StandardCopyOption.REPLACE_EXISTING);
          crashed.add(copy);
        }
        if (decide(crashed).verdict() == AssemblyDecision.Verdict.NEEDS_RESYNC) {
          break;
        }
      }
    }
    AssemblyDecision decision = decide(crashed);
    assertThat(decision.verdict()).isEqualTo(AssemblyDecision.Verdict.NEEDS_RESYNC);
    OnDisk before = onDisk(crashed.getFirst());
    assertThat(before.bits()).isEqualTo(written);
    assertThat(before.header().events()).isGreaterThanOrEqualTo(before.sb().events());
    // Tear one stripe in a dirty chunk and one in a clean chunk, as a power cut between a data
    // and a parity write would. md's resync visits only the dirty one.
    long perBit = BITMAP_CHUNK / 512;
    int dirtyChunk = written.nextSetBit(0);
    int cleanChunk = written.nextClearBit(0);
    long dataOffset = decision.freshest().dataOffset() * 512;
    for (int chunk : new int[] {dirtyChunk, cleanChunk}) {
      try (RandomAccessFile f = new RandomAccessFile(crashed.get(1).toFile(), "rw")) {
        f.seek(dataOffset + chunk * BITMAP_CHUNK + 4096L * random.nextInt(16));
        f.write(new byte[] {1, 2, 3, 4});
      }
    }
    assertThat(inconsistent(g, crashed, dirtyChunk, perBit)).isPositive();
    assertThat(inconsistent(g, crashed, cleanChunk, perBit)).isPositive();
    try (RaidArray array = RaidArray.open(decision, false)) {
      SyncJob resync = array.engine().syncJob();
      assertThat(resync).isNotNull();
      assertThat(resync.await(60, TimeUnit.SECONDS)).isTrue();
      assertThat(resync.completed()).isTrue();
      assertThat(resync.mismatchSectors()).as("seed %d", seed).isPositive();
    }
    assertThat(inconsistent(g, crashed, dirtyChunk, perBit)).as("dirty chunk resynced").isZero();
    assertThat(inconsistent(g, crashed, cleanChunk, perBit))
        .as("clean chunk left alone, as md leaves it")
        .isPositive();
    BlockDevice[] devices = open(crashed);
    assertThat(
            EngineHarness.inconsistentStripes(g, devices, 0, cleanChunk * perBit)
                + EngineHarness.inconsistentStripes(
                    g, devices, (cleanChunk + 1) * perBit, g.devSectors()))
        .as("every other stripe consistent")
        .isZero();
  }

  private static BlockDevice[] open(List<Path> paths) throws Exception {
    return ArrayFiles.copiesBySlot(paths);
  }

  private static long inconsistent(ArrayGeometry g, List<Path> paths, int chunk, long perBit)
      throws Exception {
    return EngineHarness.inconsistentStripes(
        g, open(paths), chunk * perBit, Math.min(g.devSectors(), (chunk + 1) * perBit));
  }

  @ParameterizedTest(name = "raid{0}")
  @ValueSource(ints = {5, 6})
  void aReAddedMemberIsRebuiltOnlyWhereBitsAreSet(int level) throws Exception {
    long seed = Seeds.of(63, level);
    SplittableRandom random = new SplittableRandom(seed);
    int n = level == 5 ? 4 : 5;
    List<Path> paths = create(level, n, true);
    RaidArray.bitmapSweepMillisOverride = 50;
    long dataOffset = decide(paths).freshest().dataOffset() * 512;
    java.util.Map<Path, java.util.concurrent.atomic.AtomicLong> dataBytes =
        new java.util.concurrent.ConcurrentHashMap<>();
    RaidArray.MemberOpener counting =
        (path, readOnly) -> {
          var bytes =
              dataBytes.computeIfAbsent(path, p -> new java.util.concurrent.atomic.AtomicLong());
          bytes.set(0);
          return new CountingDevice(FileDevice.openReadWrite(path), dataOffset, bytes);
        };
    Path victim = paths.get(1 + random.nextInt(n - 1));
    BitSet degradedChunks = new BitSet();
    try (RaidArray array = RaidArray.open(decide(paths), false, counting);
        Arena arena = Arena.ofShared()) {
      ArrayGeometry g = array.engine().geometry();
      byte[] model = new byte[(int) array.size()];
      random.nextBytes(model);
      MemorySegment all = arena.allocate(model.length, 4096);
      MemorySegment.copy(MemorySegment.ofArray(model), 0, all, 0, model.length);
      array.write(all, 0);
      awaitCleanBits(paths, 20); // the whole array written, then quiet: every bit clear

      array.fail(victim.toString());
      for (int i = 0; i < 3; i++) {
        int length = 4096 * (1 + random.nextInt(4));
        long offset = 4096L * random.nextLong((model.length - length) / 4096);
        byte[] fresh = new byte[length];
        random.nextBytes(fresh);
        System.arraycopy(fresh, 0, model, (int) offset, length);
        MemorySegment slice = arena.allocate(length, 4096);
        MemorySegment.copy(MemorySegment.ofArray(fresh), 0, slice, 0, length);
        array.write(slice, offset);
        chunksOf(g, offset, length, degradedChunks);
      }
      Thread.sleep(300); // sweeps run: chunks written while degraded must stay
      assertThat(onDisk(paths.getFirst().equals(victim) ? paths.get(2) : paths.getFirst()).bits())
          .isEqualTo(degradedChunks);
      array.remove(victim.toString());
      array.add(victim, false);
      assertThat(array.events())
          .anySatisfy(e -> assertThat(e.message()).contains("re-added to slot"));
      SyncJob recovery = array.engine().syncJob();
      assertThat(recovery).isNotNull();
      assertThat(recovery.await(60, TimeUnit.SECONDS)).isTrue();
      assertThat(recovery.completed()).as("seed %d", seed).isTrue();
      long rebuilt = java.util.Objects.requireNonNull(dataBytes.get(victim)).get();
      assertThat(rebuilt)
          .as("seed %d: bytes written to the re-added member", seed)
          .isPositive()
          .isLessThanOrEqualTo(degradedChunks.cardinality() * BITMAP_CHUNK);
      assertThat(array.members()).allMatch(m -> m.state() == MemberView.State.ACTIVE);
      array.read(all, 0);
      byte[] back = all.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
      assertThat(java.util.Arrays.equals(back, model)).as("seed %d: array contents", seed).isTrue();
    }
    Superblock1 sb = MemberReader.read(victim).superblock();
    assertThat(sb.role()).isEqualTo(paths.indexOf(victim));
    assertThat(decide(paths).verdict()).isEqualTo(AssemblyDecision.Verdict.CLEAN);
    EngineHarness.assertParityConsistent(RaidArray.geometryOf(sb), open(paths));
  }

  /** Counts the bytes written to a member's data area. */
  private static final class CountingDevice extends ForwardingDevice {
    private final long dataOffset;
    private final java.util.concurrent.atomic.AtomicLong bytes;

    CountingDevice(
        BlockDevice inner, long dataOffset, java.util.concurrent.atomic.AtomicLong bytes) {
      super(inner);
      this.dataOffset = dataOffset;
      this.bytes = bytes;
    }

    @Override
    public void write(MemorySegment src, long offset, boolean fua, IoCompletion done) {
      if (offset >= dataOffset) {
        bytes.addAndGet(src.byteSize());
      }
      inner.write(src, offset, fua, done);
    }
  }

  /**
   * A member that, before passing on a write to the data area, reads its own bitmap from the
   * underlying file and records a violation if the chunk's bit is not there.
   */
  private static final class BitFirstDevice extends ForwardingDevice {
    private final Path path;
    private final long dataOffset;
    private final List<String> violations;

    BitFirstDevice(BlockDevice inner, Path path, long dataOffset, List<String> violations) {
      super(inner);
      this.path = path;
      this.dataOffset = dataOffset;
      this.violations = violations;
    }

    @Override
    public void write(MemorySegment src, long offset, boolean fua, IoCompletion done) {
      if (offset >= dataOffset) {
        try {
          BitSet bits = onDisk(path).bits();
          long memberSector = (offset - dataOffset) / 512;
          long last = (offset - dataOffset + src.byteSize() - 1) / 512;
          for (long s = memberSector; s <= last; s += BITMAP_CHUNK / 512) {
            if (!bits.get((int) (s / (BITMAP_CHUNK / 512)))) {
              violations.add(
                  path.getFileName() + ": write at member sector " + s + " before its bit");
            }
          }
        } catch (Exception e) {
          violations.add(path.getFileName() + ": " + e);
        }
      }
      inner.write(src, offset, fua, done);
    }
  }
}
