package io.jraid.stripe;

import io.jraid.device.BlockDevice;
import io.jraid.device.IoCompletion;
import io.jraid.testing.ForwardingDevice;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A member with unreadable 4 KiB blocks that become good once written, as a disk remaps a bad
 * sector on write: the case md's read-error repair (rebuild, rewrite, read back) exists for.
 */
final class HealingDevice extends ForwardingDevice {

  private final ConcurrentHashMap.KeySetView<Long, Boolean> bad = ConcurrentHashMap.newKeySet();
  final AtomicLong failedReads = new AtomicLong();
  final AtomicLong healed = new AtomicLong();

  HealingDevice(BlockDevice inner) {
    super(inner);
  }

  /** Makes the 4 KiB block at {@code offset} unreadable until it is written. */
  void breakBlock(long offset) {
    bad.add(offset / 4096);
  }

  int badBlocks() {
    return bad.size();
  }

  private boolean touchesBad(long offset, long length) {
    for (long b = offset / 4096; b <= (offset + length - 1) / 4096; b++) {
      if (bad.contains(b)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String name() {
    return "healing(" + inner.name() + ")";
  }

  @Override
  public boolean readOnly() {
    return false;
  }

  @Override
  public void read(MemorySegment dst, long offset, IoCompletion done) {
    if (touchesBad(offset, dst.byteSize())) {
      failedReads.incrementAndGet();
      done.completed(new IOException(name() + ": unreadable block at " + offset));
      return;
    }
    inner.read(dst, offset, done);
  }

  @Override
  public void write(MemorySegment src, long offset, boolean fua, IoCompletion done) {
    for (long b = offset / 4096; b <= (offset + src.byteSize() - 1) / 4096; b++) {
      if (bad.remove(b)) {
        healed.incrementAndGet();
      }
    }
    inner.write(src, offset, fua, done);
  }
}
