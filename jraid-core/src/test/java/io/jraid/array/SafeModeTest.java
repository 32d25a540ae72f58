package io.jraid.array;

import static org.assertj.core.api.Assertions.assertThat;

import io.jraid.device.IoCompletion;
import io.jraid.testing.Seeds;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * md's safe mode, against its invariant: no write reaches the members while their superblocks say
 * clean; the array is recorded clean again once writes stop.
 */
class SafeModeTest {

  /** Superblocks as the recorder left them, and every write checked against them. */
  static final class Members implements SafeMode.Recorder, SafeMode.Sink {
    final AtomicBoolean recordedClean = new AtomicBoolean(true);
    final List<String> records = new CopyOnWriteArrayList<>();
    final AtomicLong submitted = new AtomicLong();
    final AtomicLong inFlight = new AtomicLong();
    final AtomicInteger violations = new AtomicInteger();
    volatile boolean failRecords;

    @Override
    public void record(boolean clean) throws IOException {
      if (failRecords) {
        throw new IOException("member m0: superblock write failed");
      }
      records.add(clean ? "clean" : "dirty");
      recordedClean.set(clean);
    }

    @Override
    public void write(MemorySegment src, long offset, boolean fua, IoCompletion done) {
      submitted.incrementAndGet();
      inFlight.incrementAndGet();
      if (recordedClean.get()) {
        violations.incrementAndGet();
      }
      // Some writes outlast several timer periods: the array must stay dirty under them.
      long nanos = submitted.get() % 10 == 0 ? 15_000_000 : 200_000;
      Thread.ofVirtual()
          .start(() -> {
            try {
              Thread.sleep(java.time.Duration.ofNanos(nanos));
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            if (recordedClean.get()) {
              violations.incrementAndGet(); // still being written: must still be dirty
            }
            inFlight.decrementAndGet();
            done.completed(null);
          });
    }

    @Override
    public long writesSubmitted() {
      return submitted.get();
    }

    @Override
    public long writesInFlight() {
      return inFlight.get();
    }
  }

  private static void writeAndWait(SafeMode safe) throws Exception {
    CompletableFuture<Throwable> done = new CompletableFuture<>();
    safe.write(MemorySegment.NULL, 0, false, done::complete);
    Throwable error = done.get(10, TimeUnit.SECONDS);
    if (error != null) {
      throw new AssertionError(error);
    }
  }

  @Test
  void theFirstWriteWaitsForTheDirtyRecordAndQuietMakesItCleanAgain() throws Exception {
    Members m = new Members();
    // A delay long enough that a busy machine does not make the array clean before it is asked.
    try (SafeMode safe = new SafeMode("t", m, m, true, 400)) {
      writeAndWait(safe);
      assertThat(m.records).containsExactly("dirty");
      assertThat(safe.clean()).isFalse();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!safe.clean() && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(m.records).containsExactly("dirty", "clean");
      writeAndWait(safe);
      assertThat(m.records).containsExactly("dirty", "clean", "dirty");
      safe.closeClean();
      assertThat(m.records).containsExactly("dirty", "clean", "dirty", "clean");
      safe.closeClean(); // a stop always records (the checkpoint may have moved)
      assertThat(m.records).containsExactly("dirty", "clean", "dirty", "clean", "clean");
    }
    assertThat(m.violations).hasValue(0);
  }

  @Test
  void noWriteReachesMembersRecordedClean() throws Exception {
    long seed = Seeds.of(41);
    Members m = new Members();
    try (SafeMode safe = new SafeMode("t", m, m, true, 20)) {
      Thread[] writers = new Thread[4];
      for (int t = 0; t < writers.length; t++) {
        SplittableRandom random = new SplittableRandom(seed + t);
        writers[t] =
            Thread.ofPlatform()
                .start(() -> {
                  try {
                    for (int i = 0; i < 300; i++) {
                      writeAndWait(safe);
                      if (random.nextInt(20) == 0) {
                        Thread.sleep(random.nextInt(60)); // quiet spells around the delay
                      }
                    }
                  } catch (Exception e) {
                    throw new AssertionError(e);
                  }
                });
      }
      for (Thread w : writers) {
        w.join();
      }
      // Quiet now: the timer, not the stop, records clean.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!safe.clean() && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(safe.clean()).as("seed %d: clean after the writes stopped", seed).isTrue();
      safe.closeClean();
    }
    assertThat(m.violations).as("seed %d", seed).hasValue(0);
    assertThat(m.records.get(m.records.size() - 1)).isEqualTo("clean");
  }

  @Test
  void aWriteFailsCleanlyWhenTheArrayCannotBeMarkedDirty() throws Exception {
    Members m = new Members();
    m.failRecords = true;
    try (SafeMode safe = new SafeMode("md-x", m, m, true, 50)) {
      CompletableFuture<Throwable> done = new CompletableFuture<>();
      safe.write(MemorySegment.NULL, 0, false, done::complete);
      assertThat(done.get(10, TimeUnit.SECONDS))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("md-x: cannot mark the array dirty")
          .hasMessageContaining("m0");
      assertThat(m.submitted).hasValue(0);
      m.failRecords = false;
      writeAndWait(safe); // the next write tries again
      assertThat(m.records).containsExactly("dirty");
    }
  }
}
