package io.jraid.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jraid.device.DeviceModel.Outcome;
import io.jraid.device.FaultyDevice.Kind;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FaultyDeviceTest {

  private static final int SIZE = 64 * 1024;

  /** A faulty device over memory filled with a seeded pattern; the pattern is {@code data}. */
  private static FaultyDevice over(byte[] data) {
    return new FaultyDevice(MemoryDevice.copyOf("disk", data));
  }

  private static byte[] pattern(String name) {
    byte[] data = new byte[SIZE];
    new SplittableRandom(DeviceModel.seed(name)).nextBytes(data);
    return data;
  }

  private static byte[] read(BlockDevice device, long offset, int length) throws IOException {
    byte[] b = new byte[length];
    device.read(MemorySegment.ofArray(b), offset);
    return b;
  }

  private static byte[] snapshot(FaultyDevice device) {
    return ((MemoryDevice) device.inner()).snapshot();
  }

  @Test
  void withoutFaultsItBehavesLikeTheDeviceBelow() throws IOException {
    long seed = DeviceModel.seed("FaultyDevice.passThrough");
    try (FaultyDevice device = new FaultyDevice(MemoryDevice.create("disk", SIZE))) {
      DeviceModel.run(device, new byte[SIZE], seed, 1000, 512, true);
      assertThat(device.seen(Kind.READ)).isPositive();
      assertThat(device.failed(Kind.READ) + device.failed(Kind.WRITE)).isZero();
    }
  }

  @Test
  void failedReadsNameTheDeviceTheRangeAndTheFault() throws IOException {
    byte[] data = pattern("FaultyDevice.failReads");
    try (FaultyDevice device = over(data).failReads(8, 2)) {
      MemorySegment buffer = MemorySegment.ofArray(new byte[1024]);
      assertThat(DeviceModel.outcome(done -> device.read(buffer, 4096 + 512, done)))
          .isInstanceOf(IOException.class)
          .hasMessage(
              "disk: read of 1024 bytes at offset 4608 [4608, 5632) failed: injected fault:"
                  + " sectors [8, 10) fail reads");
      assertThat(DeviceModel.outcome(done -> device.read(buffer, 3072, done)))
          .as("a read ending where the range starts")
          .isNull();
      assertThat(DeviceModel.outcome(done -> device.read(buffer, 5120, done)))
          .as("a read starting where the range ends")
          .isNull();
      assertThat(DeviceModel.outcome(done -> device.write(buffer, 4096, false, done)))
          .as("writes are not affected")
          .isNull();
      assertThat(device.seen(Kind.READ)).isEqualTo(3);
      assertThat(device.failed(Kind.READ)).isEqualTo(1);
      assertThat(device.injected(Kind.READ)).isEqualTo(1);
      assertThat(device.failed(Kind.WRITE)).isZero();
      device.clearFaults();
      assertThat(DeviceModel.outcome(done -> device.read(buffer, 4608, done))).isNull();
      device.resetCounters();
      assertThat(device.seen(Kind.READ)).isZero();
    }
  }

  @Test
  void failedWritesAndDiscardsLeaveTheDeviceUnchanged() throws IOException {
    byte[] data = pattern("FaultyDevice.failWrites");
    try (FaultyDevice device = over(data).failWrites(0, 1).failWrites(100, 28)) {
      MemorySegment zeros = MemorySegment.ofArray(new byte[4096]);
      assertThat(DeviceModel.outcome(done -> device.write(zeros, 0, true, done)))
          .hasMessage(
              "disk: FUA write of 4096 bytes at offset 0 [0, 4096) failed: injected fault:"
                  + " sectors [0, 1) fail writes");
      assertThat(DeviceModel.outcome(done -> device.write(zeros, 50 * 1024, false, done)))
          .hasMessageEndingWith("sectors [100, 128) fail writes");
      assertThat(DeviceModel.outcome(done -> device.discard(60 * 1024, 1024, done)))
          .hasMessage(
              "disk: discard of 1024 bytes at offset 61440 [61440, 62464) failed: injected"
                  + " fault: sectors [100, 128) fail writes");
      assertThat(snapshot(device)).isEqualTo(data);
      assertThat(read(device, 0, 4096)).as("reads still work").isEqualTo(Arrays.copyOf(data, 4096));
      assertThat(device.failed(Kind.WRITE)).isEqualTo(2);
      assertThat(device.failed(Kind.DISCARD)).isEqualTo(1);
      device.write(zeros, 8192);
      assertThat(read(device, 8192, 4096)).isEqualTo(new byte[4096]);
    }
  }

  @Test
  void failAfterLetsTheFirstOperationsThroughAndFailsEveryLaterOne() throws IOException {
    try (FaultyDevice device = over(pattern("FaultyDevice.failAfter")).failAfter(3)) {
      MemorySegment buffer = MemorySegment.ofArray(new byte[512]);
      assertThat(DeviceModel.outcome(done -> device.read(buffer, 0, done))).isNull();
      assertThat(DeviceModel.outcome(done -> device.write(buffer, 512, false, done))).isNull();
      assertThat(DeviceModel.outcome(device::flush)).isNull();
      assertThat(DeviceModel.outcome(done -> device.read(buffer, 0, done)))
          .hasMessage(
              "disk: read of 512 bytes at offset 0 [0, 512) failed: injected fault: every"
                  + " operation after the first 3 fails");
      assertThat(DeviceModel.outcome(device::flush))
          .hasMessage(
              "disk: flush failed: injected fault: every operation after the first 3 fails");
      assertThat(DeviceModel.outcome(done -> device.discard(0, 512, done))).isNotNull();
      assertThat(device.injected(Kind.READ)).isEqualTo(1);
      assertThat(device.injected(Kind.FLUSH)).isEqualTo(1);
      assertThat(device.injected(Kind.DISCARD)).isEqualTo(1);
      device.clearFaults();
      assertThat(DeviceModel.outcome(done -> device.read(buffer, 0, done))).isNull();
    }
  }

  @Test
  void corruptedReadsSucceedWithInvertedBytesInTheRangeOnly() throws IOException {
    byte[] data = pattern("FaultyDevice.corrupt");
    try (FaultyDevice device = over(data).corruptReads(3, 1)) {
      byte[] got = read(device, 1024, 2048);
      byte[] expected = Arrays.copyOfRange(data, 1024, 3072);
      for (int i = 1536; i < 2048; i++) {
        expected[i - 1024] = (byte) ~expected[i - 1024];
      }
      assertThat(got).isEqualTo(expected);
      assertThat(read(device, 2048, 1024)).isEqualTo(Arrays.copyOfRange(data, 2048, 3072));
      assertThat(device.corruptedReads()).isEqualTo(1);
      assertThat(device.failed(Kind.READ)).isZero();
      assertThat(snapshot(device)).as("the data below is intact").isEqualTo(data);
    }
  }

  @Test
  void failingFlushes() throws IOException {
    try (FaultyDevice device = over(pattern("FaultyDevice.flush")).failFlushes(true)) {
      assertThat(DeviceModel.outcome(device::flush))
          .hasMessage("disk: flush failed: injected fault: flushes fail");
      device.failFlushes(false);
      assertThat(DeviceModel.outcome(device::flush)).isNull();
      assertThat(device.failed(Kind.FLUSH)).isEqualTo(1);
    }
  }

  @Test
  void delayedCompletionsArriveLateOnAnotherThread() throws IOException {
    try (FaultyDevice device =
        over(pattern("FaultyDevice.delay")).delayCompletions(Duration.ofMillis(50))) {
      Outcome o = new Outcome();
      long start = System.nanoTime();
      device.read(MemorySegment.ofArray(new byte[512]), 0, o);
      assertThat(o.done()).as("not yet complete when read() returns").isFalse();
      assertThat(o.await()).isNull();
      assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(Duration.ofMillis(50).toNanos());
      assertThat(o.thread).isNotSameAs(Thread.currentThread());
      assertThat(o.thread.getName()).isEqualTo("jraid-faulty-disk");
      device.delayCompletions(Duration.ZERO);
      Outcome now = new Outcome();
      device.read(MemorySegment.ofArray(new byte[512]), 0, now);
      assertThat(now.done()).isTrue();
    }
  }

  @Test
  void argumentErrorsOfTheDeviceBelowPassThrough() throws IOException {
    try (FaultyDevice device = over(pattern("FaultyDevice.range"))) {
      device.trackUnflushedWrites(true);
      MemorySegment buffer = MemorySegment.ofArray(new byte[1024]);
      assertThat(DeviceModel.outcome(done -> device.read(buffer, SIZE - 512, done)))
          .hasMessageContaining(
              "disk: read of 1024 bytes at offset 65024 [65024, 66048) is outside");
      assertThat(DeviceModel.outcome(done -> device.write(buffer, -1024, false, done)))
          .hasMessageContaining("disk: write of 1024 bytes at offset -1024");
      assertThat(device.unflushedWrites()).isZero();
    }
  }

  /**
   * Seeded random writes (some FUA), discards and flushes, with power cuts between them: after each
   * cut the device holds exactly the model of what was durable — the last flushed state, with every
   * FUA write since on top.
   */
  @Test
  void powerCutKeepsExactlyWhatWasFlushedOrWrittenWithFua() throws IOException {
    long seed = DeviceModel.seed("FaultyDevice.powerCut");
    SplittableRandom random = new SplittableRandom(seed);
    byte[] current = pattern("FaultyDevice.powerCut.initial");
    byte[] durable = current.clone();
    try (FaultyDevice device = over(current.clone())) {
      device.trackUnflushedWrites(true);
      for (int round = 0; round < 20; round++) {
        String where = "seed " + seed + ", round " + round;
        int ops = random.nextInt(30);
        for (int i = 0; i < ops; i++) {
          int blocks = 1 + random.nextInt(16);
          int offset = random.nextInt(SIZE / 512 - blocks + 1) * 512;
          int length = blocks * 512;
          int kind = random.nextInt(10);
          if (kind < 6) {
            byte[] data = new byte[length];
            random.nextBytes(data);
            boolean fua = kind == 0;
            DeviceModel.await(
                device,
                done -> device.write(MemorySegment.ofArray(data), offset, fua, done),
                where);
            System.arraycopy(data, 0, current, offset, length);
            if (fua) {
              System.arraycopy(data, 0, durable, offset, length);
            }
          } else if (kind < 8) {
            DeviceModel.await(device, done -> device.discard(offset, length, done), where);
            Arrays.fill(current, offset, offset + length, (byte) 0);
          } else {
            device.flush();
            System.arraycopy(current, 0, durable, 0, SIZE);
          }
        }
        assertThat(DeviceModel.contents(device)).as("before the cut, %s", where).isEqualTo(current);
        device.powerCut();
        assertThat(device.powered()).isFalse();
        assertThat(device.unflushedWrites()).isZero();
        assertThat(snapshot(device)).as("after the cut, %s", where).isEqualTo(durable);
        device.powerOn();
        System.arraycopy(durable, 0, current, 0, SIZE);
      }
    }
  }

  @Test
  void afterAPowerCutIoFailsUntilPowerOn() throws IOException {
    byte[] data = pattern("FaultyDevice.off");
    try (FaultyDevice device = over(data).trackUnflushedWrites(true)) {
      MemorySegment buffer = MemorySegment.ofArray(new byte[512]);
      device.write(MemorySegment.ofArray(new byte[512]), 0);
      assertThat(device.unflushedWrites()).isEqualTo(1);
      device.powerCut();
      assertThat(DeviceModel.outcome(done -> device.read(buffer, 0, done)))
          .hasMessage(
              "disk: read of 512 bytes at offset 0 [0, 512) failed: power cut (the device is off"
                  + " until powerOn())");
      assertThat(DeviceModel.outcome(device::flush))
          .hasMessage("disk: flush failed: power cut (the device is off until powerOn())");
      assertThat(device.injected(Kind.READ)).isEqualTo(1);
      device.powerOn();
      assertThat(read(device, 0, 512)).isEqualTo(Arrays.copyOf(data, 512));
    }
  }

  @Test
  void powerCutNeedsTracking() throws IOException {
    try (FaultyDevice device = over(pattern("FaultyDevice.noTracking"))) {
      assertThatThrownBy(device::powerCut)
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("disk: powerCut() needs trackUnflushedWrites(true) before the writes");
    }
  }

  /**
   * A write still in flight when the power goes (here: held up below by a delayed device) fails and
   * leaves nothing behind.
   */
  @Test
  void aWriteInFlightAtTheCutFailsAndLeavesNothing() throws IOException {
    byte[] data = pattern("FaultyDevice.inFlight");
    FaultyDevice slow = over(data).delayCompletions(Duration.ofMillis(100));
    try (FaultyDevice device = new FaultyDevice(slow).trackUnflushedWrites(true)) {
      Outcome o = new Outcome();
      device.write(MemorySegment.ofArray(new byte[4096]), 0, true, o);
      device.powerCut();
      assertThat(o.await())
          .hasMessage(
              "disk: FUA write of 4096 bytes at offset 0 [0, 4096) failed: power cut (the device"
                  + " is off until powerOn())");
      assertThat(((MemoryDevice) slow.inner()).snapshot()).isEqualTo(data);
      assertThat(device.injected(Kind.WRITE)).isEqualTo(1);
    }
  }

  /**
   * Devices on one power supply go off together: a FUA write that the failure of one provokes on
   * another (as an array records a failed member on the others) is refused, where cutting them one
   * after the other would let it through and keep it.
   */
  @Test
  void aGroupPowerCutLetsNothingProvokedByOneDeviceReachAnother() throws Exception {
    byte[] first = pattern("FaultyDevice.group.a");
    byte[] second = pattern("FaultyDevice.group.b");
    FaultyDevice slow = over(first).delayCompletions(Duration.ofMillis(100));
    try (FaultyDevice a = new FaultyDevice(slow).trackUnflushedWrites(true);
        FaultyDevice b = over(second).trackUnflushedWrites(true)) {
      Outcome reaction = new Outcome();
      Outcome written = new Outcome();
      a.write(
          MemorySegment.ofArray(new byte[4096]),
          0,
          false,
          e -> {
            written.completed(e);
            // The reaction to the failure: a durable write to the other device.
            b.write(MemorySegment.ofArray(new byte[512]), 0, true, reaction);
          });
      FaultyDevice.powerCut(List.of(a, b));
      assertThat(written.await()).hasMessageContaining("power cut");
      assertThat(reaction.await()).hasMessageContaining("power cut");
      assertThat(((MemoryDevice) slow.inner()).snapshot()).isEqualTo(first);
      assertThat(snapshot(b)).isEqualTo(second);
      assertThat(a.powered()).isFalse();
      assertThat(b.powered()).isFalse();
    }
  }

  /** The power cut over a file device, whose completions come from its I/O threads. */
  @Test
  void powerCutOverAFileDevice(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("member.img");
    byte[] data = pattern("FaultyDevice.file");
    Files.write(file, data);
    byte[] flushed = data.clone();
    try (FaultyDevice device = new FaultyDevice(FileDevice.openReadWrite(file));
        Arena arena = Arena.ofShared()) {
      device.trackUnflushedWrites(true);
      MemorySegment block = arena.allocate(4096, 4096);
      block.fill((byte) 1);
      device.write(block, 0);
      device.flush();
      Arrays.fill(flushed, 0, 4096, (byte) 1);
      block.fill((byte) 2);
      device.write(block, 4096);
      DeviceModel.await(device, done -> device.write(block, 8192, true, done), "FUA");
      Arrays.fill(flushed, 8192, 12288, (byte) 2);
      block.fill((byte) 3);
      device.write(block, 0);
      device.powerCut();
    }
    assertThat(Files.readAllBytes(file)).isEqualTo(flushed);
  }

  /** Several threads on disjoint ranges of one faulty device, with faults on some ranges. */
  @Test
  void concurrentIoWithFaultsOnSomeRanges() throws Exception {
    int threads = 4;
    int slice = SIZE / threads;
    long seed = DeviceModel.seed("FaultyDevice.concurrent");
    try (FaultyDevice device = new FaultyDevice(MemoryDevice.create("disk", SIZE));
        ExecutorService pool = Executors.newFixedThreadPool(threads)) {
      device.trackUnflushedWrites(true);
      // Thread 3's range fails reads at its very end, so its model run (which reads) must fail.
      device.failReads((long) SIZE / 512 - 1, 1);
      List<Future<?>> jobs = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int base = t * slice;
        long s = seed + t;
        jobs.add(
            pool.submit(() -> {
              DeviceModel.run(new Window(device, base, slice), new byte[slice], s, 300, 512, true);
              return null;
            }));
      }
      for (int t = 0; t < threads - 1; t++) {
        jobs.get(t).get();
      }
      assertThatThrownBy(() -> jobs.get(threads - 1).get())
          .hasStackTraceContaining("injected fault: sectors [127, 128) fail reads");
      assertThat(device.injected(Kind.READ)).isEqualTo(1);
      assertThat(device.failed(Kind.WRITE)).isZero();
    }
  }
}
