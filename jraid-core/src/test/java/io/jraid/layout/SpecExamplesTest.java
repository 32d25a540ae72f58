package io.jraid.layout;

import static org.assertj.core.api.Assertions.assertThat;

import io.jraid.layout.SpecTables.Table;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The worked examples of {@code shared/spec/raid5-layouts.md}: every §5 layout table, cell by cell
 * (P, Q, data chunk and Q slot), and the single-sector examples of §2.4.
 */
class SpecExamplesTest {

  /** The smallest chunk; the tables are in chunks, so the size does not matter to them. */
  private static final int CHUNK = 8;

  private static final Pattern DATA_CELL = Pattern.compile("D(\\d+)(?:\\((\\d+)\\))?");

  static Stream<Table> tables() {
    return SpecTables.all().stream();
  }

  /** Rows after which every layout of {@code t} repeats: a multiple of both n and n - 1. */
  private static long period(Table t) {
    return (long) t.members() * (t.members() - 1);
  }

  /** The table's array, with room for three periods; RAID-4 gets layout 0, as mdadm writes. */
  private static StripeMap map(Table t) {
    long rows = 3 * period(t);
    return new StripeMap(
        ArrayGeometry.of(
            t.level(), Math.max(t.layout(), 0), CHUNK, t.members(), rows * CHUNK + 5, 2048));
  }

  /** A row as the spec prints it, from the convenience API. */
  private static List<String> render(StripeMap m, long stripe) {
    int dataDisks = m.geometry().dataDisks();
    boolean slots = m.geometry().level() == 6;
    List<String> cells = new ArrayList<>();
    for (MemberRole role : m.row(stripe).roles()) {
      cells.add(
          switch (role) {
            case MemberRole.P _ -> "P";
            case MemberRole.Q _ -> "Q";
            case MemberRole.Data(int dd, int slot) ->
                "D" + (stripe * dataDisks + dd) + (slots ? "(" + slot + ")" : "");
          });
    }
    return cells;
  }

  /** A table row moved down by {@code rows} rows: every chunk number grows, slots stay. */
  private static List<String> shifted(List<String> row, long rows, int dataDisks) {
    List<String> out = new ArrayList<>();
    for (String cell : row) {
      Matcher d = DATA_CELL.matcher(cell);
      out.add(
          d.matches()
              ? "D"
                  + (Long.parseLong(d.group(1)) + rows * dataDisks)
                  + (d.group(2) == null ? "" : "(" + d.group(2) + ")")
              : cell);
    }
    return out;
  }

