package io.jraid.ops;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * The dependency links between operations (async_tx's {@code parent} and {@code next}): claiming a
 * dependency, linking behind an unsubmitted one, and submitting a chain whose tail was linked
 * before its head — the cases of {@code async_tx_submit} that need a lock across operations.
 *
 * <p>Invariants: an operation has at most one dependent ({@code dependent}, set by {@link #claim});
 * a LINKED operation's dependency is IDLE or LINKED, so the linked operations behind an IDLE one
 * form a single list that {@link #activate} walks. {@link #link} and {@link #activate} run under
 * AsyncOps' chain lock, so such a list neither grows nor starts while it is walked.
 */
final class Chains {

  private Chains() {}

  /**
   * Makes {@code op} the dependent of {@code d}.
   *
   * @return whether {@code d} is unsubmitted (IDLE or LINKED), so that {@code op} must be linked
   * @throws IllegalStateException if {@code d} already has another dependent
   */
  static boolean claim(Operation d, Operation op) {
    synchronized (d.lock) {
      Operation other = d.dependent;
      if (other != null && other != op) {
        throw new IllegalStateException(
            op.name()
                + " cannot depend on "
                + d.name()
                + ": "
                + d.name()
                + " already has a dependent, "
                + other.name()
                + " (an operation may have only one)");
      }
      d.dependent = op;
      return unsubmitted(d);
    }
  }

  /** Undoes {@link #claim} for a submission that was refused. */
  static void unclaim(@Nullable Operation d, Operation op) {
    if (d != null) {
      synchronized (d.lock) {
        if (d.dependent == op) {
          d.dependent = null;
        }
      }
    }
  }

  /** Whether {@code d} is yet to be submitted, itself or through its chain. */
  static boolean unsubmitted(Operation d) {
    OpState s = d.state;
    return s == OpState.IDLE || s == OpState.LINKED;
  }

  /** Links {@code op} behind the unsubmitted {@code d} (claimed). Under the chain lock. */
  static void link(AsyncOps ops, Operation op, Operation d) {
    for (Operation a = d; a != null; a = a.dependency) {
      if (a == op) {
        unclaim(d, op);
        throw new IllegalStateException(
            op.name() + " cannot depend on " + d.name() + ": that would close a cycle");
      }
      if (a.state != OpState.LINKED) {
        break;
      }
    }
    synchronized (op.lock) {
      op.ops = ops;
      op.channel = null;
      op.state = OpState.LINKED;
    }
    synchronized (d.lock) {
      op.armed = true;
    }
  }

  /**
   * Activates {@code op} (IDLE, its dependency submitted or none) and the operations linked behind
   * it: picks each one's channel (following its predecessor's), reserves a slot on it, all or
   * nothing, then marks them all PENDING. Under the chain lock.
   *
   * @param channel the channel chosen for {@code op}
   * @return false, having changed nothing, when a queue is full
   * @throws IllegalStateException when a chain needs more slots on one channel than it has
   */
  static boolean activate(AsyncOps ops, Operation op, @Nullable Channel channel) {
    Channel c = channel;
    for (Operation m = op; m != null; ) {
      boolean reserved;
      try {
        reserved = c == null || c.tryReserve();
      } catch (IllegalStateException closed) {
        giveBack(op, m);
        throw closed;
      }
      if (!reserved) {
        giveBack(op, m);
        refuseIfTooLong(op, m, requireNonNull(c));
        return false;
      }
      m.channel = c;
      Operation next = linkedDependent(m);
      if (next != null) {
        c = requireNonNull(next.ops).chooseChannel(next.kind(), c);
      }
      m = next;
    }
    for (Operation m = op; m != null; ) {
      Operation next = linkedDependent(m);
      synchronized (m.lock) {
        m.activate(m == op ? ops : requireNonNull(m.ops), m.channel);
      }
      m = next;
    }
    return true;
  }

  /** The LINKED operation waiting behind {@code m}, or null. */
  private static @Nullable Operation linkedDependent(Operation m) {
    synchronized (m.lock) {
      Operation next = m.dependent;
      return next != null && next.state == OpState.LINKED && next.dependency == m ? next : null;
    }
  }

  /** Gives back the slots taken for the chain from {@code op} up to, not including, {@code end}. */
  private static void giveBack(Operation op, Operation end) {
    for (Operation m = op; m != null && m != end; m = linkedDependent(m)) {
      Channel c = m.channel;
      if (c != null) {
        c.release();
      }
    }
  }

  private static void refuseIfTooLong(Operation op, Operation end, Channel full) {
    int wanted = 1;
    for (Operation m = op; m != null && m != end; m = linkedDependent(m)) {
      if (m.channel == full) {
        wanted++;
      }
    }
    if (wanted > full.capacity) {
      throw new IllegalStateException(
          "the chain from "
              + op.name()
              + " needs "
              + wanted
              + " or more slots on "
              + full
              + ", whose queue capacity is "
              + full.capacity
              + ": it could never be accepted");
    }
  }
}
