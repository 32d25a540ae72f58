package io.jraid.layout;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Relations between layouts that the spec states in words: RAID-4 is parity-last whatever the
 * layout field says, the {@code *_6} layouts are a RAID-5 layout plus Q on the last member, and DDF
 * zero-restart places blocks like right-asymmetric (only the Q order differs).
 */
class LayoutRelationsTest {

  private static final int CHUNK = 8;

  /** Room for two periods of every layout of up to {@code 10} members. */
  private static final long ROWS = 2 * 10 * 9;

  private static StripeMap map(int level, Algorithm a, int n) {
    long rows = ROWS;
    return new StripeMap(new ArrayGeometry(level, a, CHUNK, n, rows * CHUNK, 0));
  }

  @ParameterizedTest(name = "layout={0}")
  @ValueSource(ints = {-1, 0, 1, 2, 3, 4, 5, 8, 17, 99, Integer.MAX_VALUE})
  void raid4IgnoresTheLayoutField(int layout) {
    for (int n = 2; n <= 10; n++) {
      ArrayGeometry g = ArrayGeometry.of(4, layout, CHUNK, n, 1000, 0);
      assertThat(g.algorithm()).isEqualTo(Algorithm.PARITY_N);
      assertThat(g).isEqualTo(new ArrayGeometry(4, Algorithm.LEFT_SYMMETRIC, CHUNK, n, 1000, 0));
      StripeMap m = new StripeMap(g);
      for (long s = 0; s < g.stripes(); s++) {
        assertThat(m.pdIdx(s)).isEqualTo(n - 1);
        assertThat(m.qdIdx(s)).isEqualTo(-1);
        for (int dd = 0; dd < n - 1; dd++) {
          assertThat(m.member(s, dd)).isEqualTo(dd);
        }
      }
    }
  }

  @ParameterizedTest(name = "layout={0}")
  @ValueSource(ints = {16, 17, 18, 19, 20})
  void starSixLayoutsAreRaid5OverTheFirstMembersPlusQOnTheLast(int layout) {
    for (int n = 4; n <= 10; n++) {
      StripeMap raid6 = map(6, Algorithm.forCode(6, layout), n);
      StripeMap raid5 = map(5, Algorithm.forCode(5, layout - 16), n - 1);
      for (long s = 0; s < raid6.geometry().stripes(); s++) {
        assertThat(raid6.qdIdx(s)).isEqualTo(n - 1);
        assertThat(raid6.pdIdx(s)).as("n=%d stripe %d", n, s).isEqualTo(raid5.pdIdx(s));
        List<Integer> dataMembers = new ArrayList<>();
        for (int dd = 0; dd < n - 2; dd++) {
          assertThat(raid6.member(s, dd)).isEqualTo(raid5.member(s, dd));
          dataMembers.add(raid6.member(s, dd));
        }
        // With Q last, the kernel's walk starts at member 0: slots follow member order.
        List<Integer> sorted = dataMembers.stream().sorted().toList();
        for (int k = 0; k < sorted.size(); k++) {
          assertThat(raid6.slot(s, sorted.get(k))).isEqualTo(k);
        }
      }
    }
  }

  @Test
  void ddfZeroRestartPlacesBlocksLikeRightAsymmetric() {
    for (int n = 4; n <= 10; n++) {
      StripeMap ddf = map(6, Algorithm.ROTATING_ZERO_RESTART, n);
      StripeMap ra = map(6, Algorithm.RIGHT_ASYMMETRIC, n);
      boolean slotsDiffer = false;
      for (long s = 0; s < ddf.geometry().stripes(); s++) {
        assertThat(ddf.pdIdx(s)).isEqualTo(ra.pdIdx(s));
        assertThat(ddf.qdIdx(s)).isEqualTo(ra.qdIdx(s));
        for (int dd = 0; dd < n - 2; dd++) {
          int member = ddf.member(s, dd);
          assertThat(member).isEqualTo(ra.member(s, dd));
          assertThat(ddf.slot(s, member)).isEqualTo(member);
          slotsDiffer |= ra.slot(s, member) != member;
        }
      }
      assertThat(slotsDiffer).as("n=%d: the Q order is what tells them apart", n).isTrue();
    }
  }

  @Test
  void raid6ParityLastKeepsDataInPlaceAndQLast() {
    StripeMap m = map(6, Algorithm.PARITY_N, 6);
    for (long s = 0; s < m.geometry().stripes(); s++) {
      assertThat(m.pdIdx(s)).isEqualTo(4);
      assertThat(m.qdIdx(s)).isEqualTo(5);
      for (int dd = 0; dd < 4; dd++) {
        assertThat(m.member(s, dd)).isEqualTo(dd);
        assertThat(m.slot(s, dd)).isEqualTo(dd);
      }
    }
  }
}
