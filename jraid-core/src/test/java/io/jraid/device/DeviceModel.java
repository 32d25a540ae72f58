package io.jraid.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A plain byte array standing for a device's contents, and seeded random runs of reads, writes,
 * flushes and discards that check a device against it. A failing run prints its seed; {@code
 * -Djraid.seed=N} replays it.
 */
final class DeviceModel {

  static final long BASE_SEED = chooseSeed();

  private DeviceModel() {}

  private static long chooseSeed() {
    Long fixed = Long.getLong("jraid.seed");
    long seed = fixed != null ? fixed : System.nanoTime() ^ 0x2545F4914F6CDD1DL;
    System.out.println(
        "device tests: base seed "
            + seed
            + " (replay with -Djraid.test.flags=-Djraid.seed="
            + seed
            + ")");
    return seed;
  }

  /** A seed for one case, derived from the base seed and the case's name. */
  static long seed(String testCase) {
    long h = (BASE_SEED ^ testCase.hashCode()) * 0x9E3779B97F4A7C15L;
    return h ^ (h >>> 29);
  }

  /**
   * Runs {@code ops} random blocking operations on {@code device} and on {@code model}, comparing
   * every read. Transfers are multiples of {@code align} bytes in offset and length; buffers are
   * native and 4096-aligned (so that O_DIRECT devices take them). Discards zero the model when
   * {@code discardZeroes}, else they leave it as it is (the device must then keep the old data).
   */
  static void run(
      BlockDevice device, byte[] model, long seed, int ops, int align, boolean discardZeroes)
      throws IOException {
    String where = device.name() + " with seed " + seed;
    SplittableRandom random = new SplittableRandom(seed);
    int blocks = model.length / align;
    int maxBlocks = Math.max(1, Math.min(blocks, 64));
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buffer = arena.allocate((long) maxBlocks * align, 4096);
      for (int i = 0; i < ops; i++) {
        int count = 1 + random.nextInt(maxBlocks);
        int first = random.nextInt(blocks - count + 1);
        int offset = first * align;
        int length = count * align;
        MemorySegment slice = buffer.asSlice(0, length);
        int kind = random.nextInt(10);
        String step = where + ", op " + i;
        if (kind < 4) {
          slice.fill((byte) 0x5A);
          device.read(slice, offset);
          byte[] expected = Arrays.copyOfRange(model, offset, offset + length);
          assertThat(slice.toArray(ValueLayout.JAVA_BYTE))
              .as("read %s at %d, %s", DeviceErrors.range(offset, length), offset, step)
              .isEqualTo(expected);
        } else if (kind < 8) {
          byte[] data = new byte[length];
          random.nextBytes(data);
          MemorySegment.copy(data, 0, slice, ValueLayout.JAVA_BYTE, 0, length);
          if (random.nextBoolean()) {
            device.write(slice, offset);
          } else {
            await(device, done -> device.write(slice, offset, true, done), step);
          }
          System.arraycopy(data, 0, model, offset, length);
        } else if (kind < 9) {
          device.flush();
        } else {
          await(device, done -> device.discard(offset, length, done), step);
          if (discardZeroes) {
            Arrays.fill(model, offset, offset + length, (byte) 0);
          }
        }
      }
      device.flush();
    }
    assertThat(contents(device)).as("whole device at the end, %s", where).isEqualTo(model);
  }

  /** The whole device, read in 1 MiB pieces. */
  static byte[] contents(BlockDevice device) throws IOException {
    byte[] all = new byte[Math.toIntExact(device.size())];
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment piece = arena.allocate(1 << 20, 4096);
      for (int at = 0; at < all.length; at += (int) piece.byteSize()) {
        int n = Math.min(all.length - at, (int) piece.byteSize());
        device.read(piece.asSlice(0, n), at);
        MemorySegment.copy(piece, ValueLayout.JAVA_BYTE, 0, all, at, n);
      }
    }
    return all;
  }

  /** Something that submits one asynchronous operation. */
  interface Submit {
    void to(IoCompletion done);
  }

  /** Submits and waits, failing with the completion's error. */
  static void await(BlockDevice device, Submit submit, String what) throws IOException {
    Throwable error = outcome(submit);
    if (error != null) {
      throw new IOException(device.name() + ": " + what + ": " + error.getMessage(), error);
    }
  }

  /** Submits, waits, and returns the completion's error, or null on success. */
  static @Nullable Throwable outcome(Submit submit) {
    Outcome o = new Outcome();
    submit.to(o);
    return o.await();
  }

  /** A completion that fails the test on error. */
  static IoCompletion outcomeIgnored() {
    return error -> {
      if (error != null) {
        throw new AssertionError("unexpected I/O error", error);
      }
    };
  }

  /** A completion that remembers how it ended and can be waited on; fails if called twice. */
  static final class Outcome implements IoCompletion {
    private final CountDownLatch latch = new CountDownLatch(1);
    private volatile @Nullable Throwable error;
    private final AtomicInteger calls = new AtomicInteger();
    volatile @Nullable Thread thread;

    @Override
    public void completed(@Nullable Throwable error) {
      this.error = error;
      this.thread = Thread.currentThread();
      if (calls.incrementAndGet() != 1) {
        throw new AssertionError("completion called " + calls.get() + " times");
      }
      latch.countDown();
    }

    boolean done() {
      return latch.getCount() == 0;
    }

    @Nullable Throwable await() {
      try {
        if (!latch.await(30, TimeUnit.SECONDS)) {
          throw new AssertionError("no completion within 30 s");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
      assertThat(calls.get()).as("completion calls").isEqualTo(1);
      return error;
    }
  }
}
