package io.jraid.array;

/**
 * One device a running array holds, as {@code mdadm --detail} lists it.
 *
 * @param device the device's name (its path)
 * @param devNumber its descriptor number in the superblocks
 * @param slot the slot it holds, or -1 (a spare, or a failed member no longer in a slot)
 * @param state what it does
 * @param recoveredBelow for a rebuilding member, the member sector it is rebuilt up to
 */
public record MemberView(String device, int devNumber, int slot, State state, long recoveredBelow) {

  /** What a device does in the array. */
  public enum State {
    /** Holds a slot and is in sync. */
    ACTIVE("active sync"),
    /** Holds a slot and is being rebuilt. */
    REBUILDING("spare rebuilding"),
    /** Waits to take a slot. */
    SPARE("spare"),
    /** Failed; stays listed until removed. */
    FAULTY("faulty");

    private final String mdadmText;

    State(String mdadmText) {
      this.mdadmText = mdadmText;
    }

    /** As {@code mdadm --detail} prints it. */
    public String mdadmText() {
      return mdadmText;
    }
  }
}
