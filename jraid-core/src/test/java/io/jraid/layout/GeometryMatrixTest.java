package io.jraid.layout;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Properties of the mapping for every (level, layout) × members × chunk size: each row uses every
 * member exactly once, Q slots follow the kernel's walk, and forward and inverse mapping are
 * inverse bijections. The slot oracle is a literal transcription of raid5.c's loop, independent of
 * {@code RowLayout}'s closed form.
 */
class GeometryMatrixTest {

  private static final int[] CHUNKS = {8, 128, 1024}; // 4 KiB, 64 KiB, 512 KiB

  static Stream<Named<StripeMap>> geometries() {
    List<Named<StripeMap>> out = new ArrayList<>();
    for (int level = 4; level <= 6; level++) {
      for (Algorithm a : Algorithm.values()) {
        if (!a.isValidFor(level)) {
          continue;
        }
        for (int n = level == 6 ? 4 : 2; n <= 10; n++) {
          for (int chunk : CHUNKS) {
            // Two full periods of every layout, and a ragged end that must be ignored.
            long rows = 2L * n * (n - 1) + 3;
            ArrayGeometry g =
                new ArrayGeometry(level, a, chunk, n, rows * chunk + chunk / 2 + 1, 0);
            String label =
                "RAID"
                    + level
                    + " "
                    + (level == 4 ? "" : a.mdadmName() + " ")
                    + "n="
                    + n
                    + " chunk="
                    + chunk;
            out.add(Named.of(label, new StripeMap(g)));
          }
        }
      }
    }
    return out.stream();
  }

