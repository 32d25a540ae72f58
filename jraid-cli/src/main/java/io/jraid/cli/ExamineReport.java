package io.jraid.cli;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;

import io.jraid.format.BadBlockLog;
import io.jraid.format.BitmapSuperblock;
import io.jraid.format.FeatureMap;
import io.jraid.format.RoleTable;
import io.jraid.format.Superblock1;
import io.jraid.format.Superblock1Codec;
import java.lang.foreign.MemorySegment;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What {@code mdadm --examine MEMBER} prints for a member with a v1.x superblock, line for line as
 * mdadm 4.2 prints it, and the same facts as typed values for {@code --json}.
 *
 * <p>Mirrors mdadm 4.2 {@code super1.c}: {@code examine_super1()} for the lines, {@code
 * getinfo_super1()} for "Unused Space", {@code util.c} {@code human_size()} and {@code
 * print_r10_layout()}, {@code maps.c} for the level and layout names, glibc {@code ctime()} for the
 * times. mdadm's quirks are kept on purpose, because scripts compare this output with mdadm's:
 *
 * <ul>
 *   <li>mdadm reads fields as {@code unsigned int}, so {@code level > 0} holds for every level but
 *       0: linear and multipath show "Used Dev Size" when it differs, but never "Array Size";
 *   <li>"Unused Space" is left out when the space after the data is exactly 1 sector (mdadm's
 *       marker for "no room at all"), and on a journal member the space after is {@code (device -
 *       data_offset) % 8}; on v1.1/1.2 a bitmap or PPL counts from sector {@code bitmap_offset},
 *       not {@code super_offset + bitmap_offset};
 *   <li>a faulty member's role prints as "spare"; the role check that warns of an inconsistent
 *       array flags only roles above {@code raid_disks}, not equal to it;
 *   <li>"Reshape pos'n" is in KiB without a unit; human sizes at or above 46 PB wrap as mdadm's
 *       64-bit arithmetic does;
 *   <li>4.2 has no "DEVICE TOO SMALL" or "TRUNCATED DEVICE" (later mdadm versions do): a member
 *       smaller than its data shows the wrapped, huge "after" count.
 * </ul>
 *
 * <p>Checked line for line against mdadm 4.2 on the Linux fixtures and on member images crafted for
 * every branch above (see {@code ExamineReportTest}).
 *
 * <p>The checksum is always reported correct: a {@link Superblock1} only exists once the codec has
 * checked it, and its value is recomputed from {@link Superblock1Codec#encode}.
 */
final class ExamineReport {

  /**
   * What {@code mdadm --examine} reads from one member.
   *
   * @param path the member as named on the command line, printed as the report's first line
   * @param sb its superblock
   * @param deviceSectors the member's size in 512-byte sectors
   * @param bitmap the internal bitmap's superblock, when the member has one and it was read (its
   *     size enters "Unused Space" on v1.1/1.2, its node count the "Cluster Name" line)
   * @param badBlocks the decoded bad-block log, when read (JSON only: mdadm's text shows only the
   *     log's capacity and whether it is non-empty)
   */
  record Member(
      String path,
      Superblock1 sb,
      long deviceSectors,
      @Nullable BitmapSuperblock bitmap,
      @Nullable BadBlockLog badBlocks) {}

  /** The legend after the array state. */
  static final String LEGEND = " ('A' == active, '.' == missing, 'R' == replacing)";

  /** Slots beyond this are never printed (mdadm would print billions for a corrupt count). */
  private static final int MAX_SLOTS = 1 << 16;

  private static final String[] DAYS = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  private static final String[] MONTHS = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
  };

  /** {@code maps.c r6layout}, indexed by layout number ({@code r5layout} is 0..5 of it). */
  private static final @Nullable String[] R6_LAYOUTS = {
    "left-asymmetric",
    "right-asymmetric",
    "left-symmetric",
    "right-symmetric",
    "parity-first",
    "parity-last",
    null,
    null,
    "ddf-zero-restart",
    "ddf-N-restart",
    "ddf-N-continue",
    null,
    null,
    null,
    null,
    null,
    "left-asymmetric-6",
    "right-asymmetric-6",
    "left-symmetric-6",
    "right-symmetric-6",
    "parity-first-6"
  };

  private ExamineReport() {}

  /** The report for a member without bitmap details, as mdadm prints it on a host {@code zone}. */
  static String text(String path, Superblock1 sb, long deviceSectors, ZoneId zone) {
    return text(new Member(path, sb, deviceSectors, null, null), null, zone);
  }

  /**
   * The report, byte for byte what mdadm 4.2 prints (each line ends with {@code \n}).
   *
   * @param homehost the host name mdadm compares the array name with ("(local to host …)"): mdadm's
   *     {@code HOMEHOST} or the system host name; {@code null} for none
   * @param zone the time zone of the creation and update times ({@code ctime()} uses local time)
   */
  static String text(Member member, @Nullable String homehost, ZoneId zone) {
    Superblock1 sb = member.sb();
    StringBuilder out = new StringBuilder(1536);
    out.append(member.path()).append(":\n");
    line(out, "Magic", "a92b4efc");
    line(out, "Version", sb.version().toString());
    line(out, "Feature Map", "0x" + Integer.toHexString(sb.featureMap()));
    line(out, "Array UUID", sb.setUuid().toString());
    line(
        out,
        "Name",
        name(sb) + (localTo(sb, homehost) ? "  (local to host " + homehost + ")" : ""));
    String cluster = clusterName(member);
    if (cluster != null) {
      line(out, "Cluster Name", String.format(Locale.ROOT, "%-64s", cluster));
    }
    line(out, "Creation Time", ctime(sb.ctimeSeconds(), zone));
    line(out, "Raid Level", levelName(sb.level()));
    line(out, "Raid Devices", Integer.toString(sb.raidDisks()));
    out.append('\n');
    sizes(out, member);
    line(out, "Device UUID", sb.deviceUuid().toString());
    out.append('\n');
    features(out, sb, zone);
    roles(out, sb);
    return out.toString();
  }

  /** Internal Bitmap through Events: the feature-dependent block. */
  private static void features(StringBuilder out, Superblock1 sb, ZoneId zone) {
    if (sb.has(FeatureMap.BITMAP_OFFSET)) {
      line(out, "Internal Bitmap", sb.bitmapOffset() + " sectors from superblock");
    } else if (sb.has(FeatureMap.PPL | FeatureMap.MULTIPLE_PPLS)) {
      line(
          out,
          "PPL",
          sb.pplSize() + " sectors at offset " + sb.pplOffset() + " sectors from superblock");
    }
    if (sb.has(FeatureMap.RESHAPE_ACTIVE)) {
      reshape(out, sb);
    }
    if (sb.devFlags() != 0) {
      label(out, "Flags").append(" :"); // no space after the colon when there is no known flag
      flags(sb).forEach(f -> out.append(' ').append(f));
      out.append('\n');
    }
    line(out, "Update Time", ctime(sb.utimeSeconds(), zone));
    if (sb.bblogSize() != 0 && sb.bblogOffset() != 0) {
      line(
          out,
          "Bad Block Log",
          BadBlockLog.capacityOf(sb)
              + " entries available at offset "
              + sb.bblogOffset()
              + " sectors"
              + (sb.has(FeatureMap.BAD_BLOCKS) ? " - bad blocks present." : ""));
    }
    line(out, "Checksum", Integer.toHexString(checksum(sb)) + " - correct");
    line(out, "Events", Long.toUnsignedString(sb.events()));
    out.append('\n');
  }

  /** Layout through Array State: the geometry and roles block. */
  private static void roles(StringBuilder out, Superblock1 sb) {
    layout(out, "Layout", sb.level(), sb.layout(), sb.has(FeatureMap.RAID0_LAYOUT));
    switch (sb.level()) {
      case 0, 4, 5, 6, 10 -> line(out, "Chunk Size", chunkKib(sb));
      case -1 -> line(out, "Rounding", chunkKib(sb));
      default -> {}
    }
    out.append('\n');
    line(out, "Device Role", deviceRole(sb));
    ArrayState state = arrayState(sb);
    line(out, "Array State", state.slots() + LEGEND);
    if (state.inconsistent()) {
      out.append("WARNING Array state is inconsistent - each number should appear only once\n");
      for (int i = 0; i < sb.maxDev(); i++) {
        int r = sb.roles().role(i);
        out.append(' ').append(i).append(':').append(r >= RoleTable.FAULTY ? "-" : r);
      }
      out.append('\n');
    }
  }

  /** One {@code "label : value"} line. */
  private static void line(StringBuilder out, String label, String value) {
    label(out, label).append(" : ").append(value).append('\n');
  }

  /**
   * Appends {@code label} right-aligned as mdadm does: to 15 columns, but 14 for the last two
   * labels of the report.
   */
  private static StringBuilder label(StringBuilder out, String label) {
    int width = label.equals("Device Role") || label.equals("Array State") ? 14 : 15;
    return out.append(" ".repeat(width - label.length())).append(label);
  }

  /** Avail Dev Size through State: the sizes and offsets block. */
  private static void sizes(StringBuilder out, Member member) {
    Superblock1 sb = member.sb();
    line(
        out,
        "Avail Dev Size",
        Long.toUnsignedString(sb.dataSize()) + " sectors" + humanSize(sb.dataSize() << 9));
    if (sb.level() != 0) { // mdadm: (unsigned) level > 0
      Long bytes = arraySizeBytes(sb);
      if (bytes != null) {
        line(out, "Array Size", Long.toUnsignedString(bytes >> 10) + " KiB" + humanSize(bytes));
      }
      if (sb.size() != sb.dataSize()) {
        line(
            out,
            "Used Dev Size",
            Long.toUnsignedString(sb.size()) + " sectors" + humanSize(sb.size() << 9));
      }
    }
    if (sb.dataOffset() != 0) {
      line(out, "Data Offset", Long.toUnsignedString(sb.dataOffset()) + " sectors");
    }
    Long offset = newOffset(sb);
    if (offset != null) {
      line(out, "New Offset", Long.toUnsignedString(offset) + " sectors");
    }
    line(out, "Super Offset", Long.toUnsignedString(sb.superOffset()) + " sectors");
    if (sb.has(FeatureMap.RECOVERY_OFFSET)) {
      line(out, "Recovery Offset", Long.toUnsignedString(sb.recoveryOffset()) + " sectors");
    }
    Space space = unusedSpace(member);
    if (space.printed()) {
      line(
          out,
          "Unused Space",
          "before="
              + Long.toUnsignedString(space.before())
              + " sectors, after="
              + Long.toUnsignedString(space.after())
              + " sectors");
    }
    line(out, "State", state(sb));
  }

  /** The reshape block, ending with a blank line. */
  private static void reshape(StringBuilder out, Superblock1 sb) {
    long position = sb.reshapePosition();
    line(out, "Reshape pos'n", Long.toUnsignedString(position >>> 1) + humanSize(position << 9));
    if (sb.deltaDisks() != 0) {
      line(
          out,
          "Delta Devices",
          sb.deltaDisks()
              + " ("
              + (sb.raidDisks() - sb.deltaDisks())
              + "->"
              + sb.raidDisks()
              + ")");
    }
    if (sb.newLevel() != sb.level()) {
      line(out, "New Level", levelName(sb.newLevel()));
    }
    if (sb.newLayout() != sb.layout()) {
      layout(out, "New Layout", sb.level(), sb.newLayout(), false); // named by the old level
    }
    if (sb.newChunk() != sb.chunkSectors()) {
      line(out, "New Chunksize", Integer.divideUnsigned(sb.newChunk(), 2) + "K");
    }
    out.append('\n');
  }

  /**
   * The array state: one character per slot ({@code raid_disks}, plus the slots a shrinking reshape
   * still uses), and whether mdadm warns that the roles are inconsistent.
   *
   * @param slots 'A' one member has the slot, 'R' two (one replacing the other), '.' none, '?' more
   * @param inconsistent a slot is claimed too often, or a role lies beyond the slots
   */
  record ArrayState(String slots, boolean inconsistent) {}

  /** {@link ArrayState} as {@code examine_super1()} works it out. */
  static ArrayState arrayState(Superblock1 sb) {
    long slots = Integer.toUnsignedLong(sb.raidDisks() + deltaExtra(sb));
    StringBuilder state = new StringBuilder();
    boolean inconsistent = false;
    int[] counts = slotCounts(sb);
    for (int d = 0; d < Math.min(slots, MAX_SLOTS); d++) {
      int count = counts[d];
      char c = count == 2 && sb.level() != 0 ? 'R' : count == 1 ? 'A' : count == 0 ? '.' : '?';
      inconsistent |= c == '?';
      state.append(c);
    }
    for (int i = 0; i < sb.maxDev(); i++) {
      int r = sb.roles().role(i);
      inconsistent |= r <= RoleTable.MAX_REGULAR && r > slots; // mdadm: '>' (not '>=') raid_disks
    }
    return new ArrayState(state.toString(), inconsistent);
  }

  /** How many role-table entries name each slot. */
  private static int[] slotCounts(Superblock1 sb) {
    int[] counts = new int[MAX_SLOTS];
    for (int i = 0; i < sb.maxDev(); i++) {
      counts[sb.roles().role(i)]++;
    }
    return counts;
  }

  /** Slots a shrinking reshape still holds data on (mdadm {@code delta_extra}). */
  private static int deltaExtra(Superblock1 sb) {
    return sb.has(FeatureMap.RESHAPE_ACTIVE) && sb.deltaDisks() < 0 ? -sb.deltaDisks() : 0;
  }

  /** The typed facts of the report, in its order, for {@code --json}. */
  static Map<String, Object> json(Member member, @Nullable String homehost, ZoneId zone) {
    Superblock1 sb = member.sb();
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("device", member.path());
    map.put("magic", "a92b4efc");
    map.put("version", sb.version().toString());
    map.put("featureMap", sb.featureMap());
    map.put("features", FeatureMap.names(sb.featureMap()));
    map.put("arrayUuid", sb.setUuid().toString());
    map.put("name", name(sb));
    map.put("localToHost", localTo(sb, homehost));
    String cluster = clusterName(member);
    if (cluster != null) {
      map.put("clusterName", cluster);
    }
    map.put("creationTime", iso(sb.ctimeSeconds(), zone));
    map.put("ctime", sb.ctimeSeconds());
    map.put("raidLevel", levelName(sb.level()));
    map.put("level", sb.level());
    map.put("raidDevices", sb.raidDisks());
    map.put("availDevSize", unsigned(sb.dataSize()));
    Long bytes = sb.level() != 0 ? arraySizeBytes(sb) : null;
    if (bytes != null) {
      map.put("arraySizeKib", unsigned(bytes >> 10));
    }
    map.put("usedDevSize", unsigned(sb.size()));
    map.put("dataOffset", unsigned(sb.dataOffset()));
    Long offset = newOffset(sb);
    if (offset != null) {
      map.put("newOffset", unsigned(offset));
    }
    map.put("superOffset", unsigned(sb.superOffset()));
    if (sb.has(FeatureMap.RECOVERY_OFFSET)) {
      map.put("recoveryOffset", unsigned(sb.recoveryOffset()));
    }
    Space space = unusedSpace(member);
    if (space.printed()) {
      map.put("unusedSpaceBefore", unsigned(space.before()));
      map.put("unusedSpaceAfter", unsigned(space.after()));
    }
    map.put("state", state(sb));
    map.put("resyncOffset", unsigned(sb.resyncOffset()));
    map.put("deviceUuid", sb.deviceUuid().toString());
    jsonTail(map, member, zone);
    return map;
  }

  /** The JSON facts from "Internal Bitmap" on. */
  private static void jsonTail(Map<String, Object> map, Member member, ZoneId zone) {
    Superblock1 sb = member.sb();
    if (sb.has(FeatureMap.BITMAP_OFFSET)) {
      map.put("internalBitmapOffset", sb.bitmapOffset());
    } else if (sb.has(FeatureMap.PPL | FeatureMap.MULTIPLE_PPLS)) {
      map.put("pplOffset", sb.pplOffset());
      map.put("pplSize", sb.pplSize());
    }
    if (sb.has(FeatureMap.RESHAPE_ACTIVE)) {
      map.put("reshape", reshapeJson(sb));
    }
    map.put("devFlags", sb.devFlags());
    map.put("flags", flags(sb));
    map.put("updateTime", iso(sb.utimeSeconds(), zone));
    map.put("utime", sb.utimeSeconds());
    if (sb.bblogSize() != 0 && sb.bblogOffset() != 0) {
      Map<String, Object> log = new LinkedHashMap<>();
      log.put("entriesAvailable", BadBlockLog.capacityOf(sb));
      log.put("offset", sb.bblogOffset());
      log.put("badBlocksPresent", sb.has(FeatureMap.BAD_BLOCKS));
      BadBlockLog bad = member.badBlocks();
      if (bad != null) {
        List<Map<String, Object>> entries = new ArrayList<>();
        for (BadBlockLog.BadRange range : bad.entries()) {
          Map<String, Object> entry = new LinkedHashMap<>();
          entry.put("sector", range.sector());
          entry.put("sectors", range.sectors());
          entries.add(entry);
        }
        log.put("entries", entries);
      }
      map.put("badBlockLog", log);
    }
    map.put("checksum", Integer.toHexString(checksum(sb)));
    map.put("checksumCorrect", true);
    map.put("events", unsigned(sb.events()));
    String layout = layoutName(sb.level(), sb.layout(), sb.has(FeatureMap.RAID0_LAYOUT));
    if (layout != null) {
      map.put("layout", layout.strip());
    }
    map.put("layoutNumber", sb.layout());
    map.put("chunkSectors", Integer.toUnsignedLong(sb.chunkSectors()));
    map.put("deviceRole", deviceRole(sb));
    map.put("devNumber", Integer.toUnsignedLong(sb.devNumber()));
    map.put("role", sb.role());
    if (RoleTable.isSlot(sb.role())) {
      map.put("slot", sb.role());
    }
    ArrayState state = arrayState(sb);
    map.put("arrayState", state.slots());
    map.put("arrayStateInconsistent", state.inconsistent());
    map.put("maxDev", sb.maxDev());
    map.put("cntCorrectedRead", Integer.toUnsignedLong(sb.cntCorrectedRead()));
  }

  private static Map<String, Object> reshapeJson(Superblock1 sb) {
    Map<String, Object> reshape = new LinkedHashMap<>();
    reshape.put("positionKib", unsigned(sb.reshapePosition() >>> 1));
    reshape.put("positionSectors", unsigned(sb.reshapePosition()));
    reshape.put("deltaDevices", sb.deltaDisks());
    reshape.put("newLevel", sb.newLevel());
    reshape.put("newRaidLevel", levelName(sb.newLevel()));
    reshape.put("newLayoutNumber", sb.newLayout());
    String layout = layoutName(sb.level(), sb.newLayout(), false);
    if (layout != null) {
      reshape.put("newLayout", layout.strip());
    }
    reshape.put("newChunkSectors", Integer.toUnsignedLong(sb.newChunk()));
    reshape.put("backwards", sb.has(FeatureMap.RESHAPE_BACKWARDS));
    return reshape;
  }

  /** {@code set_name} as {@code %.32s} prints it: up to the first NUL, the bytes read as UTF-8. */
  static String name(Superblock1 sb) {
    String raw = sb.setName();
    int nul = raw.indexOf('\0');
    byte[] bytes = (nul < 0 ? raw : raw.substring(0, nul)).getBytes(ISO_8859_1);
    return new String(bytes, UTF_8);
  }

  /** Whether the name is {@code homehost:…}, compared byte for byte as mdadm does. */
  private static boolean localTo(Superblock1 sb, @Nullable String homehost) {
    if (homehost == null) {
      return false;
    }
    byte[] host = homehost.getBytes(UTF_8);
    byte[] name = sb.setName().getBytes(ISO_8859_1);
    int l = host.length;
    return l > 0
        && l < 32
        && l < name.length
        && name[l] == ':'
        && Arrays.equals(name, 0, l, host, 0, l);
  }

  /** The cluster name mdadm shows for a clustered bitmap, or {@code null}. */
  private static @Nullable String clusterName(Member member) {
    BitmapSuperblock bitmap = member.bitmap();
    return bitmap != null && bitmap.nodes() != 0 && member.sb().has(FeatureMap.BITMAP_OFFSET)
        ? bitmap.clusterName()
        : null;
  }

  /** The array's size in bytes as mdadm computes it, or {@code null} when it prints none. */
  private static @Nullable Long arraySizeBytes(Superblock1 sb) {
    int dataDisks;
    long denominator = 1;
    switch (sb.level()) {
      case 1 -> dataDisks = 1;
      case 4, 5 -> dataDisks = sb.raidDisks() - 1;
      case 6 -> dataDisks = sb.raidDisks() - 2;
      case 10 -> {
        dataDisks = sb.raidDisks();
        denominator = (long) (sb.layout() & 0xFF) * ((sb.layout() >> 8) & 0xFF);
      }
      default -> dataDisks = 0;
    }
    if (dataDisks == 0 || denominator == 0) {
      return null; // mdadm would divide by zero for a RAID-10 layout with no copies
    }
    return (sb.size() << 9) * dataDisks / denominator;
  }

  /** The new data offset, when the new-offset feature gives one. */
  private static @Nullable Long newOffset(Superblock1 sb) {
    return sb.newOffset() != 0 && sb.has(FeatureMap.NEW_OFFSET)
        ? sb.dataOffset() + sb.newOffset()
        : null;
  }

  /** "clean" when the whole array is known in sync, else "active". */
  private static String state(Superblock1 sb) {
    return sb.clean() ? "clean" : "active";
  }

  /** The {@code devflags} names mdadm knows. */
  private static List<String> flags(Superblock1 sb) {
    List<String> flags = new ArrayList<>();
    if ((sb.devFlags() & Superblock1.WRITE_MOSTLY) != 0) {
      flags.add("write-mostly");
    }
    if ((sb.devFlags() & Superblock1.FAILFAST) != 0) {
      flags.add("failfast");
    }
    return flags;
  }

  /** The "Device Role" value. */
  private static String deviceRole(Superblock1 sb) {
    int role = sb.role();
    if (role >= RoleTable.FAULTY) {
      return "spare"; // mdadm says spare for faulty too
    }
    if (role == RoleTable.JOURNAL) {
      return "Journal";
    }
    return (sb.has(FeatureMap.REPLACEMENT) ? "Replacement device " : "Active device ") + role;
  }

  /** The checksum as stored: the codec verified it, and encode writes the same bytes. */
  private static int checksum(Superblock1 sb) {
    return Superblock1Codec.checksum(
        MemorySegment.ofArray(Superblock1Codec.encode(sb)), sb.maxDev());
  }

  /** {@code maps.c pers}: the level's name, or "-unknown-". */
  static String levelName(int level) {
    return switch (level) {
      case -1 -> "linear";
      case 0 -> "raid0";
      case 1 -> "raid1";
      case 4 -> "raid4";
      case 5 -> "raid5";
      case -4 -> "multipath";
      case 6 -> "raid6";
      case 10 -> "raid10";
      case -5 -> "faulty";
      case -100 -> "container";
      default -> "-unknown-";
    };
  }

  /**
   * The "Layout" value for {@code level}, or {@code null} when mdadm prints no layout line (RAID-4,
   * RAID-1, RAID-0 without the raid0-layout feature).
   */
  static @Nullable String layoutName(int level, int layout, boolean raid0Layout) {
    return switch (level) {
      case 0 ->
          !raid0Layout
              ? null
              : switch (layout) {
                case 0 -> "dangerous";
                case 1 -> "original";
                case 2 -> "alternate";
                default -> "-unknown-";
              };
      case 5 -> layout >= 0 && layout <= 5 ? R6_LAYOUTS[layout] : "-unknown-";
      case 6 ->
          layout >= 0 && layout < R6_LAYOUTS.length && R6_LAYOUTS[layout] != null
              ? R6_LAYOUTS[layout]
              : "-unknown-";
      case 10 -> raid10Layout(layout);
      default -> null;
    };
  }

  /** A "Layout" or "New Layout" line, if mdadm prints one for {@code level}. */
  private static void layout(
      StringBuilder out, String label, int level, int layout, boolean raid0Layout) {
    if (level == 10) { // print_r10_layout() brings its own leading space
      label(out, label).append(" :").append(raid10Layout(layout)).append('\n');
    } else {
      String name = layoutName(level, layout, raid0Layout);
      if (name != null) {
        line(out, label, name);
      }
    }
  }

  /** {@code print_r10_layout()}: " near=2", " far=2", " near=2, offset=2", "NO REDUNDANCY". */
  private static String raid10Layout(int layout) {
    int near = layout & 0xFF;
    int far = (layout >> 8) & 0xFF;
    StringBuilder text = new StringBuilder();
    String separator = "";
    if (near != 1) {
      text.append(separator).append(" near=").append(near);
      separator = ",";
    }
    if (far != 1) {
      text.append(separator).append((layout & 0x10000) != 0 ? " offset=" : " far=").append(far);
    }
    if (near * far == 1) {
      text.append("NO REDUNDANCY");
    }
    return text.toString();
  }

  /** The chunk size as mdadm prints it: "64K". */
  private static String chunkKib(Superblock1 sb) {
    return Integer.divideUnsigned(sb.chunkSectors(), 2) + "K";
  }

  /**
   * Free sectors before and after the data, as {@code getinfo_super1()} computes them (unsigned).
   *
   * @param printed whether mdadm prints the line: not when {@code after} is its "no room at all"
   *     marker 1, nor while a new data offset is set
   */
  record Space(long before, long after, boolean printed) {}

  /**
   * {@code getinfo_super1()}'s {@code space_before} and {@code space_after}, wrapping as in C (a
   * member smaller than its data shows a huge "after").
   */
  static Space unusedSpace(Member member) {
    Superblock1 sb = member.sb();
    long superOffset = sb.superOffset();
    long dataOffset = sb.dataOffset();
    long bitmapOffset = sb.has(FeatureMap.BITMAP_OFFSET) ? sb.bitmapOffset() : 0;
    boolean ppl =
        !sb.has(FeatureMap.BITMAP_OFFSET) && sb.has(FeatureMap.PPL | FeatureMap.MULTIPLE_PPLS);
    long pplOffset = ppl ? sb.pplOffset() : 0;
    long pplSize = ppl ? sb.pplSize() : 0;
    long dataSize = sb.level() <= 0 ? sb.dataSize() : sb.size();
    boolean bblog = sb.bblogOffset() != 0 && sb.bblogSize() != 0;
    long before;
    long after;
    if (Long.compareUnsigned(dataOffset, superOffset) < 0) { // v1.0: metadata after the data
      before = dataOffset;
      long end = superOffset;
      if (bblog && Long.compareUnsigned(superOffset + sb.bblogOffset(), end) < 0) {
        end = superOffset + sb.bblogOffset();
      }
      if (Long.compareUnsigned(superOffset + bitmapOffset + pplOffset, end) < 0) {
        end = superOffset + bitmapOffset + pplOffset;
      }
      after =
          Long.compareUnsigned(dataOffset + dataSize, end) < 0 ? end - dataSize - dataOffset : 0;
    } else { // v1.1, v1.2: metadata before the data
      long earliest = superOffset + (32 + 4) * 2;
      if (bitmapOffset > 0) {
        earliest = maxUnsigned(earliest, bitmapOffset + bitmapSectors(member.bitmap()));
      } else if (pplOffset > 0) {
        earliest = maxUnsigned(earliest, pplOffset + pplSize);
      }
      if (bblog) {
        earliest = maxUnsigned(earliest, superOffset + sb.bblogOffset() + sb.bblogSize());
      }
      before = Long.compareUnsigned(earliest, dataOffset) < 0 ? dataOffset - earliest : 0;
      after = member.deviceSectors() - dataSize - dataOffset;
    }
    if (before == 0 && after == 0) {
      after = 1;
    }
    if (sb.role() == RoleTable.JOURNAL) { // the journal uses whole 4 KiB blocks
      after = Long.remainderUnsigned(member.deviceSectors() - dataOffset, 8);
    }
    return new Space(before, after, after != 1 && !sb.has(FeatureMap.NEW_OFFSET));
  }

  private static long maxUnsigned(long a, long b) {
    return Long.compareUnsigned(a, b) >= 0 ? a : b;
  }

  /** {@code calc_bitmap_size(bms, 4096) / 512}; one 4 KiB block when the bitmap is unknown. */
  private static long bitmapSectors(@Nullable BitmapSuperblock bitmap) {
    if (bitmap == null || bitmap.chunkBytes() < 512) {
      return 8;
    }
    long bytes = (bitmap.chunks() + 7) / 8 + 256;
    return (bytes + 4095) / 4096 * 8;
  }

  /**
   * {@code human_size()} of mdadm 4.2: empty below 5000 KiB, else {@code " (X.XX MiB Y.YY MB)"},
   * GiB/GB from 2 GiB, TiB/TB from 2 TiB, rounded to hundredths.
   */
  static String humanSize(long bytes) {
    if (bytes < 5000 * 1024) {
      return "";
    }
    if (bytes < 2L << 30) {
      return human((bytes * 200 / (1L << 20) + 1) / 2, "MiB", (bytes / 5_000 + 1) / 2, "MB");
    }
    if (bytes < 2L << 40) {
      return human((bytes * 200 / (1L << 30) + 1) / 2, "GiB", (bytes / 5_000_000 + 1) / 2, "GB");
    }
    // bytes * 200 overflows from 46 PB on; mdadm's compiled code then shifts and divides the
    // wrapped value as below.
    return human((((bytes * 200) >> 40) + 1) >> 1, "TiB", (bytes / 5_000_000_000L + 1) / 2, "TB");
  }

  private static String human(long binary, String binaryUnit, long decimal, String decimalUnit) {
    return String.format(
        Locale.ROOT,
        " (%s.%02d %s %d.%02d %s)",
        Long.toUnsignedString(Long.divideUnsigned(binary, 100)),
        Long.remainderUnsigned(binary, 100),
        binaryUnit,
        decimal / 100,
        decimal % 100,
        decimalUnit);
  }

  /**
   * glibc {@code ctime()} as mdadm prints it ({@code %.24s}): "Sun Nov 1 03:04:05 2026", in {@code
   * zone}.
   */
  static String ctime(long epochSeconds, ZoneId zone) {
    LocalDateTime t = LocalDateTime.ofInstant(Instant.ofEpochSecond(epochSeconds), zone);
    String text =
        String.format(
            Locale.ROOT,
            "%s %s%3d %02d:%02d:%02d %d",
            DAYS[t.getDayOfWeek().getValue() - 1],
            MONTHS[t.getMonthValue() - 1],
            t.getDayOfMonth(),
            t.getHour(),
            t.getMinute(),
            t.getSecond(),
            t.getYear());
    return text.length() > 24 ? text.substring(0, 24) : text;
  }

  private static String iso(long epochSeconds, ZoneId zone) {
    return Instant.ofEpochSecond(epochSeconds).atZone(zone).toOffsetDateTime().toString();
  }

  /** An unsigned 64-bit field as a JSON number. */
  private static Number unsigned(long value) {
    return value >= 0 ? Long.valueOf(value) : new BigInteger(Long.toUnsignedString(value));
  }
}
