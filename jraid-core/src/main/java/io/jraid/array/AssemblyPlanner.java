package io.jraid.array;

import io.jraid.array.AssemblyDecision.Excluded;
import io.jraid.array.AssemblyDecision.Replacement;
import io.jraid.array.AssemblyDecision.Slot;
import io.jraid.array.AssemblyDecision.SlotState;
import io.jraid.array.AssemblyDecision.Verdict;
import io.jraid.format.FeatureMap;
import io.jraid.format.MdUuid;
import io.jraid.format.RoleTable;
import io.jraid.format.Superblock1;
import io.jraid.layout.Algorithm;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Decides, from the superblocks alone, whether and how a set of members assembles — mdadm's {@code
 * Assemble.c} and the kernel's {@code analyze_sbs}/{@code raid5_run} rules:
 *
 * <ol>
 *   <li>all members must carry one array UUID and agree on its geometry;
 *   <li>the freshest member is the active one with the most events; a member at most one event
 *       behind it is up to date (and takes its role from the freshest superblock), older members
 *       are stale and left out, spares are kept whatever their events;
 *   <li>a member whose superblock records the freshest member as failed is left out (split brain);
 *   <li>each slot keeps its newest member; a member with a recovery offset is still rebuilding;
 *   <li>RAID-4/5 run with one slot missing and RAID-6 with two, if they were shut down clean; a
 *       dirty degraded array does not start (RAID-4 may lack its parity member).
 * </ol>
 */
public final class AssemblyPlanner {

  private AssemblyPlanner() {}

  /**
   * Decides how {@code members} assemble.
   *
   * @throws AssemblyException if they cannot be one array at all
   */
  public static AssemblyDecision plan(List<Member> members) throws AssemblyException {
    if (members.isEmpty()) {
      throw new IllegalArgumentException("members=[] (name at least one member)");
    }
    checkOneArray(members);
    checkNoDuplicates(members);
    Member freshest =
        members.stream()
            .filter(m -> RoleTable.isSlot(m.ownRole()))
            .max(Comparator.comparingLong(Member::events))
            .orElse(null);
    if (freshest == null) {
      Member any = members.getFirst();
      return new AssemblyDecision(
          Verdict.NOT_RUNNABLE,
          "no member has a slot: only spares or failed members were given",
          any.superblock(),
          List.of(),
          List.of(),
          members.stream().map(m -> new Excluded(m, RoleTable.describe(m.ownRole()))).toList(),
          List.of(),
          List.of());
    }
    for (Member m : members) {
      checkSameGeometry(freshest, m);
    }
    return new Placement(freshest, members).decide();
  }

  private static void checkOneArray(List<Member> members) throws AssemblyException {
    Map<MdUuid, List<Member>> byUuid =
        members.stream()
            .collect(
                Collectors.groupingBy(
                    m -> m.superblock().setUuid(), LinkedHashMap::new, Collectors.toList()));
    if (byUuid.size() > 1) {
      String groups =
          byUuid.entrySet().stream()
              .map(e ->
                  e.getValue().stream().map(Member::path).collect(Collectors.joining(", "))
                      + " belong to array "
                      + e.getKey()
                      + " ("
                      + e.getValue().getFirst().superblock().displayName()
                      + ")")
              .collect(Collectors.joining("; "));
      throw new AssemblyException(
          "set_uuid differs: "
              + groups
              + ". These are members of different arrays: name the members of one array.");
    }
  }

  private static void checkNoDuplicates(List<Member> members) throws AssemblyException {
    for (int i = 0; i < members.size(); i++) {
      for (int j = i + 1; j < members.size(); j++) {
        Superblock1 a = members.get(i).superblock();
        Superblock1 b = members.get(j).superblock();
        if (a.devNumber() == b.devNumber() && a.deviceUuid().equals(b.deviceUuid())) {
          if (a.events() == b.events()) {
            throw new AssemblyException(
                members.get(i)
                    + " and "
                    + members.get(j)
                    + " are the same member (device_uuid "
                    + a.deviceUuid()
                    + ", events "
                    + a.events()
                    + "): given twice, or one is a copy of the other; name each member once.");
          }
        }
      }
    }
  }

  private static void checkSameGeometry(Member freshest, Member m) throws AssemblyException {
    Superblock1 f = freshest.superblock();
    Superblock1 s = m.superblock();
    String field = null;
    String mine = "";
    String theirs = "";
    if (s.ctime() != f.ctime()) {
      field = "ctime";
      mine = Long.toString(s.ctimeSeconds());
      theirs = Long.toString(f.ctimeSeconds());
    } else if (s.level() != f.level()) {
      field = "level";
      mine = Integer.toString(s.level());
      theirs = Integer.toString(f.level());
    } else if (s.layout() != f.layout()) {
      field = "layout";
      mine = Integer.toString(s.layout());
      theirs = Integer.toString(f.layout());
    } else if (s.chunkSectors() != f.chunkSectors()) {
      field = "chunksize";
      mine = Integer.toString(s.chunkSectors());
      theirs = Integer.toString(f.chunkSectors());
    } else if (s.raidDisks() != f.raidDisks()) {
      field = "raid_disks";
      mine = Integer.toString(s.raidDisks());
      theirs = Integer.toString(f.raidDisks());
    } else if (s.size() != f.size()) {
      field = "size";
      mine = Long.toString(s.size());
      theirs = Long.toString(f.size());
    }
    if (field != null) {
      throw new AssemblyException(
          m
              + ": "
              + field
              + " is "
              + mine
              + " but "
              + freshest
              + " (the freshest member) has "
              + theirs
              + ": the superblocks disagree (array re-created over an old one?); leave out the"
              + " member that does not belong.");
    }
  }

