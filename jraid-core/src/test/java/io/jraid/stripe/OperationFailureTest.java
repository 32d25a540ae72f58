package io.jraid.stripe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jraid.device.BlockDevice;
import io.jraid.device.IoCompletion;
import io.jraid.device.MemoryDevice;
import io.jraid.layout.Algorithm;
import io.jraid.layout.ArrayGeometry;
import io.jraid.ops.AsyncOps;
import io.jraid.parity.DelegatingKernels;
import io.jraid.parity.ParityKernels;
import io.jraid.parity.ScalarKernels;
import io.jraid.stripe.EngineHarness.Shape;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * An operation that throws (a bug in a kernel or in the chain that fed it: kernels do not fail on
 * good blocks, and I/O errors are values) fails the requests of its stripe with an error and writes
 * nothing: no request waits for ever, no half-made parity or data reaches a member, no cached block
 * keeps what the failed chain put in it. Once the operations work again, so does the array, with
 * the data it had. On the inline path and on a worker channel (where a failed operation still
 * completes its chain).
 */
class OperationFailureTest {

  private static final int BLOCK = 4096;

  @ParameterizedTest(name = "RAID-{0} of {1}, {2} operation channels")
  @CsvSource({"5, 5, 0", "5, 5, 1", "6, 6, 0", "6, 6, 1", "5, 3, 1", "6, 4, 0"})
  void aFailingOperationFailsItsRequestsAndWritesNothing(int level, int disks, int channels)
      throws Exception {
    Shape shape = new Shape(level, Algorithm.LEFT_SYMMETRIC, disks, 16, 8);
    ArrayGeometry g = shape.geometry();
    MemoryDevice[] members = members(shape);
    BreakableKernels kernels = new BreakableKernels();
    AsyncOps ops = ops(kernels, channels);
    try (ops;
        StripeEngine e =
            new StripeEngine(
                "broken",
                g,
                members.clone(),
                ops,
                new StripeEngine.Options(64, 1, false, true, true, 0));
        Arena arena = Arena.ofShared()) {
      int size = (int) e.size();
      MemorySegment before = pattern(arena, size, 1);
      ReferenceModelTest.await(done -> e.write(before, 0, false, done));
      int row = (disks - (level == 6 ? 2 : 1)) * 16 * 1024; // one row: full stripes
      MemorySegment after = pattern(arena, size, 2);

      kernels.broken = true;
      // A partial write (read-modify-write or reconstruct-write: parity needs the kernels).
      assertFails(done -> e.write(after.asSlice(5 * BLOCK, BLOCK), 5 * BLOCK, false, done));
      // Full stripes: parity straight from the writer's buffers.
      assertFails(done -> e.write(after.asSlice(row, row), row, false, done));
      // An unaligned write inside one block (its old contents read, the new copied in).
      assertFails(done -> e.write(after.asSlice(3 * row + 100, 700), 3 * row + 100, false, done));
      assertThat(kernels.calls.get()).as("the kernels were asked and threw").isPositive();
      kernels.broken = false;

      MemorySegment back = arena.allocate(size, BLOCK);
      ReferenceModelTest.await(done -> e.read(back, 0, done));
      assertThat(back.mismatch(before))
          .as("what the array holds after the failed writes (-1: all of the earlier data)")
          .isEqualTo(-1L);
      assertThat(e.audit()).isEmpty();

      // The same writes go through now.
      ReferenceModelTest.await(
          done -> e.write(after.asSlice(5 * BLOCK, BLOCK), 5 * BLOCK, false, done));
      ReferenceModelTest.await(done -> e.write(after.asSlice(row, row), row, false, done));
      MemorySegment.copy(after, 5 * BLOCK, before, 5 * BLOCK, BLOCK);
      MemorySegment.copy(after, row, before, row, row);
      ReferenceModelTest.await(done -> e.read(back, 0, done));
      assertThat(back.mismatch(before)).as("after writing again").isEqualTo(-1L);
      ReferenceModelTest.await(e::flush);
      assertThat(e.audit()).isEmpty();
    }
    EngineHarness.assertParityConsistent(g, (BlockDevice[]) members);
  }

  /** A degraded read whose block must be computed fails, and reads again once the kernels work. */
  @ParameterizedTest(name = "RAID-{0} of {1}, {2} operation channels")
  @CsvSource({"5, 4, 0", "5, 4, 1", "6, 5, 0", "6, 5, 1"})
  void aFailingComputeFailsTheDegradedRead(int level, int disks, int channels) throws Exception {
    Shape shape = new Shape(level, Algorithm.LEFT_SYMMETRIC, disks, 16, 8);
    ArrayGeometry g = shape.geometry();
    MemoryDevice[] members = members(shape);
    BreakableKernels kernels = new BreakableKernels();
    try (Arena arena = Arena.ofShared()) {
      MemorySegment data;
      try (StripeEngine healthy =
          new StripeEngine("healthy", g, members.clone(), StripeEngine.Options.defaults())) {
        data = pattern(arena, (int) healthy.size(), 3);
        ReferenceModelTest.await(done -> healthy.write(data, 0, false, done));
        ReferenceModelTest.await(healthy::flush);
      }
      BlockDevice[] missingFirst = members.clone();
      missingFirst[0] = null;
      AsyncOps ops = ops(kernels, channels);
      try (ops;
          StripeEngine e =
              new StripeEngine(
                  "degraded",
                  g,
                  missingFirst,
                  ops,
                  new StripeEngine.Options(64, 1, true, true, true, 0))) {
        // The whole array: member 0's chunks are computed from the others.
        MemorySegment back = arena.allocate(data.byteSize(), BLOCK);
        kernels.broken = true;
        assertFails(done -> e.read(back, 0, done));
        kernels.broken = false;
        ReferenceModelTest.await(done -> e.read(back, 0, done));
        assertThat(back.mismatch(data)).isEqualTo(-1L);
        assertThat(e.audit()).isEmpty();
      }
    }
  }

  private static MemoryDevice[] members(Shape shape) {
    MemoryDevice[] members = new MemoryDevice[shape.disks()];
    for (int i = 0; i < members.length; i++) {
      members[i] = MemoryDevice.create("m" + i, shape.memberBytes());
    }
    return members;
  }

  /** The operations on the inline path (0 channels) or on worker channels. */
  private static AsyncOps ops(ParityKernels kernels, int channels) {
    return channels == 0 ? AsyncOps.inline(kernels) : AsyncOps.withWorkers(kernels, channels, 64);
  }

  private static MemorySegment pattern(Arena arena, int size, long seed) {
    MemorySegment m = arena.allocate(size, BLOCK);
    for (long i = 0; i < size; i += 8) {
      m.set(ValueLayout.JAVA_LONG, i, (i + 1) * 0x9E37_79B9_7F4A_7C15L ^ seed * 0x5851_F42D);
    }
    return m;
  }

  /** The request completes, with the engine's error naming the failed operation. */
  private static void assertFails(Consumer<IoCompletion> call) {
    assertThatThrownBy(() -> ReferenceModelTest.await(call))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("internal error in a parity operation");
  }

  /** The scalar reference kernels, which throw while {@link #broken}. */
  private static final class BreakableKernels extends DelegatingKernels {
    volatile boolean broken;
    final AtomicInteger calls = new AtomicInteger();

    BreakableKernels() {
      super(ScalarKernels.INSTANCE);
    }

    @Override
    protected void beforeEachCall() {
      if (broken) {
        calls.incrementAndGet();
        throw new IllegalStateException("a broken kernel (test)");
      }
    }
  }
}
