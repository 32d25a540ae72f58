package io.jraid.parity;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * The start-up style benchmark of the parity implementations, in the spirit of the lines Linux
 * prints at boot ({@code raid6: avx512x4 gen() 21345 MB/s}, {@code xor: using function: ...}):
 * every implementation is first checked against the scalar reference on the benchmark's own data,
 * then timed.
 *
 * <p>The machines this runs on are shared and noisy, so implementations are not timed one after the
 * other: each round runs every implementation for a short slice, in turn, and the figure is the
 * median over rounds. A burst of noise then lands on all of them alike.
 */
public final class ParityBench {

  /** The operations timed, named as in the JSON output. */
  public enum Kernel {
    /** RAID-5 parity of k blocks. */
    XOR_GEN("xor_gen"),
    /** RAID-6 P and Q of k blocks. */
    PQ_GEN("pq_gen"),
    /** Checking P and Q against k blocks (md's check). */
    PQ_VALIDATE("pq_validate"),
    /** Two lost data blocks rebuilt from the other k - 2, P and Q. */
    RECOV_2DATA("recov_2data"),
    /** A lost data block and P rebuilt from the other k - 1 and Q. */
    RECOV_DATAP("recov_datap");

    private final String label;

    Kernel(String label) {
      this.label = label;
    }

    /** The name used in output. */
    public String label() {
      return label;
    }
  }

  /**
   * One measurement.
   *
   * @param gbPerSec data processed (k·blockBytes per operation) in 10^9 bytes per second; NaN when
   *     the implementation failed verification and was not timed
   * @param verified whether the implementation's output matched the scalar reference
   * @param selected whether this is the implementation this JVM uses
   */
  public record Result(
      Kernel kernel,
      String implementation,
      int k,
      int blockBytes,
      double gbPerSec,
      boolean verified,
      boolean selected) {}

  /**
   * What to measure and for how long.
   *
   * @param rounds rounds per configuration; the median is reported
   * @param sliceNanos how long each implementation runs in one round
   */
  public record Plan(
      List<Kernel> kernels,
      List<Integer> ks,
      List<Integer> blockSizes,
      List<ParityKernels> implementations,
      int rounds,
      long sliceNanos) {

    public Plan {
      kernels = List.copyOf(kernels);
      ks = List.copyOf(ks);
      blockSizes = List.copyOf(blockSizes);
      implementations = List.copyOf(implementations);
      for (int k : ks) {
        if (k < 2 || k > ParityKernels.MAX_PQ_DATA) {
          throw new IllegalArgumentException(
              "k=" + k + " (data blocks: 2.." + ParityKernels.MAX_PQ_DATA + ")");
        }
      }
      for (int size : blockSizes) {
        if (size < 64 || size > (64 << 20) || size % 64 != 0) {
          throw new IllegalArgumentException(
              "blockBytes=" + size + " (a multiple of 64 from 64 B to 64 MiB)");
        }
      }
      if (rounds < 1) {
        throw new IllegalArgumentException("rounds=" + rounds + " (at least 1)");
      }
      if (sliceNanos < 1_000_000) {
        throw new IllegalArgumentException("sliceNanos=" + sliceNanos + " (at least 1 ms)");
      }
    }

    /** The default plan: every kernel, k = 4 and 10, 4 KiB, 64 KiB and 1 MiB blocks. */
    public static Plan standard(List<ParityKernels> implementations) {
      return new Plan(
          List.of(Kernel.values()),
          List.of(4, 10),
          List.of(4096, 65536, 1 << 20),
          implementations,
          5,
          20_000_000L);
    }
  }

  private ParityBench() {}

  /** Runs the plan, reporting each result as soon as it is known. */
  public static List<Result> run(Plan plan, Consumer<Result> progress) {
    String selected = ParitySelection.selected().name();
    List<Result> all = new ArrayList<>();
    for (Kernel kernel : plan.kernels()) {
      for (int k : plan.ks()) {
        for (int blockBytes : plan.blockSizes()) {
          for (Result r : measure(plan, kernel, k, blockBytes, selected)) {
            all.add(r);
            progress.accept(r);
          }
        }
      }
    }
    return all;
  }

  /** The blocks of one configuration: k data blocks, P, Q and a destination. */
  private static final class Stripe {
    final MemorySegment[] data;
    final MemorySegment p;
    final MemorySegment q;
    final MemorySegment dest;

    private Stripe(MemorySegment[] data, MemorySegment p, MemorySegment q, MemorySegment dest) {
      this.data = data;
      this.p = p;
      this.q = q;
      this.dest = dest;
    }

