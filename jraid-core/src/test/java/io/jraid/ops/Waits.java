package io.jraid.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Waiting in tests for what follows a completion: {@link AsyncOps#await} returns once an operation
 * is complete, while a worker may still be running its callback.
 */
final class Waits {

  private Waits() {}

  /** Polls until {@code condition} holds, failing after 10 seconds. */
  static void until(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
    assertThat(condition.getAsBoolean()).as(what).isTrue();
  }
}
