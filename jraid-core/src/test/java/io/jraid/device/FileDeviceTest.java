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
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FileDeviceTest {

  @TempDir Path dir;

  private Path image(String name, int size) throws IOException {
    Path file = dir.resolve(name);
    Files.write(file, new byte[size]);
    return file;
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 512, 4096})
  void randomOperationsMatchTheModel(int align) throws IOException {
    long seed = DeviceModel.seed("FileDevice.random." + align);
    byte[] model = new byte[1 << 20];
    Path file = image("random.img", model.length);
    try (FileDevice device = FileDevice.openReadWrite(file)) {
      assertThat(device.logicalBlockSize()).isEqualTo(512);
      assertThat(device.size()).isEqualTo(model.length);
      assertThat(device.readOnly()).isFalse();
      DeviceModel.run(device, model, seed, 1000, align, false);
    }
    assertThat(Files.readAllBytes(file)).as("the file after close, seed %d", seed).isEqualTo(model);
  }

  /**
   * O_DIRECT needs a file system that supports it; tmpfs (often /tmp, where {@code @TempDir} goes)
   * does not, so this test works under the build's target folder.
   */
  @Test
  void directIoMatchesTheModel() throws IOException {
    Path base = Path.of("target", "device-tests");
    Files.createDirectories(base);
    Path folder = Files.createTempDirectory(base, "direct");
    try {
      byte[] model = new byte[1 << 20];
      Path file = folder.resolve("direct.img");
      Files.write(file, model);
      FileDevice device;
      try {
        device = FileDevice.builder(file).readWrite(true).direct(true).open();
      } catch (IOException e) {
        Assumptions.abort(
            "skipped: the file system of "
                + folder.toAbsolutePath()
                + " does not support O_DIRECT: "
                + e.getMessage());
        return;
      }
      long seed = DeviceModel.seed("FileDevice.direct");
      try (device) {
        assertThat(device.direct()).isTrue();
        int lbs = device.logicalBlockSize();
        assertThat(lbs).isGreaterThanOrEqualTo(512);
        DeviceModel.run(device, model, seed, 500, lbs, false);
        checkDirectAlignment(device, lbs);
      }
      assertThat(Files.readAllBytes(file)).as("seed %d", seed).isEqualTo(model);
    } finally {
      try (Stream<Path> files = Files.walk(folder)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  private static void checkDirectAlignment(FileDevice device, int lbs) {
    String name = device.name();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment aligned = arena.allocate(2L * lbs, 4096);
      MemorySegment shifted = aligned.asSlice(512, lbs);
      if (lbs > 512) {
        assertThat(DeviceModel.outcome(done -> device.read(shifted, 0, done)))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith(name + ": read of " + lbs + " bytes at offset 0 into memory at")
            .hasMessageEndingWith("must be multiples of " + lbs);
        assertThat(
                DeviceModel.outcome(
                    done -> device.write(aligned.asSlice(0, lbs), 512, false, done)))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining(name + ": write of " + lbs + " bytes at offset 512");
      }
      assertThat(DeviceModel.outcome(done -> device.read(aligned.asSlice(0, 100), 0, done)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("must be multiples of " + lbs);
      MemorySegment heap = MemorySegment.ofArray(new byte[lbs]);
      assertThat(DeviceModel.outcome(done -> device.read(heap, 0, done)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              name
                  + ": read [0, "
                  + lbs
                  + ") with O_DIRECT needs a native (off-heap) segment, not"
                  + " a heap one");
    }
  }

  @Test
  void errorsCompleteWithTheDeviceAndRangeAndNeverThrow() throws IOException {
    Path file = image("errors.img", 8192);
    MemorySegment buffer = MemorySegment.ofArray(new byte[1024]);
    try (FileDevice device = FileDevice.openReadWrite(file)) {
      assertThat(DeviceModel.outcome(done -> device.read(buffer, 7680, done)))
          .isInstanceOf(IOException.class)
          .hasMessage(
              file
                  + ": read of 1024 bytes at offset 7680 [7680, 8704) is outside the device's 8192"
                  + " bytes");
      assertThat(DeviceModel.outcome(done -> device.write(buffer, -1, true, done)))
          .hasMessageStartingWith(file + ": write of 1024 bytes at offset -1 [-1, 1023)");
      assertThat(DeviceModel.outcome(done -> device.discard(8192, 1, done)))
          .hasMessageStartingWith(file + ": discard of 1 bytes at offset 8192 [8192, 8193)");
      assertThat(DeviceModel.outcome(done -> device.read(buffer.asReadOnly(), 0, done)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(file + ": read into a read-only segment");
    }
    try (FileDevice device = FileDevice.openReadOnly(file)) {
      assertThat(device.readOnly()).isTrue();
      assertThat(DeviceModel.outcome(done -> device.write(buffer, 0, false, done)))
          .hasMessage(
              file + ": write of 1024 bytes at offset 0 [0, 1024) failed: the device is read-only");
      assertThat(DeviceModel.outcome(done -> device.discard(0, 512, done)))
          .hasMessageContaining("the device is read-only");
      assertThat(DeviceModel.outcome(device::flush)).isNull();
    }
  }

  @Test
  void aTruncatedFileGivesAnErrorNamingTheRange() throws IOException {
    Path file = image("truncated.img", 8192);
    try (FileDevice device = FileDevice.openReadOnly(file)) {
      try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
        c.truncate(4096);
      }
      MemorySegment buffer = MemorySegment.ofArray(new byte[2048]);
      Throwable error = DeviceModel.outcome(done -> device.read(buffer, 3072, done));
      assertThat(error)
          .isInstanceOf(IOException.class)
          .hasMessage(
              file
                  + ": read of 2048 bytes at offset 3072 [3072, 5120) failed: java.io.IOException:"
                  + " unexpected end of file at byte 4096 (device truncated?)");
      assertThatThrownBy(() -> device.read(buffer, 3072)).hasMessage(error.getMessage());
    }
  }

  @Test
  void closedDeviceCompletesWithAnError() throws IOException {
    Path file = image("closed.img", 4096);
    FileDevice device = FileDevice.openReadWrite(file);
    device.close();
    device.close();
    MemorySegment buffer = MemorySegment.ofArray(new byte[512]);
    assertThat(DeviceModel.outcome(done -> device.read(buffer, 0, done)))
        .hasMessage(file + ": read refused: the device is closed");
    assertThat(DeviceModel.outcome(done -> device.write(buffer, 0, true, done)))
        .hasMessage(file + ": write refused: the device is closed");
    assertThat(DeviceModel.outcome(device::flush))
        .hasMessage(file + ": flush refused: the device is closed");
    assertThat(DeviceModel.outcome(done -> device.discard(0, 512, done)))
        .hasMessage(file + ": discard refused: the device is closed");
  }

  @Test
  void openErrorsSayWhatIsWrong() throws IOException {
    Path missing = dir.resolve("missing.img");
    assertThatThrownBy(() -> FileDevice.openReadOnly(missing))
        .isInstanceOf(IOException.class)
        .hasMessage(missing + ": no such file or device");
    assertThatThrownBy(() -> FileDevice.openReadOnly(dir))
        .hasMessage(dir + ": is a directory, not a member file or block device");
    assertThatThrownBy(() -> FileDevice.builder(dir).ioThreads(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("ioThreads=0");
    assertThatThrownBy(() -> FileDevice.builder(dir).queueDepth(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("queueDepth=0");
    if (Files.getFileStore(dir).type().equals("tmpfs")) {
      Path file = image("tmpfs.img", 4096);
      assertThatThrownBy(() -> FileDevice.builder(file).direct(true).open())
          .isInstanceOf(IOException.class)
          .hasMessageStartingWith(file + ": cannot open read-only with O_DIRECT")
          .hasMessageEndingWith("the file system may not support direct I/O (tmpfs does not)");
    }
  }

  @Test
  void fuaWritesFlushesAndDiscardsSucceedAndDiscardKeepsTheData() throws IOException {
    Path file = image("fua.img", 16384);
    byte[] data = new byte[4096];
    new SplittableRandom(DeviceModel.seed("FileDevice.fua")).nextBytes(data);
    try (FileDevice device = FileDevice.openReadWrite(file)) {
      assertThat(
              DeviceModel.outcome(
                  done -> device.write(MemorySegment.ofArray(data), 4096, true, done)))
          .isNull();
      assertThat(DeviceModel.outcome(device::flush)).isNull();
      assertThat(DeviceModel.outcome(done -> device.discard(4096, 4096, done))).isNull();
      byte[] back = new byte[4096];
      device.read(MemorySegment.ofArray(back), 4096);
      assertThat(back).as("a file device's discard keeps the data").isEqualTo(data);
    }
    assertThat(Arrays.copyOfRange(Files.readAllBytes(file), 4096, 8192)).isEqualTo(data);
  }

  @Test
  void confinedMemoryIsTransferredOnTheCallersThread() throws IOException {
    Path file = image("confined.img", 8192);
    try (FileDevice device = FileDevice.openReadWrite(file);
        Arena arena = Arena.ofConfined()) {
      MemorySegment block = arena.allocate(4096, 4096);
      block.fill((byte) 9);
      Outcome write = new Outcome();
      device.write(block, 4096, true, write);
      assertThat(write.await()).isNull();
      assertThat(write.thread).isSameAs(Thread.currentThread());
      MemorySegment back = arena.allocate(4096, 4096);
      Thread.currentThread().interrupt();
      device.read(back, 4096, DeviceModel.outcomeIgnored());
      assertThat(Thread.interrupted()).as("the interrupt status is kept").isTrue();
      assertThat(back.mismatch(block)).isEqualTo(-1);
      device.read(back, 0);
      assertThat(back.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(new byte[4096]);
    }
  }

  /**
   * The I/O path allocates nothing once each page has been seen: requests are preallocated and the
   * buffer views of the pages are kept per I/O thread. Measured on the I/O thread itself.
   */
  @Test
  void allocatesNothingPerIoOnThePagesItHasSeen() throws Exception {
    var mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    Path file = image("alloc.img", 64 * 4096);
    try (FileDevice device = FileDevice.builder(file).readWrite(true).ioThreads(1).open();
        Arena arena = Arena.ofShared()) {
      MemorySegment pages = arena.allocate(16 * 4096, 4096);
      AtomicLong completions = new AtomicLong();
      AtomicLong ioThread = new AtomicLong();
      IoCompletion done =
          error -> {
            if (error != null) {
              throw new AssertionError(error);
            }
            ioThread.set(Thread.currentThread().threadId());
            completions.incrementAndGet();
          };
      MemorySegment[] slots = new MemorySegment[16];
      for (int i = 0; i < slots.length; i++) {
        slots[i] = pages.asSlice(i * 4096L, 4096);
      }
      double perOp = 0;
      for (int round = 0; round < 3; round++) {
        long before = ioThread.get() == 0 ? 0 : mx.getThreadAllocatedBytes(ioThread.get());
        int ops = 20_000;
        for (int i = 0; i < ops; i++) {
          long c = completions.get();
          MemorySegment page = slots[i & 15];
          long offset = (i & 63) * 4096L;
          if ((i & 1) == 0) {
            device.read(page, offset, done);
          } else {
            device.write(page, offset, (i & 1023) == 1, done);
          }
          while (completions.get() == c) {
            Thread.onSpinWait();
          }
        }
        perOp = (mx.getThreadAllocatedBytes(ioThread.get()) - before) / (double) ops;
      }
      assertThat(perOp).as("bytes allocated per I/O on the I/O thread").isLessThan(8.0);
    }
  }

  /** Buffer views are found again only for the same memory: new arenas get new views. */
  @Test
  void memoryFromSuccessiveArenasIsNeverConfused() throws IOException {
    Path file = image("arenas.img", 16 * 4096);
    try (FileDevice device = FileDevice.builder(file).readWrite(true).ioThreads(1).open()) {
      for (int i = 0; i < 16; i++) {
        try (Arena arena = Arena.ofShared()) {
          MemorySegment page = arena.allocate(4096, 4096);
          page.fill((byte) i);
          device.write(page, i * 4096L);
          device.read(page, 0);
          assertThat(page.get(ValueLayout.JAVA_BYTE, 4095)).isZero();
        }
      }
      for (int i = 0; i < 16; i++) {
        try (Arena arena = Arena.ofShared()) {
          MemorySegment page = arena.allocate(4096, 4096);
          device.read(page, i * 4096L);
          assertThat(page.get(ValueLayout.JAVA_BYTE, 4095)).isEqualTo((byte) i);
        }
      }
    }
  }

  @Test
  void completionsRunOnTheIoThreads() throws IOException {
    Path file = image("threads.img", 4096);
    try (FileDevice device = FileDevice.builder(file).ioThreads(3).open()) {
      Outcome o = new Outcome();
      device.read(MemorySegment.ofArray(new byte[512]), 0, o);
      assertThat(o.await()).isNull();
      assertThat(o.thread.getName()).startsWith("jraid-io-threads.img-");
      assertThat(o.thread.isDaemon()).isTrue();
    }
  }

  /**
   * Many I/Os in flight from several threads over a small request pool: submitters wait for free
   * requests, and each thread's range reads back what it wrote.
   */
  @Test
  void concurrentAsynchronousIoFromSeveralThreads() throws Exception {
    int threads = 4;
    int slice = 64 * 4096;
    long seed = DeviceModel.seed("FileDevice.concurrent");
    Path file = image("concurrent.img", threads * slice);
    byte[] expected = new byte[threads * slice];
    new SplittableRandom(seed).nextBytes(expected);
    try (FileDevice device = FileDevice.builder(file).readWrite(true).queueDepth(4).open();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        Arena arena = Arena.ofShared()) {
      MemorySegment source = arena.allocate(expected.length, 4096);
      MemorySegment.copy(expected, 0, source, ValueLayout.JAVA_BYTE, 0, expected.length);
      MemorySegment target = arena.allocate(expected.length, 4096);
      List<Future<?>> jobs = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int base = t * slice;
        jobs.add(
            pool.submit(() -> {
              List<Outcome> writes = new ArrayList<>();
              for (int at = base; at < base + slice; at += 4096) {
                Outcome o = new Outcome();
                device.write(source.asSlice(at, 4096), at, (at & 8192) == 0, o);
                writes.add(o);
              }
              for (Outcome o : writes) {
                assertThat(o.await()).isNull();
              }
              List<Outcome> reads = new ArrayList<>();
              for (int at = base; at < base + slice; at += 4096) {
                Outcome o = new Outcome();
                device.read(target.asSlice(at, 4096), at, o);
                reads.add(o);
              }
              for (Outcome o : reads) {
                assertThat(o.await()).isNull();
              }
              return null;
            }));
      }
      for (Future<?> job : jobs) {
        job.get();
      }
      assertThat(target.toArray(ValueLayout.JAVA_BYTE)).as("seed %d", seed).isEqualTo(expected);
    }
    assertThat(Files.readAllBytes(file)).isEqualTo(expected);
  }

  /**
   * A completion that submits the next I/O, with one request for the whole device: the chained
   * submissions run inline on the I/O thread instead of waiting for themselves.
   */
  @Test
  void completionsMaySubmitEvenWhenEveryRequestIsInFlight() throws Exception {
    Path file = image("chain.img", 64 * 512);
    try (FileDevice device =
            FileDevice.builder(file).readWrite(true).ioThreads(1).queueDepth(1).open();
        Arena arena = Arena.ofShared()) {
      MemorySegment block = arena.allocate(512, 512);
      block.fill((byte) 7);
      Outcome last = new Outcome();
      AtomicInteger next = new AtomicInteger();
      IoCompletion chain =
          new IoCompletion() {
            @Override
            public void completed(@Nullable Throwable error) {
              int i = next.incrementAndGet();
              if (error != null || i == 64) {
                last.completed(error);
              } else {
                device.write(block, i * 512L, false, this);
              }
            }
          };
      device.write(block, 0, false, chain);
      assertThat(last.await()).isNull();
    }
    byte[] sevens = new byte[64 * 512];
    Arrays.fill(sevens, (byte) 7);
    assertThat(Files.readAllBytes(file)).isEqualTo(sevens);
  }

  @Test
  void closeWaitsForEveryQueuedIo() throws IOException {
    Path file = image("drain.img", 256 * 4096);
    List<Outcome> outcomes = new ArrayList<>();
    try (Arena arena = Arena.ofShared()) {
      MemorySegment block = arena.allocate(4096, 4096);
      block.fill((byte) 0x33);
      FileDevice device = FileDevice.builder(file).readWrite(true).queueDepth(300).open();
      for (int i = 0; i < 256; i++) {
        Outcome o = new Outcome();
        device.write(block, i * 4096L, false, o);
        outcomes.add(o);
      }
      device.close();
      for (Outcome o : outcomes) {
        assertThat(o.done()).as("completed before close returned").isTrue();
        assertThat(o.await()).isNull();
      }
    }
    byte[] expected = new byte[256 * 4096];
    Arrays.fill(expected, (byte) 0x33);
    assertThat(Files.readAllBytes(file)).isEqualTo(expected);
  }

  @Test
  void aThrowingCompletionDoesNotStopTheDevice() throws IOException {
    Path file = image("throwing.img", 4096);
    try (FileDevice device = FileDevice.builder(file).ioThreads(1).open()) {
      device.read(
          MemorySegment.ofArray(new byte[512]),
          0,
          error -> {
            throw new IllegalStateException("a bad completion (expected in this test)");
          });
      assertThat(
              DeviceModel.outcome(
                  done -> device.read(MemorySegment.ofArray(new byte[512]), 0, done)))
          .isNull();
    }
  }
}
