package io.jraid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jraid.testing.LinuxFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code jraid assemble --dry-run} and {@code jraid examine} end to end, good and bad input. */
class AssembleCommandTest {

  @TempDir Path temp;

  private static List<String> images(String fixture) {
    return LinuxFixtures.get(fixture).images().stream().map(Path::toString).toList();
  }

  private static String[] args(String first, String second, List<String> rest) {
    String[] all = new String[rest.size() + 2];
    all[0] = first;
    all[1] = second;
    for (int i = 0; i < rest.size(); i++) {
      all[i + 2] = rest.get(i);
    }
    return all;
  }

  @Test
  void completeLinuxArrayIsCleanAndComplete() {
    List<String> members = images("r6-6d-32k-left-symmetric-6").reversed();
    CliRun run = CliRun.of(args("assemble", "--dry-run", members));
    assertThat(run.exitCode()).isZero();
    assertThat(run.out())
        .contains("raid6, left-symmetric-6, 6 devices, chunk 32K")
        .contains("decision: clean and complete")
        .contains("dry run: nothing was written");
    for (int slot = 0; slot < 6; slot++) {
      assertThat(run.out())
          .containsPattern("slot " + slot + " +\\S*disk" + slot + "\\.img +in sync");
    }
  }

  @Test
  void missingMemberIsDegradedAndJsonSaysSo() {
    List<String> members = images("r5-4d-64k-left-symmetric");
    CliRun run =
        CliRun.of(
            args(
                "assemble",
                "-n",
                List.of("--json", members.get(0), members.get(1), members.get(3))));
    assertThat(run.exitCode()).isZero();
    JsonNode d = JsonMapper.builder().build().readTree(run.out());
    assertThat(d.get("verdict").asString()).isEqualTo("DEGRADED");
    assertThat(d.get("runnable").asBoolean()).isTrue();
    assertThat(d.get("slots").get(2).get("state").asString()).isEqualTo("MISSING");
    assertThat(d.get("layoutName").asString()).isEqualTo("left-symmetric");
  }

  @Test
  void tooFewMembersIsNotRunnableWithExitCodeOne() {
    List<String> members = images("r5-4d-64k-left-symmetric");
    CliRun run = CliRun.of("assemble", "--dry-run", members.get(0), members.get(1));
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.out()).contains("decision: not runnable", "only 2 of 4");
  }

  @Test
  void withoutDryRunItRefusesToRun() {
    CliRun run = CliRun.of("assemble", images("r4-4d-64k").getFirst());
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--dry-run");
  }

  @Test
  void membersOfTwoArraysAreNamed() {
    String a = images("r4-4d-64k").getFirst();
    String b = images("r5-3d-4k-right-symmetric").getFirst();
    CliRun run = CliRun.of("assemble", "--dry-run", a, b);
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).contains(a, b, "different arrays").hasLineCount(1);
  }

  @Test
  void notAnMdMemberIsNamedAndAborts() throws IOException {
    Path zeros = temp.resolve("zeros.img");
    Files.write(zeros, new byte[1 << 20]);
    CliRun run =
        CliRun.of("assemble", "--dry-run", images("r4-4d-64k").getFirst(), zeros.toString());
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err())
        .contains(zeros + ": magic not found", "not an md member", "leave " + zeros);
  }

  @Test
  void examineOfBadFilesSaysWhatIsWrongAndGoesOn() throws IOException {
    Path tiny = temp.resolve("tiny.img");
    Files.write(tiny, new byte[1000]);
    Path missing = temp.resolve("missing.img");
    Path corrupt = temp.resolve("corrupt.img");
    Files.copy(Path.of(images("r4-4d-64k").getFirst()), corrupt);
    try (var channel =
        java.nio.channels.FileChannel.open(corrupt, java.nio.file.StandardOpenOption.WRITE)) {
      channel.write(java.nio.ByteBuffer.wrap(new byte[] {1}), 4096 + 200); // inside events
    }
    String good = images("r4-4d-64k").get(1);
    CliRun run =
        CliRun.of("examine", tiny.toString(), missing.toString(), corrupt.toString(), good);
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err().lines().toList())
        .satisfiesExactly(
            l -> assertThat(l).contains(tiny + ": size is 1000 bytes", "too small"),
            l -> assertThat(l).contains(missing + ": no such file"),
            l -> assertThat(l).contains(corrupt + ": sb_csum", "corrupt"));
    assertThat(run.out()).startsWith(good + ":\n").contains("Device Role : Active device 1");
  }

  @Test
  void truncatedMemberSaysItIsTooSmallForItsData() throws IOException {
    Path truncated = temp.resolve("truncated.img");
    Files.copy(Path.of(images("r5-4d-64k-left-symmetric").get(2)), truncated);
    try (var channel =
        java.nio.channels.FileChannel.open(truncated, java.nio.file.StandardOpenOption.WRITE)) {
      channel.truncate(1536 << 10);
    }
    CliRun run = CliRun.of("examine", truncated.toString());
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err())
        .contains(truncated + ": data_size", "4096 sectors", "3072", "truncated or smaller");
  }
}
