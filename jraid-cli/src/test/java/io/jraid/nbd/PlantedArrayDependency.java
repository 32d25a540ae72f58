package io.jraid.nbd;

import io.jraid.array.RaidArray;

/** A test-only class in the nbd package that uses array: ArchitectureTest must reject it. */
public final class PlantedArrayDependency {

  private PlantedArrayDependency() {}

  /** The forbidden edge. */
  public static long sizeOf(RaidArray array) {
    return array.size();
  }
}
