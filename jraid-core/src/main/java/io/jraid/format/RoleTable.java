package io.jraid.format;

import java.util.Arrays;

/**
 * The superblock's {@code dev_roles[]}: for every descriptor number ({@code dev_number}) of the
 * array, what that member is — an active slot ({@code 0..0xFEFF}), a spare, faulty, or the journal.
 * Immutable; {@link #size()} is {@code max_dev}.
 */
public final class RoleTable {

  /** Spare, an unused descriptor, or a member that was removed. */
  public static final int SPARE = 0xFFFF;

  /** A member that failed. */
  public static final int FAULTY = 0xFFFE;

  /** The write journal device (valid only with the journal feature). */
  public static final int JOURNAL = 0xFFFD;

  /** Roles below this value are slots ({@code MD_DISK_ROLE_MAX}). */
  public static final int MAX_REGULAR = 0xFF00;

  /** The most entries a 4 KiB superblock holds: (4096 - 256) / 2. */
  public static final int MAX_ENTRIES = 1920;

  private final char[] roles;

  private RoleTable(char[] roles) {
    this.roles = roles;
  }

  /** A table with the given entries (each 0..0xFFFF). */
  public static RoleTable of(int... roles) {
    if (roles.length > MAX_ENTRIES) {
      throw new IllegalArgumentException(
          "roles=" + roles.length + " (at most " + MAX_ENTRIES + ")");
    }
    char[] entries = new char[roles.length];
    for (int i = 0; i < roles.length; i++) {
      if (roles[i] < 0 || roles[i] > 0xFFFF) {
        throw new IllegalArgumentException("roles[" + i + "]=" + roles[i]);
      }
      entries[i] = (char) roles[i];
    }
    return new RoleTable(entries);
  }

  /** {@code size} entries, all {@link #SPARE} (how mdadm starts a new table). */
  public static RoleTable allSpare(int size) {
    int[] entries = new int[size];
    Arrays.fill(entries, SPARE);
    return of(entries);
  }

  /** {@code max_dev}: the number of entries. */
  public int size() {
    return roles.length;
  }

  /**
   * The role recorded for descriptor {@code devNumber}; a descriptor beyond the table is a spare
   * (the kernel's rule).
   */
  public int role(int devNumber) {
    return devNumber >= 0 && devNumber < roles.length ? roles[devNumber] : SPARE;
  }

  /** A copy with entry {@code devNumber} set to {@code role}, grown if needed. */
  public RoleTable withRole(int devNumber, int role) {
    int[] entries = new int[Math.max(roles.length, devNumber + 1)];
    for (int i = 0; i < entries.length; i++) {
      entries[i] = role(i);
    }
    entries[devNumber] = role;
    return of(entries);
  }

  /** The descriptor number holding active slot {@code slot}, or -1 if no entry does. */
  public int devNumberOfSlot(int slot) {
    for (int i = 0; i < roles.length; i++) {
      if (roles[i] == slot) {
        return i;
      }
    }
    return -1;
  }

  /** Whether {@code role} is an active slot rather than spare, faulty or journal. */
  public static boolean isSlot(int role) {
    return role < MAX_REGULAR;
  }

  /** A role as mdadm words it: "Active device 3", "spare", "faulty", "journal". */
  public static String describe(int role) {
    return switch (role) {
      case SPARE -> "spare";
      case FAULTY -> "faulty";
      case JOURNAL -> "journal";
      default ->
          isSlot(role) ? "Active device " + role : String.format("unknown role 0x%04x", role);
    };
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RoleTable other && Arrays.equals(roles, other.roles);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(roles);
  }

  @Override
  public String toString() {
    StringBuilder text = new StringBuilder("[");
    for (int i = 0; i < roles.length; i++) {
      text.append(i == 0 ? "" : ", ").append(describe(roles[i]));
    }
    return text.append(']').toString();
  }
}
