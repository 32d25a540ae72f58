package io.jraid.stripe;

import static org.assertj.core.api.Assertions.assertThat;

import io.jraid.device.BlockDevice;
import io.jraid.device.MemoryDevice;
import io.jraid.layout.Algorithm;
import io.jraid.stripe.EngineHarness.Shape;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * md's choice between read-modify-write and reconstruct-write for one 4 KiB write into a stripe
 * that is not cached, counted in member I/O: read-modify-write reads the old block and the
 * syndromes (1 + parities), reconstruct-write reads the other data blocks; the cheaper wins and a
 * tie goes to reconstruct-write. Either way the block and the syndromes are written, nothing more
 * is read, and the data and parity come out right.
 */
class WriteModesTest {

  @ParameterizedTest(name = "RAID-{0} of {1}: {2} reads")
  @CsvSource({
    "5, 3, 1", // rcw: the other data block (rmw would read 2)
    "5, 4, 2", // rmw 2 vs rcw 2: a tie, rcw
    "5, 5, 2", // rmw: old data and P (rcw would read 3)
    "5, 8, 2", "6, 4, 1", // rcw: the other data block (rmw would read 3)
    "6, 6, 3", // rmw 3 vs rcw 3: a tie, rcw
    "6, 8, 3", // rmw: old data, P and Q (rcw would read 5)
  })
  void oneBlockWriteReadsWhatTheCheaperModeNeeds(int level, int disks, int expectedReads)
      throws Exception {
    Shape shape = new Shape(level, Algorithm.LEFT_SYMMETRIC, disks, 64, 4);
    var g = shape.geometry();
    MemoryDevice[] members = new MemoryDevice[disks];
    for (int i = 0; i < disks; i++) {
      members[i] = MemoryDevice.create("m" + i, shape.memberBytes());
    }
    try (StripeEngine e =
            new StripeEngine(
                "modes",
                g,
                members.clone(),
                new StripeEngine.Options(64, 1, false, true, true, 0));
        Arena arena = Arena.ofShared()) {
      MemorySegment block = arena.allocate(4096, 4096);
      for (long i = 0; i < 4096; i += 8) {
        block.set(ValueLayout.JAVA_LONG, i, 0x0123_4567_89ab_cdefL * (i + 1));
      }
      long offset = 3 * 4096L; // the fourth stripe of the first chunk: nothing cached
      ReferenceModelTest.await(done -> e.write(block, offset, false, done));
      long reads = memberReads(e);
      long writes = memberWrites(e);
      assertThat(reads).as("member reads").isEqualTo(expectedReads);
      assertThat(writes).as("member writes: the block and each syndrome").isEqualTo(level - 3L);
      MemorySegment back = arena.allocate(4096, 4096);
      ReferenceModelTest.await(done -> e.read(back, offset, done));
      assertThat(back.mismatch(block)).isEqualTo(-1);
      assertThat(e.audit()).isEmpty();
    }
    EngineHarness.assertParityConsistent(g, (BlockDevice[]) members);
  }

  /**
   * One request of whole rows is handed to the lanes stripe by stripe, each stripe's blocks as one
   * batch, so every stripe is seen whole at once: parity is computed from the writer's buffers and
   * nothing is read (in array order a stripe's blocks came a chunk apart, and a pass that found
   * only some of them could read for a partial write).
   */
  @ParameterizedTest(name = "RAID-{0} of {1}")
  @CsvSource({"5, 5", "6, 6", "5, 3", "6, 8"})
  void aRequestOfWholeRowsReadsNothing(int level, int disks) throws Exception {
    Shape shape = new Shape(level, Algorithm.LEFT_SYMMETRIC, disks, 64, 17);
    var g = shape.geometry();
    MemoryDevice[] members = new MemoryDevice[disks];
    for (int i = 0; i < disks; i++) {
      members[i] = MemoryDevice.create("m" + i, shape.memberBytes());
    }
    long rowBytes = 64 * 1024L * g.dataDisks();
    try (StripeEngine e =
            new StripeEngine(
                "rows", g, members.clone(), new StripeEngine.Options(64, 2, false, true, true, 0));
        Arena arena = Arena.ofShared()) {
      MemorySegment rows = arena.allocate(2 * rowBytes, 4096);
      for (long i = 0; i < rows.byteSize(); i += 8) {
        rows.set(ValueLayout.JAVA_LONG, i, 0x9e37_79b9_7f4a_7c15L * (i + 1));
      }
      for (int round = 0; round < 8; round++) {
        long offset = (1 + 2L * round) * rowBytes;
        ReferenceModelTest.await(done -> e.write(rows, offset, false, done));
      }
      long reads = memberReads(e);
      long writes = memberWrites(e);
      assertThat(reads).as("member reads by the writes").isZero();
      assertThat(writes).as("member writes: every block of 16 rows").isEqualTo(16L * 16 * disks);
      MemorySegment back = arena.allocate(rows.byteSize(), 4096);
      for (int round = 0; round < 8; round++) {
        long offset = (1 + 2L * round) * rowBytes;
        ReferenceModelTest.await(done -> e.read(back, offset, done));
        assertThat(back.mismatch(rows)).as("data of round %d", round).isEqualTo(-1);
      }
      assertThat(e.audit()).isEmpty();
    }
    EngineHarness.assertParityConsistent(g, (BlockDevice[]) members);
  }

