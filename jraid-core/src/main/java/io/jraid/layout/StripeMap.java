package io.jraid.layout;

import java.util.ArrayList;
import java.util.List;

/**
 * Maps array sectors to member sectors and back for one {@link ArrayGeometry}, exactly as Linux md
 * places them: raid5.c's {@code raid5_compute_sector}, {@code raid5_compute_blocknr} and {@code
 * raid6_idx_to_slot}.
 *
 * <p>Overview. The array is cut into chunks of {@code chunkSectors}; chunk {@code k} is data chunk
 * {@code ddIdx = k % dataDisks} of chunk row {@code stripe = k / dataDisks}, and a row occupies the
 * same member sectors {@code [stripe * chunk, (stripe + 1) * chunk)} on every member. The layout
 * decides, per row, which member holds P ({@link #pdIdx}), which holds Q ({@link #qdIdx}) and which
 * holds each data chunk ({@link #member}); the per-layout formulas are in {@code RowLayout}. A
 * kernel stripe head (4 KiB per member) is a slice of one row and shares its P/Q/data placement.
 *
 * <p>The primitive methods allocate nothing and are meant for the I/O path; {@link #map} and {@link
 * #row} return records for convenience. Every method checks its arguments and throws {@link
 * IllegalArgumentException} naming the bad value and its limit. Instances are immutable and
 * thread-safe. Facts: {@code shared/spec/raid5-layouts.md} §2, §3 and §6.
 */
public final class StripeMap {

  /** {@link #ddIdxOf} of the member that holds P. */
  public static final int ROLE_P = -1;

  /** {@link #ddIdxOf} of the member that holds Q. */
  public static final int ROLE_Q = -2;

  private static final MemberRole.P PARITY_P = new MemberRole.P();
  private static final MemberRole.Q SYNDROME_Q = new MemberRole.Q();

  private final ArrayGeometry geometry;
  private final Algorithm algorithm;
  private final boolean raid6;
  private final boolean ddf;
  private final int n;
  private final int dataDisks;
  private final int syndromeSources;
  private final int chunkShift;
  private final long chunkMask;
  private final long stripes;
  private final long arraySectors;
  private final long devSectors;

  /** A map for {@code geometry}. */
  public StripeMap(ArrayGeometry geometry) {
    this.geometry = geometry;
    this.algorithm = geometry.algorithm();
    this.raid6 = geometry.level() == 6;
    this.ddf = algorithm.isDdf();
    this.n = geometry.raidDisks();
    this.dataDisks = geometry.dataDisks();
    this.syndromeSources = geometry.syndromeSources();
    // chunkSectors is a power of two (ArrayGeometry checks), so divisions become shifts.
    this.chunkShift = Integer.numberOfTrailingZeros(geometry.chunkSectors());
    this.chunkMask = geometry.chunkSectors() - 1L;
    this.stripes = geometry.stripes();
    this.arraySectors = geometry.arraySectors();
    this.devSectors = geometry.devSectors();
  }

  /** The geometry this map is for. */
  public ArrayGeometry geometry() {
    return geometry;
  }

  /**
   * The length of a {@code pq_gen} data source array, see {@link ArrayGeometry#syndromeSources}.
   */
  public int syndromeSources() {
    return syndromeSources;
  }

  // ---- forward: array sector -> row, data index, member sector ------------------------------

  /** The chunk row of an array sector. */
  public long stripe(long arraySector) {
    checkArraySector(arraySector);
    return (arraySector >>> chunkShift) / dataDisks;
  }

  /** The logical data index (0 … dataDisks - 1) of an array sector's chunk within its row. */
  public int ddIdx(long arraySector) {
    checkArraySector(arraySector);
    return (int) ((arraySector >>> chunkShift) % dataDisks);
  }

  /** The member sector (relative to {@code data_offset}) that holds an array sector. */
  public long memberSector(long arraySector) {
    checkArraySector(arraySector);
    return (((arraySector >>> chunkShift) / dataDisks) << chunkShift) | (arraySector & chunkMask);
  }

  /** The member that holds P in row {@code stripe} ({@code pd_idx}). */
  public int pdIdx(long stripe) {
    checkStripe(stripe);
    return RowLayout.pdIdx(algorithm, raid6, n, stripe);
  }

  /** The member that holds Q in row {@code stripe} ({@code qd_idx}), or -1 for RAID-4/5. */
  public int qdIdx(long stripe) {
    int pd = pdIdx(stripe);
    return raid6 ? RowLayout.qdIdx(algorithm, n, pd) : -1;
  }

