package io.jraid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jraid.testing.Fixture;
import io.jraid.testing.LinuxFixtures;
import io.jraid.testing.Sha256;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code jraid cat} gets the contents of Linux md arrays off their members, healthy or not. */
class CatCommandTest {

  @TempDir Path temp;

  static List<Fixture> fixtures() {
    return LinuxFixtures.all();
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void catGivesTheArrayContentsWithAndWithoutEachMember(Fixture fixture) throws Exception {
    List<String> images = fixture.images().stream().map(Path::toString).toList();
    for (int leftOut = -1; leftOut < images.size(); leftOut++) {
      List<String> args = new ArrayList<>(List.of("cat", "-o", temp.resolve("out").toString()));
      for (int i = 0; i < images.size(); i++) {
        if (i != leftOut) {
          args.add(images.get(i));
        }
      }
      CliRun run = CliRun.of(args.toArray(String[]::new));
      assertThat(run.exitCode()).as(run.err()).isZero();
      assertThat(Sha256.of(temp.resolve("out")))
          .as("%s without member %d", fixture, leftOut)
          .isEqualTo(fixture.sha256());
      if (leftOut >= 0) {
        assertThat(run.err()).contains("degraded");
      }
    }
  }

  @Test
  void tooFewMembersSaysWhy() {
    List<String> images =
        LinuxFixtures.get("r5-4d-64k-left-symmetric").images().stream()
            .map(Path::toString)
            .toList();
    CliRun run = CliRun.of("cat", "-o", temp.resolve("x").toString(), images.get(0), images.get(1));
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).contains("cannot read the array", "only 2 of 4");
  }

  @Test
  void unwritableOutputIsNamed() {
    List<String> images =
        LinuxFixtures.get("r4-4d-64k").images().stream().map(Path::toString).toList();
    Path nowhere = temp.resolve("no-such-folder").resolve("out");
    List<String> args = new ArrayList<>(List.of("cat", "-o", nowhere.toString()));
    args.addAll(images);
    CliRun run = CliRun.of(args.toArray(String[]::new));
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).contains(nowhere + ": cannot write the output");
  }
}
