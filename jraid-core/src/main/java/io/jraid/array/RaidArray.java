package io.jraid.array;

import io.jraid.array.AssemblyDecision.Slot;
import io.jraid.array.AssemblyDecision.SlotState;
import io.jraid.device.BlockDevice;
import io.jraid.device.FileDevice;
import io.jraid.device.IoCompletion;
import io.jraid.format.BitmapCodec;
import io.jraid.format.BitmapSuperblock;
import io.jraid.format.FeatureMap;
import io.jraid.format.RoleTable;
import io.jraid.format.Superblock1;
import io.jraid.layout.ArrayGeometry;
import io.jraid.stripe.StripeEngine;
import io.jraid.stripe.SyncAction;
import io.jraid.stripe.SyncJob;
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
 * <p>Opened writable from superblocks, it lives as md does: safe mode records clean and dirty, the
 * {@link MemberManager} handles failures, spares and sync passes, and a write-intent bitmap, if the
 * array has one, has each write's bits on the members before the write reaches them.
 */
public final class RaidArray implements BlockDevice {

  private final String name;
  private final StripeEngine engine;
  private final List<BlockDevice> opened;
  private final boolean readOnly;

  /** How the array was assembled, when it was opened from members' superblocks. */
  private volatile @Nullable AssemblyDecision decision;

  /** The working members' superblocks, when the array runs writable from superblocks. */
  private volatile @Nullable MemberSuperblocks superblocks;

  /** md's clean/dirty recording, with {@link #superblocks}. */
  private volatile @Nullable SafeMode safeMode;

  /** The write-intent bitmap, when the array has one and runs writable. */
  private volatile @Nullable WriteIntentBitmap bitmap;