  /** The member that holds data chunk {@code ddIdx} of row {@code stripe}. */
  public int member(long stripe, int ddIdx) {
    if (ddIdx < 0 || ddIdx >= dataDisks) {
      throw new IllegalArgumentException("ddIdx=" + ddIdx + " is not below dataDisks=" + dataDisks);
    }
    return RowLayout.member(algorithm, raid6, n, pdIdx(stripe), ddIdx);
  }

  // ---- per member of a row ------------------------------------------------------------------

  /**
   * What member {@code member} holds in row {@code stripe}: its logical data index, or {@link
   * #ROLE_P} or {@link #ROLE_Q}.
   */
  public int ddIdxOf(long stripe, int member) {
    checkMember(member);
    int pd = pdIdx(stripe);
    if (member == pd) {
      return ROLE_P;
    }
    if (raid6 && member == RowLayout.qdIdx(algorithm, n, pd)) {
      return ROLE_Q;
    }
    return RowLayout.ddIdx(algorithm, raid6, n, pd, member);
  }

  /**
   * The Q syndrome slot of member {@code member} in row {@code stripe}, as raid5.c's {@code
   * raid6_idx_to_slot}: a data member's slot k (its block is multiplied by g^k) is below {@link
   * #syndromeSources()}; P gets {@code syndromeSources()} and Q {@code syndromeSources() + 1}.
   *
   * <p>md's own layouts number the data members by a walk that starts after Q and skips P and Q, so
   * the slot is not always {@code ddIdx}. The DDF layouts give every member its own index, P and Q
   * included, and those two slots hold zero blocks. For RAID-4/5 the slot is the {@code ddIdx}: XOR
   * has no order.
   */
  public int slot(long stripe, int member) {
    checkMember(member);
    int pd = pdIdx(stripe);
    if (member == pd) {
      return syndromeSources;
    }
    if (!raid6) {
      return RowLayout.ddIdx(algorithm, false, n, pd, member);
    }
    int qd = RowLayout.qdIdx(algorithm, n, pd);
    if (member == qd) {
      return syndromeSources + 1;
    }
    return ddf ? member : RowLayout.slot(n, pd, qd, member);
  }

  // ---- inverse and convenience ----------------------------------------------------------------

  /**
   * The array sector held at {@code memberSector} of data member {@code member}, as raid5.c's
   * {@code raid5_compute_blocknr}.
   *
   * @throws IllegalArgumentException if the member or sector is out of range, or the member holds P
   *     or Q in that row (parity has no array sector)
   */
  public long arraySector(int member, long memberSector) {
    checkMember(member);
    if (memberSector < 0 || memberSector >= devSectors) {
      throw new IllegalArgumentException(
          "memberSector=" + memberSector + " is not below devSectors=" + devSectors);
    }
    long stripe = memberSector >>> chunkShift;
    int dd = ddIdxOf(stripe, member);
    if (dd < 0) {
      throw new IllegalArgumentException(
          "member="
              + member
              + " holds "
              + (dd == ROLE_P ? "P" : "Q")
              + " in stripe="
              + stripe
              + ", not data");
    }
    return ((stripe * dataDisks + dd) << chunkShift) | (memberSector & chunkMask);
  }

  /** Everything {@code raid5_compute_sector} says about an array sector, as one record. */
  public MappedSector map(long arraySector) {
    long stripe = stripe(arraySector);
    int dd = ddIdx(arraySector);
    return new MappedSector(
        arraySector,
        stripe,
        dd,
        member(stripe, dd),
        memberSector(arraySector),
        pdIdx(stripe),
        qdIdx(stripe));
  }

  /** The roles of all members in row {@code stripe}. */
  public StripeRow row(long stripe) {
    List<MemberRole> roles = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int dd = ddIdxOf(stripe, i);
      roles.add(
          switch (dd) {
            case ROLE_P -> PARITY_P;
            case ROLE_Q -> SYNDROME_Q;
            default -> new MemberRole.Data(dd, slot(stripe, i));
          });
    }
    return new StripeRow(stripe, pdIdx(stripe), qdIdx(stripe), roles);
  }

  private void checkArraySector(long arraySector) {
    if (arraySector < 0 || arraySector >= arraySectors) {
      throw new IllegalArgumentException(
          "arraySector=" + arraySector + " is not below arraySectors=" + arraySectors);
    }
  }

  private void checkStripe(long stripe) {
    if (stripe < 0 || stripe >= stripes) {
      throw new IllegalArgumentException("stripe=" + stripe + " is not below stripes=" + stripes);
    }
  }

  private void checkMember(int member) {
    if (member < 0 || member >= n) {
      throw new IllegalArgumentException("member=" + member + " is not below raidDisks=" + n);
    }
  }
}
