package io.jraid.stripe;

import static org.assertj.core.api.Assertions.assertThat;

import io.jraid.device.BlockDevice;
import io.jraid.layout.Algorithm;
import io.jraid.layout.ArrayGeometry;
import io.jraid.layout.StripeMap;
import io.jraid.parity.ParityKernels;
import io.jraid.parity.ScalarKernels;
import io.jraid.parity.XorMode;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.jspecify.annotations.Nullable;

/** Geometries for engine tests, and the parity check of members against the scalar reference. */
public final class EngineHarness {

  /** One test geometry; members hold {@code rows} chunk rows after a small data offset. */
  record Shape(int level, Algorithm algorithm, int disks, int chunkKib, int rows) {
    ArrayGeometry geometry() {
      long chunk = chunkKib * 2L;
      return new ArrayGeometry(level, algorithm, (int) chunk, disks, chunk * rows, 16);
    }

    long memberBytes() {
      ArrayGeometry g = geometry();
      return (g.dataOffset() + g.memberSectors()) * 512;
    }

    @Override
    public String toString() {
      return "raid" + level + " " + algorithm.mdadmName() + " " + disks + "x" + chunkKib + "K";
    }
  }

  static final Shape[] SHAPES = {
    new Shape(4, Algorithm.PARITY_N, 4, 64, 8),
    new Shape(5, Algorithm.LEFT_SYMMETRIC, 3, 4, 64),
    new Shape(5, Algorithm.LEFT_ASYMMETRIC, 5, 16, 16),
    new Shape(5, Algorithm.RIGHT_SYMMETRIC, 6, 128, 4),
    new Shape(5, Algorithm.PARITY_0, 4, 8, 24),
    new Shape(6, Algorithm.LEFT_SYMMETRIC, 5, 64, 8),
    new Shape(6, Algorithm.ROTATING_ZERO_RESTART, 6, 32, 8),
    new Shape(6, Algorithm.LEFT_SYMMETRIC_6, 7, 8, 16),
    new Shape(6, Algorithm.RIGHT_ASYMMETRIC, 8, 512, 2),
    new Shape(6, Algorithm.ROTATING_N_CONTINUE, 4, 4, 48),
  };

  private EngineHarness() {}

  /**
   * Checks every stripe's P (and Q) on the members against the scalar reference; missing members
   * ({@code null}) are skipped with their rows' parity checked only where both are present.
   */
  public static void assertParityConsistent(ArrayGeometry g, @Nullable BlockDevice[] members)
      throws IOException {
    long bad = inconsistentStripes(g, members, 0, g.devSectors(), true, null);
    assertThat(bad).isZero();
  }

  /**
   * Counts the stripes in member sectors {@code [from, to)} whose P or Q differs from what the
   * scalar reference computes from their data (all members must be present).
   */
  public static long inconsistentStripes(
      ArrayGeometry g, @Nullable BlockDevice[] members, long from, long to) throws IOException {
    return inconsistentStripes(g, members, from, to, false, null);
  }

  /**
   * The first few stripes whose parity does not match, for a failure's report: member sector, and
   * which of P and Q (and on which slot) disagree.
   */
  public static String describeInconsistentStripes(
      ArrayGeometry g, @Nullable BlockDevice[] members, long from, long to) throws IOException {
    StringBuilder report = new StringBuilder();
    inconsistentStripes(g, members, from, to, false, report);
    return report.toString();
  }

  private static long inconsistentStripes(
      ArrayGeometry g,
      @Nullable BlockDevice[] members,
      long from,
      long to,
      boolean failFast,
      @Nullable StringBuilder report)
      throws IOException {
    long bad = 0;
    StripeMap map = new StripeMap(g);
    ParityKernels ref = ScalarKernels.INSTANCE;
    int block = StripeEngine.BLOCK;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment[] blocks = new MemorySegment[g.raidDisks()];
      for (int i = 0; i < blocks.length; i++) {
        blocks[i] = arena.allocate(block, 4096);
      }
      MemorySegment p = arena.allocate(block, 4096);
      MemorySegment q = arena.allocate(block, 4096);
      for (long sector = from; sector < to; sector += 8) {
        long row = sector / g.chunkSectors();
        boolean complete = true;
        for (int i = 0; i < blocks.length; i++) {
          if (members[i] == null) {
            complete = false;
          } else {
            members[i].read(blocks[i], (g.dataOffset() + sector) * 512);
          }
        }
        if (!complete) {
          continue;
        }
        int pd = map.pdIdx(row);
        int qd = map.qdIdx(row);
        if (g.level() == 6) {
          MemorySegment[] data = new MemorySegment[map.syndromeSources()];
          for (int i = 0; i < blocks.length; i++) {
            if (i != pd && i != qd) {
              data[map.slot(row, i)] = blocks[i];
            }
          }
          ref.pqGen(data, p, q);
          if (failFast) {
            assertThat(q.mismatch(blocks[qd])).as("Q at member sector %d", sector).isEqualTo(-1);
          }
          if (q.mismatch(blocks[qd]) != -1) {
            bad++;
            if (report != null && bad <= 8) {
              report.append(
                  String.format(
                      "sector %d: Q on slot %d%s; ",
                      sector, qd, p.mismatch(blocks[pd]) != -1 ? ", P on slot " + pd : ""));
            }
            continue;
          }
        } else {
          MemorySegment[] data = new MemorySegment[blocks.length - 1];
          for (int i = 0, k = 0; i < blocks.length; i++) {
            if (i != pd) {
              data[k++] = blocks[i];
            }
          }
          ref.xorGen(p, data, XorMode.OVERWRITE);
        }
        if (failFast) {
          assertThat(p.mismatch(blocks[pd])).as("P at member sector %d", sector).isEqualTo(-1);
        }
        if (p.mismatch(blocks[pd]) != -1) {
          bad++;
          if (report != null && bad <= 8) {
            report.append(String.format("sector %d: P on slot %d; ", sector, pd));
          }
        }
      }
    }
    if (report != null) {
      report.append(bad).append(" stripes in all");
    }
    return bad;
  }
}
