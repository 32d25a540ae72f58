package io.jraid.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.CountDownLatch;

/**
 * Holds a worker inside a callback until {@link #release()} — test only: a real callback must never
 * block. Its operation's queue slot is already given back while it is held.
 */
final class Hold {

  private final CountDownLatch holding = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);

  /** Submits an operation whose callback blocks, and returns once a worker is inside it. */
  Hold(AsyncOps ops, MemorySegment block) throws InterruptedException {
    Operation op =
        new Operation("hold")
            .zero(block)
            .then(o -> {
              holding.countDown();
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    assertThat(ops.submit(op)).isEqualTo(SubmitStatus.ACCEPTED);
    holding.await();
  }

  void release() {
    release.countDown();
  }
}
