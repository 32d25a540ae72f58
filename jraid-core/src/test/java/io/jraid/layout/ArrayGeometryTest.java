package io.jraid.layout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Validation and derived sizes of {@link ArrayGeometry}, and {@link StripeMap}'s range checks. */
class ArrayGeometryTest {

  /** RAID-5 ls, 4 members, 64 KiB chunks, 1000 sectors per member: 7 whole rows. */
  private static final ArrayGeometry RAID5 =
      new ArrayGeometry(5, Algorithm.LEFT_SYMMETRIC, 128, 4, 1000, 2048);

  @Test
  void derivedSizesFollowRaid5Size() {
    assertThat(RAID5.dataDisks()).isEqualTo(3);
    assertThat(RAID5.parityDisks()).isEqualTo(1);
    assertThat(RAID5.devSectors()).isEqualTo(896); // 7 × 128, the ragged 104 sectors unused
    assertThat(RAID5.stripes()).isEqualTo(7);
    assertThat(RAID5.arraySectors()).isEqualTo(2688); // 896 × 3
    assertThat(RAID5.syndromeSources()).isEqualTo(3);
    assertThat(RAID5.deviceSector(0)).isEqualTo(2048);
    assertThat(RAID5.deviceSector(895)).isEqualTo(2943);
  }

  @Test
  void raid6SizesAndSyndromeSources() {
    ArrayGeometry ls = ArrayGeometry.of(6, 2, 1024, 6, 10 * 1024, 0);
    assertThat(ls.dataDisks()).isEqualTo(4);
    assertThat(ls.parityDisks()).isEqualTo(2);
    assertThat(ls.arraySectors()).isEqualTo(40 * 1024);
    assertThat(ls.syndromeSources()).isEqualTo(4);
    for (int ddf = 8; ddf <= 10; ddf++) {
      assertThat(ArrayGeometry.of(6, ddf, 1024, 6, 10 * 1024, 0).syndromeSources()).isEqualTo(6);
    }
  }

