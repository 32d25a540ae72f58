package io.jraid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jraid.testing.Fixture;
import io.jraid.testing.LinuxFixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Members made by {@code jraid create}, judged by the real mdadm 4.2: {@code mdadm --examine}
 * accepts every one and prints exactly what {@code jraid examine} prints; on the fixtures'
 * geometries its lines that carry mdadm's own choices (sizes, offsets, bitmap, bad-block log,
 * layout) equal those it prints for the member mdadm itself made; on other geometries they equal
 * the values worked out from mdadm's source in the comments. Where loop devices can be set up,
 * {@code mdadm --examine-bitmap} reads the bitmap back (it reads bitmaps of block devices only).
 */
class LinuxCreateTest {

  /** The {@code --examine} lines whose values mdadm chooses at creation. */
  private static final Set<String> CHOSEN =
      Set.of(
          "Version",
          "Feature Map",
          "Raid Level",
          "Raid Devices",
          "Avail Dev Size",
          "Array Size",
          "Used Dev Size",
          "Data Offset",
          "Super Offset",
          "Unused Space",
          "Internal Bitmap",
          "Bad Block Log",
          "Layout",
          "Chunk Size");

  static List<Fixture> fixtures() {
    return LinuxFixtures.all();
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void mdadmSeesWhatItWouldHaveMade(Fixture fixture, @TempDir Path dir) throws Exception {
    LinuxExamineTest.requireMdadm();
    List<String> devices =
        CreateCommandTest.images(dir, fixture.raidDevices(), fixture.memberSizeBytes());
    CliRun run =
        CreateCommandTest.run(
            new CreateCommandTest.FakeTerminal(null),
            CreateCommandTest.args(
                devices,
                "--level",
                Integer.toString(fixture.level()),
                "--raid-devices",
                Integer.toString(fixture.raidDevices()),
                "--chunk",
                fixture.chunkKib() + "K",
                "--layout",
                fixture.layoutName(),
                "--metadata",
                fixture.metadata(),
                "--bitmap",
                fixture.bitmap(),
                "--homehost",
                "mdoracle"));
    assertThat(run.err()).isEmpty();
    assertThat(run.exitCode()).isZero();
    String mdadmMade = chosen(LinuxExamineTest.mdadmExamine(fixture.images().getFirst()));
    for (String device : devices) {
      String mdadm = examineBoth(device);
      assertThat(mdadm).contains("           Name : mdoracle:0");
      assertThat(chosen(mdadm)).as(device).isEqualTo(mdadmMade);
    }
  }

  /**
   * Geometries beyond the fixtures. Expected values from mdadm 4.2 {@code super1.c} and {@code
   * Create.c}:
   *
   * <ul>
   *   <li>4 MiB, 1.0: superblock at {@code (8192 - 16) & ~7 = 8176}; data size {@code 8176 - (8 +
   *       8)} (bad-block log + {@code choose_bm_space}); used size {@code 8192 - (16 + 8 + 8)}
   *       rounded to 64K chunks = 8064.
   *   <li>8 MiB, 1.1, 32K chunks: headroom halves to 2 chunks (128), so the data offset is {@code
   *       ROUND_UP(24 + 8 + 128, 2048) = 2048}; bitmap 4 KiB after the superblock, the log after
   *       it.
   *   <li>200 GiB, 1.2, bitmap by default ({@code s->size > 100*1024*1024} KiB): headroom 128 MiB,
   *       {@code choose_bm_space} 128 → data offset {@code ROUND_UP(262296, 2048) = 264192}; used
   *       {@code 419430400 - 264192} rounded to 512K = 419166208 sectors.
   *   <li>200 GiB, 1.0, bitmap by default: used {@code 419430400 - (24 + 128)} rounded to 512K =
   *       419429376; bitmap room {@code (419429376·512/64M + 1)} bits + 256 bytes → 4 KiB → offset
   *       {@code -(8 + 8)}; data size {@code (419430400 - 16) & ~7 - (8 + 8)} = 419430368.
   *   <li>100 GiB, 1.1: data offset 133120 (headroom 131072); used 209582080 sectors, under 100
   *       GiB: no bitmap by default.
   * </ul>
   */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "-l 4 -n 3 -c 64K -e 1.0 | 4194304 | Super Offset : 8176 sectors;Avail Dev Size : 8160"
            + " sectors;Used Dev Size : 8064 sectors;Feature Map : 0x0;Bad Block Log : 512 entries"
            + " available at offset -8 sectors",
        "-l 6 -n 5 -c 32K -e 1.1 -b internal | 8388608 | Super Offset : 0 sectors;Data Offset :"
            + " 2048 sectors;Internal Bitmap : 8 sectors from superblock;Bad Block Log : 512 entries"
            + " available at offset 16 sectors;Layout : left-symmetric",
        "-l 5 -n 3 | 214748364800 | Data Offset : 264192 sectors;Feature Map : 0x1;Internal Bitmap"
            + " : 8 sectors from superblock;Avail Dev Size : 419166208 sectors;Bad Block Log : 512"
            + " entries available at offset 16 sectors",
        "-l 6 -n 4 -e 1.0 -p right-asymmetric | 214748364800 | Internal Bitmap : -16 sectors from"
            + " superblock;Avail Dev Size : 419430368 sectors;Used Dev Size : 419429376"
            + " sectors;Layout : right-asymmetric",
        "-l 5 -n 3 -e 1.1 | 107374182400 | Data Offset : 133120 sectors;Feature Map : 0x0",
      })
  void otherGeometriesFollowMdadmsSource(
      String options, long bytes, String lines, @TempDir Path dir) throws Exception {
    LinuxExamineTest.requireMdadm();
    String[] opts = options.strip().split(" +", -1);
    int n = Integer.parseInt(opts[3]);
    List<String> devices = CreateCommandTest.images(dir, n, bytes);
    CliRun run =
        CreateCommandTest.run(
            new CreateCommandTest.FakeTerminal(null), CreateCommandTest.args(devices, opts));
    assertThat(run.err()).isEmpty();
    assertThat(run.exitCode()).isZero();
    for (String device : devices) {
      String mdadm = examineBoth(device);
      for (String line : lines.split(";", -1)) {
        assertThat(mdadm).contains(line.strip());
      }
    }
  }

  /**
   * The bitmap as mdadm reads it: version 4, 64 MiB chunks, the used size, every bit set ({@code
   * write_bitmap1()} fills them with ones). Sizes: 200 GiB as above; 4 MiB with 512K chunks keeps a
   * headroom of 2 chunks (2048 sectors), so the data offset is {@code ROUND_UP(24 + 8 + 2048, 2048)
   * = 4096} and 2048 KiB are used.
   */
  @ParameterizedTest
  @CsvSource({
    "1.2, 214748364800, 209583104, 3198",
    "1.0, 214748364800, 209714688, 3200",
    "1.1, 4194304, 2048, 1",
  })
  void mdadmReadsTheBitmap(String metadata, long bytes, long syncKib, long bits, @TempDir Path dir)
      throws Exception {
    LinuxExamineTest.requireMdadm();
    List<String> devices = CreateCommandTest.images(dir, 3, bytes);
    CliRun run =
        CreateCommandTest.run(
            new CreateCommandTest.FakeTerminal(null),
            CreateCommandTest.args(
                devices, "-l", "5", "-n", "3", "-e", metadata, "-b", "internal"));
    assertThat(run.exitCode()).isZero();
    String bitmap = examineBitmapOnLoop(Path.of(devices.get(1)));
    assertThat(bitmap)
        .contains("Version : 4")
        .contains("Events : 0")
        .contains("State : OK")
        .contains("Chunksize : 64 MB")
        .contains("Daemon : 5s flush period")
        .contains("Sync Size : " + syncKib)
        .contains("Bitmap : " + bits + " bits (chunks), " + bits + " dirty (100.0%)");
  }

  /** {@code mdadm --examine} of a created member: it succeeds and equals {@code jraid examine}. */
  private static String examineBoth(String device) throws Exception {
    String mdadm = LinuxExamineTest.mdadmExamine(Path.of(device));
    CliRun ours = CliRun.of("examine", device);
    assertThat(ours.err()).isEmpty();
    assertThat(ours.out()).as("jraid examine %s", device).isEqualTo(mdadm);
    return mdadm;
  }

  /** The lines of an {@code --examine} report that mdadm chooses, without the device's name. */
  private static String chosen(String examine) {
    return examine
        .lines()
        .filter(l -> l.contains(" : ") && CHOSEN.contains(l.substring(0, l.indexOf(" : ")).strip()))
        .collect(Collectors.joining("\n"));
  }

  /** {@code mdadm --examine-bitmap} through a read-only loop device; skips without loop devices. */
  private static String examineBitmapOnLoop(Path image) throws Exception {
    String loop = exec("losetup", "--find", "--show", "--read-only", image.toString()).strip();
    Assumptions.assumeTrue(
        loop.startsWith("/dev/loop"), "no loop device can be set up here: " + loop);
    try {
      return exec(LinuxExamineTest.MDADM.toString(), "--examine-bitmap", loop);
    } finally {
      exec("losetup", "--detach", loop);
    }
  }

  private static String exec(String... command) throws IOException, InterruptedException {
    Process p;
    try {
      p = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      return "cannot run " + command[0] + ": " + e.getMessage();
    }
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new String(out, StandardCharsets.UTF_8);
  }
}
