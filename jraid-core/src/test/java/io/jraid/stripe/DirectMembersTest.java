package io.jraid.stripe;

import static org.assertj.core.api.Assertions.assertThat;

import io.jraid.device.BlockDevice;
import io.jraid.device.FileDevice;
import io.jraid.layout.Algorithm;
import io.jraid.layout.ArrayGeometry;
import io.jraid.stripe.EngineHarness.Shape;
import io.jraid.testing.ArrayFiles;
import io.jraid.testing.Seeds;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Members opened with O_DIRECT take transfers only from memory aligned to their logical block size.
 * The engine lends a writer's buffer to member writes, and gives a read's buffer to members
 * directly (the chunk-aligned bypass), only where the buffer meets that alignment; elsewhere it
 * goes through its own page-aligned cache pages. Writers' buffers here sit at every kind of address
 * (4 KiB-aligned, 512-aligned, odd): no member may fail or see a read error, and every byte reads
 * back as written.
 */
class DirectMembersTest {

  @TempDir Path dir;

  @ParameterizedTest(name = "RAID-{0} of {1}")
  @CsvSource({"5, 4", "6, 5", "4, 3"})
  void buffersAtAnyAddressWorkWithDirectMembers(int level, int disks) throws Exception {
    Shape shape =
        new Shape(level, level == 4 ? Algorithm.PARITY_N : Algorithm.LEFT_SYMMETRIC, disks, 16, 16);
    ArrayGeometry g = shape.geometry();
    BlockDevice[] members = new BlockDevice[disks];
    try {
      for (int i = 0; i < disks; i++) {
        Path p = ArrayFiles.blank(dir, "m" + i + ".img", shape.memberBytes());
        members[i] = FileDevice.builder(p).readWrite(true).direct(true).open();
      }
    } catch (IOException e) {
      Assumptions.abort("no O_DIRECT in " + dir + ": " + e.getMessage());
    }
    long seed = Seeds.of(95, level, disks);
    SplittableRandom random = new SplittableRandom(seed);
    try {
      run(g, members, seed, random);
      EngineHarness.assertParityConsistent(g, members);
    } finally {
      for (BlockDevice m : members) {
        if (m != null) {
          m.close();
        }
      }
    }
  }

  private static void run(
      ArrayGeometry g, BlockDevice[] members, long seed, SplittableRandom random) throws Exception {
    try (StripeEngine e =
            new StripeEngine("direct", g, members.clone(), StripeEngine.Options.defaults());
        Arena arena = Arena.ofShared()) {
      int size = (int) e.size();
      byte[] model = new byte[size];
      MemorySegment buffer = arena.allocate(size + 8192, 4096);
      for (int round = 0; round < 200; round++) {
        // Where the request's memory starts: aligned, 512-aligned, or anywhere.
        int shift =
            switch (random.nextInt(3)) {
              case 0 -> 0;
              case 1 -> 512 * (1 + random.nextInt(7));
              default -> 1 + random.nextInt(4095);
            };
        boolean whole = random.nextBoolean(); // whole blocks (lendable) or any range
        int length = whole ? 4096 * (1 + random.nextInt(40)) : 1 + random.nextInt(70_000);
        length = Math.min(length, size);
        long offset =
            whole
                ? 4096L * random.nextInt((size - length) / 4096 + 1)
                : random.nextInt(size - length + 1);
        MemorySegment slice = buffer.asSlice(shift, length);
        if (random.nextInt(3) == 0) {
          ReferenceModelTest.await(done -> e.read(slice, offset, done));
          assertThat(slice.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))
              .as(
                  "seed %d, round %d: read of %d at %d, memory +%d",
                  seed, round, length, offset, shift)
              .isEqualTo(java.util.Arrays.copyOfRange(model, (int) offset, (int) offset + length));
        } else {
          byte[] data = new byte[length];
          random.nextBytes(data);
          MemorySegment.copy(MemorySegment.ofArray(data), 0, slice, 0, length);
          ReferenceModelTest.await(done -> e.write(slice, offset, false, done));
          System.arraycopy(data, 0, model, (int) offset, length);
        }
      }
      ReferenceModelTest.await(e::flush);
      assertThat(e.failedMembers()).as("seed %d: members failed", seed).isZero();
      for (int i = 0; i < members.length; i++) {
        assertThat(e.stats().members[i].readErrors.sum())
            .as("seed %d: read errors on member %d", seed, i)
            .isZero();
      }
      MemorySegment all = arena.allocate(size, 4096);
      ReferenceModelTest.await(done -> e.read(all, 0, done));
      assertThat(all.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))
          .as("seed %d", seed)
          .isEqualTo(model);
      assertThat(e.audit()).isEmpty();
    }
  }
}
