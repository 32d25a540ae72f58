package io.jraid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jraid.array.AssemblyDecision;
import io.jraid.array.CreateRequest;
import io.jraid.array.MemberReader;
import io.jraid.array.RaidArray;
import io.jraid.format.BitmapCodec;
import io.jraid.format.MetadataVersion;
import io.jraid.format.Superblock1;
import io.jraid.testing.ArrayFiles;
import io.jraid.testing.Fixture;
import io.jraid.testing.LinuxFixtures;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * jraid's write-intent bitmap as Linux's mdadm reads it ({@code mdadm --examine-bitmap}): the
 * events agree with the md superblock (so the kernel would not call it stale), the dirty count is
 * the chunks written (computed here from the writes), and a clean stop leaves none dirty. And a
 * Linux-made array with a bitmap, written by jraid, reads back to mdadm as consistent.
 */
class LinuxBitmapTest {

  private static final Pattern BITS =
      Pattern.compile("Bitmap : (\\d+) bits \\(chunks\\), (\\d+) dirty");
  private static final Pattern EVENTS = Pattern.compile("(?m)^\\s+Events : (\\d+)$");

  @TempDir Path dir;

  private record Report(long events, long bits, long dirty, String state, String text) {}

  /**
   * {@code mdadm --examine-bitmap} of a member's internal bitmap. On an image file mdadm takes the
   * file for an array and reads no bitmap, so the bitmap area is cut out first: an internal bitmap
   * is laid out as a bitmap file is, superblock first.
   */
  private Report examineBitmap(Path member) throws Exception {
    Superblock1 sb = MemberReader.read(member).superblock();
    byte[] area = new byte[64 * 1024];
    try (RandomAccessFile f = new RandomAccessFile(member.toFile(), "r")) {
      f.seek(BitmapCodec.sectorOf(sb) * 512);
      f.readFully(area);
    }
    Path file = Files.createTempFile(dir, "bitmap-", ".bin");
    Files.write(file, area);
    Process p =
        new ProcessBuilder(LinuxExamineTest.MDADM.toString(), "--examine-bitmap", file.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("mdadm -X exit code: %s", out).isZero();
    Matcher bits = BITS.matcher(out);
    Matcher events = EVENTS.matcher(out);
    Matcher state = Pattern.compile("(?m)^\\s+State : (.*)$").matcher(out);
    assertThat(bits.find() && events.find() && state.find()).as(out).isTrue();
    return new Report(
        Long.parseLong(events.group(1)),
        Long.parseLong(bits.group(1)),
        Long.parseLong(bits.group(2)),
        state.group(1).strip(),
        out);
  }

  private static AssemblyDecision decide(List<Path> paths) throws Exception {
    return ArrayFiles.decide(paths);
  }

  @Test
  void mdadmReadsJraidsBitmapWithTheChunksWrittenDirty() throws Exception {
    LinuxExamineTest.requireMdadm();
    int n = 4;
    long bitmapChunk = 64 * 1024;
    CreateRequest request =
        new CreateRequest(
                5,
                n,
                128,
                null,
                MetadataVersion.V1_2,
                "bits",
                "test",
                CreateRequest.Bitmap.INTERNAL,
                true,
                0)
            .withBitmapChunk(bitmapChunk);
    List<Path> paths = ArrayFiles.create(dir, request, 12L << 20);
    try (RaidArray array = RaidArray.open(decide(paths), false)) {
      assertThat(array.bitmapStatus()).isNotNull(); // first run: mdadm's stale bitmap made fresh
    }
    // Writes at three places; md's chunks are whole stripe rows (64 KiB chunk × 3 data members)
    // mapped to member space: one 64 KiB bit a row.
    long[] offsets = {0, 5L << 20, (9L << 20) + 4096};
    TreeSet<Long> expected = new TreeSet<>();
    long chunkBytes = 128 * 512;
    for (long offset : offsets) {
      long row = offset / (chunkBytes * 3);
      expected.add(row * chunkBytes / bitmapChunk);
    }
    List<Path> copies = new ArrayList<>();
    try (RaidArray array = RaidArray.open(decide(paths), false);
        Arena arena = Arena.ofShared()) {
      MemorySegment buffer = arena.allocate(4096, 4096);
      for (long offset : offsets) {
        array.write(buffer, offset);
      }
      // At once (the first sweep is 5 s away, clearing takes two): the members with bits set.
      for (Path p : paths) {
        Path copy = dir.resolve("live-" + p.getFileName());
        Files.copy(p, copy, StandardCopyOption.REPLACE_EXISTING);
        copies.add(copy);
      }
    }
    for (Path copy : copies) {
      Report r = examineBitmap(copy);
      assertThat(r.state()).as(r.text()).isEqualTo("OK");
      assertThat(r.events()).as(r.text()).isGreaterThanOrEqualTo(MemberReader.read(copy).events());
      long used = MemberReader.read(copy).superblock().size() * 512;
      assertThat(r.bits()).isEqualTo((used + bitmapChunk - 1) / bitmapChunk);
      assertThat(r.dirty()).as(r.text()).isEqualTo(expected.size());
    }
    for (Path p : paths) {
      Report r = examineBitmap(p);
      assertThat(r.state()).as(r.text()).isEqualTo("OK");
      assertThat(r.events()).as(r.text()).isEqualTo(MemberReader.read(p).events());
      assertThat(r.dirty()).as("after a clean stop: %s", r.text()).isZero();
    }
  }

  @Test
  void aLinuxArrayWithABitmapWrittenByJraidStaysConsistentForMdadm() throws Exception {
    LinuxExamineTest.requireMdadm();
    Fixture fixture =
        LinuxFixtures.all().stream()
            .filter(f -> f.bitmap().equals("internal"))
            .findFirst()
            .orElseThrow();
    List<Path> images = fixture.unpack(dir);
    long linuxEvents = MemberReader.read(images.getFirst()).events();
    Report before = examineBitmap(images.getFirst());
    assertThat(before.events()).isEqualTo(linuxEvents); // Linux's bitmap, as Linux left it
    try (RaidArray array = RaidArray.open(decide(images), false);
        Arena arena = Arena.ofShared()) {
      assertThat(array.bitmapStatus()).isNotNull();
      MemorySegment buffer = arena.allocate(64 * 1024, 4096);
      buffer.fill((byte) 0x5a);
      array.write(buffer, 4096);
      array.flush();
    }
    for (Path p : images) {
      Report r = examineBitmap(p);
      long events = MemberReader.read(p).events();
      assertThat(events).isGreaterThan(linuxEvents);
      assertThat(r.state()).as(r.text()).isEqualTo("OK");
      assertThat(r.events()).as(r.text()).isEqualTo(events);
      assertThat(r.dirty()).as(r.text()).isZero();
      String examine = LinuxExamineTest.mdadmExamine(p);
      assertThat(examine).contains("Internal Bitmap : 8 sectors from superblock");
      assertThat(examine).containsPattern("State : clean");
    }
  }
}
