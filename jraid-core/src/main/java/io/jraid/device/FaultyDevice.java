package io.jraid.device;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * A decorator that injects faults into another device, for tests — Linux's dm-flakey and dm-dust in
 * one: fail reads or writes on chosen sector ranges, fail every operation after a number of them,
 * return silently corrupted data, delay completions, and cut the power.
 *
 * <p>Faults are set and removed at run time from any thread ({@link #failReads}, {@link
 * #failWrites}, {@link #corruptReads}, {@link #failFlushes}, {@link #failAfter}, {@link
 * #delayCompletions}, {@link #clearFaults}); an operation sees the faults in force when it is
 * submitted. A failed read or write never reaches the device below. Counters per kind of operation
 * ({@link #seen}, {@link #failed}, {@link #injected}, {@link #corruptedReads}) let tests check that
 * a fault was really hit.
 *
 * <h2>Power cut</h2>
 *
 * With {@link #trackUnflushedWrites(boolean)} on, every write and discard first reads the contents
 * it is about to overwrite and keeps them (a volatile write cache in reverse). A flush that
 * succeeds makes durable every write that completed before the flush was submitted; a FUA write is
 * durable when it completes. {@link #powerCut()} turns the device off (I/O in flight and any later
 * I/O fail), waits for the device below to go quiet, and puts back the old contents of every write
 * that is not durable, newest first, except where a later durable write covers them: the device
 * then holds exactly what a disk with a volatile cache could hold after losing power. {@link
 * #powerOn()} lets I/O in again; {@link #powerCut(List)} cuts the members of an array together, as
 * one power supply would. Overlapping writes must not be in flight at the same time (as the block
 * layer's users guarantee), or the order of their old contents is undefined.
 *
 * <p>This is a test tool: it allocates a little per operation (completion wrappers, saved
 * contents). Messages of injected errors name the device, the range and the fault.
 */
public final class FaultyDevice implements BlockDevice {

  /** The kinds of operation, for the counters. */
  public enum Kind {
    READ,
    WRITE,
    FLUSH,
    DISCARD
  }

  private static final System.Logger LOG = System.getLogger(FaultyDevice.class.getName());

  private static final int SECTOR = 512;

  private final BlockDevice inner;
  private final Map<Kind, Counters> counters = new EnumMap<>(Kind.class);
  private final AtomicLong corruptedReads = new AtomicLong();

  /** How many more operations may pass before {@link #failAfter} makes every one fail. */
  private final AtomicLong budget = new AtomicLong(Long.MAX_VALUE);

  private volatile Faults faults = Faults.NONE;

  /** Bumped by every power cut; an operation submitted in an earlier epoch fails. */
  private volatile long epoch;

  private volatile boolean off;
  private volatile boolean tracking;

  /** Guards {@link #inFlight}, the write log and power state changes. */
  private final Object lock = new Object();

  private int inFlight;
  private final ArrayDeque<Saved> log = new ArrayDeque<>();
  private long writesCompleted;
  private @Nullable ScheduledExecutorService delayer;

  /** Wraps {@code inner}, with no fault in force and power-cut tracking off. */
  public FaultyDevice(BlockDevice inner) {
    this.inner = inner;
    for (Kind k : Kind.values()) {
      counters.put(k, new Counters());
    }
  }

  /** The counters of one kind of operation. */
  private static final class Counters {
    final AtomicLong seen = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong injected = new AtomicLong();
  }

  private Counters counters(Kind kind) {
    return Objects.requireNonNull(counters.get(kind));
  }

  /** The device below. */
  public BlockDevice inner() {
    return inner;
  }

  // ---------------------------------------------------------------------------------------------
  // Faults

  /** What is in force; replaced whole, so that an operation reads one consistent set. */
  private record Faults(
      List<Range> failReads,
      List<Range> failWrites,
      List<Range> corruptReads,
      boolean failFlushes,
      long delayNanos,
      long failAfter) {
    static final Faults NONE = new Faults(List.of(), List.of(), List.of(), false, 0, -1);
  }

  /** Bytes {@code [start, end)}. */
  private record Range(long start, long end) {
    boolean overlaps(long offset, long length) {
      return offset < end && start < offset + length;
    }

    String sectors() {
      return "sectors [" + start / SECTOR + ", " + end / SECTOR + ")";
    }
  }

  private static Range sectors(long sector, long count) {
    if (sector < 0 || count <= 0 || sector > (Long.MAX_VALUE / SECTOR) - count) {
      throw new IllegalArgumentException("sector=" + sector + " count=" + count);
    }
    return new Range(sector * SECTOR, (sector + count) * SECTOR);
  }

  private static List<Range> plus(List<Range> ranges, Range range) {
    List<Range> more = new ArrayList<>(ranges);
    more.add(range);
    return List.copyOf(more);
  }

  /** Makes reads that touch sectors {@code [sector, sector + count)} fail. */
  public synchronized FaultyDevice failReads(long sector, long count) {
    Faults f = faults;
    faults =
        new Faults(
            plus(f.failReads, sectors(sector, count)),
            f.failWrites,
            f.corruptReads,
            f.failFlushes,
            f.delayNanos,
            f.failAfter);
    return this;
  }

  /** Makes writes and discards that touch sectors {@code [sector, sector + count)} fail. */
  public synchronized FaultyDevice failWrites(long sector, long count) {
    Faults f = faults;
    faults =
        new Faults(
            f.failReads,
            plus(f.failWrites, sectors(sector, count)),
            f.corruptReads,
            f.failFlushes,
            f.delayNanos,
            f.failAfter);
    return this;
  }

  /**
   * Makes reads succeed but return corrupted data where they touch sectors {@code [sector, sector +
   * count)}: every byte there is inverted (XOR 0xFF) after the read, silently.
   */
  public synchronized FaultyDevice corruptReads(long sector, long count) {
    Faults f = faults;
    faults =
        new Faults(
            f.failReads,
            f.failWrites,
            plus(f.corruptReads, sectors(sector, count)),
            f.failFlushes,
            f.delayNanos,
            f.failAfter);
    return this;
  }

  /** Makes every flush fail (true) or pass (false). */
  public synchronized FaultyDevice failFlushes(boolean fail) {
    Faults f = faults;
    faults = new Faults(f.failReads, f.failWrites, f.corruptReads, fail, f.delayNanos, f.failAfter);
    return this;
  }

  /**
   * Lets the next {@code ops} operations (of any kind) through and makes every one after them fail,
   * as a disk that dies mid-run.
   */
  public synchronized FaultyDevice failAfter(long ops) {
    if (ops < 0) {
      throw new IllegalArgumentException("ops=" + ops);
    }
    Faults f = faults;
    faults =
        new Faults(f.failReads, f.failWrites, f.corruptReads, f.failFlushes, f.delayNanos, ops);
    budget.set(ops);
    return this;
  }

  /**
   * Delivers every completion {@code delay} late, on a thread of this device (zero: at once, on the
   * thread the device below completes on).
   */
  public synchronized FaultyDevice delayCompletions(Duration delay) {
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay=" + delay);
    }
    Faults f = faults;
    faults =
        new Faults(
            f.failReads, f.failWrites, f.corruptReads, f.failFlushes, delay.toNanos(), f.failAfter);
    return this;
  }

  /** Removes every fault (power and power-cut tracking are left as they are). */
  public synchronized FaultyDevice clearFaults() {
    faults = Faults.NONE;
    budget.set(Long.MAX_VALUE);
    return this;
  }

  // ---------------------------------------------------------------------------------------------
  // Counters

  /** Operations of {@code kind} submitted. */
  public long seen(Kind kind) {
    return counters(kind).seen.get();
  }

  /** Operations of {@code kind} that completed with an error, injected or not. */
  public long failed(Kind kind) {
    return counters(kind).failed.get();
  }

  /** Operations of {@code kind} failed by a fault of this device (including the power cut). */
  public long injected(Kind kind) {
    return counters(kind).injected.get();
  }

  /** Reads that returned corrupted data. */
  public long corruptedReads() {
    return corruptedReads.get();
  }

  /** Sets every counter to zero. */
  public void resetCounters() {
    for (Counters c : counters.values()) {
      c.seen.set(0);
      c.failed.set(0);
      c.injected.set(0);
    }
    corruptedReads.set(0);
  }

  // ---------------------------------------------------------------------------------------------
  // Power

  /**
   * Turns the saving of overwritten contents on or off. Writes made while it is off count as
   * durable; turning it off forgets what was saved.
   */
  public FaultyDevice trackUnflushedWrites(boolean track) {
    synchronized (lock) {
      tracking = track;
      if (!track) {
        log.clear();
      }
    }
    return this;
  }

  /** The writes and discards whose old contents are kept: those a power cut would undo, or may. */
  public int unflushedWrites() {
    synchronized (lock) {
      int n = 0;
      for (Saved s : log) {
        if (!s.durable) {
          n++;
        }
      }
      return n;
    }
  }

  /** Whether the power is on. */
  public boolean powered() {
    return !off;
  }

  /**
   * Cuts the power: I/O in flight and any I/O submitted until {@link #powerOn()} fail; once the
   * device below is quiet, every write not made durable by a completed flush or by FUA is undone
   * (see the class comment), and the device below is flushed. Must not be called from a completion.
   *
   * @throws IllegalStateException if {@link #trackUnflushedWrites} is off
   * @throws IOException if restoring the old contents fails
   */
  public void powerCut() throws IOException {
    powerCut(List.of(this));
  }

  /**
   * Cuts the power of several devices at one instant, as one power supply feeding them all: every
   * one is off before any of them accepts another operation, so that nothing done in reaction to
   * one device losing power (recording it failed on the others, say) reaches any of them. Then each
   * is rolled back as {@link #powerCut()} says. Must not be called from a completion.
   *
   * @throws IllegalStateException if {@link #trackUnflushedWrites} is off on any of them (then none
   *     is cut)
   * @throws IOException if restoring the old contents of one fails (the others are still cut)
   */
  public static void powerCut(List<FaultyDevice> devices) throws IOException {
    for (FaultyDevice d : devices) {
      if (!d.tracking) {
        throw new IllegalStateException(
            d.name() + ": powerCut() needs trackUnflushedWrites(true) before the writes");
      }
    }
    switchOff(devices, 0);
    IOException first = null;
    for (FaultyDevice d : devices) {
      try {
        d.settle();
      } catch (IOException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  /**
   * Takes the lock of every device from {@code i} on, then turns them all off at once: an operation
   * is counted in (and given its epoch) under its device's lock, so none can start on one device
   * after another has gone off.
   */
  private static void switchOff(List<FaultyDevice> devices, int i) {
    if (i == devices.size()) {
      for (FaultyDevice d : devices) {
        d.turnOff();
      }
      return;
    }
    synchronized (devices.get(i).lock) {
      switchOff(devices, i + 1);
    }
  }

  /** Turns the power off (with every device's lock already held: the re-entry is free). */
  private void turnOff() {
    synchronized (lock) {
      off = true;
      epoch++;
    }
  }

  /** Off: waits for the device below to go quiet, undoes what was not durable, flushes it. */
  private void settle() throws IOException {
    synchronized (lock) {
      while (inFlight > 0) {
        try {
          lock.wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException(name() + ": interrupted waiting for I/O in flight");
        }
      }
      rollBack();
      log.clear();
    }
    inner.flush();
  }

  /** Turns the power back on: I/O is accepted again. */
  public void powerOn() {
    synchronized (lock) {
      off = false;
    }
  }

  /**
   * Undoes the writes that are not durable, newest first. A durable write protects its range from
   * the undoing of older writes: after a power cut a disk holds it, whatever came before.
   */
  private void rollBack() throws IOException {
    TreeMap<Long, Long> kept = new TreeMap<>();
    for (Iterator<Saved> it = log.descendingIterator(); it.hasNext(); ) {
      Saved s = it.next();
      if (s.durable) {
        add(kept, s.offset, s.offset + s.length());
        continue;
      }
      long at = s.offset;
      long end = s.offset + s.length();
      while (at < end) {
        Map.Entry<Long, Long> cover = kept.floorEntry(at);
        if (cover != null && cover.getValue() > at) {
          at = cover.getValue();
          continue;
        }
        Long next = kept.higherKey(at);
        long stop = next == null ? end : Math.min(end, next);
        inner.write(s.old.asSlice(at - s.offset, stop - at), at);
        at = stop;
      }
    }
  }

  /** Adds {@code [start, end)} to a set of disjoint ranges (start → end), merging neighbours. */
  private static void add(NavigableMap<Long, Long> ranges, long start, long end) {
    Map.Entry<Long, Long> before = ranges.floorEntry(start);
    if (before != null && before.getValue() >= start) {
      start = before.getKey();
      end = Math.max(end, before.getValue());
    }
    for (Map.Entry<Long, Long> e = ranges.ceilingEntry(start);
        e != null && e.getKey() <= end;
        e = ranges.ceilingEntry(start)) {
      end = Math.max(end, e.getValue());
      ranges.remove(e.getKey());
    }
    ranges.put(start, end);
  }

  /** The contents a write or discard overwrote, kept until it is durable. */
  private static final class Saved {
    final long offset;
    final MemorySegment old;
    long completedAs;
    boolean durable;

    Saved(long offset, MemorySegment old) {
      this.offset = offset;
      this.old = old;
    }

    long length() {
      return old.byteSize();
    }
  }

  private void forget(Saved s) {
    synchronized (lock) {
      log.remove(s);
    }
  }

  private void written(Saved s, boolean durable) {
    synchronized (lock) {
      s.completedAs = ++writesCompleted;
      s.durable = durable;
      prune();
    }
  }

  /** A flush submitted when {@code mark} writes had completed has succeeded. */
  private void flushed(long mark) {
    synchronized (lock) {
      for (Saved s : log) {
        if (s.completedAs != 0 && s.completedAs <= mark) {
          s.durable = true;
        }
      }
      prune();
    }
  }

  /**
   * Drops the durable writes older than every non-durable one: nothing remains for them to keep.
   */
  private void prune() {
    while (!log.isEmpty() && log.peekFirst().durable) {
      log.removeFirst();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // I/O

  @Override
  public String name() {
    return inner.name();
  }

  @Override
  public long size() {
    return inner.size();
  }

  @Override
  public int logicalBlockSize() {
    return inner.logicalBlockSize();
  }

  @Override
  public int memoryAlignment() {
    return inner.memoryAlignment();
  }

  @Override
  public boolean readOnly() {
    return inner.readOnly();
  }

  @Override
  public void read(MemorySegment dst, long offset, IoCompletion done) {
    Call c = new Call(Kind.READ, "read", offset, dst.byteSize(), done);
    if (c.refused(faults.failReads, "fail reads")) {
      return;
    }
    inner.read(
        dst,
        offset,
        e -> {
          if (e == null) {
            corrupt(c.faults, dst, offset);
          }
          c.end(e);
        });
  }

  @Override
  public void write(MemorySegment src, long offset, boolean fua, IoCompletion done) {
    Call c = new Call(Kind.WRITE, fua ? "FUA write" : "write", offset, src.byteSize(), done);
    if (c.refused(c.faults.failWrites, "fail writes")) {
      return;
    }
    Saved s = c.save();
    if (s == null) {
      inner.write(src, offset, fua, c::end);
      return;
    }
    inner.read(
        s.old,
        offset,
        e -> {
          if (e != null) {
            forget(s);
            c.end(c.savingFailed(e));
          } else if (c.epoch != epoch) {
            c.end(null);
          } else {
            inner.write(
                src,
                offset,
                fua,
                e2 -> {
                  written(s, fua && e2 == null && c.epoch == epoch);
                  c.end(e2);
                });
          }
        });
  }

  @Override
  public void flush(IoCompletion done) {
    Call c = new Call(Kind.FLUSH, "flush", 0, 0, done);
    if (c.refused(List.of(), "")) {
      return;
    }
    long mark;
    synchronized (lock) {
      mark = writesCompleted;
    }
    inner.flush(e -> {
      if (e == null && c.epoch == epoch) {
        flushed(mark);
      }
      c.end(e);
    });
  }

  @Override
  public void discard(long offset, long length, IoCompletion done) {
    Call c = new Call(Kind.DISCARD, "discard", offset, length, done);
    if (c.refused(c.faults.failWrites, "fail writes")) {
      return;
    }
    Saved s = c.save();
    if (s == null) {
      inner.discard(offset, length, c::end);
      return;
    }
    inner.read(
        s.old,
        offset,
        e -> {
          if (e != null) {
            forget(s);
            c.end(c.savingFailed(e));
          } else if (c.epoch != epoch) {
            c.end(null);
          } else {
            inner.discard(
                offset,
                length,
                e2 -> {
                  written(s, false);
                  c.end(e2);
                });
          }
        });
  }

  /**
   * One operation on its way through: counted in when made, counted out and delivered (at once or
   * late) by {@link #end} or {@link #refused}.
   */
  private final class Call {
    final Kind kind;
    final String op;
    final long offset;
    final long length;
    final IoCompletion done;
    final Faults faults;

    /** The power epoch the operation was submitted in. */
    final long epoch;

    Call(Kind kind, String op, long offset, long length, IoCompletion done) {
      this.kind = kind;
      this.op = op;
      this.offset = offset;
      this.length = length;
      this.done = done;
      this.faults = FaultyDevice.this.faults;
      counters(kind).seen.incrementAndGet();
      synchronized (lock) {
        inFlight++;
        this.epoch = FaultyDevice.this.epoch;
      }
    }

    /**
     * Whether a fault (power off, {@link #failAfter}, a failing range, failing flushes) refuses the
     * operation; if so it has been delivered with the error.
     */
    boolean refused(List<Range> ranges, String what) {
      String why = null;
      if (off) {
        why = POWER_OFF;
      } else if (budget.getAndUpdate(b -> b > 0 ? b - 1 : b) <= 0) {
        why = "injected fault: every operation after the first " + faults.failAfter + " fails";
      } else if (kind == Kind.FLUSH && faults.failFlushes) {
        why = "injected fault: flushes fail";
      } else {
        for (Range r : ranges) {
          if (r.overlaps(offset, length)) {
            why = "injected fault: " + r.sectors() + " " + what;
            break;
          }
        }
      }
      if (why == null) {
        return false;
      }
      counters(kind).injected.incrementAndGet();
      deliver(error(why));
      return true;
    }

    /**
     * With power-cut tracking on, starts keeping the contents this write or discard overwrites;
     * null when not tracking (or for an empty or out-of-range transfer, which the device below
     * answers alone).
     */
    @Nullable Saved save() {
      if (!tracking
          || length <= 0
          || DeviceErrors.checkRange(name(), op, offset, length, size()) != null) {
        return null;
      }
      // An automatic arena: the copy lives as long as the log keeps it. Page-aligned so that a
      // device below with O_DIRECT can read into it.
      Saved s = new Saved(offset, Arena.ofAuto().allocate(length, 4096));
      synchronized (lock) {
        log.addLast(s);
      }
      return s;
    }

    IOException savingFailed(Throwable cause) {
      return DeviceErrors.failed(
          name(),
          op,
          offset,
          length,
          "could not save the old contents for the power-cut simulation: " + cause.getMessage(),
          cause);
    }

    IOException error(String why) {
      return kind == Kind.FLUSH
          ? new IOException(name() + ": flush failed: " + why)
          : DeviceErrors.failed(name(), op, offset, length, why);
    }

    /** The device below has answered. */
    void end(@Nullable Throwable error) {
      if (epoch != FaultyDevice.this.epoch) {
        // Submitted before a power cut: whatever the device below did is undone or lost.
        counters(kind).injected.incrementAndGet();
        error = error(POWER_OFF);
      }
      deliver(error);
    }

    private void deliver(@Nullable Throwable error) {
      if (error != null) {
        counters(kind).failed.incrementAndGet();
      }
      synchronized (lock) {
        if (--inFlight == 0) {
          lock.notifyAll();
        }
      }
      if (faults.delayNanos > 0) {
        // The task reports a throwing completion itself, so the future has nothing to tell.
        var _ =
            delayer()
                .schedule(() -> deliverLate(done, error), faults.delayNanos, TimeUnit.NANOSECONDS);
      } else {
        done.completed(error);
      }
    }
  }

  private void deliverLate(IoCompletion done, @Nullable Throwable error) {
    try {
      done.completed(error);
    } catch (RuntimeException | Error e) {
      LOG.log(System.Logger.Level.ERROR, name() + ": a delayed I/O completion threw", e);
    }
  }

  private static final String POWER_OFF = "power cut (the device is off until powerOn())";

  /** Inverts the bytes of {@code dst} that lie in a corrupted range. */
  private void corrupt(Faults f, MemorySegment dst, long offset) {
    boolean hit = false;
    for (Range r : f.corruptReads) {
      long from = Math.max(r.start, offset);
      long to = Math.min(r.end, offset + dst.byteSize());
      for (long i = from; i < to; i++) {
        byte b = dst.get(ValueLayout.JAVA_BYTE, i - offset);
        dst.set(ValueLayout.JAVA_BYTE, i - offset, (byte) ~b);
        hit = true;
      }
    }
    if (hit) {
      corruptedReads.incrementAndGet();
    }
  }

  private synchronized ScheduledExecutorService delayer() {
    ScheduledExecutorService d = delayer;
    if (d == null) {
      String threadName = "jraid-faulty-" + name();
      d =
          Executors.newSingleThreadScheduledExecutor(
              r -> Thread.ofPlatform().name(threadName).daemon(true).unstarted(r));
      delayer = d;
    }
    return d;
  }

  /** Delivers the delayed completions still pending, then closes the device below. */
  @Override
  public void close() throws IOException {
    ScheduledExecutorService d;
    synchronized (this) {
      d = delayer;
      delayer = null;
    }
    if (d != null) {
      d.close();
    }
    inner.close();
  }

  @Override
  public String toString() {
    return "FaultyDevice[" + inner + "]";
  }
}
