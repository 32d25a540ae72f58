package io.jraid.parity;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Chooses the parity implementation once per JVM, as Linux md chooses its xor and raid6 routines
 * at boot: {@code -Djraid.parity=scalar|vector|isal} when given (failing loudly if that one cannot
 * run here), otherwise ISA-L when {@code libisal} loads, otherwise the Vector API kernels,
 * otherwise the scalar reference. All of them produce identical bytes; they differ in speed only.
 */
public final class ParitySelection {

  /** The system property that overrides the choice. */
  public static final String PROPERTY = "jraid.parity";

  private ParitySelection() {}

  private static final class Holder {
    static final ParityKernels SELECTED = choose();
  }

  /** The implementation this JVM uses. */
  public static ParityKernels selected() {
    return Holder.SELECTED;
  }

  /** Every implementation that can run in this JVM, scalar first. */
  public static List<ParityKernels> available() {
    List<ParityKernels> all = new ArrayList<>(3);
    all.add(ScalarKernels.INSTANCE);
    vector().ifPresent(all::add);
    IsalKernels.load().ifPresent(all::add);
    return List.copyOf(all);
  }

  /**
   * The implementation of that name.
   *
   * @throws IllegalArgumentException for an unknown name or one that cannot run here, saying why
   */
  public static ParityKernels byName(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "scalar" -> ScalarKernels.INSTANCE;
      case "vector" ->
          vector()
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "parity implementation 'vector' needs the JVM flag --add-modules"
                              + " jdk.incubator.vector (./jraid passes it)"));
      case "isal" ->
          IsalKernels.load()
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "parity implementation 'isal' needs libisal (apt-get install libisal2): "
                              + IsalKernels.loadFailure()));
      default ->
          throw new IllegalArgumentException(
              "unknown parity implementation '" + name + "' (use scalar, vector or isal)");
    };
  }

  private static ParityKernels choose() {
    String forced = System.getProperty(PROPERTY);
    if (forced != null && !forced.isBlank()) {
      return byName(forced.strip());
    }
    Optional<ParityKernels> isal = IsalKernels.load();
    if (isal.isPresent()) {
      return isal.get();
    }
    return vector().orElse(ScalarKernels.INSTANCE);
  }

  /** The Vector API kernels, unless the incubator module is missing from this JVM. */
  private static Optional<ParityKernels> vector() {
    try {
      return Optional.of(VectorKernels.INSTANCE);
    } catch (LinkageError e) {
      return Optional.empty();
    }
  }
}
