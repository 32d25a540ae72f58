package io.jraid.testing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HexFormat;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The reference model of the crash campaigns: for every byte of a block device, the value a read
 * must return while the device runs, and the values it may hold after a power cut or a killed
 * server.
 *
 * <ul>
 *   <li><b>current</b>: the latest acknowledged write — what a read returns while nothing crashed;
 *   <li><b>durable</b>: the value of the latest write that was made durable: acknowledged before a
 *       FLUSH was sent that then completed, or acknowledged as a FUA write;
 *   <li><b>pending</b>: writes since then that are not durable — acknowledged and not yet flushed,
 *       or never acknowledged (in flight at the crash, or failed). After a crash a byte may hold
 *       its durable value or the value of any pending write over it ("maybe"); nothing else.
 * </ul>
 *
 * <p>A FUA write, once acknowledged, is durable over its range: older pending writes lose that
 * range (a disk cannot bring them back over it). A flush makes durable, in acknowledgement order,
 * every write acknowledged before the flush was sent ({@link #flushStarted()} returns that mark).
 *
 * <p>Writers {@link #reserve} their range first and {@link #release} it when the request ends, so
 * that no two overlapping requests are in flight at once (the order of two overlapping requests in
 * flight together is undefined, for md as for any disk). Thread-safe: every method is synchronized.
 */
public final class DurabilityModel {

  /** A write that is not durable; {@code seq} is its acknowledgement number, 0 if never acked. */
  private static final class Pending {
    private final int offset;
    private final byte[] data;
    private final long seq;

    Pending(int offset, byte[] data, long seq) {
      this.offset = offset;
      this.data = data;
      this.seq = seq;
    }

    int offset() {
      return offset;
    }

    byte[] data() {
      return data;
    }

    long seq() {
      return seq;
    }

    int end() {
      return offset + data.length;
    }
  }

  /**
   * What a check after a crash found.
   *
   * @param bytes bytes compared
   * @param maybeBytes bytes that hold the value of a write that was not durable (allowed)
   * @param exemptBytes bytes not checked (the caller said any value is allowed there)
   * @param problems the runs of bytes that hold neither their durable value nor a pending one
   * @param lost where the first of those runs start
   */
  public record CrashCheck(
      long bytes, long maybeBytes, long exemptBytes, List<String> problems, List<Long> lost) {

    /** Copies the lists. */
    public CrashCheck {
      problems = List.copyOf(problems);
      lost = List.copyOf(lost);
    }

    /** Whether every byte holds a value it may hold. */
    public boolean ok() {
      return problems.isEmpty();
    }
  }

  private final byte[] durable;
  private final byte[] current;
  private final BitSet unknown = new BitSet();
  private final List<Pending> pending = new ArrayList<>();
  private final List<long[]> reserved = new ArrayList<>();
  private long acks;

  /** A device of {@code initial.length} bytes holding {@code initial} (durably). */
  public DurabilityModel(byte[] initial) {
    this.durable = initial.clone();
    this.current = initial.clone();
  }

  /** The device's size in bytes. */
  public long size() {
    return current.length;
  }

  /**
   * Reserves {@code [offset, offset + length)} for one request; false if a request in flight
   * overlaps it (pick another range, or try later).
   */
  public synchronized boolean reserve(long offset, int length) {
    check(offset, length);
    for (long[] r : reserved) {
      if (offset < r[0] + r[1] && r[0] < offset + length) {
        return false;
      }
    }
    reserved.add(new long[] {offset, length});
    return true;
  }

  /** Ends a reservation. */
  public synchronized void release(long offset, int length) {
    for (int i = 0; i < reserved.size(); i++) {
      long[] r = reserved.get(i);
      if (r[0] == offset && r[1] == length) {
        reserved.remove(i);
        return;
      }
    }
    throw new IllegalStateException("no reservation of " + length + " bytes at " + offset);
  }

  /** A write was acknowledged. */
  public synchronized void acknowledged(long offset, byte[] data, boolean fua) {
    check(offset, data.length);
    int at = (int) offset;
    long seq = ++acks;
    System.arraycopy(data, 0, current, at, data.length);
    unknown.clear(at, at + data.length);
    if (fua) {
      cut(at, at + data.length);
      System.arraycopy(data, 0, durable, at, data.length);
    } else {
      pending.add(new Pending(at, data.clone(), seq));
    }
  }

  /**
   * A write ended with an error (or never ended: the server died): each byte of its range may hold
   * the old value or the new one, now and after a crash.
   */
  public synchronized void failed(long offset, byte[] data) {
    check(offset, data.length);
    pending.add(new Pending((int) offset, data.clone(), 0));
    unknown.set((int) offset, (int) offset + data.length);
  }

  /** A flush is being sent; pass the mark to {@link #flushed} when it completes. */
  public synchronized long flushStarted() {
    return acks;
  }

  /** The flush sent at {@code mark} completed: every write acknowledged before it is durable. */
  public synchronized void flushed(long mark) {
    List<Pending> still = new ArrayList<>();
    for (Pending p : pending) {
      if (p.seq() != 0 && p.seq() <= mark) {
        System.arraycopy(p.data(), 0, durable, p.offset(), p.data().length);
      } else {
        still.add(p);
      }
    }
    pending.clear();
    pending.addAll(still);
  }

  /** Older pending writes lose {@code [from, to)}: a durable write now holds it. */
  private void cut(int from, int to) {
    List<Pending> next = new ArrayList<>();
    for (Pending p : pending) {
      if (p.end() <= from || to <= p.offset()) {
        next.add(p);
        continue;
      }
      if (p.offset() < from) {
        next.add(new Pending(p.offset(), Arrays.copyOf(p.data(), from - p.offset()), p.seq()));
      }
      if (to < p.end()) {
        next.add(
            new Pending(
                to, Arrays.copyOfRange(p.data(), to - p.offset(), p.data().length), p.seq()));
      }
    }
    pending.clear();
    pending.addAll(next);
  }

  /**
   * Checks a read of a running device: every byte must be the latest acknowledged value (bytes of
   * failed writes excepted). Returns the first difference, or null.
   */
  public synchronized @Nullable String checkRead(long offset, byte[] actual) {
    check(offset, actual.length);
    int at = (int) offset;
    for (int i = 0; i < actual.length; i++) {
      if (actual[i] != current[at + i] && !unknown.get(at + i)) {
        int end = i;
        while (end < actual.length && actual[end] != current[at + end]) {
          end++;
        }
        return "read of "
            + actual.length
            + " bytes at "
            + offset
            + ": bytes ["
            + (offset + i)
            + ", "
            + (offset + end)
            + ") differ from the last acknowledged write: expected "
            + hex(current, at + i, end - i)
            + ", got "
            + hex(actual, i, end - i);
      }
    }
    return null;
  }

  /**
   * The writes that are not durable, as {@code offset, length, acknowledgement number (0: never
   * acknowledged)}.
   */
  public synchronized List<long[]> pendingWrites() {
    List<long[]> writes = new ArrayList<>();
    for (Pending p : pending) {
      writes.add(new long[] {p.offset(), p.data().length, p.seq()});
    }
    return writes;
  }

  /** The ranges ({@code offset, length}) of every write that is not durable. */
  public synchronized List<long[]> unflushed() {
    List<long[]> ranges = new ArrayList<>();
    for (Pending p : pending) {
      ranges.add(new long[] {p.offset(), p.data().length});
    }
    return ranges;
  }

  /**
   * Checks the whole device after a crash: each byte must hold its durable value or that of a
   * pending write over it; bytes in {@code exempt} are not checked.
   */
  public synchronized CrashCheck checkAfterCrash(byte[] actual, BitSet exempt) {
    if (actual.length != current.length) {
      throw new IllegalArgumentException(
          "actual.length=" + actual.length + " (the device has " + current.length + " bytes)");
    }
    BitSet maybe = new BitSet(actual.length);
    for (Pending p : pending) {
      byte[] data = p.data();
      for (int i = 0; i < data.length; i++) {
        if (actual[p.offset() + i] == data[i]) {
          maybe.set(p.offset() + i);
        }
      }
    }
    List<String> problems = new ArrayList<>();
    List<Long> lost = new ArrayList<>();
    long maybeBytes = 0;
    long exemptBytes = exempt.cardinality();
    int i = 0;
    while (i < actual.length) {
      if (actual[i] == durable[i] || exempt.get(i)) {
        i++;
        continue;
      }
      if (maybe.get(i)) {
        maybeBytes++;
        i++;
        continue;
      }
      int end = i;
      while (end < actual.length
          && actual[end] != durable[end]
          && !maybe.get(end)
          && !exempt.get(end)) {
        end++;
      }
      if (problems.size() < 8) {
        lost.add((long) i);
        problems.add(
            "bytes ["
                + i
                + ", "
                + end
                + ") lost: durable "
                + hex(durable, i, end - i)
                + ", found "
                + hex(actual, i, end - i)
                + (current[i] != durable[i]
                    ? " (last acknowledged " + hex(current, i, 8) + ")"
                    : ""));
      } else if (problems.size() == 8) {
        problems.add("... and more");
      }
      i = end;
    }
    return new CrashCheck(actual.length, maybeBytes, exemptBytes, problems, lost);
  }

  /**
   * After a crash has been checked: what the device holds now is what it holds, durably (nothing is
   * pending any more).
   */
  public synchronized void settle(byte[] actual) {
    if (!reserved.isEmpty()) {
      throw new IllegalStateException(reserved.size() + " requests still in flight");
    }
    System.arraycopy(actual, 0, durable, 0, actual.length);
    System.arraycopy(actual, 0, current, 0, actual.length);
    pending.clear();
    unknown.clear();
  }

  /** A copy of the durable contents of {@code [offset, offset + length)}. */
  public synchronized byte[] durable(long offset, int length) {
    return java.util.Arrays.copyOfRange(durable, (int) offset, (int) offset + length);
  }

  /** The latest acknowledged contents (for a check after a clean stop: every byte exactly). */
  public synchronized byte[] current() {
    return current.clone();
  }

  private void check(long offset, int length) {
    if (offset < 0 || length < 0 || offset > current.length - length) {
      throw new IllegalArgumentException(
          "offset=" + offset + " length=" + length + " (size " + current.length + ")");
    }
  }

  private static String hex(byte[] b, int from, int length) {
    int n = Math.min(length, 8);
    if (from + n > b.length) {
      n = b.length - from;
    }
    return HexFormat.of().formatHex(b, from, from + n) + (length > n ? "…" : "");
  }
}
