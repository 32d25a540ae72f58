package io.jraid.parity;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The entry points of Intel ISA-L ({@code libisal.so.2}, Debian's {@code libisal2}) that {@link
 * IsalKernels} calls, bound once through the FFM API. The library is optional: when it does not
 * load, {@link #AVAILABLE} is false and {@link #loadFailure()} says why.
 *
 * <p>The handles are {@code static final} so that C2 inlines the downcall stubs; they are called
 * with {@link Linker.Option#critical} since every call is short and touches only native memory. The
 * signatures are ISA-L's {@code raid.h} and {@code erasure_code.h}:
 *
 * <pre>
 * int  xor_gen(int vects, int len, void **array);         // array[vects-1] = XOR of the rest
 * int  xor_check(int vects, int len, void **array);       // 0 when the XOR of all is zero
 * int  pq_gen(int vects, int len, void **array);          // array[vects-2] = P, [vects-1] = Q
 * int  pq_check(int vects, int len, void **array);        // 0 when P and Q match
 * void ec_init_tables(int k, int rows, unsigned char *a, unsigned char *gftbls);
 * void ec_encode_data(int len, int k, int rows, unsigned char *gftbls,
 *                     unsigned char **data, unsigned char **coding);
 * void ec_encode_data_update(int len, int k, int rows, int vec_i, unsigned char *gftbls,
 *                            unsigned char *data, unsigned char **coding);
 * </pre>
 *
 * Constraints found on libisal 2.30 (and checked by the tests): {@code xor_gen} and {@code pq_gen}
 * need at least two sources; {@code pq_gen} needs a length that is a multiple of 32.
 *
 * <p>{@code gf_vect_mul} (one block times a constant) is not bound: every RAID-6 recovery is a
 * linear combination of the surviving blocks, which {@code ec_encode_data} computes for both lost
 * blocks in one pass, where multiplying block by block would take three or four.
 */
final class IsalLibrary {

  /** Library names tried in order, unless {@code -Djraid.isal.library=PATH} names one. */
  private static final List<String> NAMES = List.of("libisal.so.2", "libisal.so");

  private static @Nullable String failure;

  private static final @Nullable SymbolLookup LOOKUP = open();

  private static final Linker.Option CRITICAL = Linker.Option.critical(false);

  static final @Nullable MethodHandle XOR_GEN = bind("xor_gen", vectFunction());
  static final @Nullable MethodHandle XOR_CHECK = bind("xor_check", vectFunction());
  static final @Nullable MethodHandle PQ_GEN = bind("pq_gen", vectFunction());
  static final @Nullable MethodHandle PQ_CHECK = bind("pq_check", vectFunction());
  static final @Nullable MethodHandle EC_INIT_TABLES =
      bind("ec_init_tables", FunctionDescriptor.ofVoid(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
  static final @Nullable MethodHandle EC_ENCODE_DATA =
      bind(
          "ec_encode_data",
          FunctionDescriptor.ofVoid(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
  static final @Nullable MethodHandle EC_ENCODE_DATA_UPDATE =
      bind(
          "ec_encode_data_update",
          FunctionDescriptor.ofVoid(
              JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));

  /** Whether every entry point above is bound. */
  static final boolean AVAILABLE =
      XOR_GEN != null
          && XOR_CHECK != null
          && PQ_GEN != null
          && PQ_CHECK != null
          && EC_INIT_TABLES != null
          && EC_ENCODE_DATA != null
          && EC_ENCODE_DATA_UPDATE != null;

  private IsalLibrary() {}

  /** Why the library is not available, or null when it is. */
  static @Nullable String loadFailure() {
    if (AVAILABLE) {
      return null;
    }
    return failure == null ? "libisal lacks an entry point jraid needs" : failure;
  }

  private static FunctionDescriptor vectFunction() {
    return FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS);
  }

  @SuppressWarnings("restricted") // loading a native library is what this class is for
  private static @Nullable SymbolLookup open() {
    String configured = System.getProperty("jraid.isal.library");
    List<String> names = configured == null ? NAMES : List.of(configured);
    for (String name : names) {
      try {
        return SymbolLookup.libraryLookup(name, Arena.global());
      } catch (IllegalArgumentException | IllegalCallerException e) {
        failure = e.getMessage();
      }
    }
    return null;
  }

  @SuppressWarnings("restricted") // binding native functions is what this class is for
  private static @Nullable MethodHandle bind(String symbol, FunctionDescriptor descriptor) {
    if (LOOKUP == null) {
      return null;
    }
    try {
      return LOOKUP
          .find(symbol)
          .map(address -> Linker.nativeLinker().downcallHandle(address, descriptor, CRITICAL))
          .orElse(null);
    } catch (IllegalCallerException | IllegalArgumentException e) {
      failure = e.getMessage();
      return null;
    }
  }
}
