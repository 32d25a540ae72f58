package io.jraid.parity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ParitySelectionTest {

  @Test
  void everyAvailableImplementationPassesTheSelfTestAndIsFoundByName() {
    for (ParityKernels k : ParitySelection.available()) {
      assertThat(ParitySelection.selfTest(k)).as(k.name()).isTrue();
      assertThat(ParitySelection.byName(k.name())).isSameAs(k);
      assertThat(ParitySelection.byName(k.name().toUpperCase(java.util.Locale.ROOT))).isSameAs(k);
    }
    assertThat(ParitySelection.available()).first().isSameAs(ScalarKernels.INSTANCE);
  }

  @Test
  void theSelectedImplementationIsAvailableAndSaysWhy() {
    assertThat(ParitySelection.available()).contains(ParitySelection.selected());
    assertThat(ParitySelection.reason()).isNotBlank();
    if (System.getProperty(ParitySelection.PROPERTY) == null && IsalKernels.load().isPresent()) {
      assertThat(ParitySelection.selected().name()).isEqualTo("isal");
    }
  }

  @Test
  void aBrokenImplementationFailsTheSelfTest() {
    ParityKernels broken =
        new DelegatingKernels(VectorKernels.INSTANCE) {
          @Override
          public void pqGen(
              java.lang.foreign.MemorySegment[] data,
              java.lang.foreign.MemorySegment p,
              java.lang.foreign.MemorySegment q) {
            super.pqGen(data, p, q);
            if (q != null && q.byteSize() > 0) {
              q.set(
                  java.lang.foreign.ValueLayout.JAVA_BYTE,
                  0,
                  (byte) ~q.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0));
            }
          }
        };
    assertThat(ParitySelection.selfTest(broken)).isFalse();
  }

  @Test
  void unknownNamesAreRefusedWithTheChoices() {
    assertThatThrownBy(() -> ParitySelection.byName("avx1024"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'avx1024'")
        .hasMessageContaining("scalar, vector or isal");
  }
}
