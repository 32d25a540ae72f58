package io.jraid.layout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The layout code table of spec §1 and mdadm's names ({@code maps.c}), entry by entry. */
class AlgorithmTest {

  /** Spec §1 / kernel {@code algorithm_valid_raid5}. */
  private static final Set<Integer> RAID5_CODES = Set.of(0, 1, 2, 3, 4, 5);

  /** Spec §1 / kernel {@code algorithm_valid_raid6}. */
  private static final Set<Integer> RAID6_CODES =
      Set.of(0, 1, 2, 3, 4, 5, 8, 9, 10, 16, 17, 18, 19, 20);

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({
    "0,  ALGORITHM_LEFT_ASYMMETRIC,       left-asymmetric,    true,  false",
    "1,  ALGORITHM_RIGHT_ASYMMETRIC,      right-asymmetric,   true,  false",
    "2,  ALGORITHM_LEFT_SYMMETRIC,        left-symmetric,     true,  false",
    "3,  ALGORITHM_RIGHT_SYMMETRIC,       right-symmetric,    true,  false",
    "4,  ALGORITHM_PARITY_0,              parity-first,       true,  false",
    "5,  ALGORITHM_PARITY_N,              parity-last,        true,  false",
    "8,  ALGORITHM_ROTATING_ZERO_RESTART, ddf-zero-restart,   false, true",
    "9,  ALGORITHM_ROTATING_N_RESTART,    ddf-N-restart,      false, true",
    "10, ALGORITHM_ROTATING_N_CONTINUE,   ddf-N-continue,     false, true",
    "16, ALGORITHM_LEFT_ASYMMETRIC_6,     left-asymmetric-6,  false, false",
    "17, ALGORITHM_RIGHT_ASYMMETRIC_6,    right-asymmetric-6, false, false",
    "18, ALGORITHM_LEFT_SYMMETRIC_6,      left-symmetric-6,   false, false",
    "19, ALGORITHM_RIGHT_SYMMETRIC_6,     right-symmetric-6,  false, false",
    "20, ALGORITHM_PARITY_0_6,            parity-first-6,     false, false",
  })
  void codeTable(int code, String kernelName, String mdadmName, boolean raid5, boolean ddf) {
    Algorithm a = Algorithm.forCode(6, code);
    assertThat(a.code()).isEqualTo(code);
    assertThat(a.kernelName()).isEqualTo(kernelName);
    assertThat(a.mdadmName()).isEqualTo(mdadmName);
    assertThat(a.isDdf()).isEqualTo(ddf);
    assertThat(a.isValidFor(5)).isEqualTo(raid5);
    assertThat(a.isValidFor(6)).isTrue();
    assertThat(Algorithm.byName(6, mdadmName)).isEqualTo(a);
    if (raid5) {
      assertThat(Algorithm.forCode(5, code)).isSameAs(a);
      assertThat(Algorithm.byName(5, mdadmName)).isEqualTo(a);
    }
  }

  @Test
  void theTableIsComplete() {
    assertThat(Algorithm.values()).hasSize(14);
    assertThat(Algorithm.DEFAULT).isEqualTo(Algorithm.LEFT_SYMMETRIC);
  }

  @ParameterizedTest(name = "level {0}")
  @ValueSource(ints = {5, 6})
  void invalidCodesAreRejectedNamingLevelAndLayout(int level) {
    Set<Integer> valid = level == 5 ? RAID5_CODES : RAID6_CODES;
    IntStream.rangeClosed(-3, 40)
        .forEach(code -> {
          if (valid.contains(code)) {
            assertThat(Algorithm.forCode(level, code).code()).isEqualTo(code);
          } else {
            assertThatThrownBy(() -> Algorithm.forCode(level, code))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("layout=" + code)
                .hasMessageContaining("level=" + level);
          }
        });
    assertThatThrownBy(() -> Algorithm.forCode(level, Integer.MIN_VALUE))
        .hasMessageContaining("layout=" + Integer.MIN_VALUE);
  }

