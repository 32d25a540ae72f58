package io.jraid.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SizesTest {

  @Test
  void parsesWhatMdadmUsersWrite() {
    assertThat(Sizes.parse("512")).isEqualTo(512);
    assertThat(Sizes.parse("4K")).isEqualTo(4096);
    assertThat(Sizes.parse("64k")).isEqualTo(65536);
    assertThat(Sizes.parse("1M")).isEqualTo(1 << 20);
    assertThat(Sizes.parse("1MiB")).isEqualTo(1 << 20);
    assertThat(Sizes.parse("2G")).isEqualTo(2L << 30);
    assertThat(Sizes.parse(" 8KB ")).isEqualTo(8192);
  }

  @Test
  void rejectsWhatIsNotASize() {
    assertThatThrownBy(() -> Sizes.parse("4Q")).hasMessageContaining("'4Q' is not a size");
    assertThatThrownBy(() -> Sizes.parse("")).hasMessageContaining("is not a size");
    assertThatThrownBy(() -> Sizes.parse("-1K")).hasMessageContaining("out of range");
    assertThatThrownBy(() -> Sizes.parse("99999999999T")).hasMessageContaining("out of range");
  }
}