  /** Places members into slots, then decides. */
  private static final class Placement {
    private final Member freshest;
    private final Superblock1 sb;
    private final List<Member> members;
    private final Member[] holders;
    private final List<Member> spares = new ArrayList<>();
    private final List<Member> replacements = new ArrayList<>();
    private final List<Replacement> resumable = new ArrayList<>();
    private final List<Excluded> excluded = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    Placement(Member freshest, List<Member> members) {
      this.freshest = freshest;
      this.sb = freshest.superblock();
      this.members =
          members.stream().sorted(Comparator.comparingLong(Member::events).reversed()).toList();
      this.holders = new Member[sb.raidDisks()];
    }

    AssemblyDecision decide() throws AssemblyException {
      for (Member m : members) {
        place(m);
      }
      for (Member r : replacements) {
        int role = r.ownRole();
        if (!RoleTable.isSlot(role) || role >= holders.length) {
          spares.add(r);
        } else if (holders[role] == null) {
          holders[role] = r; // md: the replacement stands in, rebuilt as far as it was copied
          notes.add(r + " was replacing slot " + role + " and takes it (its member is missing)");
        } else if (!holders[role].superblock().has(FeatureMap.RECOVERY_OFFSET)
            && resumable.stream().noneMatch(x -> x.role() == role)) {
          // md: the copy of an in-sync member resumes where it stopped.
          long copied =
              r.superblock().has(FeatureMap.RECOVERY_OFFSET) ? r.superblock().recoveryOffset() : 0;
          resumable.add(new Replacement(role, r, copied));
          notes.add(
              r
                  + " was replacing slot "
                  + role
                  + " ("
                  + holders[role]
                  + "); the copy resumes at member sector "
                  + copied);
        } else {
          excluded.add(
              new Excluded(
                  r,
                  "an unfinished replacement of slot "
                      + role
                      + " (held by "
                      + holders[role]
                      + ", which is not in sync); jraid manage --add it again to reuse it"));
        }
      }
      List<Slot> slots = new ArrayList<>();
      for (int role = 0; role < holders.length; role++) {
        Member m = holders[role];
        if (m == null) {
          slots.add(new Slot(role, null, SlotState.MISSING, 0));
        } else if (m.superblock().has(FeatureMap.RECOVERY_OFFSET)) {
          slots.add(new Slot(role, m, SlotState.REBUILDING, m.superblock().recoveryOffset()));
        } else {
          slots.add(new Slot(role, m, SlotState.IN_SYNC, 0));
        }
      }
      String unsupported = unsupported();
      if (unsupported != null) {
        return decision(Verdict.NOT_RUNNABLE, unsupported, slots);
      }
      return judge(slots);
    }

    private void place(Member m) throws AssemblyException {
      Superblock1 s = m.superblock();
      long behind = sb.events() - s.events();
      int role = m.ownRole();
      if (RoleTable.isSlot(role) && behind == 1 && role != sb.roles().role(s.devNumber())) {
        int newer = sb.roles().role(s.devNumber());
        notes.add(
            m
                + " is one event behind; the freshest superblock records it as "
                + RoleTable.describe(newer).toLowerCase(java.util.Locale.ROOT)
                + " (was "
                + RoleTable.describe(role).toLowerCase(java.util.Locale.ROOT)
                + ")");
        role = newer;
      }
      if (role == RoleTable.FAULTY) {
        excluded.add(new Excluded(m, "marked faulty; remove it, or add it back as a new member"));
        return;
      }
      if (role == RoleTable.JOURNAL) {
        excluded.add(new Excluded(m, "a write-journal member: jraid does not run md journals"));
        return;
      }
      if (!RoleTable.isSlot(role) || role >= sb.raidDisks()) {
        spares.add(m);
        return;
      }
      if (behind > 1) {
        excluded.add(
            new Excluded(
                m,
                "stale: events "
                    + s.events()
                    + ", "
                    + behind
                    + " behind "
                    + freshest
                    + " ("
                    + sb.events()
                    + "); it missed writes. Add it back once the array runs to rebuild it"
                    + " (mdadm --re-add)"));
        return;
      }
      if (s.has(FeatureMap.REPLACEMENT)) {
        replacements.add(m); // placed after the members it may be replacing
        return;
      }
      if (!m.equals(freshest) && !RoleTable.isSlot(s.roles().role(sb.devNumber()))) {
        excluded.add(
            new Excluded(
                m,
                "its superblock records "
                    + freshest
                    + " as "
                    + RoleTable.describe(s.roles().role(sb.devNumber()))
                    + ": the array was split; left out (mdadm --assemble --force overrides)"));
        return;
      }
      Member holder = holders[role];
      if (holder != null) {
        if (holder.events() == m.events()) {
          throw new AssemblyException(
              holder
                  + " and "
                  + m
                  + " both claim slot "
                  + role
                  + " with events "
                  + m.events()
                  + " (device_uuid "
                  + holder.superblock().deviceUuid()
                  + " and "
                  + s.deviceUuid()
                  + "): leave out the one that does not belong.");
        }
        excluded.add(
            new Excluded(
                m,
                "slot "
                    + role
                    + " is held by the newer "
                    + holder
                    + " (events "
                    + holder.events()
                    + " vs "
                    + m.events()
                    + ")"));
        return;
      }
      holders[role] = m;
    }

