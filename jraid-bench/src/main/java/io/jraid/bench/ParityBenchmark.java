package io.jraid.bench;

import io.jraid.parity.ParityKernels;
import io.jraid.parity.ParitySelection;
import io.jraid.parity.XorMode;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The parity kernels: k data blocks of blockBytes each, cut from one page-aligned off-heap slab (as
 * the stripe cache will hold them). Every benchmark processes k·blockBytes of data per operation;
 * {@link CopyBenchmark} moves the same number of bytes as the memory baseline of the same run.
 * {@link ParityReport} turns the scores into GB/s and ratios.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ParityBenchmark {

  @Param({"scalar", "vector", "isal"})
  public String impl;

  @Param({"4", "10"})
  public int k;

  @Param({"4096", "65536", "1048576"})
  public int blockBytes;

  private Arena arena;
  private ParityKernels kernels;
  private MemorySegment[] data;
  private MemorySegment p;
  private MemorySegment q;
  private MemorySegment dest;

  @Setup(Level.Trial)
  public void setUp() {
    kernels = ParitySelection.byName(impl);
    arena = Arena.ofShared();
    // One page-aligned slab cut into blocks, as the stripe cache holds its pages. (Blocks from
    // separate allocations land wherever malloc puts them, and the Vector kernels' speed on
    // 64 KiB blocks then varied by a third from one JVM to the next; ISA-L's much less.)
    MemorySegment slab = arena.allocate((long) (k + 3) * blockBytes, 4096);
    SplittableRandom random = new SplittableRandom(42);
    data = new MemorySegment[k];
    for (int i = 0; i < k; i++) {
      data[i] = slab.asSlice((long) i * blockBytes, blockBytes);
      for (long o = 0; o < blockBytes; o += 8) {
        data[i].set(ValueLayout.JAVA_LONG, o, random.nextLong());
      }
    }
    p = slab.asSlice((long) k * blockBytes, blockBytes);
    q = slab.asSlice((long) (k + 1) * blockBytes, blockBytes);
    dest = slab.asSlice((long) (k + 2) * blockBytes, blockBytes);
    kernels.pqGen(data, p, q);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    arena.close();
  }

  /** RAID-5 parity of k blocks. */
  @Benchmark
  public void xorGen() {
    kernels.xorGen(dest, data, XorMode.OVERWRITE);
  }

  /** RAID-6 P and Q of k blocks. */
  @Benchmark
  public void pqGen() {
    kernels.pqGen(data, p, q);
  }

  /** md's check of a RAID-6 stripe: P and Q against k blocks. */
  @Benchmark
  public int pqValidate() {
    return kernels.pqValidate(data, p, q);
  }

  /** Two lost data blocks rebuilt from the other k-2, P and Q. */
  @Benchmark
  public void recoverTwoData() {
    kernels.recoverTwoData(data, 0, k - 1, p, q);
  }

  /** A lost data block and P rebuilt from the other k-1 and Q. */
  @Benchmark
  public void recoverDataAndP() {
    kernels.recoverDataAndP(data, 0, p, q);
  }
}
