package io.jraid.nbd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.jraid.array.RaidArray;
import io.jraid.nbd.TestArrays.Health;
import io.jraid.testing.Seeds;
import io.jraid.testing.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The server against the real NBD clients of Debian 12 (libnbd 1.14: nbdinfo, nbdcopy, nbdsh;
 * qemu-img 7.2; fio 3.33's nbd engine), exporting 64 MiB RAID-5 (5 members) and RAID-6 (6 members)
 * arrays, healthy and with a member missing or failing, each on 127.0.0.1 and a free port.
 *
 * <p>A missing client skips its test, unless {@code JRAID_REQUIRE_NBD_CLIENTS} is set (CI sets it
 * and installs them): then it fails.
 */
class NbdClientsTest {

  static final long ARRAY_BYTES = 64L << 20;

  static final String REQUIRE = "JRAID_REQUIRE_NBD_CLIENTS";

  @TempDir Path dir;

  /** An array served for one test; closing stops the server, audits the engine, frees it all. */
  static final class Served implements AutoCloseable {
    final RaidArray array;
    final NbdServer server;
    final String uri;
    final Health health;

    Served(int level, int disks, Health health) throws IOException {
      this.health = health;
      array = TestArrays.raid(level, disks, ARRAY_BYTES, health);
      server =
          NbdServer.builder()
              .export(
                  NbdExport.of("md", array, TestArrays.stripeWidth(array))
                      .withDescription("jraid test"))
              .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
              .start();
      uri = "nbd://127.0.0.1:" + server.port() + "/md";
    }

    @Override
    public void close() throws IOException {
      try {
        server.close();
        assertThat(server.stats().connectionsOpen()).isZero();
        assertThat(array.engine().audit()).as("engine state after the clients left").isEmpty();
        assertThat(array.engine().failedMembers())
            .as("members lost")
            .isEqualTo(health == Health.HEALTHY ? 0 : 1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      } finally {
        array.close();
      }
    }

    /** The SHA-256 of the whole array, read through the array itself (not NBD). */
    String sha256() throws IOException {
      try (Arena arena = Arena.ofShared()) {
        MemorySegment all = arena.allocate(ARRAY_BYTES, 4096);
        array.read(all, 0);
        return Sha256.of(all);
      }
    }
  }

  static Stream<Arguments> arrays() {
    return Stream.of(
        Arguments.of(5, 5, Health.HEALTHY),
        Arguments.of(5, 5, Health.MISSING),
        Arguments.of(6, 6, Health.HEALTHY),
        Arguments.of(6, 6, Health.FAILING));
  }

  // ---- the clients
  // ---------------------------------------------------------------------------------

  @ParameterizedTest(name = "raid{0} x{1} {2}")
  @MethodSource("arrays")
  void nbdinfoReportsSizeFlagsAndBlockSizes(int level, int disks, Health health) throws Exception {
    String nbdinfo = tool("nbdinfo");
    try (Served s = new Served(level, disks, health)) {
      String json = run(List.of(nbdinfo, "--json", s.uri), Map.of());
      assertThat(json)
          .contains("\"export-name\": \"md\"")
          .contains("\"description\": \"jraid test\"")
          .contains("\"export-size\": " + ARRAY_BYTES)
          .contains("\"can_multi_conn\": true")
          .contains("\"can_flush\": true", "\"can_fua\": true", "\"can_trim\": true")
          .contains("\"can_zero\": true", "\"can_fast_zero\": true", "\"can_cache\": true")
          .contains("\"can_df\": true", "\"is_read_only\": false")
          .contains("\"block_size_minimum\": 512")
          .contains("\"block_size_preferred\": " + (256 << 10))
          .contains("\"block_size_maximum\": " + (32 << 20))
          .contains("base:allocation");
      String map = run(List.of(nbdinfo, "--map", s.uri), Map.of());
      assertThat(map.strip()).matches("0\\s+" + ARRAY_BYTES + "\\s+0\\s+data");
    }
  }

  @ParameterizedTest(name = "raid{0} x{1} {2}")
  @MethodSource("arrays")
  void nbdshProtocolChecks(int level, int disks, Health health) throws Exception {
    String nbdsh = tool("nbdsh");
    Path script = dir.resolve("protocol-checks.py");
    try (InputStream in = NbdClientsTest.class.getResourceAsStream("protocol-checks.py")) {
      assertThat(in).as("protocol-checks.py on the test class path").isNotNull();
      Files.copy(in, script);
    }
    try (Served s = new Served(level, disks, health)) {
      String out =
          run(
              List.of(nbdsh, "-n", "-c", "exec(open('" + script + "').read())"),
              Map.of(
                  "NBD_URI", s.uri,
                  "NBD_SIZE", Long.toString(ARRAY_BYTES),
                  "NBD_PREFERRED", Integer.toString(256 << 10),
                  "NBD_SEED", Long.toString(Seeds.of(level, disks, 0x5C))));
      assertThat(out).containsPattern("all \\d+ protocol checks passed");
    }
  }

  @ParameterizedTest(name = "raid{0} x{1} {2}")
  @MethodSource("arrays")
  void nbdcopyRoundTripKeepsEveryByte(int level, int disks, Health health) throws Exception {
    String nbdcopy = tool("nbdcopy");
    Path source = randomFile("source.img", Seeds.of(level, disks, 0xC0));
    Path back = dir.resolve("back.img");
    try (Served s = new Served(level, disks, health)) {
      run(List.of(nbdcopy, source.toString(), s.uri), Map.of());
      run(List.of(nbdcopy, s.uri, back.toString()), Map.of());
      String expected = Sha256.of(source);
      assertThat(Sha256.of(back)).as("copied back through NBD").isEqualTo(expected);
      assertThat(s.sha256()).as("the array itself").isEqualTo(expected);
      assertThat(s.server.stats().bytesWritten()).isGreaterThanOrEqualTo(ARRAY_BYTES);
    }
  }

  @ParameterizedTest(name = "raid{0} x{1} {2}")
  @MethodSource("arrays")
  void qemuImgConvertAndCompare(int level, int disks, Health health) throws Exception {
    String qemuImg = tool("qemu-img");
    Path source = randomFile("qemu.img", Seeds.of(level, disks, 0xE3));
    try (Served s = new Served(level, disks, health)) {
      run(
          List.of(qemuImg, "convert", "-n", "-f", "raw", "-O", "raw", source.toString(), s.uri),
          Map.of());
      String compare =
          run(
              List.of(qemuImg, "compare", "-f", "raw", "-F", "raw", source.toString(), s.uri),
              Map.of());
      assertThat(compare).contains("Images are identical");
      assertThat(s.sha256()).isEqualTo(Sha256.of(source));
      String info = run(List.of(qemuImg, "info", "--output=json", s.uri), Map.of());
      assertThat(info).contains("\"virtual-size\": " + ARRAY_BYTES);
    }
  }

  @ParameterizedTest(name = "raid{0} x{1} {2}")
  @MethodSource("arrays")
  void fioVerifiesWhatItWroteOverSeveralConnections(int level, int disks, Health health)
      throws Exception {
    String fio = tool("fio");
    try (Served s = new Served(level, disks, health)) {
      // Four jobs, each on its own 16 MiB (own connections); random 4K writes then 64K writes,
      // every block verified by CRC32C on read-back.
      List<String> common =
          List.of(
              fio,
              "--ioengine=nbd",
              "--uri=" + s.uri,
              "--numjobs=4",
              "--size=16m",
              "--offset_increment=16m",
              "--iodepth=16",
              "--verify=crc32c",
              "--verify_fatal=1",
              "--do_verify=1",
              "--randseed=" + Math.floorMod(Seeds.of(level, disks, 0xF10), 1_000_000_007L),
              "--verify_state_save=0",
              "--group_reporting");
      String random = run(concat(common, "--name=rand4k", "--rw=randwrite", "--bs=4k"), Map.of());
      String sequential =
          run(concat(common, "--name=seq64k", "--rw=write", "--bs=64k", "--fsync=16"), Map.of());
      for (String out : List.of(random, sequential)) {
        assertThat(out)
            .contains("err= 0", "READ:", "WRITE:")
            .doesNotContain("verify:")
            .doesNotContain("bad magic");
      }
      assertThat(s.server.stats().connectionsTotal())
          .as("fio connections")
          .isGreaterThanOrEqualTo(8);
      assertThat(s.server.stats().requests(NbdCommand.FLUSH)).isPositive();
    }
  }

  // ---- helpers ---------------------------------------------------------------------------------

  static List<String> concat(List<String> a, String... more) {
    List<String> all = new ArrayList<>(a);
    all.addAll(List.of(more));
    return all;
  }

  Path randomFile(String name, long seed) throws IOException {
    Path file = dir.resolve(name);
    SplittableRandom random = new SplittableRandom(seed);
    byte[] block = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(file)) {
      for (long written = 0; written < ARRAY_BYTES; written += block.length) {
        random.nextBytes(block);
        out.write(block);
      }
    }
    return file;
  }

  /**
   * The path of an installed client; skips the test if there is none (fails instead when {@value
   * #REQUIRE} is set).
   */
  static String tool(String name) {
    for (String entry : System.getenv().getOrDefault("PATH", "/usr/bin").split(":", -1)) {
      Path candidate = Path.of(entry.isEmpty() ? "." : entry, name);
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    if (System.getenv(REQUIRE) != null) {
      fail(
          REQUIRE
              + " is set but "
              + name
              + " is not installed (apt-get install libnbd-bin python3-libnbd qemu-utils fio)");
    }
    Assumptions.abort(name + " is not installed: test skipped");
    throw new AssertionError("unreachable");
  }

  /**
   * Runs a client (60 s at most) in the test's folder and returns its output; a non-zero exit fails
   * the test with it. {@code /usr/bin} goes first on the PATH: nbdsh runs whatever {@code python3}
   * comes first, and only the system one has libnbd's Python module (a pyenv shim would shadow it).
   */
  String run(List<String> command, Map<String, String> env) throws Exception {
    Path log = Files.createTempFile(dir, "client", ".log");
    try {
      ProcessBuilder pb =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .directory(dir.toFile()); // where clients may leave files (fio's state)
      pb.environment().putAll(env);
      pb.environment().put("PATH", "/usr/bin:" + pb.environment().getOrDefault("PATH", ""));
      Process p = pb.start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
        fail(String.join(" ", command) + " did not finish in 60 s:\n" + Files.readString(log));
      }
      String text = Files.readString(log, StandardCharsets.UTF_8);
      assertThat(p.exitValue()).as("%s exited with:%n%s", String.join(" ", command), text).isZero();
      return text;
    } finally {
      Files.delete(log);
    }
  }
}
