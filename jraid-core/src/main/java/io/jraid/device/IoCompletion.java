package io.jraid.device;

import org.jspecify.annotations.Nullable;

/**
 * Called once when an asynchronous member I/O ends: with {@code null} on success, else the error.
 * May run on any thread (an I/O thread, or the submitter's own thread for devices that complete at
 * once); it must be short and must not block — the stripe engine only posts the result back to the
 * stripe's lane. Implementations are usually long-lived objects reused for every I/O of one stripe
 * slot, so that the I/O path allocates nothing.
 */
@FunctionalInterface
public interface IoCompletion {

  /**
   * The I/O ended.
   *
   * @param error null on success; otherwise what failed (its message names the device and range)
   */
  void completed(@Nullable Throwable error);
}
