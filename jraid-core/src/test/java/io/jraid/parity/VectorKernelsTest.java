package io.jraid.parity;

import static org.assertj.core.api.Assumptions.assumeThat;

import jdk.incubator.vector.ByteVector;
import org.junit.jupiter.api.BeforeAll;

/**
 * The Vector API kernels against the reference. Maven runs this class once per vector width the
 * hardware offers ({@code -Djraid.vector.bits}, see jraid-core's pom); a width wider than the
 * hardware's is skipped.
 */
class VectorKernelsTest extends KernelEquivalenceTest {

  @BeforeAll
  static void widthIsOneTheHardwareOffers() {
    System.out.println(
        "VectorKernelsTest: "
            + VectorKernels.vectorBits()
            + "-bit vectors (hardware max "
            + ByteVector.SPECIES_MAX.vectorBitSize()
            + ")");
    assumeThat(VectorKernels.vectorBits())
        .as("vector width beyond the hardware's")
        .isLessThanOrEqualTo(ByteVector.SPECIES_MAX.vectorBitSize());
  }

  @Override
  ParityKernels kernels() {
    return VectorKernels.INSTANCE;
  }
}
