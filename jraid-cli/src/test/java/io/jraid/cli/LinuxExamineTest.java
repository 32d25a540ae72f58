package io.jraid.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.jraid.testing.Fixture;
import io.jraid.testing.LinuxFixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code jraid examine} on members made by Linux md prints what {@code mdadm --examine} prints for
 * them, byte for byte, and its JSON carries the manifest's values. The mdadm comparison needs
 * Debian's mdadm; CI installs it and sets {@code JRAID_REQUIRE_MDADM=1} so that its absence fails
 * instead of skipping.
 */
class LinuxExamineTest {

  static final Path MDADM = Path.of("/usr/sbin/mdadm");

  static List<Fixture> fixtures() {
    return LinuxFixtures.all();
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void examinePrintsWhatMdadmPrints(Fixture fixture) throws Exception {
    requireMdadm();
    for (Path image : fixture.images()) {
      CliRun ours = CliRun.of("examine", image.toString());
      assertThat(ours.err()).isEmpty();
      assertThat(ours.exitCode()).isZero();
      assertThat(ours.out()).as("jraid examine %s", image).isEqualTo(mdadmExamine(image));
    }
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void jsonCarriesTheManifestValues(Fixture fixture) {
    List<Path> images = fixture.images();
    CliRun run =
        CliRun.of("examine", "--json", images.getFirst().toString(), images.getLast().toString());
    assertThat(run.exitCode()).isZero();
    JsonNode members = JsonMapper.builder().build().readTree(run.out());
    assertThat(members.size()).isEqualTo(2);
    for (int i = 0; i < 2; i++) {
      JsonNode m = members.get(i);
      Fixture.Member expected = fixture.members().get(i == 0 ? 0 : images.size() - 1);
      assertThat(m.get("arrayUuid").asString()).isEqualTo(fixture.arrayUuid());
      assertThat(m.get("level").asInt()).isEqualTo(fixture.level());
      assertThat(m.get("raidDevices").asInt()).isEqualTo(fixture.raidDevices());
      assertThat(m.get("chunkSectors").asInt()).isEqualTo(fixture.chunkKib() * 2);
      assertThat(m.get("dataOffset").asLong()).isEqualTo(fixture.dataOffsetSectors());
      assertThat(m.get("events").asLong()).isEqualTo(expected.events());
      assertThat(m.get("deviceUuid").asString()).isEqualTo(expected.devUuid());
    }
  }

  /** Skips the test when mdadm is missing, or fails it when CI says mdadm must be there. */
  static void requireMdadm() {
    if (!Files.isExecutable(MDADM)) {
      if (System.getenv("JRAID_REQUIRE_MDADM") != null) {
        fail("JRAID_REQUIRE_MDADM is set but " + MDADM + " is missing: apt-get install mdadm");
      }
      Assumptions.abort("mdadm is not installed (apt-get install mdadm)");
    }
  }

  static String mdadmExamine(Path image) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(MDADM.toString(), "--examine", image.toString())
            .redirectErrorStream(true)
            .start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("mdadm --examine exit code").isZero();
    return new String(out, StandardCharsets.UTF_8);
  }
}