  /** Failures, spares, rebuilds and sync passes, with {@link #superblocks}. */
  private volatile @Nullable MemberManager manager;

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
    return open(decision, readOnly, MemberOpener.FILES);
  }

  /** How members are opened from their paths (tests wrap them, e.g. in a fault injector). */
  @FunctionalInterface
  public interface MemberOpener {

    /** Opens image files and block devices as they are. */
    MemberOpener FILES =
        (path, readOnly) ->
            readOnly ? FileDevice.openReadOnly(path) : FileDevice.openReadWrite(path);

    /** Opens the member at {@code path}, read-only or read-write. */
    BlockDevice open(Path path, boolean readOnly) throws IOException;
  }

  /**
   * {@link #open(AssemblyDecision, boolean)} with the members opened by {@code opener}.
   *
   * @throws IOException if the decision is not runnable (the message says why) or a member cannot
   *     be opened
   */
  public static RaidArray open(AssemblyDecision decision, boolean readOnly, MemberOpener opener)
      throws IOException {
    if (!decision.verdict().runnable()) {
      throw new IOException(decision.freshest().setUuid() + ": not runnable: " + decision.reason());
    }
    List<BlockDevice> opened = new ArrayList<>();
    BlockDevice[] members = new BlockDevice[decision.slots().size()];
    BlockDevice[] rebuilding = new BlockDevice[decision.slots().size()];
    List<BlockDevice> spares = new ArrayList<>();
    List<BlockDevice> replacing = new ArrayList<>();
    try {
      for (Slot slot : decision.slots()) {
        Member m = slot.member();
        if (m == null) {
          continue;
        }
        if (slot.state() == SlotState.IN_SYNC) {
          BlockDevice device = opener.open(Path.of(m.path()), readOnly);
          opened.add(device);
          members[slot.role()] = device;
        } else if (slot.state() == SlotState.REBUILDING && !readOnly) {
          // Rebuilt up to its recovery offset; the rebuild resumes from there.
          BlockDevice device = opener.open(Path.of(m.path()), false);
          opened.add(device);
          rebuilding[slot.role()] = device;
        }
      }
      if (!readOnly) {
        for (Member spare : decision.spares()) {
          BlockDevice device = opener.open(Path.of(spare.path()), false);
          opened.add(device);
          spares.add(device);
        }
        for (AssemblyDecision.Replacement r : decision.replacements()) {
          BlockDevice device = opener.open(Path.of(r.member().path()), false);
          opened.add(device);
          replacing.add(device);
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
    }
    if (!readOnly) {
      for (Slot slot : decision.slots()) {
        BlockDevice device = rebuilding[slot.role()];
        if (device != null) {
          array.engine.addMember(slot.role(), device, slot.recoveryOffset());
        }
      }
      for (int i = 0; i < replacing.size(); i++) {
        AssemblyDecision.Replacement r = decision.replacements().get(i);
        array.engine.addReplacement(r.role(), replacing.get(i), r.copiedBelow());
      }
      MemberSuperblocks sbs = superblocksOf(decision, members, rebuilding, spares, replacing);
      array.superblocks = sbs;
      array.safeMode =
          new SafeMode(
              array.name,
              array::recordState,
              array.engineSink(),
              sb.clean(),
              safeModeDelayMillisOverride > 0
                  ? safeModeDelayMillisOverride
                  : SafeMode.DEFAULT_DELAY_MS);
      if (sb.has(FeatureMap.BITMAP_OFFSET)) {
        try {
          array.bitmap = loadBitmap(array, decision, members, sbs);
        } catch (IOException | RuntimeException e) {
          array.safeMode.close();
          array.engine.close();
          for (BlockDevice d : opened) {
            d.close();
          }
          throw e;
        }
      }
      MemberManager manager =
          new MemberManager(array.name, array.engine, sbs, opener, array::resyncCompleted);
      manager.bitmap(array.bitmap);
      for (MemberSuperblocks.Entry e : sbs.members()) {
        Superblock1 own = e.superblock();
        manager.hold(
            e.device(),
            pathOf(decision, own),
            own.devNumber(),
            RoleTable.isSlot(own.role()) ? own.role() : -1,
            own.has(FeatureMap.REPLACEMENT) && replacing.contains(e.device()));
      }
      array.manager = manager;
      manager.start(); // resync a dirty array, rebuild onto rebuilding members and spares
    }
    return array;
  }

  /** How often the bitmap's sweeps run, when not its superblock's {@code daemon_sleep}. */
  static volatile long bitmapSweepMillisOverride = 0;

  /**
   * Safe mode's quiet delay for arrays opened from now on, when not md's 200 ms (a test that copies
   * members of a running array as a crash would leave them needs it to stay dirty).
   */
  static volatile long safeModeDelayMillisOverride = 0;

  /**
   * Loads the bitmap from the first in-sync member that has a readable one (md reads it from the
   * first In_sync member) and hooks it into the write path and the superblock updates.
   */
  private static WriteIntentBitmap loadBitmap(
      RaidArray array,
      AssemblyDecision decision,
      @Nullable BlockDevice[] members,
      MemberSuperblocks sbs)
      throws IOException {
    Superblock1 sb = decision.freshest();
    boolean degraded = false;
    IOException firstError = null;
    MemorySegment area = null;
    BitmapSuperblock header = null;
    java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined();
    try {
      for (Slot slot : decision.slots()) {
        BlockDevice device = members[slot.role()];
        Member m = slot.member();
        if (device == null || m == null || slot.state() != SlotState.IN_SYNC) {
          degraded = true;
          continue;
        }
        if (header != null) {
          continue;
        }
        Superblock1 own = m.superblock();
        try {
          MemorySegment probe = arena.allocate(4096, 4096);
          device.read(probe, BitmapCodec.sectorOf(own) * 512);
          BitmapSuperblock h = BitmapCodec.decode(probe, sb.setUuid(), m.path());
          long bytes = (h.areaBytes() + 4095) / 4096 * 4096;
          MemorySegment all = arena.allocate(bytes, 4096);
          device.read(all, BitmapCodec.sectorOf(own) * 512);
          header = h;
          area = all;
        } catch (IOException | io.jraid.format.FormatException e) {
          IOException error = e instanceof IOException io ? io : new IOException(e.getMessage(), e);
          if (firstError == null) {
            firstError = error;
          } else {
            firstError.addSuppressed(error);
          }
        }
      }
      if (header == null || area == null) {
        IOException e =
            new IOException(
                array.name
                    + ": no working member has a readable write-intent bitmap (mdadm --grow"
                    + " --bitmap=none, then --bitmap=internal, recreates it)");
        if (firstError != null) {
          e.addSuppressed(firstError);
        }
        throw e;
      }
      SafeMode safe = java.util.Objects.requireNonNull(array.safeMode);
      WriteIntentBitmap b =
          new WriteIntentBitmap(
              array.name,
              array.engine.geometry(),
              area,
              header,
              sb,
              degraded,
              WriteIntentBitmap.targetsOf(sbs.members()),
              array.bitmapView(),
              safe::write,
              bitmapSweepMillisOverride > 0
                  ? bitmapSweepMillisOverride
                  : header.daemonSleep() * 1000L);
      b.writeDirtyPages(); // a stale bitmap is all dirty now, on every member
      sbs.beforeEachUpdate(b::beforeSuperblockUpdate);
      b.start();
      return b;
    } finally {
      arena.close();
    }
  }

  private WriteIntentBitmap.Array bitmapView() {
    return new WriteIntentBitmap.Array() {
      @Override
      public boolean degraded() {
        for (int i = 0; i < engine.geometry().raidDisks(); i++) {
          if (!engine.memberInSync(i)) {
            return true;
          }
        }
        return false;
      }

      @Override
      public void bitmapWriteFailed(BlockDevice device, IOException error) {
        for (int i = 0; i < engine.geometry().raidDisks(); i++) {
          if (engine.memberIs(i, device)) {
            engine.failMember(i, error); // synchronously: no data reaches it without its bits
          }
        }
      }
    };
  }

  /**
   * What the write-intent bitmap holds now, for reports.
   *
   * @param chunkBytes member bytes one bit covers
   * @param chunks bits
   * @param dirty bits set (chunks that may differ from their parity, or that a member missed)
   * @param eventsCleared the bitmap's {@code events_cleared}
   * @param pageWrites bitmap pages written since the array started (each to every member)
   * @param writeBatches batches they were written in (writes waiting for bits share a batch)
   */
  public record BitmapStatus(
      long chunkBytes,
      long chunks,
      long dirty,
      long eventsCleared,
      long pageWrites,
      long writeBatches) {}

  /** The write-intent bitmap's state, or null when the array has none running. */
  public @Nullable BitmapStatus bitmapStatus() {
    WriteIntentBitmap b = bitmap;
    if (b == null) {
      return null;
    }
    BitmapSuperblock h = b.header();
    long[] written = b.writeCounts();
    return new BitmapStatus(
        Integer.toUnsignedLong(h.chunkBytes()),
        h.chunks(),
        b.dirtyChunks().cardinality(),
        h.eventsCleared(),
        written[0],
        written[1]);
  }

  /** The write-intent bitmap (null when the array has none or runs read-only). */
  @Nullable WriteIntentBitmap bitmap() {
    return bitmap;
  }

  /** The path a member was assembled from, by its descriptor number. */
  private static String pathOf(AssemblyDecision decision, Superblock1 own) {
    for (Slot slot : decision.slots()) {
      Member m = slot.member();
      if (m != null && m.superblock().devNumber() == own.devNumber()) {
        return m.path();
      }
    }
    for (Member m : decision.spares()) {
      if (m.superblock().devNumber() == own.devNumber()) {
        return m.path();
      }
    }
    for (AssemblyDecision.Replacement r : decision.replacements()) {
      if (r.member().superblock().devNumber() == own.devNumber()) {
        return r.member().path();
      }
    }
    return "descriptor " + own.devNumber();
  }

  /**
   * The working members' superblocks, brought to the freshest (assembly accepts a member one update
   * behind; the next update writes them all alike).
   */
  private static MemberSuperblocks superblocksOf(
      AssemblyDecision decision,
      @Nullable BlockDevice[] members,
      @Nullable BlockDevice[] rebuilding,
      List<BlockDevice> spares,
      List<BlockDevice> replacing) {
    Superblock1 freshest = decision.freshest();
    for (Member spare : decision.spares()) {
      int dev = spare.superblock().devNumber();
      if (RoleTable.isSlot(freshest.roles().role(dev))) {
        // A spare whose own superblock missed the update that gave it a slot (a cut in the middle):
        // assembly took it as the spare it says it is, and left the slot to be rebuilt. Every
        // table says so from now on; naming it in the slot, the tables disagreed with the array
        // (its holder counted as present, nothing was rebuilt) and with the next spare to take it.
        freshest =
            MemberSuperblocks.apply(
                freshest,
                MemberSuperblocks.Change.role(dev, RoleTable.SPARE),
                freshest.events(),
                freshest.utimeSeconds());
      }
    }
    List<MemberSuperblocks.Entry> entries = new ArrayList<>();
    for (Slot slot : decision.slots()) {
      BlockDevice device = members[slot.role()];
      if (device == null) {
        device = rebuilding[slot.role()];
      }
      Member m = slot.member();
      if (device != null && m != null) {
        entries.add(new MemberSuperblocks.Entry(device, aligned(m.superblock(), freshest)));
      }
    }
    for (int i = 0; i < spares.size(); i++) {
      Superblock1 own = decision.spares().get(i).superblock();
      entries.add(new MemberSuperblocks.Entry(spares.get(i), aligned(own, freshest)));
    }
    for (int i = 0; i < replacing.size(); i++) {
      Superblock1 own = decision.replacements().get(i).member().superblock();
      entries.add(new MemberSuperblocks.Entry(replacing.get(i), aligned(own, freshest)));
    }
    return new MemberSuperblocks(entries, java.time.InstantSource.system());
  }

  /**
   * {@code own} caught up with the freshest superblock (a member one behind, or a spare): its event
   * count, and the array's state — the role table and the resync point — from the freshest, its own
   * fields (recovery point, replacement) kept. Caught up on the events alone, a member one behind
   * kept its older role table, which every later update carried on: members at one event count then
   * disagreed on who holds a slot, and the next assembly left some out as split off.
   */
  private static Superblock1 aligned(Superblock1 own, Superblock1 freshest) {
    if (own.events() == freshest.events()
        && own.roles().equals(freshest.roles())
        && own.resyncOffset() == freshest.resyncOffset()) {
      return own;
    }
    java.util.Map<Integer, Integer> roles = new java.util.HashMap<>();
    for (int d = 0; d < Math.max(own.roles().size(), freshest.roles().size()); d++) {
      roles.put(d, freshest.roles().role(d)); // beyond the freshest table: spare
    }
    MemberSuperblocks.Change arrayState =
        new MemberSuperblocks.Change(
            freshest.resyncOffset(), roles, java.util.Map.of(), java.util.Map.of());
    return MemberSuperblocks.apply(own, arrayState, freshest.events(), own.utimeSeconds());
  }

  /**
   * Safe mode's recorder: the state on every working member; a member that cannot take it fails.
   */
  private void recordState(boolean clean) throws IOException {
    MemberSuperblocks sbs = superblocks;
    if (sbs == null) {
      return;
    }
    long checkpoint = engine.syncedBelow();
    if (clean) {
      // md marks a member faulty and writes the superblocks again at once when its metadata write
      // fails (MD_SB_NEED_REWRITE); here a clean record is made only when nothing it would claim
      // can be false: no failure waits to be recorded, and every member it names in sync has its
      // data on stable storage. Otherwise the array stays recorded dirty and the next quiet
      // period tries again, by when the failure is recorded.
      if (engine.failuresUnrecorded()) {
        throw new IOException(name + ": a member's failure is not yet recorded; not clean yet");
      }
      List<MemberSuperblocks.Failure> unflushed = sbs.flushSlotHolders();
      if (!unflushed.isEmpty()) {
        IOException error =
            new IOException(
                name
                    + ": "
                    + unflushed.stream().map(f -> f.device().name()).toList()
                    + " could not flush; the array stays recorded dirty");
        unflushed.forEach(f -> error.addSuppressed(f.error()));
        failMembers(unflushed); // md: a failed flush fails the member
        throw error;
      }
    }
    MemberSuperblocks.Change change =
        !clean
            ? MemberSuperblocks.Change.markDirty()
            : checkpoint == Long.MAX_VALUE
                ? MemberSuperblocks.Change.markClean()
                : MemberSuperblocks.Change.resyncOffset(checkpoint);
    MemberSuperblocks.Result result = sbs.update(change);
    if (result.written().isEmpty()) {
      IOException error = new IOException(name + ": no member took the superblock update");
      result.failed().forEach(f -> error.addSuppressed(f.error()));
      throw error;
    }
    failMembers(result.failed()); // md: a failed metadata write fails the member
  }

  /** Hands members whose flush or superblock write failed to the management thread to fail. */
  private void failMembers(List<MemberSuperblocks.Failure> failed) {
    MemberManager m = manager;
    if (m != null) {
      failed.forEach(f -> m.superblockWriteFailed(f.device(), f.error()));
    }
  }

  /** A resync reached the end: if the array is recorded clean, record the new checkpoint. */
  private void resyncCompleted() {
    SafeMode safe = safeMode;
    if (safe != null) {
      safe.refreshClean();
    }
  }

  private SafeMode.Sink engineSink() {
    return new SafeMode.Sink() {
      @Override
      public void write(MemorySegment src, long offset, boolean fua, IoCompletion done) {
        engine.write(src, offset, fua, done);
      }

      @Override
      public long writesSubmitted() {
        return engine.stats().writes.sum();
      }

      @Override
      public long writesInFlight() {
        return engine.writesInFlight();
      }
    };
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
    WriteIntentBitmap b = bitmap;
    SafeMode safe = safeMode;
    if (b != null) {
      b.write(src, offset, fua, done); // bits on disk first, then safe mode, then the engine
    } else if (safe != null) {
      safe.write(src, offset, fua, done);
    } else {
      engine.write(src, offset, fua, done);
    }
  }

  /** Whether the members' superblocks say clean right now (always false without superblocks). */
  public boolean recordedClean() {
    SafeMode safe = safeMode;
    return safe != null && safe.clean();
  }

  /** The working members' superblocks (null for arrays started without them, or read-only). */
  public @Nullable MemberSuperblocks superblocks() {
    return superblocks;
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

  // ---- the array's life (mdadm --manage, sync_action) ------------------------------------------

  private MemberManager manager() {
    MemberManager m = manager;
    if (m == null) {
      throw new IllegalStateException(
          name + ": members can be managed only on an array assembled writable from its members");
    }
    return m;
  }

  /** Every device the array holds, slots first, then spares and failed ones. */
  public List<MemberView> members() {
    MemberManager m = manager;
    if (m != null) {
      return m.members();
    }
    List<MemberView> views = new ArrayList<>();
    for (int i = 0; i < engine.geometry().raidDisks(); i++) {
      if (!engine.memberName(i).equals("missing")) {
        views.add(
            new MemberView(
                engine.memberName(i),
                i,
                i,
                engine.memberInSync(i) ? MemberView.State.ACTIVE : MemberView.State.FAULTY,
                Long.MAX_VALUE));
      }
    }
    return views;
  }

  /** The latest events (member failures, spares, rebuilds, mismatches), oldest first. */
  public List<ArrayEvent> events() {
    MemberManager m = manager;
    return m == null ? List.of() : m.events();
  }

  /** How many events of each kind happened since the array started. */
  public java.util.Map<ArrayEvent.Kind, Long> eventCounts() {
    MemberManager m = manager;
    return m == null ? java.util.Map.of() : m.eventCounts();
  }

  /** Calls {@code listener} with each event from now on. */
  public void onEvent(java.util.function.Consumer<ArrayEvent> listener) {
    manager().onEvent(listener);
  }

  /**
   * Marks a member faulty ({@code mdadm --fail}); the array runs degraded and a spare, if any,
   * takes its slot. Refused when the array would lose more members than it survives.
   *
   * @param device the member's path or name
   */
  public void fail(String device) throws IOException {
    manager().fail(device);
  }

  /**
   * Copies a working member onto a spare while it keeps serving, then swaps them ({@code mdadm
   * --replace DEVICE [--with SPARE]}): redundancy is never lower than it was.
   *
   * @param with the spare to copy onto, or null for any
   */
  public void replace(String device, @Nullable String with) throws IOException {
    manager().replace(device, with);
  }

  /** Takes a failed member or a spare out of the array ({@code mdadm --remove}). */
  public void remove(String device) throws IOException {
    manager().remove(device);
  }

  /**
   * Adds a device as a spare ({@code mdadm --add}); a degraded array rebuilds onto it at once.
   *
   * @param force overwrite the superblock of another array found on it
   */
  public void add(Path device, boolean force) throws IOException {
    manager().add(device, force);
  }

  /** Starts a check or a repair of the whole array (md's {@code sync_action}). */
  public SyncJob startSync(SyncAction action) throws IOException {
    return manager().startSync(action);
  }

  /** md's {@code speed_limit_min}/{@code speed_limit_max} for sync passes, KiB/s per member. */
  public void speedLimits(long minKiBps, long maxKiBps) {
    manager().speedLimits(minKiBps, maxKiBps);
  }

  @Override
  public void close() throws IOException {
    MemberManager m = manager;
    List<BlockDevice> toClose = opened;
    List<BlockDevice> failed = List.of();
    if (m != null) {
      m.close(); // stops a pass at a checkpoint; a rebuild's point is recorded
      toClose = m.devices(); // what it holds now: added spares in, removed devices (closed) out
      failed = m.faultyDevices(); // closed, not flushed: a dead disk's error is no stop's failure
    }
    engine.close(); // stops a sync at a checkpoint, drains every request
    IOException first = null;
    WriteIntentBitmap b = bitmap;
    if (b != null) {
      b.close(); // md's bitmap flush: idle chunks cleared, pages written
    }
    SafeMode safe = safeMode;
    if (safe != null) {
      try {
        safe.closeClean(); // md's clean stop: resync_offset = checkpoint, events + 1
      } catch (IOException e) {
        first = e;
      }
    }
    for (BlockDevice d : toClose) {
      try {
        if (!d.readOnly() && !failed.contains(d)) {
          d.flush();
        }
      } catch (IOException e) {
        if (first == null) {
          first = e;
        }
      } finally {
        try {
          d.close(); // also when it could not flush: a failed member is closed all the same
        } catch (IOException e) {
          if (first == null) {
            first = e;
          }
        }
      }
    }
    if (b != null) {
      b.release();
    }
    if (first != null) {
      throw first;
    }
  }
}
