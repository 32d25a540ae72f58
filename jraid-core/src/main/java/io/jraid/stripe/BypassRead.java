package io.jraid.stripe;

import io.jraid.device.IoCompletion;
import org.jspecify.annotations.Nullable;

/**
 * A read that lies within one chunk, sent straight to the working member that holds it (md's
 * chunk-aligned read bypass): no stripe, no copy through the cache. If the member fails the read,
 * the range goes through the stripe cache instead, where the block is rebuilt and repaired. Pooled.
 */
final class BypassRead implements IoCompletion {

  private final StripeEngine engine;
  @Nullable ArrayIo io;
  int member;
  long arrayOffset;
  long bufferOffset;
  int length;

  BypassRead(StripeEngine engine) {
    this.engine = engine;
  }

  @Override
  public void completed(@Nullable Throwable error) {
    ArrayIo request = io;
    long offset = arrayOffset;
    long at = bufferOffset;
    int len = length;
    io = null;
    engine.recycle(this);
    if (request == null) {
      return;
    }
    if (error != null) {
      engine.stats().members[member].readErrors.increment();
      engine.splitIntoStripes(request, offset, at, len); // rebuild through the cache
    }
    request.pieceDone(null);
  }
}