    /** Random data with its P and Q, computed by the scalar reference. */
    static Stripe random(Arena arena, int k, int blockBytes, long seed) {
      SplittableRandom random = new SplittableRandom(seed);
      Slab slab = new Slab(arena, k + 3, blockBytes);
      MemorySegment[] data = new MemorySegment[k];
      for (int i = 0; i < k; i++) {
        data[i] = slab.next();
        for (long o = 0; o < blockBytes; o += 8) {
          data[i].set(ValueLayout.JAVA_LONG, o, random.nextLong());
        }
      }
      Stripe s = new Stripe(data, slab.next(), slab.next(), slab.next());
      ScalarKernels.INSTANCE.pqGen(data, s.p, s.q);
      ScalarKernels.INSTANCE.xorGen(s.dest, data, XorMode.OVERWRITE);
      return s;
    }

    /** A copy in fresh blocks. */
    Stripe copy(Arena arena) {
      Slab slab = new Slab(arena, data.length + 3, p.byteSize());
      MemorySegment[] d = new MemorySegment[data.length];
      for (int i = 0; i < d.length; i++) {
        d[i] = slab.next().copyFrom(data[i]);
      }
      return new Stripe(
          d, slab.next().copyFrom(p), slab.next().copyFrom(q), slab.next().copyFrom(dest));
    }

    /** One operation of the kernel. Recoveries rewrite the same bytes every time. */
    void run(ParityKernels impl, Kernel kernel) {
      switch (kernel) {
        case XOR_GEN -> impl.xorGen(dest, data, XorMode.OVERWRITE);
        case PQ_GEN -> impl.pqGen(data, p, q);
        case PQ_VALIDATE -> {
          if (impl.pqValidate(data, p, q) != 0) {
            throw new IllegalStateException(impl.name() + " found consistent P/Q inconsistent");
          }
        }
        case RECOV_2DATA -> impl.recoverTwoData(data, 0, data.length - 1, p, q);
        case RECOV_DATAP -> impl.recoverDataAndP(data, 0, p, q);
      }
    }
  }

  /**
   * Blocks cut one after the other from one page-aligned allocation, as the stripe cache will hold
   * them. (Blocks from separate allocations land wherever malloc puts them, and the speed of the
   * Vector kernels on 64 KiB blocks then varied by a third from one JVM to the next.)
   */
  private static final class Slab {
    private final MemorySegment memory;
    private final long blockBytes;
    private long next;

    Slab(Arena arena, int blocks, long blockBytes) {
      this.memory = arena.allocate(blocks * blockBytes, 4096);
      this.blockBytes = blockBytes;
    }

    MemorySegment next() {
      MemorySegment block = memory.asSlice(next, blockBytes);
      next += blockBytes;
      return block;
    }
  }

  private static List<Result> measure(
      Plan plan, Kernel kernel, int k, int blockBytes, String selected) {
    List<ParityKernels> impls = plan.implementations();
    try (Arena arena = Arena.ofConfined()) {
      Stripe reference = Stripe.random(arena, k, blockBytes, 42L * k + blockBytes);
      boolean[] verified = new boolean[impls.size()];
      for (int i = 0; i < impls.size(); i++) {
        try (Arena scratch = Arena.ofConfined()) {
          verified[i] = verify(impls.get(i), kernel, reference, reference.copy(scratch));
        }
      }
      Stripe stripe = reference.copy(arena);
      double bytesPerOp = (double) k * blockBytes;
      double[][] rates = new double[impls.size()][plan.rounds()];
      for (int i = 0; i < impls.size(); i++) {
        if (verified[i]) {
          warmUp(stripe, impls.get(i), kernel, plan.sliceNanos());
        }
      }
      for (int round = 0; round < plan.rounds(); round++) {
        for (int i = 0; i < impls.size(); i++) {
          if (verified[i]) {
            rates[i][round] = slice(stripe, impls.get(i), kernel, plan.sliceNanos());
          }
        }
      }
      List<Result> results = new ArrayList<>();
      for (int i = 0; i < impls.size(); i++) {
        String name = impls.get(i).name();
        double gbPerSec = verified[i] ? median(rates[i]) * bytesPerOp / 1e9 : Double.NaN;
        results.add(
            new Result(kernel, name, k, blockBytes, gbPerSec, verified[i], name.equals(selected)));
      }
      return results;
    }
  }

  /** Longest warm-up of one implementation on one configuration. */
  private static final long MAX_WARM_UP_NANOS = 3_000_000_000L;

  /**
   * Runs slices until the rate stops climbing: until C2 has compiled the kernel's loops (which
   * takes a few hundred milliseconds on two busy cores), the Vector API runs its slow Java
   * fallback, and timing that would be timing the JIT.
   */
  private static void warmUp(Stripe stripe, ParityKernels impl, Kernel kernel, long sliceNanos) {
    long start = System.nanoTime();
    double best = 0;
    int steady = 0;
    while (steady < 2 && System.nanoTime() - start < MAX_WARM_UP_NANOS) {
      double rate = slice(stripe, impl, kernel, sliceNanos);
      if (rate > best * 1.05) {
        best = rate;
        steady = 0;
      } else {
        steady++;
      }
    }
  }

