package io.jraid.array;

import io.jraid.format.Superblock1;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What assembling a set of members would do, decided without writing anything: whether the array
 * can run, and which member takes which slot.
 *
 * @param verdict the decision
 * @param reason one line that explains it
 * @param freshest the superblock the array's state is taken from (the newest active member's)
 * @param slots one entry per slot {@code 0..raid_disks-1}
 * @param spares members without a slot that would be kept as spares
 * @param excluded members left out, each with the reason
 * @param notes other things worth knowing (e.g. a member taking its role from a newer superblock)
 * @param replacements unfinished replacements (md's replace) whose copy resumes when the array runs
 */
public record AssemblyDecision(
    Verdict verdict,
    String reason,
    Superblock1 freshest,
    List<Slot> slots,
    List<Member> spares,
    List<Excluded> excluded,
    List<String> notes,
    List<Replacement> replacements) {

  /** Copies the lists. */
  public AssemblyDecision {
    slots = List.copyOf(slots);
    spares = List.copyOf(spares);
    excluded = List.copyOf(excluded);
    notes = List.copyOf(notes);
    replacements = List.copyOf(replacements);
  }

  /**
   * A member that was being made a copy of an in-sync slot's member when the array stopped (md's
   * replace): it holds current data below {@code copiedBelow} and the copy resumes from there.
   *
   * @param role the slot it replaces
   * @param member the replacement
   * @param copiedBelow member sectors already copied (its superblock's recovery offset)
   */
  public record Replacement(int role, Member member, long copiedBelow) {}

  /** The possible outcomes, from best to worst. */
  public enum Verdict {
    /** Every slot has an in-sync member and the array was shut down clean. */
    CLEAN("clean and complete"),
    /** Every slot is filled but the array was not shut down clean: parity needs a resync. */
    NEEDS_RESYNC("complete, needs resync"),
    /** Slots are missing or rebuilding, within what the level tolerates. */
    DEGRADED("degraded but runnable"),
    /** The array cannot be started from these members. */
    NOT_RUNNABLE("not runnable");

    private final String text;

    Verdict(String text) {
      this.text = text;
    }

    /** Whether the array could be started. */
    public boolean runnable() {
      return this != NOT_RUNNABLE;
    }

    @Override
    public String toString() {
      return text;
    }
  }

  /** A slot's state in the assembled array. */
  public enum SlotState {
    /** A member holds the slot and is in sync. */
    IN_SYNC,
    /** A member holds the slot but is only rebuilt up to {@link Slot#recoveryOffset()}. */
    REBUILDING,
    /** No usable member holds the slot. */
    MISSING
  }

  /**
   * One slot of the array.
   *
   * @param role the slot number
   * @param member the member that takes it, or null if missing
   * @param state in sync, rebuilding or missing
   * @param recoveryOffset for a rebuilding member, member sectors already rebuilt
   */
  public record Slot(int role, @Nullable Member member, SlotState state, long recoveryOffset) {}

  /**
   * A member left out.
   *
   * @param member the member
   * @param reason why, and what to do about it
   */
  public record Excluded(Member member, String reason) {}

  /** The layout's mdadm name ("left-symmetric"), "layout N" if md knows none, "" for RAID-4. */
  public String layoutName() {
    if (freshest.level() == 4) {
      return "";
    }
    try {
      return io.jraid.layout.Algorithm.forCode(freshest.level(), freshest.layout()).mdadmName();
    } catch (IllegalArgumentException e) {
      return "layout " + freshest.layout();
    }
  }

  /** The number of slots with an in-sync member. */
  public long inSync() {
    return slots.stream().filter(s -> s.state() == SlotState.IN_SYNC).count();
  }
}