    /** Features jraid cannot run, or null. */
    private String unsupported() {
      if (sb.level() != 4 && sb.level() != 5 && sb.level() != 6) {
        return "RAID level " + sb.level() + " is not supported: jraid runs RAID-4, 5 and 6";
      }
      try {
        Algorithm.forCode(sb.level(), sb.layout());
      } catch (IllegalArgumentException e) {
        return "layout " + sb.layout() + " is not a RAID-" + sb.level() + " layout md knows";
      }
      if (sb.has(FeatureMap.RESHAPE_ACTIVE)) {
        return "a reshape is in progress (reshape_position "
            + Long.toUnsignedString(sb.reshapePosition())
            + "): jraid cannot run it; finish it with mdadm --grow --continue";
      }
      if (sb.has(FeatureMap.JOURNAL)) {
        return "the array has a write journal, which jraid does not support";
      }
      if (sb.has(FeatureMap.PPL | FeatureMap.MULTIPLE_PPLS)) {
        return "the array uses a partial parity log (PPL), which jraid does not support";
      }
      if (sb.has(FeatureMap.CLUSTERED)) {
        return "a clustered md array: jraid does not support cluster md";
      }
      return null;
    }

    private AssemblyDecision judge(List<Slot> slots) {
      int parity = sb.level() == 6 ? 2 : 1;
      List<Integer> missing = roles(slots, SlotState.MISSING);
      List<Integer> rebuilding = roles(slots, SlotState.REBUILDING);
      int degraded = missing.size() + rebuilding.size();
      boolean clean = sb.clean();
      if (degraded == 0) {
        return clean
            ? decision(
                Verdict.CLEAN, "all " + slots.size() + " slots in sync, shut down clean", slots)
            : decision(
                Verdict.NEEDS_RESYNC,
                "all "
                    + slots.size()
                    + " slots present, but not shut down clean: parity resync from member sector "
                    + sb.resyncOffset()
                    + (sb.has(FeatureMap.BITMAP_OFFSET)
                        ? " (limited to the bitmap's dirty chunks)"
                        : ""),
                slots);
      }
      String gaps =
          (missing.isEmpty()
                  ? ""
                  : "slot" + (missing.size() > 1 ? "s " : " ") + list(missing) + " missing")
              + (missing.isEmpty() || rebuilding.isEmpty() ? "" : ", ")
              + (rebuilding.isEmpty()
                  ? ""
                  : "slot"
                      + (rebuilding.size() > 1 ? "s " : " ")
                      + list(rebuilding)
                      + " rebuilding");
      if (degraded > parity) {
        return decision(
            Verdict.NOT_RUNNABLE,
            gaps
                + ": only "
                + (slots.size() - degraded)
                + " of "
                + slots.size()
                + " slots in sync, RAID-"
                + sb.level()
                + " needs "
                + (slots.size() - parity)
                + "; find the missing members",
            slots);
      }
      boolean onlyParityMissing =
          sb.level() == 4 && rebuilding.isEmpty() && missing.equals(List.of(slots.size() - 1));
      if (!clean && !onlyParityMissing) {
        return decision(
            Verdict.NOT_RUNNABLE,
            gaps
                + " and not shut down clean: parity may not match the data, so the missing data"
                + " cannot be trusted; mdadm --assemble --force starts it anyway at that risk",
            slots);
      }
      return decision(
          Verdict.DEGRADED,
          gaps
              + (spares.isEmpty() ? "" : "; " + spares.size() + " spare(s) to rebuild onto")
              + (clean ? "" : "; the parity member is missing so no resync is needed"),
          slots);
    }

    private AssemblyDecision decision(Verdict verdict, String reason, List<Slot> slots) {
      return new AssemblyDecision(verdict, reason, sb, slots, spares, excluded, notes, resumable);
    }

    private static List<Integer> roles(List<Slot> slots, SlotState state) {
      return slots.stream().filter(s -> s.state() == state).map(Slot::role).toList();
    }

    private static String list(List<Integer> roles) {
      return roles.stream().map(String::valueOf).collect(Collectors.joining(", "));
    }
  }
}
