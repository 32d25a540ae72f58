package io.jraid.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.management.ThreadMXBean;
import io.jraid.device.DeviceModel.Outcome;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MemoryDeviceTest {

  @ParameterizedTest
  @ValueSource(ints = {1, 512, 4096})
  void randomOperationsMatchTheModel(int align) throws IOException {
    long seed = DeviceModel.seed("MemoryDevice.random." + align);
    try (MemoryDevice device = MemoryDevice.create("mem", 1 << 20)) {
      DeviceModel.run(device, new byte[1 << 20], seed, 2000, align, true);
    }
  }

  @Test
  void completesInlineOnTheCallersThread() {
    try (MemoryDevice device = MemoryDevice.create("mem", 8192)) {
      MemorySegment buffer = MemorySegment.ofArray(new byte[512]);
      for (Outcome o :
          List.of(new Outcome(), new Outcome(), new Outcome(), new Outcome(), new Outcome())) {
        device.read(buffer, 512, o);
        assertThat(o.done()).isTrue();
        assertThat(o.await()).isNull();
        assertThat(o.thread).isSameAs(Thread.currentThread());
      }
    }
  }

  @Test
  void discardZeroesAndFlushSucceeds() throws IOException {
    byte[] ones = new byte[4096];
    Arrays.fill(ones, (byte) 1);
    try (MemoryDevice device = MemoryDevice.copyOf("mem", ones)) {
      assertThat(DeviceModel.outcome(done -> device.discard(512, 1024, done))).isNull();
      assertThat(DeviceModel.outcome(device::flush)).isNull();
      byte[] expected = ones.clone();
      Arrays.fill(expected, 512, 1536, (byte) 0);
      assertThat(device.snapshot()).isEqualTo(expected);
    }
  }

  @Test
  void errorsCompleteWithTheDeviceAndRangeAndNeverThrow() {
    try (MemoryDevice device = MemoryDevice.create("mem0", 4096)) {
      MemorySegment buffer = MemorySegment.ofArray(new byte[1024]);
      assertThat(DeviceModel.outcome(done -> device.read(buffer, 3584, done)))
          .isInstanceOf(IOException.class)
          .hasMessage(
              "mem0: read of 1024 bytes at offset 3584 [3584, 4608) is outside the device's 4096"
                  + " bytes");
      assertThat(DeviceModel.outcome(done -> device.write(buffer, -512, false, done)))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("mem0: write of 1024 bytes at offset -512 [-512, 512)");
      assertThat(DeviceModel.outcome(done -> device.discard(4000, 100, done)))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("mem0: discard of 100 bytes at offset 4000 [4000, 4100)");
      MemorySegment readOnly = buffer.asReadOnly();
      assertThat(DeviceModel.outcome(done -> device.read(readOnly, 0, done)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("mem0: read into a read-only segment");
    }
  }

  @Test
  void readOnlyCopyRefusesWrites(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("image");
    Files.write(file, new byte[8192]);
    try (MemoryDevice device = MemoryDevice.copyOf(file, 4096, true)) {
      assertThat(device.readOnly()).isTrue();
      assertThat(device.logicalBlockSize()).isEqualTo(4096);
      MemorySegment buffer = MemorySegment.ofArray(new byte[4096]);
      assertThat(DeviceModel.outcome(done -> device.write(buffer, 0, false, done)))
          .hasMessage(
              file
                  + ": write of 4096 bytes at offset 0 [0, 4096) failed: the device is"
                  + " read-only");
    }
  }

  @Test
  void closedDeviceCompletesWithAnError() {
    MemoryDevice device = MemoryDevice.create("mem1", 4096);
    device.close();
    device.close();
    MemorySegment buffer = MemorySegment.ofArray(new byte[512]);
    assertThat(DeviceModel.outcome(done -> device.read(buffer, 0, done)))
        .hasMessage("mem1: read refused: the device is closed");
    assertThat(DeviceModel.outcome(done -> device.write(buffer, 0, true, done)))
        .hasMessage("mem1: write refused: the device is closed");
    assertThat(DeviceModel.outcome(device::flush))
        .hasMessage("mem1: flush refused: the device is closed");
  }

  @Test
  void copiesAFileAndSavesItBack(@TempDir Path dir) throws IOException {
    byte[] contents = new byte[3 * 4096 + 512];
    new SplittableRandom(DeviceModel.seed("MemoryDevice.copy")).nextBytes(contents);
    Path file = dir.resolve("member.img");
    Files.write(file, contents);
    try (MemoryDevice device = MemoryDevice.copyOf(file)) {
      assertThat(device.name()).isEqualTo(file.toString());
      assertThat(device.size()).isEqualTo(contents.length);
      assertThat(device.memory().address() % 4096).isZero();
      assertThat(device.snapshot()).isEqualTo(contents);
      assertThat(device.snapshot(100, 50)).isEqualTo(Arrays.copyOfRange(contents, 100, 150));
      MemorySegment zeros = MemorySegment.ofArray(new byte[512]);
      device.write(zeros, 4096);
      System.arraycopy(new byte[512], 0, contents, 4096, 512);
      Path saved = dir.resolve("saved.img");
      device.saveTo(saved);
      assertThat(Files.readAllBytes(saved)).isEqualTo(contents);
    }
    assertThat(Files.readAllBytes(file))
        .as("the source file is never written")
        .isNotEqualTo(contents);
  }

  @Test
  void rejectsBadConfiguration() {
    assertThatThrownBy(() -> MemoryDevice.create("m", -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("size=-1");
    assertThatThrownBy(() -> MemoryDevice.create("m", 4096, 1000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("logicalBlockSize=1000");
  }

  @Test
  void concurrentIoToDifferentRangesFromSeveralThreads() throws Exception {
    int threads = 4;
    int slice = 256 * 1024;
    long seed = DeviceModel.seed("MemoryDevice.concurrent");
    byte[] model = new byte[threads * slice];
    try (MemoryDevice device = MemoryDevice.create("mem", model.length);
        ExecutorService pool = Executors.newFixedThreadPool(threads)) {
      List<Future<byte[]>> parts = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int base = t * slice;
        long s = seed + t;
        parts.add(
            pool.submit(() -> {
              byte[] mine = new byte[slice];
              DeviceModel.run(new Window(device, base, slice), mine, s, 1000, 512, true);
              return mine;
            }));
      }
      for (int t = 0; t < threads; t++) {
        System.arraycopy(parts.get(t).get(), 0, model, t * slice, slice);
      }
      assertThat(device.snapshot()).isEqualTo(model);
    }
  }

  @Test
  void allocatesNothingPerIo() {
    var threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    try (MemoryDevice device = MemoryDevice.create("mem", 1 << 20);
        Arena arena = Arena.ofConfined()) {
      MemorySegment buffer = arena.allocate(4096, 4096);
      Counter counter = new Counter();
      for (int round = 0; round < 3; round++) {
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 100_000; i++) {
          long offset = (i & 255) * 4096L;
          device.write(buffer, offset, (i & 7) == 0, counter);
          device.read(buffer, offset, counter);
        }
        device.flush(counter);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        if (round == 2) {
          assertThat(allocated).as("bytes allocated by 200,000 I/Os").isLessThan(10_000);
        }
      }
      assertThat(counter.errors).isZero();
      assertThat(buffer.get(ValueLayout.JAVA_BYTE, 0)).isZero();
    }
  }

  /** A reusable completion, as the stripe engine keeps one per slot. */
  private static final class Counter implements IoCompletion {
    int errors;

    @Override
    public void completed(@Nullable Throwable error) {
      if (error != null) {
        errors++;
      }
    }
  }
}
