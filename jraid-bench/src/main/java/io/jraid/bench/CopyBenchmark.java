package io.jraid.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
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
 * The memory baseline of {@link ParityBenchmark}: {@link MemorySegment#copy} of k·blockBytes
 * between page-aligned off-heap segments — what one pass over the same data costs.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CopyBenchmark {

  @Param({"4", "10"})
  public int k;

  @Param({"4096", "65536", "1048576"})
  public int blockBytes;

  private Arena arena;
  private MemorySegment source;
  private MemorySegment dest;

  @Setup(Level.Trial)
  public void setUp() {
    arena = Arena.ofShared();
    MemorySegment slab = arena.allocate(2L * k * blockBytes, 4096);
    source = slab.asSlice(0, (long) k * blockBytes);
    source.fill((byte) 0x5A);
    dest = slab.asSlice((long) k * blockBytes, (long) k * blockBytes);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    arena.close();
  }

  @Benchmark
  public void copy() {
    MemorySegment.copy(source, 0, dest, 0, dest.byteSize());
  }
}
