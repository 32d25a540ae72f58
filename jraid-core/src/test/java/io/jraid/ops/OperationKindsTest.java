package io.jraid.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.jraid.parity.ScalarKernels;
import io.jraid.testing.Seeds;
import io.jraid.testing.TestBlocks;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kind of operation, on every channel configuration, gives the bytes and the result of the
 * scalar reference kernels on seeded random data.
 */
class OperationKindsTest {

  private static final long[] LENGTHS = {0, 64, 4096};

  static Stream<Arguments> cases() {
    return Stream.of(Engine.values())
        .flatMap(engine ->
            Stream.of(OpKind.values())
                .flatMap(kind ->
                    IntStream.range(0, 4)
                        .mapToObj(rep ->
                            Arguments.of(
                                engine,
                                kind,
                                Seeds.of(engine.name().hashCode(), kind.name().hashCode(), rep)))));
  }

  @ParameterizedTest(name = "{0} {1} seed={2}")
  @MethodSource("cases")
  void matchesTheScalarReference(Engine engine, OpKind kind, long seed)
      throws InterruptedException {
    try (TestBlocks b = TestBlocks.shared(new SplittableRandom(seed));
        AsyncOps ops = engine.open(16)) {
      Operation op = new Operation("kind-test");
      AtomicInteger calledBack = new AtomicInteger();
      int submitted = 0;
      for (long len : LENGTHS) {
        int n = 2 + b.random().nextInt(9);
        OpCase actual = OpCase.random(kind, b, n, len);
        OpCase expected = actual.copy(b);
        int expectedResult = expected.apply(ScalarKernels.INSTANCE);

        actual.build(op).then(o -> calledBack.incrementAndGet());
        assertThat(op.kind()).isEqualTo(kind);
        assertThat(ops.submit(op)).isEqualTo(SubmitStatus.ACCEPTED);
        ops.await(op);

        String what = actual + " len=" + len;
        assertThat(op.failure()).as(what).isNull();
        assertThat(op.result()).as(what + " result").isEqualTo(expectedResult);
        actual.assertSameBlocks(expected, what);
        int calls = ++submitted;
        Waits.until(() -> calledBack.get() == calls, "callback ran");
      }
    }
  }
}