  @ParameterizedTest(name = "level {0}")
  @ValueSource(ints = {-1, 0, 1, 3, 7, 10})
  void otherLevelsAreRejected(int level) {
    assertThatThrownBy(() -> Algorithm.forCode(level, 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("level=" + level);
    assertThatThrownBy(() -> Algorithm.byName(level, "left-symmetric"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("level=" + level);
  }

  @Test
  void raid4HasOnlyParityLast() {
    for (int code : new int[] {0, 2, 5, 8, 99, -1}) {
      assertThat(Algorithm.forCode(4, code)).isEqualTo(Algorithm.PARITY_N);
    }
    assertThat(Algorithm.byName(4, "parity-last")).isEqualTo(Algorithm.PARITY_N);
    assertThat(Algorithm.byName(4, "default")).isEqualTo(Algorithm.PARITY_N);
    assertThat(Algorithm.mdadmNames(4)).containsExactly("parity-last", "default");
    assertThat(Algorithm.PARITY_N.isValidFor(4)).isTrue();
    assertThat(Algorithm.LEFT_SYMMETRIC.isValidFor(4)).isFalse();
    assertThatThrownBy(() -> Algorithm.byName(4, "left-symmetric"))
        .hasMessageContaining("layout=left-symmetric")
        .hasMessageContaining("level=4");
  }

  /** mdadm {@code maps.c}: aliases, and the DDF names that mean different codes per level. */
  @ParameterizedTest(name = "level {0} {1}")
  @CsvSource({
    "5, la, 0",
    "5, ra, 1",
    "5, ls, 2",
    "5, rs, 3",
    "5, default, 2",
    "5, ddf-N-restart, 0",
    "5, ddf-zero-restart, 1",
    "5, ddf-N-continue, 2",
    "5, parity-first, 4",
    "5, parity-last, 5",
    "6, la, 0",
    "6, ra, 1",
    "6, ls, 2",
    "6, rs, 3",
    "6, default, 2",
    "6, ddf-zero-restart, 8",
    "6, ddf-N-restart, 9",
    "6, ddf-N-continue, 10",
    "6, parity-first, 4",
    "6, parity-last, 5",
    "6, parity-first-6, 20",
  })
  void aliases(int level, String name, int code) {
    assertThat(Algorithm.byName(level, name).code()).isEqualTo(code);
  }

  @ParameterizedTest(name = "level {0} {1}")
  @CsvSource({
    "5, left-symmetric-6",
    "5, parity-first-6",
    "5, LS",
    "5, Left-Symmetric",
    "6, ddf-n-restart",
    "6, parity-last-6",
    "6, ''",
    "6, 2",
  })
  void unknownNamesAreRejected(int level, String name) {
    assertThatThrownBy(() -> Algorithm.byName(level, name))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("layout=" + name + " ")
        .hasMessageContaining("level=" + level);
  }

  @Test
  void nameListsAreMdadms() {
    assertThat(Algorithm.mdadmNames(5))
        .containsExactly(
            "left-asymmetric",
            "right-asymmetric",
            "left-symmetric",
            "right-symmetric",
            "default",
            "la",
            "ra",
            "ls",
            "rs",
            "parity-first",
            "parity-last",
            "ddf-zero-restart",
            "ddf-N-restart",
            "ddf-N-continue");
    assertThat(Algorithm.mdadmNames(6))
        .containsExactly(
            "left-asymmetric",
            "right-asymmetric",
            "left-symmetric",
            "right-symmetric",
            "default",
            "la",
            "ra",
            "ls",
            "rs",
            "parity-first",
            "parity-last",
            "ddf-zero-restart",
            "ddf-N-restart",
            "ddf-N-continue",
            "left-asymmetric-6",
            "right-asymmetric-6",
            "left-symmetric-6",
            "right-symmetric-6",
            "parity-first-6");
  }
}
