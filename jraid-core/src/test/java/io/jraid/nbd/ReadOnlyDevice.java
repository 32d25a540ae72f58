package io.jraid.nbd;

import io.jraid.device.BlockDevice;
import io.jraid.device.IoCompletion;
import io.jraid.testing.ForwardingDevice;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/** A read-only view of another device, for tests of read-only exports. */
final class ReadOnlyDevice extends ForwardingDevice {

  ReadOnlyDevice(BlockDevice inner) {
    super(inner);
  }

  @Override
  public String name() {
    return inner.name() + " (read-only)";
  }

  @Override
  public boolean readOnly() {
    return true;
  }

  @Override
  public void write(MemorySegment src, long offset, boolean fua, IoCompletion done) {
    done.completed(new IOException(name() + ": write refused"));
  }

  @Override
  public void flush(IoCompletion done) {
    done.completed(new IOException(name() + ": flush refused"));
  }

  @Override
  public void discard(long offset, long length, IoCompletion done) {
    done.completed(new IOException(name() + ": discard refused"));
  }
}
