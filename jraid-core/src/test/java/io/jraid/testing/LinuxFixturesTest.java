package io.jraid.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every fixture holds what its manifest says: the pattern hashes to the array's SHA-256 that Linux
 * read back, and every unpacked member hashes to its recorded SHA-256. This proves the test
 * infrastructure (finding, unpacking, the pattern), not jraid. Also: how the fixtures are found.
 */
class LinuxFixturesTest {

  @Test
  void findsEveryFixtureOfTheReadme() {
    assertThat(LinuxFixtures.names())
        .contains(
            "r4-4d-64k",
            "r5-3d-4k-right-symmetric",
            "r5-4d-64k-left-symmetric-bitmap",
            "r5-4d-64k-left-symmetric",
            "r5-5d-128k-left-asymmetric",
            "r6-5d-64k-ddf-zero-restart",
            "r6-5d-64k-left-symmetric",
            "r6-6d-32k-left-symmetric-6");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.jraid.testing.LinuxFixtures#all")
  void patternIsWhatLinuxReadBack(Fixture f) {
    assertThat(f.property("fill")).isEqualTo("pattern");
    assertThat(f.property("sha256_matches_pattern")).isEqualTo("yes");
    assertThat(HexFormat.of().formatHex(Pattern.key(f.patternSeed())))
        .isEqualTo(f.property("pattern_key_hex"));
    assertThat(Pattern.sha256(f.patternSeed(), f.arraySizeBytes())).isEqualTo(f.sha256());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.jraid.testing.LinuxFixtures#all")
  void unpackedMembersAreWhatTheManifestSays(Fixture f) throws IOException {
    List<Path> images = f.images();
    List<Fixture.Member> members = f.members();
    assertThat(images).hasSize(members.size());
    assertThat(members).hasSize(f.raidDevices());
    for (Fixture.Member m : members) {
      Path image = images.get(m.index());
      assertThat(image.getFileName()).hasToString(m.file());
      assertThat(Files.size(image)).isEqualTo(f.memberSizeBytes());
      assertThat(Sha256.of(image)).as(m.file()).isEqualTo(m.sha256());
    }
  }

  @Test
  void anExplicitFolderWins(@TempDir Path tmp) {
    assertThat(LinuxFixtures.locate(tmp.toString(), "/nowhere", tmp, tmp)).isEqualTo(tmp);
    assertThat(LinuxFixtures.locate(null, tmp.toString(), tmp, tmp)).isEqualTo(tmp);
    assertThat(LinuxFixtures.locate(" ", tmp.toString(), tmp, tmp)).isEqualTo(tmp);
  }

  @Test
  void anExplicitFolderMustExist(@TempDir Path tmp) {
    String missing = tmp.resolve("missing").toString();
    assertThatThrownBy(() -> LinuxFixtures.locate(missing, null, tmp, tmp))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(LinuxFixtures.PROPERTY)
        .hasMessageContaining(missing);
    assertThatThrownBy(() -> LinuxFixtures.locate(null, missing, tmp, tmp))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(LinuxFixtures.ENVIRONMENT);
  }

  @Test
  void theNearestSharedFixturesAboveTheWorkingDirectoryIsFound(@TempDir Path tmp)
      throws IOException {
    Path fixtures = Files.createDirectories(tmp.resolve("shared/fixtures"));
    Path module = Files.createDirectories(tmp.resolve("main/jraid-core"));
    assertThat(LinuxFixtures.locate(null, null, module, tmp.resolve("none"))).isEqualTo(fixtures);
  }

  @Test
  void nothingFoundFailsSayingWhereItLooked(@TempDir Path tmp) {
    Path cwd = tmp.resolve("a");
    Path fallback = tmp.resolve("none");
    assertThatThrownBy(() -> LinuxFixtures.locate(null, null, cwd, fallback))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(cwd.resolve("shared/fixtures").toString())
        .hasMessageContaining(fallback.toString())
        .hasMessageContaining("-D" + LinuxFixtures.PROPERTY + "=")
        .hasMessageContaining(LinuxFixtures.ENVIRONMENT + "=");
  }

  @Test
  void anUnknownNameListsTheKnownOnes() {
    assertThatThrownBy(() -> LinuxFixtures.get("r7-nothing"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("r4-4d-64k");
  }
}
