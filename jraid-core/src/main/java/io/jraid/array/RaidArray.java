package io.jraid.array;

import io.jraid.array.AssemblyDecision.Slot;
import io.jraid.array.AssemblyDecision.SlotState;
import io.jraid.device.BlockDevice;
import io.jraid.device.FileDevice;
import io.jraid.device.IoCompletion;
import io.jraid.format.Superblock1;
import io.jraid.layout.ArrayGeometry;
import io.jraid.stripe.StripeEngine;
import io.jraid.stripe.SyncAction;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A running array: the block device a user sees, made of its members through the stripe engine.
 * Opened from an {@link AssemblyDecision} (healthy or degraded, as the decision says); {@link
 * #close()} drains the requests in flight, flushes the members and closes them.
 *
 * <p>Superblocks are not updated yet (no events bump, no clean/dirty marking): members keep what
 * they had, which is why a read-only open is what the command line offers today.
 */
public final class RaidArray implements BlockDevice {

  private final String name;
  private final StripeEngine engine;
  private final List<BlockDevice> opened;
  private final boolean readOnly;

  /** How the array was assembled, when it was opened from members' superblocks. */
  private volatile @Nullable AssemblyDecision decision;

  private RaidArray(String name, StripeEngine engine, List<BlockDevice> opened, boolean readOnly) {
    this.name = name;
    this.engine = engine;
    this.opened = opened;
    this.readOnly = readOnly;
  }

  /**
   * Opens the members of a runnable decision and starts the engine over them.
   *
   * @throws IOException if the decision is not runnable (the message says why) or a member cannot
   *     be opened
   */
  public static RaidArray open(AssemblyDecision decision, boolean readOnly) throws IOException {
    if (!decision.verdict().runnable()) {
      throw new IOException(decision.freshest().setUuid() + ": not runnable: " + decision.reason());
    }
    List<BlockDevice> opened = new ArrayList<>();
    BlockDevice[] members = new BlockDevice[decision.slots().size()];
    try {
      for (Slot slot : decision.slots()) {
        // A rebuilding member is used only once it is rebuilt (issue: array life).
        if (slot.state() == SlotState.IN_SYNC && slot.member() != null) {
          Path path = Path.of(slot.member().path());
          BlockDevice device =
              readOnly ? FileDevice.openReadOnly(path) : FileDevice.openReadWrite(path);
          opened.add(device);
          members[slot.role()] = device;
        }
      }
    } catch (IOException | RuntimeException e) {
      for (BlockDevice d : opened) {
        d.close();
      }
      throw e;
    }
    Superblock1 sb = decision.freshest();
    RaidArray array =
        start(
            sb.displayName().isEmpty() ? sb.setUuid().toString() : sb.displayName(),
            geometryOf(sb),
            members,
            opened,
            readOnly,
            false);
    array.decision = decision;
    if (!sb.clean()) {
      // md: "not clean -- starting background reconstruction" from the checkpoint; writes above
      // it recompute parity until the resync has passed.
      array.engine.markUnsynced(sb.resyncOffset());
      if (!readOnly) {
        array.engine.startSync(SyncAction.RESYNC, sb.resyncOffset(), job -> {});
      }
    }
    return array;
  }

  /**
   * Starts an array over members already open (tests, benchmarks, in-memory arrays). The array
   * closes {@code owned} when it closes.
   *
   * @param dirty whether parity may be stale (then writes recompute it: reconstruct-write, until a
   *     resync has passed)
   */
  public static RaidArray start(
      String name,
      ArrayGeometry geometry,
      @Nullable BlockDevice[] members,
      List<BlockDevice> owned,
      boolean readOnly,
      boolean dirty) {
    StripeEngine.Options options = StripeEngine.Options.defaults();
    RaidArray array =
        start(name, geometry, members, owned, readOnly ? options.asReadOnly() : options);
    if (dirty) {
      array.engine.markUnsynced(0);
    }
    return array;
  }

  /** Starts an array with explicit engine options. */
  public static RaidArray start(
      String name,
      ArrayGeometry geometry,
      @Nullable BlockDevice[] members,
      List<BlockDevice> owned,
      StripeEngine.Options options) {
    StripeEngine engine = new StripeEngine(name, geometry, members, options);
    return new RaidArray(name, engine, List.copyOf(owned), options.readOnly());
  }

  /** The geometry a superblock describes. */
  public static ArrayGeometry geometryOf(Superblock1 sb) {
    return ArrayGeometry.of(
        sb.level(), sb.layout(), sb.chunkSectors(), sb.raidDisks(), sb.size(), sb.dataOffset());
  }

  /** How the array was assembled from its members' superblocks, or null if it was not. */
  public @Nullable AssemblyDecision decision() {
    return decision;
  }

  /** The engine (for statistics and audits). */
  public StripeEngine engine() {
    return engine;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public long size() {
    return engine.size();
  }

  @Override
  public int logicalBlockSize() {
    return 512;
  }

  @Override
  public boolean readOnly() {
    return readOnly;
  }

  @Override
  public void read(MemorySegment dst, long offset, IoCompletion done) {
    engine.read(dst, offset, done);
  }

  @Override
  public void write(MemorySegment src, long offset, boolean fua, IoCompletion done) {
    engine.write(src, offset, fua, done);
  }

  @Override
  public void flush(IoCompletion done) {
    engine.flush(done);
  }

  /**
   * Accepted and ignored: md passes discards down only when members are known to return zeros
   * afterwards ({@code devices_handle_discard_safely}), and this device's contract lets a discarded
   * range keep its old data.
   */
  @Override
  public void discard(long offset, long length, IoCompletion done) {
    if (offset < 0 || length < 0 || offset > size() - length) {
      done.completed(
          new IOException(
              name + ": discard of " + length + " bytes at " + offset + " is beyond the array"));
      return;
    }
    done.completed(null);
  }

  @Override
  public void close() throws IOException {
    engine.close();
    IOException first = null;
    for (BlockDevice d : opened) {
      try {
        if (!d.readOnly()) {
          d.flush();
        }
        d.close();
      } catch (IOException e) {
        if (first == null) {
          first = e;
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
