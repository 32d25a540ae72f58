package io.jraid.parity;

import static org.assertj.core.api.Assumptions.assumeThat;

import org.junit.jupiter.api.BeforeAll;

/**
 * The ISA-L kernels against the reference. Skipped when libisal does not load, unless {@code
 * JRAID_REQUIRE_ISAL} is set (CI sets it), which makes a missing library a failure.
 */
class IsalKernelsTest extends KernelEquivalenceTest {

  @BeforeAll
  static void libraryLoads() {
    if (System.getenv("JRAID_REQUIRE_ISAL") != null) {
      if (IsalKernels.load().isEmpty()) {
        throw new IllegalStateException("ISA-L is required but " + IsalKernels.loadFailure());
      }
    }
    assumeThat(IsalKernels.load()).as("libisal: %s", IsalKernels.loadFailure()).isPresent();
  }

  @Override
  ParityKernels kernels() {
    return IsalKernels.load().orElseThrow();
  }
}
