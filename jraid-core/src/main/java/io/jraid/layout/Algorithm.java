package io.jraid.layout;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The md RAID-4/5/6 layout algorithms: the superblock {@code layout} field, one constant per kernel
 * {@code ALGORITHM_*} code of {@code drivers/md/raid5.h}.
 *
 * <p>Validity depends on the level (kernel {@code algorithm_valid_raid5/raid6}): RAID-5 takes codes
 * 0–5, RAID-6 codes 0–5, 8–10 and 16–20. RAID-4 has no layout: the kernel ignores the field and
 * always puts parity on the last member, so {@link #forCode forCode(4, anything)} is {@link
 * #PARITY_N}, whose RAID-5 mapping is exactly RAID-4's.
 *
 * <p>Names are mdadm's ({@code maps.c} {@code r5layout}/{@code r6layout}); they are case-sensitive,
 * as in mdadm ({@code ddf-N-restart} has a capital N). A few names mean different codes at
 * different levels: at RAID-5, {@code ddf-zero-restart}, {@code ddf-N-restart} and {@code
 * ddf-N-continue} are aliases of codes 1, 0 and 2 (DDF's RAID-5 layouts), at RAID-6 they are the
 * DDF codes 8, 9 and 10. Facts: {@code shared/spec/raid5-layouts.md} §1.
 */
public enum Algorithm {
  /** Code 0, {@code left-asymmetric}: P rotates down from the last member, data in member order. */
  LEFT_ASYMMETRIC(0, "left-asymmetric"),
  /** Code 1, {@code right-asymmetric}: P rotates up from member 0, data in member order. */
  RIGHT_ASYMMETRIC(1, "right-asymmetric"),
  /** Code 2, {@code left-symmetric}, mdadm's default: P rotates down, data starts after it. */
  LEFT_SYMMETRIC(2, "left-symmetric"),
  /** Code 3, {@code right-symmetric}: P rotates up, data starts after it. */
  RIGHT_SYMMETRIC(3, "right-symmetric"),
  /** Code 4, {@code parity-first}: P (and Q) on the first members of every row. */
  PARITY_0(4, "parity-first"),
  /** Code 5, {@code parity-last}: P (and Q) on the last members of every row; RAID-4's layout. */
  PARITY_N(5, "parity-last"),
  /** Code 8, {@code ddf-zero-restart}: DDF PRL=6 RLQ=1, Q slots in member order (RAID-6 only). */
  ROTATING_ZERO_RESTART(8, "ddf-zero-restart"),
  /** Code 9, {@code ddf-N-restart}: DDF PRL=6 RLQ=2, Q slots in member order (RAID-6 only). */
  ROTATING_N_RESTART(9, "ddf-N-restart"),
  /** Code 10, {@code ddf-N-continue}: DDF PRL=6 RLQ=3, Q just before P (RAID-6 only). */
  ROTATING_N_CONTINUE(10, "ddf-N-continue"),
  /** Code 16, {@code left-asymmetric-6}: RAID-5 left-asymmetric plus Q on the last member. */
  LEFT_ASYMMETRIC_6(16, "left-asymmetric-6"),
  /** Code 17, {@code right-asymmetric-6}: RAID-5 right-asymmetric plus Q on the last member. */
  RIGHT_ASYMMETRIC_6(17, "right-asymmetric-6"),
  /** Code 18, {@code left-symmetric-6}: RAID-5 left-symmetric plus Q on the last member. */
  LEFT_SYMMETRIC_6(18, "left-symmetric-6"),
  /** Code 19, {@code right-symmetric-6}: RAID-5 right-symmetric plus Q on the last member. */
  RIGHT_SYMMETRIC_6(19, "right-symmetric-6"),
  /** Code 20, {@code parity-first-6}: RAID-5 parity-first plus Q on the last member. */
  PARITY_0_6(20, "parity-first-6");

  /** The layout mdadm creates RAID-5 and RAID-6 arrays with (its {@code "default"}). */
  public static final Algorithm DEFAULT = LEFT_SYMMETRIC;

  private static final Map<String, Algorithm> RAID4_NAMES = names(4);
  private static final Map<String, Algorithm> RAID5_NAMES = names(5);
  private static final Map<String, Algorithm> RAID6_NAMES = names(6);

  private final int code;
  private final String mdadmName;

  Algorithm(int code, String mdadmName) {
    this.code = code;
    this.mdadmName = mdadmName;
  }

  /** The kernel's {@code ALGORITHM_*} number, as stored in the superblock {@code layout} field. */
  public int code() {
    return code;
  }

  /** The kernel constant's name, e.g. {@code ALGORITHM_LEFT_SYMMETRIC}. */
  public String kernelName() {
    return "ALGORITHM_" + name();
  }

  /**
   * The name {@code mdadm --examine} prints on its "Layout :" line ({@code map_num}: the first name
   * of the code in mdadm's table, so never an alias). mdadm prints no layout for RAID-4.
   */
  public String mdadmName() {
    return mdadmName;
  }

  /**
   * Whether Q takes its data in DDF order (kernel {@code algorithm_is_DDF}, codes 8–10): every
   * member, P and Q included, has the syndrome slot equal to its member index.
   */
  public boolean isDdf() {
    return code >= 8 && code <= 10;
  }

  /** Whether this is one of the codes the kernel accepts only for RAID-6 (8–10, 16–20). */
  public boolean isRaid6Only() {
    return code >= 8;
  }

  /** Whether the kernel accepts this layout at {@code level} (4, 5 or 6); RAID-4 takes only 5. */
  public boolean isValidFor(int level) {
    checkLevel(level);
    return switch (level) {
      case 4 -> this == PARITY_N;
      case 5 -> !isRaid6Only();
      default -> true;
    };
  }

  /**
   * The algorithm of a superblock's {@code level} and {@code layout} fields.
   *
   * @throws IllegalArgumentException if the level is not 4, 5 or 6, or the kernel would refuse the
   *     layout at that level (RAID-5: above 5; RAID-6: 6, 7, 11–15, above 20); any layout is
   *     accepted for RAID-4 and gives {@link #PARITY_N}, as the kernel ignores it there
   */
  public static Algorithm forCode(int level, int code) {
    checkLevel(level);
    if (level == 4) {
      return PARITY_N;
    }
    for (Algorithm a : values()) {
      if (a.code == code && a.isValidFor(level)) {
        return a;
      }
    }
    throw new IllegalArgumentException(
        "layout="
            + code
            + " is not valid for level="
            + level
            + (level == 5 ? " (valid: 0-5)" : " (valid: 0-5, 8-10, 16-20)"));
  }

  /**
   * The algorithm an mdadm {@code --layout} name means at {@code level}: a name from {@link
   * #mdadmNames} (case-sensitive, e.g. {@code left-symmetric}, {@code ls}, {@code default}, {@code
   * ddf-N-continue}).
   *
   * @throws IllegalArgumentException if the level is not 4, 5 or 6 or the name is not one mdadm
   *     knows at that level
   */
  public static Algorithm byName(int level, String name) {
    Algorithm a = namesFor(level).get(name);
    if (a == null) {
      throw new IllegalArgumentException(
          "layout=" + name + " is not a level=" + level + " layout; one of " + mdadmNames(level));
    }
    return a;
  }

  /**
   * Every name {@link #byName} accepts at {@code level}, in mdadm's table order. RAID-4 has only
   * {@code parity-last} and {@code default} (mdadm itself refuses {@code --layout} for RAID-4).
   */
  public static List<String> mdadmNames(int level) {
    return List.copyOf(namesFor(level).keySet());
  }

  private static Map<String, Algorithm> namesFor(int level) {
    checkLevel(level);
    return switch (level) {
      case 4 -> RAID4_NAMES;
      case 5 -> RAID5_NAMES;
      default -> RAID6_NAMES;
    };
  }

  /** mdadm's {@code r5layout}/{@code r6layout} tables, aliases included, in table order. */
  private static Map<String, Algorithm> names(int level) {
    Map<String, Algorithm> m = new LinkedHashMap<>();
    if (level == 4) {
      m.put(PARITY_N.mdadmName, PARITY_N);
      m.put("default", PARITY_N);
      return Collections.unmodifiableMap(m);
    }
    for (Algorithm a :
        List.of(LEFT_ASYMMETRIC, RIGHT_ASYMMETRIC, LEFT_SYMMETRIC, RIGHT_SYMMETRIC)) {
      m.put(a.mdadmName, a);
    }
    m.put("default", LEFT_SYMMETRIC);
    m.put("la", LEFT_ASYMMETRIC);
    m.put("ra", RIGHT_ASYMMETRIC);
    m.put("ls", LEFT_SYMMETRIC);
    m.put("rs", RIGHT_SYMMETRIC);
    m.put(PARITY_0.mdadmName, PARITY_0);
    m.put(PARITY_N.mdadmName, PARITY_N);
    if (level == 5) {
      // DDF's RAID-5 layouts are md's classic ones under another name.
      m.put("ddf-zero-restart", RIGHT_ASYMMETRIC);
      m.put("ddf-N-restart", LEFT_ASYMMETRIC);
      m.put("ddf-N-continue", LEFT_SYMMETRIC);
    } else {
      for (Algorithm a : values()) {
        if (a.isRaid6Only()) {
          m.put(a.mdadmName, a);
        }
      }
    }
    return Collections.unmodifiableMap(m);
  }

  /** Rejects anything but the raid456 levels. */
  static void checkLevel(int level) {
    if (level < 4 || level > 6) {
      throw new IllegalArgumentException("level=" + level + " (raid456 levels are 4, 5 and 6)");
    }
  }
}
