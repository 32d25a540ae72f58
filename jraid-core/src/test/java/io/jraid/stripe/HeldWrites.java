package io.jraid.stripe;

import io.jraid.device.BlockDevice;
import io.jraid.testing.ForwardingDevice;
import java.lang.foreign.MemorySegment;

/**
 * Holds back the completion of the first write at one offset until released: the block stays locked
 * in its stripe meanwhile, so a test can change the array under a write in flight.
 */
final class HeldWrites extends ForwardingDevice {
  final java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
  final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
  private final long offset;

  HeldWrites(BlockDevice inner, long offset) {
    super(inner);
    this.offset = offset;
  }

  @Override
  public void write(MemorySegment src, long at, boolean fua, io.jraid.device.IoCompletion done) {
    if (at != offset || held.getCount() == 0) {
      inner.write(src, at, fua, done);
      return;
    }
    inner.write(
        src,
        at,
        fua,
        error -> {
          held.countDown();
          Thread.ofPlatform()
              .start(() -> {
                try {
                  release.await();
                } catch (InterruptedException ex) {
                  Thread.currentThread().interrupt();
                }
                done.completed(error);
              });
        });
  }
}
