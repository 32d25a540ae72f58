package io.jraid.parity;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Chooses the parity implementation once per JVM, as Linux md chooses its xor and raid6 routines at
 * boot: {@code -Djraid.parity=scalar|vector|isal} when given (failing loudly if that one cannot run
 * here), otherwise ISA-L when {@code libisal} loads, otherwise the Vector API kernels, otherwise
 * the scalar reference. All of them produce identical bytes; they differ in speed only.
 */
public final class ParitySelection {

  /** The system property that overrides the choice. */
  public static final String PROPERTY = "jraid.parity";

  private ParitySelection() {}

  /** The choice and why it was made. */
  private record Choice(ParityKernels kernels, String reason) {}

  private static final class Holder {
    static final Choice CHOICE = choose();
  }

  /** The implementation this JVM uses. */
  public static ParityKernels selected() {
    return Holder.CHOICE.kernels();
  }

  /** Why {@link #selected()} was chosen, in a few words. */
  public static String reason() {
    return Holder.CHOICE.reason();
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
              .orElseThrow(() ->
                  new IllegalArgumentException(
                      "parity implementation 'vector' needs the JVM flag --add-modules"
                          + " jdk.incubator.vector (./jraid passes it)"));
      case "isal" ->
          IsalKernels.load()
              .orElseThrow(() ->
                  new IllegalArgumentException(
                      "parity implementation 'isal' needs libisal (apt-get install libisal2): "
                          + IsalKernels.loadFailure()));
      default ->
          throw new IllegalArgumentException(
              "unknown parity implementation '" + name + "' (use scalar, vector or isal)");
    };
  }

  private static Choice choose() {
    String forced = System.getProperty(PROPERTY);
    if (forced != null && !forced.isBlank()) {
      ParityKernels kernels = byName(forced.strip());
      if (!selfTest(kernels)) {
        throw new IllegalStateException(
            "-D" + PROPERTY + "=" + forced + " names an implementation that fails its self-test");
      }
      return new Choice(kernels, "set by -D" + PROPERTY + "=" + forced.strip());
    }
    String isalNote;
    Optional<ParityKernels> isal = IsalKernels.load();
    if (isal.isPresent() && selfTest(isal.get())) {
      return new Choice(isal.get(), "ISA-L loaded and passed its self-test");
    }
    isalNote = isal.isPresent() ? "ISA-L failed its self-test" : "ISA-L not loaded";
    Optional<ParityKernels> vector = vector();
    if (vector.isPresent() && selfTest(vector.get())) {
      return new Choice(vector.get(), isalNote + "; Vector API kernels passed their self-test");
    }
    return new Choice(ScalarKernels.INSTANCE, isalNote + "; Vector API unavailable or failing");
  }

  /**
   * A quick check of an implementation against the reference on small blocks, as Linux checks its
   * raid6 routines before using them: generation, validation and two-data recovery.
   */
  static boolean selfTest(ParityKernels kernels) {
    try {
      return ParityBench.verify(kernels, ParityBench.Kernel.PQ_GEN, 5, 256)
          && ParityBench.verify(kernels, ParityBench.Kernel.XOR_GEN, 5, 256)
          && ParityBench.verify(kernels, ParityBench.Kernel.PQ_VALIDATE, 5, 256)
          && ParityBench.verify(kernels, ParityBench.Kernel.RECOV_2DATA, 5, 256);
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
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
