package io.jraid.array;

import io.jraid.device.BlockDevice;
import io.jraid.device.IoCompletion;
import io.jraid.testing.ForwardingDevice;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * What the campaign's devices were sent during a cycle, for a failure's report: every read, write,
 * flush and discard with its order, and a hash of each 4 KiB block written or read. A lost block's
 * history then shows which device got which contents when, and which flush covered it.
 */
final class IoHistory {

  /**
   * One event: {@code kind} W/w write sent/done, R/r read sent/done, F/f flush, D discard, M mark.
   */
  @SuppressWarnings("ArrayRecordComponent") // read only by the report; never compared
  private record Event(
      long seq,
      String device,
      char kind,
      long offset,
      long length,
      long @Nullable [] hashes,
      String note) {}

  private final ConcurrentLinkedQueue<Event> events = new ConcurrentLinkedQueue<>();
  private final AtomicLong seq = new AtomicLong();

  /** Forgets the events (a new cycle). */
  void clear() {
    events.clear();
  }

  /** A mark in the history (the power cut, an assembly). */
  void mark(String what) {
    events.add(new Event(seq.incrementAndGet(), "-", 'M', 0, 0, null, what));
  }

  /** {@code device} with its I/O recorded here under {@code name}. */
  BlockDevice traced(BlockDevice device, String name) {
    return new Traced(device, name);
  }

  /** The hash this history gives a 4 KiB block's contents. */
  static long hash(MemorySegment block) {
    long h = 0xcbf29ce484222325L;
    for (long i = 0; i + 8 <= block.byteSize(); i += 8) {
      h = (h ^ block.get(ValueLayout.JAVA_LONG_UNALIGNED, i)) * 0x100000001b3L;
    }
    return h;
  }

  private static long[] hashes(MemorySegment data) {
    long blocks = (data.byteSize() + 4095) / 4096;
    long[] h = new long[(int) blocks];
    for (int b = 0; b < blocks; b++) {
      h[b] = hash(data.asSlice(b * 4096L, Math.min(4096, data.byteSize() - b * 4096L)));
    }
    return h;
  }

  /**
   * The events that touched the 4 KiB at device byte {@code offset} (any device), in order, each
   * write's completion followed by the first completed flush of its device after it; and the marks.
   */
  String of(long offset) {
    List<Event> all = new ArrayList<>(events);
    all.sort(java.util.Comparator.comparingLong(Event::seq));
    StringBuilder b = new StringBuilder();
    int shown = 0;
    for (int i = 0; i < all.size() && shown < 400; i++) {
      Event e = all.get(i);
      if (e.kind() == 'M') {
        b.append("\n  #").append(e.seq()).append(" --- ").append(e.note());
        continue;
      }
      if (e.kind() == 'F'
          || e.kind() == 'f'
          || offset + 4096 <= e.offset()
          || offset >= e.offset() + e.length()) {
        continue;
      }
      shown++;
      b.append("\n  #").append(e.seq()).append(' ').append(e.device()).append(' ').append(e.kind());
      long[] h = e.hashes();
      if (h != null && e.offset() <= offset) {
        int block = (int) ((offset - e.offset()) / 4096);
        if (block < h.length) {
          b.append(" block ").append(Long.toHexString(h[block]));
        }
      }
      b.append(' ').append(e.note());
      if (e.kind() == 'w') {
        for (int j = i + 1; j < all.size(); j++) {
          Event f = all.get(j);
          if (f.kind() == 'M') {
            b.append(" (then ").append(f.note()).append(" before a flush of it)");
            break;
          }
          if (f.kind() == 'f' && f.device().equals(e.device())) {
            b.append(" (flushed by #").append(f.seq()).append(' ').append(f.note()).append(')');
            break;
          }
        }
      }
    }
    return b.toString();
  }

  private final class Traced extends ForwardingDevice {
    private final String label;

    Traced(BlockDevice inner, String label) {
      super(inner);
      this.label = label;
    }

    private void add(char kind, long offset, long length, long @Nullable [] h, String note) {
      events.add(new Event(seq.incrementAndGet(), label, kind, offset, length, h, note));
    }

    @Override
    public void write(MemorySegment src, long offset, boolean fua, IoCompletion done) {
      add('W', offset, src.byteSize(), hashes(src), fua ? "fua" : "");
      inner.write(
          src,
          offset,
          fua,
          error -> {
            add('w', offset, src.byteSize(), null, error == null ? "ok" : "error");
            done.completed(error);
          });
    }

    @Override
    public void read(MemorySegment dst, long offset, IoCompletion done) {
      add('R', offset, dst.byteSize(), null, "");
      inner.read(
          dst,
          offset,
          error -> {
            add(
                'r',
                offset,
                dst.byteSize(),
                error == null ? hashes(dst) : null,
                error == null ? "ok" : "error");
            done.completed(error);
          });
    }

    @Override
    public void flush(IoCompletion done) {
      add('F', 0, 0, null, "");
      inner.flush(error -> {
        add('f', 0, 0, null, error == null ? "ok" : "error");
        done.completed(error);
      });
    }

    @Override
    public void discard(long offset, long length, IoCompletion done) {
      add('D', offset, length, null, "");
      inner.discard(offset, length, done);
    }
  }
}