  /** Runs the kernel for about the given time (at least once); returns operations per second. */
  private static double slice(Stripe stripe, ParityKernels impl, Kernel kernel, long nanos) {
    long start = System.nanoTime();
    long deadline = start + nanos;
    long ops = 0;
    long now;
    do {
      stripe.run(impl, kernel);
      ops++;
      now = System.nanoTime();
    } while (now < deadline);
    return ops * 1e9 / (now - start);
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  /**
   * Whether the implementation gives the reference's bytes for this kernel on fresh random data of
   * this shape (and, for validation, also catches a corrupted block).
   */
  static boolean verify(ParityKernels impl, Kernel kernel, int k, int blockBytes) {
    try (Arena arena = Arena.ofConfined()) {
      Stripe reference = Stripe.random(arena, k, blockBytes, 7L * k + blockBytes);
      return verify(impl, kernel, reference, reference.copy(arena));
    }
  }

  /**
   * Runs the kernel on {@code b}, a copy of {@code a} whose P and Q (and XOR) the reference
   * computed, with the kernel's destinations wiped first; then compares.
   */
  private static boolean verify(ParityKernels impl, Kernel kernel, Stripe a, Stripe b) {
    if (impl == ScalarKernels.INSTANCE) {
      return true;
    }
    int k = a.data.length;
    return switch (kernel) {
      case XOR_GEN -> {
        b.dest.fill((byte) 0);
        impl.xorGen(b.dest, b.data, XorMode.OVERWRITE);
        yield a.dest.mismatch(b.dest) < 0;
      }
      case PQ_GEN -> {
        b.p.fill((byte) 0);
        b.q.fill((byte) 0);
        impl.pqGen(b.data, b.p, b.q);
        yield a.p.mismatch(b.p) < 0 && a.q.mismatch(b.q) < 0;
      }
      case PQ_VALIDATE -> {
        boolean cleanPasses = impl.pqValidate(b.data, b.p, b.q) == 0;
        long at = b.p.byteSize() / 3;
        MemorySegment victim = b.data[k / 2];
        victim.set(ValueLayout.JAVA_BYTE, at, (byte) ~victim.get(ValueLayout.JAVA_BYTE, at));
        yield cleanPasses
            && impl.pqValidate(b.data, b.p, b.q)
                == ScalarKernels.INSTANCE.pqValidate(b.data, b.p, b.q);
      }
      case RECOV_2DATA -> {
        b.data[0].fill((byte) 0);
        b.data[k - 1].fill((byte) 0);
        impl.recoverTwoData(b.data, 0, k - 1, b.p, b.q);
        yield a.data[0].mismatch(b.data[0]) < 0 && a.data[k - 1].mismatch(b.data[k - 1]) < 0;
      }
      case RECOV_DATAP -> {
        b.data[0].fill((byte) 0);
        b.p.fill((byte) 0);
        impl.recoverDataAndP(b.data, 0, b.p, b.q);
        yield a.data[0].mismatch(b.data[0]) < 0 && a.p.mismatch(b.p) < 0;
      }
    };
  }

  /** "4 KiB", "1 MiB": block sizes as people write them. */
  public static String size(int bytes) {
    if (bytes >= 1 << 20 && bytes % (1 << 20) == 0) {
      return (bytes >> 20) + " MiB";
    }
    if (bytes >= 1024 && bytes % 1024 == 0) {
      return (bytes >> 10) + " KiB";
    }
    return bytes + " B";
  }

  /** The results as a JSON array (fields: kernel, implementation, k, blockBytes, gbPerSec, ...). */
  public static String toJson(List<Result> results) {
    StringBuilder json = new StringBuilder("[");
    for (int i = 0; i < results.size(); i++) {
      Result r = results.get(i);
      json.append(i == 0 ? "\n  " : ",\n  ")
          .append("{\"kernel\": \"")
          .append(r.kernel().label())
          .append("\", \"implementation\": \"")
          .append(r.implementation())
          .append("\", \"k\": ")
          .append(r.k())
          .append(", \"blockBytes\": ")
          .append(r.blockBytes())
          .append(", \"gbPerSec\": ")
          .append(
              Double.isNaN(r.gbPerSec())
                  ? "null"
                  : String.format(Locale.ROOT, "%.3f", r.gbPerSec()))
          .append(", \"verified\": ")
          .append(r.verified())
          .append(", \"selected\": ")
          .append(r.selected())
          .append('}');
    }
    return json.append(results.isEmpty() ? "]" : "\n]").toString();
  }
}
