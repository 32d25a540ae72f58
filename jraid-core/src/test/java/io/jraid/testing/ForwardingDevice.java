package io.jraid.testing;

import io.jraid.device.BlockDevice;
import io.jraid.device.IoCompletion;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * A device that passes every call to another: test decorators extend it and override only what they
 * change (count, refuse, fail, heal).
 */
public abstract class ForwardingDevice implements BlockDevice {

  protected final BlockDevice inner;

  protected ForwardingDevice(BlockDevice inner) {
    this.inner = inner;
  }

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
    inner.read(dst, offset, done);
  }

  @Override
  public void write(MemorySegment src, long offset, boolean fua, IoCompletion done) {
    inner.write(src, offset, fua, done);
  }

  @Override
  public void flush(IoCompletion done) {
    inner.flush(done);
  }

  @Override
  public void discard(long offset, long length, IoCompletion done) {
    inner.discard(offset, length, done);
  }

  @Override
  public void close() throws IOException {
    inner.close();
  }
}