  /**
   * A member is missing, but not the written block's or a syndrome's: md's cost rule still takes
   * read-modify-write (reconstruct-write would have to rebuild the missing block from every other),
   * so the write reads what it reads on a healthy array, and the missing block, computed from the
   * new parity, is still what it was.
   */
  @ParameterizedTest(name = "RAID-{0} of {1}, a data member missing: {2} reads")
  @CsvSource({"5, 5, 2", "5, 8, 2", "6, 6, 3", "6, 8, 3"})
  void aDegradedWriteAwayFromTheMissingMemberReadsWhatAHealthyOneReads(
      int level, int disks, int expectedReads) throws Exception {
    Shape shape = new Shape(level, Algorithm.LEFT_SYMMETRIC, disks, 64, 4);
    var g = shape.geometry();
    var map = new io.jraid.layout.StripeMap(g);
    long offset = 3 * 4096L; // data block 0 of stripe row 0, nothing cached
    long row = map.stripe(offset / 512);
    int written = map.member(row, map.ddIdx(offset / 512));
    int missing = map.member(row, 1); // another data block of the same row
    BlockDevice[] members = new BlockDevice[disks];
    for (int i = 0; i < disks; i++) {
      members[i] = i == missing ? null : MemoryDevice.create("m" + i, shape.memberBytes());
    }
    assertThat(missing).isNotIn(written, map.pdIdx(row), map.qdIdx(row));
    try (StripeEngine e =
            new StripeEngine(
                "degraded-modes",
                g,
                members,
                new StripeEngine.Options(64, 1, false, true, true, 0));
        Arena arena = Arena.ofShared()) {
      MemorySegment block = arena.allocate(4096, 4096);
      for (long i = 0; i < 4096; i += 8) {
        block.set(ValueLayout.JAVA_LONG, i, 0x0123_4567_89ab_cdefL * (i + 1));
      }
      ReferenceModelTest.await(done -> e.write(block, offset, false, done));
      long reads = memberReads(e);
      assertThat(reads).as("member reads").isEqualTo(expectedReads);
      MemorySegment back = arena.allocate(4096, 4096);
      ReferenceModelTest.await(done -> e.read(back, offset, done));
      assertThat(back.mismatch(block)).isEqualTo(-1);
      // The missing member's block of the same stripe, computed from the others: still zeros.
      long missingOffset = offset + (long) g.chunkSectors() * 512;
      ReferenceModelTest.await(done -> e.read(back, missingOffset, done));
      assertThat(back.mismatch(arena.allocate(4096, 4096))).isEqualTo(-1);
      assertThat(e.audit()).isEmpty();
    }
  }

  private static long memberReads(StripeEngine e) {
    long reads = 0;
    for (StripeEngine.MemberStats m : e.stats().members) {
      reads += m.reads.sum();
    }
    return reads;
  }

  private static long memberWrites(StripeEngine e) {
    long writes = 0;
    for (StripeEngine.MemberStats m : e.stats().members) {
      writes += m.writes.sum();
    }
    return writes;
  }
}
