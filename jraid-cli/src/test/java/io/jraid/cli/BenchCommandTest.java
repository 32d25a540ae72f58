package io.jraid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code jraid bench} end to end, on tiny configurations so it stays quick. */
class BenchCommandTest {

  private record Run(int exitCode, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Run(code, out.toString(), err.toString());
  }

  private static final String[] QUICK = {
    "--kernel",
    "xor_gen,pq_gen,recov_2data",
    "-k",
    "4",
    "-b",
    "4K",
    "--rounds",
    "1",
    "--slice-ms",
    "2"
  };

  @Test
  void printsOneRowPerConfigurationAndTheSelection() {
    Run r = run(concat("bench", QUICK));
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("kernel", "scalar")
        .containsPattern("xor_gen +4 +4 KiB +[0-9.]+")
        .containsPattern("pq_gen +4 +4 KiB +[0-9.]+")
        .containsPattern("recov_2data +4 +4 KiB +[0-9.]+")
        .contains("selected: ")
        .doesNotContain("FAILED");
  }

  @Test
  void jsonHasTheDocumentedFieldsForEveryImplementation() {
    Run r = run(concat("bench", concat("--json", QUICK)));
    assertThat(r.exitCode()).as(r.err()).isZero();
    JsonNode rows = JsonMapper.builder().build().readTree(r.out());
    assertThat(rows.isArray()).isTrue();
    Set<String> implementations = new HashSet<>();
    int selected = 0;
    for (JsonNode row : rows) {
      for (String field :
          new String[] {"kernel", "implementation", "k", "blockBytes", "gbPerSec", "selected"}) {
        assertThat(row.has(field)).as("field %s in %s", field, row).isTrue();
      }
      assertThat(row.get("k").asInt()).isEqualTo(4);
      assertThat(row.get("blockBytes").asInt()).isEqualTo(4096);
      assertThat(row.get("gbPerSec").asDouble()).isPositive();
      implementations.add(row.get("implementation").asString());
      selected += row.get("selected").asBoolean() ? 1 : 0;
    }
    assertThat(rows.size()).isEqualTo(3 * implementations.size());
    assertThat(implementations).contains("scalar", "vector");
    assertThat(selected).as("one selected implementation per kernel").isEqualTo(3);
  }

  @Test
  void badOptionsAreUsageErrors() {
    Run unknownKernel = run("bench", "--kernel", "raid7");
    assertThat(unknownKernel.exitCode()).isEqualTo(2);
    assertThat(unknownKernel.err()).contains("unknown kernel 'raid7'");

    Run badSize = run("bench", "-b", "4Q");
    assertThat(badSize.exitCode()).isEqualTo(2);
    assertThat(badSize.err()).contains("'4Q' is not a size");

    Run badK = run("bench", "-k", "300");
    assertThat(badK.exitCode()).isEqualTo(2);
    assertThat(badK.err()).contains("k=300");

    Run badImpl = run("bench", "--impl", "gpu");
    assertThat(badImpl.exitCode()).isEqualTo(2);
    assertThat(badImpl.err()).contains("unknown parity implementation 'gpu'");
  }

  @Test
  void noCommandIsAUsageError() {
    Run r = run();
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("name a command");
  }

  private static String[] concat(String first, String... rest) {
    String[] all = new String[rest.length + 1];
    all[0] = first;
    System.arraycopy(rest, 0, all, 1, rest.length);
    return all;
  }
}