  @ParameterizedTest(name = "chunkSectors={0}")
  @ValueSource(ints = {0, -8, 1, 4, 12, 24, 1000, 4097, Integer.MIN_VALUE})
  void badChunksAreRejected(int chunk) {
    assertThatThrownBy(() -> new ArrayGeometry(5, Algorithm.LEFT_SYMMETRIC, chunk, 4, 1 << 20, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("chunkSectors=" + chunk + " ");
  }

  @ParameterizedTest(name = "chunkSectors={0}")
  @ValueSource(ints = {8, 16, 128, 1024, 1 << 20, 1 << 30})
  void powerOfTwoChunksFromFourKibAreAccepted(int chunk) {
    assertThatCode(() -> new ArrayGeometry(6, Algorithm.LEFT_SYMMETRIC, chunk, 4, 1L << 40, 0))
        .doesNotThrowAnyException();
  }

  @ParameterizedTest(name = "level {0} raidDisks={1}")
  @CsvSource({"4, 1", "5, 1", "5, 0", "5, -3", "6, 3", "6, 2", "4, 257", "5, 257", "6, 257"})
  void badMemberCountsAreRejected(int level, int disks) {
    assertThatThrownBy(() -> ArrayGeometry.of(level, 2, 128, disks, 1 << 20, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("raidDisks=" + disks + " ")
        .hasMessageContaining("level=" + level);
  }

  @ParameterizedTest(name = "level {0} raidDisks={1}")
  @CsvSource({"4, 2", "5, 2", "6, 4", "4, 256", "5, 256", "6, 256"})
  void memberCountLimitsAreAccepted(int level, int disks) {
    ArrayGeometry g = ArrayGeometry.of(level, 2, 128, disks, 1 << 20, 0);
    assertThat(g.dataDisks()).isEqualTo(disks - (level == 6 ? 2 : 1));
  }

  @Test
  void badLevelsLayoutsAndSizesAreRejected() {
    assertThatThrownBy(() -> ArrayGeometry.of(3, 2, 128, 4, 1024, 0))
        .hasMessageContaining("level=3");
    assertThatThrownBy(() -> ArrayGeometry.of(6, 7, 128, 4, 1024, 0))
        .hasMessageContaining("layout=7")
        .hasMessageContaining("level=6");
    assertThatThrownBy(() -> ArrayGeometry.of(5, 18, 128, 4, 1024, 0))
        .hasMessageContaining("layout=18")
        .hasMessageContaining("level=5");
    assertThatThrownBy(() -> new ArrayGeometry(5, Algorithm.LEFT_SYMMETRIC_6, 128, 4, 1024, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("algorithm=left-symmetric-6")
        .hasMessageContaining("level=5");
    assertThatThrownBy(() -> new ArrayGeometry(5, Algorithm.PARITY_0, 128, 4, -1, 0))
        .hasMessageStartingWith("memberSectors=-1");
    assertThatThrownBy(() -> new ArrayGeometry(5, Algorithm.PARITY_0, 128, 4, 1024, -8))
        .hasMessageStartingWith("dataOffset=-8");
    assertThatThrownBy(() -> new ArrayGeometry(5, Algorithm.PARITY_0, 128, 4, Long.MAX_VALUE, 0))
        .hasMessageStartingWith("memberSectors=" + Long.MAX_VALUE);
    assertThatThrownBy(() -> RAID5.deviceSector(896))
        .hasMessageContaining("memberSector=896")
        .hasMessageContaining("devSectors=896");
  }

  @Test
  void anArrayWithoutAWholeChunkIsEmpty() {
    ArrayGeometry g = new ArrayGeometry(5, Algorithm.LEFT_SYMMETRIC, 128, 4, 127, 0);
    assertThat(g.arraySectors()).isZero();
    assertThatThrownBy(() -> new StripeMap(g).map(0))
        .hasMessageContaining("arraySector=0")
        .hasMessageContaining("arraySectors=0");
  }

  @Test
  void mapRejectsOutOfRangeArguments() {
    StripeMap m = new StripeMap(RAID5);
    for (long bad : new long[] {2688, -1, Long.MAX_VALUE}) {
      assertThatThrownBy(() -> m.map(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("arraySector=" + bad + " is not below arraySectors=2688");
    }
    assertThatThrownBy(() -> m.pdIdx(7))
        .hasMessageContaining("stripe=7")
        .hasMessageContaining("stripes=7");
    assertThatThrownBy(() -> m.qdIdx(-1)).hasMessageContaining("stripe=-1");
    assertThatThrownBy(() -> m.member(0, 3))
        .hasMessageContaining("ddIdx=3")
        .hasMessageContaining("dataDisks=3");
    assertThatThrownBy(() -> m.slot(0, 4))
        .hasMessageContaining("member=4")
        .hasMessageContaining("raidDisks=4");
    assertThatThrownBy(() -> m.arraySector(0, 896))
        .hasMessageContaining("memberSector=896")
        .hasMessageContaining("devSectors=896");
    assertThatThrownBy(() -> m.arraySector(-1, 0)).hasMessageContaining("member=-1");
  }

  @Test
  void parityHasNoArraySector() {
    StripeMap raid5 = new StripeMap(RAID5);
    // Stripe 2 of RAID-5 ls with 4 members has P on member 1 (spec §5).
    assertThatThrownBy(() -> raid5.arraySector(1, 2 * 128 + 5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("member=1 holds P in stripe=2, not data");
    StripeMap raid6 = new StripeMap(ArrayGeometry.of(6, 2, 128, 4, 1024, 0));
    // Stripe 2 of RAID-6 ls with 4 members: D5 P Q D4.
    assertThatThrownBy(() -> raid6.arraySector(2, 2 * 128))
        .hasMessage("member=2 holds Q in stripe=2, not data");
    assertThat(raid6.arraySector(3, 2 * 128)).isEqualTo(4 * 128);
  }
}
