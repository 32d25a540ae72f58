package io.jraid.parity;

import io.jraid.cli.Main;

/** A test-only class in the parity package that uses cli: ArchitectureTest must reject it. */
public final class PlantedUpwardDependency {

  private PlantedUpwardDependency() {}

  /** The forbidden edge. */
  public static Class<?> upward() {
    return Main.class;
  }
}