  @Test
  void everyTableOfTheSpecIsHere() {
    List<Table> all = SpecTables.all();
    assertThat(all).hasSize(42);
    assertThat(all.stream().filter(t -> t.level() == 6).count()).isEqualTo(28);
    for (Table t : all) {
      assertThat(t.rows())
          .as("%s", t)
          .isNotEmpty()
          .allSatisfy(r -> assertThat(r).hasSize(t.members()));
      if (t.layout() >= 0) {
        assertThat(Algorithm.forCode(t.level(), t.layout()).mdadmName())
            .as("heading of %s", t)
            .isEqualTo(t.name());
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("tables")
  void rowsMatchTheTable(Table t) {
    StripeMap m = map(t);
    int dataDisks = m.geometry().dataDisks();
    for (int s = 0; s < t.rows().size(); s++) {
      List<String> expected = t.rows().get(s);
      assertThat(render(m, s)).as("%s stripe %d", t, s).isEqualTo(expected);
      // Layouts repeat; check that later periods follow the same pattern.
      for (int k = 1; k < 3; k++) {
        long later = s + k * period(t);
        assertThat(render(m, later))
            .as("%s stripe %d", t, later)
            .isEqualTo(shifted(expected, k * period(t), dataDisks));
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("tables")
  void primitivesAndInverseMatchTheTable(Table t) {
    StripeMap m = map(t);
    int dataDisks = m.geometry().dataDisks();
    for (int s = 0; s < t.rows().size(); s++) {
      List<String> row = t.rows().get(s);
      assertThat(m.pdIdx(s)).as("%s stripe %d pdIdx", t, s).isEqualTo(row.indexOf("P"));
      assertThat(m.qdIdx(s)).as("%s stripe %d qdIdx", t, s).isEqualTo(row.indexOf("Q"));
      for (int i = 0; i < t.members(); i++) {
        Matcher d = DATA_CELL.matcher(row.get(i));
        if (!d.matches()) {
          assertThat(m.ddIdxOf(s, i))
              .isEqualTo(row.get(i).equals("P") ? StripeMap.ROLE_P : StripeMap.ROLE_Q);
          continue;
        }
        long chunk = Long.parseLong(d.group(1));
        assertThat(chunk / dataDisks).as("%s: D%d is in its row", t, chunk).isEqualTo(s);
        int dd = (int) (chunk % dataDisks);
        assertThat(m.member(s, dd)).as("%s D%d member", t, chunk).isEqualTo(i);
        assertThat(m.ddIdxOf(s, i)).isEqualTo(dd);
        if (d.group(2) != null) {
          assertThat(m.slot(s, i))
              .as("%s D%d slot", t, chunk)
              .isEqualTo(Integer.parseInt(d.group(2)));
        }
        for (int off : new int[] {0, 3, CHUNK - 1}) {
          long arraySector = chunk * CHUNK + off;
          long memberSector = (long) s * CHUNK + off;
          assertThat(m.arraySector(i, memberSector)).isEqualTo(arraySector);
          assertThat(m.map(arraySector))
              .isEqualTo(
                  new MappedSector(
                      arraySector, s, dd, i, memberSector, row.indexOf("P"), row.indexOf("Q")));
        }
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          # array                                   | level | layout         | n | chunk | r       | chunk_offset | chunk_number | stripe | dd | pd | qd | disk | member_sector
          RAID5 ls, 4 disks, 64 KiB chunk            | 5     | ls             | 4 | 128   | 1000    | 104          | 7            | 2      | 1  | 1  | –  | 3    | 360
          RAID6 ls, 5 disks, 512 KiB chunk           | 6     | ls             | 5 | 1024  | 5000000 | 832          | 4882         | 1627   | 1  | 2  | 3  | 0    | 1666880
          RAID6 la, same                             | 6     | la             | 5 | 1024  | 5000000 | 832          | 4882         | 1627   | 1  | 2  | 3  | 1    | 1666880
          RAID6 ddf-N-continue, same                 | 6     | ddf-N-continue | 5 | 1024  | 5000000 | 832          | 4882         | 1627   | 1  | 2  | 1  | 4    | 1666880
          """)
  void singleSectorExamples(
      String array,
      int level,
      String layout,
      int n,
      int chunk,
      long r,
      long chunkOffset,
      long chunkNumber,
      long stripe,
      int dd,
      int pd,
      String qd,
      int disk,
      long memberSector) {
    long dataOffset = 2048;
    StripeMap m =
        new StripeMap(
            new ArrayGeometry(
                level, Algorithm.byName(level, layout), chunk, n, 4_000_000, dataOffset));
    int qdIdx = qd.equals("–") ? -1 : Integer.parseInt(qd);
    assertThat(m.map(r))
        .as(array)
        .isEqualTo(new MappedSector(r, stripe, dd, disk, memberSector, pd, qdIdx));
    assertThat(m.stripe(r) * m.geometry().dataDisks() + m.ddIdx(r)).isEqualTo(chunkNumber);
    assertThat(m.memberSector(r) % chunk).isEqualTo(chunkOffset);
    assertThat(m.arraySector(disk, memberSector)).isEqualTo(r);
    assertThat(m.geometry().deviceSector(memberSector)).isEqualTo(dataOffset + memberSector);
  }
}
