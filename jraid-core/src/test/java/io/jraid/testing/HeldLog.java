package io.jraid.testing;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Holds the thread that logs a chosen message (under {@code io.jraid}) until released, as a slow
 * log would: a test opens the window between the event being logged and what the code does next.
 * Only the first matching record is held; {@link #close} releases it and removes the handler.
 */
public final class HeldLog extends Handler implements AutoCloseable {

  private static final long HOLD_SECONDS = 30;

  private final String fragment;
  private final Logger logger = Logger.getLogger("io.jraid");
  private final CountDownLatch logged = new CountDownLatch(1);
  private final CountDownLatch released = new CountDownLatch(1);
  private final java.util.logging.@org.jspecify.annotations.Nullable Level savedLevel =
      logger.getLevel();

  /** Holds the thread logging the first record whose message pattern contains {@code fragment}. */
  public static HeldLog holding(String fragment) {
    HeldLog h = new HeldLog(fragment);
    h.logger.addHandler(h);
    if (h.savedLevel != null
        && h.savedLevel.intValue() > java.util.logging.Level.WARNING.intValue()) {
      h.logger.setLevel(java.util.logging.Level.WARNING); // the engine reports failures so
    }
    return h;
  }

  private HeldLog(String fragment) {
    this.fragment = fragment;
  }

  /** Waits until a thread is held at the message; false if none came within the time. */
  public boolean awaitHeld(long seconds) throws InterruptedException {
    return logged.await(seconds, TimeUnit.SECONDS);
  }

  /** Lets the held thread go on (and any later one: only the first is held). */
  public void release() {
    released.countDown();
  }

  @Override
  public void publish(LogRecord r) {
    String message = r.getMessage();
    if (message == null || !message.contains(fragment) || logged.getCount() == 0) {
      return;
    }
    logged.countDown();
    try {
      released.await(HOLD_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void flush() {}

  @Override
  public void close() {
    release();
    logger.removeHandler(this);
    logger.setLevel(savedLevel);
  }
}