  /**
   * raid5.c {@code raid6_d0} + {@code raid6_idx_to_slot} over {@code raid6_next_disk}, as written.
   */
  static int[] kernelSlots(int n, int pd, int qd, boolean ddf) {
    int syndromeDisks = ddf ? n : n - 2;
    int d0 = ddf || qd == n - 1 ? 0 : qd + 1;
    int[] slots = new int[n];
    int count = 0;
    int i = d0;
    do {
      int slot = count;
      if (ddf) {
        count++;
      }
      if (i == pd) {
        slots[i] = syndromeDisks;
      } else if (i == qd) {
        slots[i] = syndromeDisks + 1;
      } else {
        if (!ddf) {
          count++;
        }
        slots[i] = slot;
      }
      i = (i + 1) % n;
    } while (i != d0);
    return slots;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("geometries")
  void everyRowUsesEveryMemberOnce(StripeMap m) {
    ArrayGeometry g = m.geometry();
    int n = g.raidDisks();
    boolean raid6 = g.level() == 6;
    assertThat(g.stripes()).isEqualTo(2L * n * (n - 1) + 3);
    for (long s = 0; s < g.stripes(); s++) {
      List<Integer> members = new ArrayList<>();
      for (int dd = 0; dd < g.dataDisks(); dd++) {
        int member = m.member(s, dd);
        members.add(member);
        assertThat(m.ddIdxOf(s, member)).as("stripe %d dd %d", s, dd).isEqualTo(dd);
      }
      int pd = m.pdIdx(s);
      int qd = m.qdIdx(s);
      members.add(pd);
      if (raid6) {
        members.add(qd);
        assertThat(m.ddIdxOf(s, qd)).isEqualTo(StripeMap.ROLE_Q);
      } else {
        assertThat(qd).isEqualTo(-1);
      }
      assertThat(m.ddIdxOf(s, pd)).isEqualTo(StripeMap.ROLE_P);
      assertThat(members).as("stripe %d", s).containsExactlyInAnyOrderElementsOf(range(n));

      long stripe = s;
      int[] slots = IntStream.range(0, n).map(i -> m.slot(stripe, i)).toArray();
      int sources = m.syndromeSources();
      assertThat(slots[pd]).isEqualTo(sources);
      List<Integer> dataSlots = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        if (i != pd && i != qd) {
          dataSlots.add(slots[i]);
          if (g.algorithm().isDdf()) {
            assertThat(slots[i]).as("DDF slot = member index").isEqualTo(i);
          }
        }
      }
      if (raid6) {
        assertThat(slots[qd]).isEqualTo(sources + 1);
        assertThat(slots)
            .as("stripe %d", s)
            .isEqualTo(kernelSlots(n, pd, qd, g.algorithm().isDdf()));
      }
      if (!g.algorithm().isDdf()) {
        assertThat(sources).isEqualTo(g.dataDisks());
        assertThat(dataSlots)
            .as("stripe %d", s)
            .containsExactlyInAnyOrderElementsOf(range(g.dataDisks()));
      } else {
        assertThat(sources).isEqualTo(n);
      }

      StripeRow row = m.row(s);
      assertThat(row.pdIdx()).isEqualTo(pd);
      assertThat(row.qdIdx()).isEqualTo(qd);
      for (int i = 0; i < n; i++) {
        int dd = m.ddIdxOf(s, i);
        MemberRole expected =
            switch (dd) {
              case StripeMap.ROLE_P -> new MemberRole.P();
              case StripeMap.ROLE_Q -> new MemberRole.Q();
              default -> new MemberRole.Data(dd, slots[i]);
            };
        assertThat(row.role(i)).isEqualTo(expected);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("geometries")
  void forwardAndInverseRoundTrip(StripeMap m) {
    ArrayGeometry g = m.geometry();
    int chunk = g.chunkSectors();
    assertThat(g.arraySectors()).isEqualTo(g.stripes() * chunk * g.dataDisks());
    SplittableRandom random = new SplittableRandom(g.hashCode());
    List<Long> samples = new ArrayList<>();
    for (long k = 0; k < g.arraySectors() / chunk; k += 7) {
      samples.add(k * chunk);
      samples.add(k * chunk + chunk - 1);
    }
    for (int i = 0; i < 500; i++) {
      samples.add(random.nextLong(g.arraySectors()));
    }
    samples.add(g.arraySectors() - 1);
    for (long x : samples) {
      MappedSector at = m.map(x);
      assertThat(at.memberSector()).isLessThan(g.devSectors());
      assertThat(at.memberSector() / chunk).isEqualTo(at.stripe());
      assertThat(at.memberSector() % chunk).isEqualTo(x % chunk);
      assertThat(at.member()).isNotIn(at.pdIdx(), at.qdIdx());
      assertThat(m.arraySector(at.member(), at.memberSector())).as("sector %d", x).isEqualTo(x);
    }
    // Small chunks: walk the whole array and check it covers every data sector exactly once.
    if (chunk == 8) {
      BitSet used = new BitSet();
      for (long x = 0; x < g.arraySectors(); x++) {
        MappedSector at = m.map(x);
        int bit = Math.toIntExact(at.memberSector() * g.raidDisks() + at.member());
        assertThat(used.get(bit)).as("sector %d lands on a used place", x).isFalse();
        used.set(bit);
      }
      long parityBlocks = g.devSectors() * g.parityDisks();
      assertThat(used.cardinality() + parityBlocks).isEqualTo(g.devSectors() * g.raidDisks());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("geometries")
  void inverseThenForwardRoundTrip(StripeMap m) {
    ArrayGeometry g = m.geometry();
    SplittableRandom random = new SplittableRandom(g.hashCode() + 1);
    for (int i = 0; i < 500; i++) {
      int member = random.nextInt(g.raidDisks());
      long memberSector = random.nextLong(g.devSectors());
      if (m.ddIdxOf(memberSector / g.chunkSectors(), member) < 0) {
        continue;
      }
      long x = m.arraySector(member, memberSector);
      assertThat(m.map(x).member()).isEqualTo(member);
      assertThat(m.memberSector(x)).isEqualTo(memberSector);
    }
  }

  private static List<Integer> range(int n) {
    return IntStream.range(0, n).boxed().toList();
  }
}
