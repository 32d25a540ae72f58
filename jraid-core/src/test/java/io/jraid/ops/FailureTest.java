package io.jraid.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jraid.parity.XorMode;
import io.jraid.testing.Seeds;
import io.jraid.testing.TestBlocks;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A kernel's IllegalArgumentException (a programmer error) is recorded on the operation, which
 * completes and calls back; its dependents complete with the same failure without running; the
 * inline path rethrows it from submit.
 */
class FailureTest {

  @ParameterizedTest(name = "{0}")
  @EnumSource(Engine.class)
  void aKernelFailureIsRecordedCalledBackAndPassedToTheDependents(Engine engine)
      throws InterruptedException {
    try (TestBlocks b = TestBlocks.shared(new SplittableRandom(Seeds.of(30)));
        AsyncOps ops = engine.open(4)) {
      MemorySegment misaligned = b.random(128).asSlice(1, 64);
      MemorySegment dst = b.random(64);
      MemorySegment end = b.random(64);
      MemorySegment endBefore = b.copy(end);
      List<@Nullable RuntimeException> seen = new CopyOnWriteArrayList<>();
      Operation bad =
          new Operation("bad")
              .xor(dst, new MemorySegment[] {misaligned}, XorMode.OVERWRITE)
              .then(o -> seen.add(o.failure()));
      Operation next =
          new Operation("next").copy(end, dst).after(bad).then(o -> seen.add(o.failure()));
      assertThat(ops.submit(next)).isEqualTo(SubmitStatus.ACCEPTED);

      if (engine == Engine.INLINE) {
        assertThatThrownBy(() -> ops.submit(bad)).isInstanceOf(IllegalArgumentException.class);
      } else {
        assertThat(ops.submit(bad)).isEqualTo(SubmitStatus.ACCEPTED);
      }
      ops.await(next);
      Waits.until(() -> seen.size() == 2, "both callbacks ran");

      assertThat(bad.isComplete()).isTrue();
      assertThat(bad.failure()).isInstanceOf(IllegalArgumentException.class);
      assertThat(next.failure()).isSameAs(bad.failure());
      assertThat(seen).hasSize(2).allSatisfy(f -> assertThat(f).isSameAs(bad.failure()));
      TestBlocks.assertSameBytes(end, endBefore, "the dependent did not run");
    }
  }
}
