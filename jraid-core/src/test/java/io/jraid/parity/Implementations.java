package io.jraid.parity;

import java.util.List;
import java.util.stream.Stream;

/** The implementations under test: every one that runs in this JVM. */
final class Implementations {

  private Implementations() {}

  /**
   * All available implementations. When the environment variable {@code JRAID_REQUIRE_ISAL} is set
   * (CI sets it), a missing ISA-L is a failure rather than a silent skip.
   */
  static Stream<ParityKernels> all() {
    List<ParityKernels> all = ParitySelection.available();
    if (System.getenv("JRAID_REQUIRE_ISAL") != null && IsalKernels.load().isEmpty()) {
      throw new IllegalStateException(
          "JRAID_REQUIRE_ISAL is set but ISA-L did not load: " + IsalKernels.loadFailure());
    }
    return all.stream();
  }
}
