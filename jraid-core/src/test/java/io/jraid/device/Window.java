package io.jraid.device;

import java.lang.foreign.MemorySegment;

/** A part of a device seen as a device, so that each thread of a test has a model from 0. */
record Window(BlockDevice device, long base, long size) implements BlockDevice {
  @Override
  public String name() {
    return device.name() + "@" + base;
  }

  @Override
  public int logicalBlockSize() {
    return device.logicalBlockSize();
  }

  @Override
  public int memoryAlignment() {
    return device.memoryAlignment();
  }

  @Override
  public boolean readOnly() {
    return device.readOnly();
  }

  @Override
  public void read(MemorySegment dst, long offset, IoCompletion done) {
    device.read(dst, base + offset, done);
  }

  @Override
  public void write(MemorySegment src, long offset, boolean fua, IoCompletion done) {
    device.write(src, base + offset, fua, done);
  }

  @Override
  public void flush(IoCompletion done) {
    device.flush(done);
  }

  @Override
  public void discard(long offset, long length, IoCompletion done) {
    device.discard(base + offset, length, done);
  }

  @Override
  public void close() {}
}
