package io.jraid.array;

import io.jraid.device.BlockDevice;
import io.jraid.format.FeatureMap;
import io.jraid.format.FormatException;
import io.jraid.format.MdUuid;
import io.jraid.format.MetadataPlacement;
import io.jraid.format.MetadataVersion;
import io.jraid.format.RoleTable;
import io.jraid.format.Superblock1;
import io.jraid.stripe.StripeEngine;
import io.jraid.stripe.SyncAction;
import io.jraid.stripe.SyncJob;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The life of a running array's members — md's {@code md_check_recovery} and its
 * hot-add/remove/fail paths: records failures in the superblocks, takes spares into free slots,
 * runs and checkpoints rebuilds, starts resyncs, checks and repairs, and keeps the event log.
 *
 * <p>Everything that changes membership runs on one thread (md's reconfiguration mutex, here a
 * single-thread executor): engine callbacks and user requests are handed to it, so the slot table,
 * the superblocks and the sync pass change in one order. Superblocks record each change before it
 * takes effect on data: a spare's slot and {@code recovery_offset = 0} before the rebuild writes to
 * it, a failed member's faulty role as soon as it fails, the rebuild point every few seconds.
 */
final class MemberManager implements AutoCloseable {

  /** md's default {@code speed_limit_min}: a sync keeps this pace even under user I/O. */
  static final long DEFAULT_SPEED_MIN_KIBPS = 1_000;

  /** md's default {@code speed_limit_max}. */
  static final long DEFAULT_SPEED_MAX_KIBPS = StripeEngine.DEFAULT_SYNC_SPEED_LIMIT_KIBPS;

  /** How often a running rebuild's point is recorded in the superblocks. */
  static final long CHECKPOINT_SECONDS = 5;

  private static final int EVENT_LOG = 256;

  /** No rebuild point recorded yet ({@link Superblock1#MAX_SECTOR} is -1: "rebuilt"). */
  private static final long NOT_RECORDED = Long.MIN_VALUE;

  private static final System.Logger LOG = System.getLogger(MemberManager.class.getName());

  /** A device the array holds: in a slot, a spare, or failed and not yet removed. */
  private static final class Held {
    final BlockDevice device;
    final String path;
    int devNumber;
    int slot;
    boolean faulty;

    /** Being made a copy of {@link #slot}'s member (md's replace). */
    boolean replacing;

    Held(BlockDevice device, String path, int devNumber, int slot) {
      this.device = device;
      this.path = path;
      this.devNumber = devNumber;
      this.slot = slot;
    }
  }

  private final String name;
  private final StripeEngine engine;
  private final MemberSuperblocks superblocks;
  private final RaidArray.MemberOpener opener;
  private final Runnable resyncCompleted;
  private final List<Held> held = new ArrayList<>();
  private final Deque<ArrayEvent> events = new ArrayDeque<>();
  private final Map<ArrayEvent.Kind, Long> eventCounts = new EnumMap<>(ArrayEvent.Kind.class);
  private final ScheduledExecutorService worker;
  private final long[] recordedRecovery;
  private final List<Consumer<ArrayEvent>> listeners =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  private volatile boolean closing;

  /** The array's write-intent bitmap: resync visits its needed chunks only. */
  private volatile @Nullable WriteIntentBitmap bitmap;

  /** Slots being rebuilt from the bitmap (a re-added member), not in full. */
  private final boolean[] bitmapRebuild;

  private java.util.concurrent.@Nullable ScheduledFuture<?> checkpoints;
  private volatile long speedMinKiBps = DEFAULT_SPEED_MIN_KIBPS;
  private volatile long speedMaxKiBps = DEFAULT_SPEED_MAX_KIBPS;

  /** The running pass was cancelled to start another (a new spare came): restart when it ends. */
  private boolean restartWanted;

  /**
   * A device took a slot (a spare, a re-added member) since the running recovery started: the pass
   * is past where the device holds anything, so it is restarted (md interrupts its recovery when a
   * target fails and starts again with the spares).
   */
  private boolean joinedSinceRecoveryStarted;

  MemberManager(
      String name,
      StripeEngine engine,
      MemberSuperblocks superblocks,
      RaidArray.MemberOpener opener,
      Runnable resyncCompleted) {
    this.name = name;
    this.engine = engine;
    this.superblocks = superblocks;
    this.opener = opener;
    this.resyncCompleted = resyncCompleted;
    this.recordedRecovery = new long[engine.geometry().raidDisks()];
    this.bitmapRebuild = new boolean[engine.geometry().raidDisks()];
    java.util.Arrays.fill(recordedRecovery, NOT_RECORDED);
    this.worker =
        Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().name("jraid-" + name + "-md").daemon().unstarted(r));
  }

  /** The array's write-intent bitmap, if it has one (before {@link #start()}). */
  void bitmap(@Nullable WriteIntentBitmap bitmap) {
    this.bitmap = bitmap;
  }

  /**
   * Registers a device present at assembly: a slot's member, a spare (slot -1), or an unfinished
   * replacement of {@code slot}'s member that the engine already copies to.
   */
  void hold(BlockDevice device, String path, int devNumber, int slot, boolean replacing) {
    Held h = new Held(device, path, devNumber, slot);
    h.replacing = replacing;
    synchronized (held) {
      held.add(h);
    }
  }

  /** Starts watching the engine: failures, and the first sync or rebuild the array needs. */
  void start() {
    engine.onMemberFailed((slot, device) ->
        post(
            () -> {
              boolean recorded = false;
              try {
                recorded = memberFailed(slot, device);
              } finally {
                engine.failureRecorded(recorded); // held writes and flushes may go now
              }
            },
            () -> engine.failureRecorded(false)));
    // After the listener: every failure it is told of from now on is one it records.
    engine.holdAcknowledgementsUntilFailuresRecorded();
    checkpoints =
        worker.scheduleWithFixedDelay(
            () -> guarded(this::checkpoint),
            CHECKPOINT_SECONDS,
            CHECKPOINT_SECONDS,
            TimeUnit.SECONDS);
    try {
      call(() -> {
        maybeRecover(); // started before open returns, as md starts its sync thread at run
        return null;
      });
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  // ---- what users see --------------------------------------------------------------------------

  /** Every device the array holds, slots first. */
  List<MemberView> members() {
    List<MemberView> views = new ArrayList<>();
    synchronized (held) {
      for (Held h : held) {
        MemberView.State state;
        long recovered = Long.MAX_VALUE;
        if (h.faulty || failedNotYetRecorded(h)) {
          state = MemberView.State.FAULTY;
        } else if (h.slot < 0) {
          state = MemberView.State.SPARE;
        } else if (h.replacing) {
          state = MemberView.State.REBUILDING;
          recovered = engine.replacedBelow(h.slot);
        } else if (engine.memberRebuilding(h.slot)) {
          state = MemberView.State.REBUILDING;
          recovered = engine.recoveredBelow(h.slot);
        } else {
          state = MemberView.State.ACTIVE;
        }
        views.add(new MemberView(h.path, h.devNumber, h.faulty ? -1 : h.slot, state, recovered));
      }
    }
    views.sort(
        java.util.Comparator.comparingInt(
                (MemberView v) -> v.slot() < 0 ? Integer.MAX_VALUE : v.slot())
            .thenComparingInt(MemberView::devNumber));
    return views;
  }

  /** The latest events, oldest first. */
  List<ArrayEvent> events() {
    synchronized (events) {
      return List.copyOf(events);
    }
  }

  /** How many events of each kind happened since the array started. */
  Map<ArrayEvent.Kind, Long> eventCounts() {
    synchronized (events) {
      return Map.copyOf(eventCounts);
    }
  }

  /** Calls {@code listener} with every event from now on (on the array's management thread). */
  void onEvent(Consumer<ArrayEvent> listener) {
    listeners.add(listener);
  }

  /** md's {@code speed_limit_min} and {@code speed_limit_max}, KiB/s per member. */
  void speedLimits(long minKiBps, long maxKiBps) {
    if (minKiBps <= 0 || maxKiBps < minKiBps) {
      throw new IllegalArgumentException(
          "speed limits min=" + minKiBps + " max=" + maxKiBps + " KiB/s (0 < min <= max)");
    }
    speedMinKiBps = minKiBps;
    speedMaxKiBps = maxKiBps;
    SyncJob job = engine.syncJob();
    if (job != null) {
      job.speedLimits(minKiBps, maxKiBps);
    }
  }

  long speedMinKiBps() {
    return speedMinKiBps;
  }

  long speedMaxKiBps() {
    return speedMaxKiBps;
  }

  // ---- requests (mdadm --manage, sync_action) --------------------------------------------------

  /** {@code --fail}: marks a member faulty; refused if the array would lose its data. */
  void fail(String device) throws IOException {
    call(() -> {
      Held h = find(device);
      if (h.faulty) {
        throw new IllegalStateException(h.path + " is already faulty");
      }
      if (h.slot < 0) {
        h.faulty = true;
        update(MemberSuperblocks.Change.faulty(h.devNumber));
        superblocks.remove(h.device);
        event(ArrayEvent.Kind.FAIL, h.path, "spare marked faulty by request");
        return null;
      }
      if (engine.memberInSync(h.slot)
          && engine.failedMembers() + 1 > engine.geometry().parityDisks()) {
        throw new IllegalStateException(
            "failing "
                + h.path
                + " would leave RAID-"
                + engine.geometry().level()
                + " with "
                + (engine.failedMembers() + 1)
                + " of "
                + engine.geometry().raidDisks()
                + " slots out of sync, more than it survives: the array would stop serving"
                + " its data; refused");
      }
      engine.failMember(h.slot, new IOException("failed by request (manage --fail)"));
      return null;
    });
  }

  /**
   * {@code --replace}: copies a working member onto a spare while it keeps serving (no loss of
   * redundancy), then the spare takes its slot and the member is marked faulty.
   *
   * @param with the spare to copy onto, or null for any spare
   */
  void replace(String device, @Nullable String with) throws IOException {
    call(() -> {
      Held original = find(device);
      if (original.faulty || original.slot < 0 || !engine.memberInSync(original.slot)) {
        throw new IllegalStateException(
            original.path + " is not an in-sync member (" + state(original) + "): nothing to copy");
      }
      if (replacementOf(original.slot) != null) {
        throw new IllegalStateException(original.path + " is already being replaced");
      }
      Held spare = null;
      if (with != null) {
        spare = find(with);
        if (spare.slot >= 0 || spare.faulty) {
          throw new IllegalStateException(spare.path + " is not a spare (" + state(spare) + ")");
        }
      } else {
        synchronized (held) {
          for (Held h : held) {
            if (h.slot < 0 && !h.faulty) {
              spare = h;
              break;
            }
          }
        }
      }
      if (spare == null) {
        throw new IllegalStateException(
            "no spare to copy "
                + original.path
                + " onto: add one first (jraid manage --add DEVICE), then --replace");
      }
      int slot = original.slot;
      engine.addReplacement(slot, spare.device);
      joinedSinceRecoveryStarted = true; // a running pass restarts from the copy's point, 0
      spare.slot = slot;
      spare.replacing = true;
      update(
          MemberSuperblocks.Change.role(spare.devNumber, slot)
              .and(MemberSuperblocks.Change.recoveryOffset(spare.devNumber, 0))
              .and(MemberSuperblocks.Change.replacement(spare.devNumber, true)));
      event(
          ArrayEvent.Kind.SPARE_ACTIVE,
          spare.path,
          "replacing " + original.path + " in slot " + slot + "; copying");
      maybeRecover();
      return null;
    });
  }

  /** {@code --remove}: takes a faulty member or a spare out of the array. */
  void remove(String device) throws IOException {
    call(() -> {
      Held h = find(device);
      if (failedNotYetRecorded(h)) {
        // The engine failed it and the record of that is queued behind this request: record it
        // now (the queued one then finds it gone), as it shows faulty to whoever asked.
        memberFailed(h.slot, h.device);
      }
      if (!h.faulty && h.slot >= 0) {
        throw new IllegalStateException(
            h.path
                + " holds slot "
                + h.slot
                + " and is working: fail it first (jraid manage --fail "
                + h.path
                + ")");
      }
      if (h.slot >= 0 && engine.memberIs(h.slot, h.device)) {
        engine.removeMember(h.slot);
      }
      synchronized (held) {
        held.remove(h);
      }
      superblocks.remove(h.device);
      update(MemberSuperblocks.Change.role(h.devNumber, RoleTable.SPARE));
      event(ArrayEvent.Kind.REMOVE, h.path, h.faulty ? "faulty member removed" : "spare removed");
      closeQuietly(h.device);
      return null;
    });
  }

  /**
   * {@code --add}: makes {@code path} a spare of the array (writing its superblock); a degraded
   * array takes it into a free slot and rebuilds it at once.
   *
   * @param force overwrite a superblock of another array
   */
  void add(Path path, boolean force) throws IOException {
    call(() -> {
      String key = path.toString();
      synchronized (held) {
        for (Held h : held) {
          if (h.path.equals(key) || h.device.name().equals(key)) {
            throw new IllegalStateException(key + " is already in the array (" + state(h) + ")");
          }
        }
      }
      BlockDevice device = opener.open(path, false);
      try {
        addDevice(device, key, force);
      } catch (IOException | RuntimeException e) {
        closeQuietly(device);
        throw e;
      }
      return null;
    });
  }

  private void addDevice(BlockDevice device, String path, boolean force) throws IOException {
    Superblock1 template = superblocks.members().getFirst().superblock();
    try {
      Member old = MemberReader.read(device);
      if (reAdd(device, path, old, template)) {
        return;
      }
      if (!old.superblock().setUuid().equals(template.setUuid()) && !force) {
        throw new IllegalStateException(
            path
                + " holds a member of another array ("
                + old.superblock().setUuid()
                + (old.superblock().displayName().isEmpty()
                    ? ""
                    : ", " + old.superblock().displayName())
                + "): add --force to overwrite it, or wipe its superblock first");
      }
    } catch (FormatException e) {
      // No md superblock: a blank device, as expected.
    }
    long sectors = device.sectors();
    MetadataVersion version = MetadataVersion.ofSuperOffset(template.superOffset());
    long superOffset = version.superOffset(sectors);
    long devSectors = engine.geometry().devSectors();
    long dataSize;
    if (version == MetadataVersion.V1_0) {
      long metadataStart =
          superOffset
              + Math.min(
                  0,
                  Math.min(
                      template.has(FeatureMap.BITMAP_OFFSET) ? template.bitmapOffset() : 0,
                      template.bblogSize() > 0 ? template.bblogOffset() : 0));
      dataSize = metadataStart - template.dataOffset();
    } else {
      dataSize = sectors - template.dataOffset();
    }
    if (dataSize < devSectors) {
      throw new IllegalArgumentException(
          path
              + " is "
              + sectors * 512
              + " bytes: too small; each member needs "
              + devSectors * 512
              + " bytes of data space after "
              + template.dataOffset() * 512
              + " bytes of metadata");
    }
    int devNumber = freeDevNumber();
    MdUuid deviceUuid = new MdUuid(RANDOM.nextLong(), RANDOM.nextLong());
    Superblock1 sb =
        memberSuperblock(template, devNumber, deviceUuid, dataSize, superOffset, RoleTable.SPARE);
    io.jraid.format.BitmapSuperblock bitmap = null;
    long bitmapBytes = 0;
    if (template.has(FeatureMap.BITMAP_OFFSET)) {
      bitmap = superblockBitmap();
      bitmapBytes =
          bitmap == null
              ? 0
              : MetadataPlacement.bitmapSectors(bitmap.syncSize(), bitmap.chunkBytes()) * 512;
    }
    ArrayCreator.writeAddedMember(device, sb, bitmap, bitmapBytes);
    superblocks.add(new MemberSuperblocks.Entry(device, sb));
    synchronized (held) {
      held.add(new Held(device, path, devNumber, -1));
    }
    update(MemberSuperblocks.Change.role(devNumber, RoleTable.SPARE));
    event(ArrayEvent.Kind.SPARE_ADDED, path, "added as spare (descriptor " + devNumber + ")");
    maybeRecover();
  }

  /**
   * md's re-add: a member that left while the array has a bitmap comes back into its old slot and
   * is rebuilt only where bits are set (chunks written since it left), if its events are not older
   * than the bitmap's {@code events_cleared} (no bit it needs was cleared since) and its slot is
   * still free. False when it must be added as a new spare (a full rebuild).
   */
  private boolean reAdd(BlockDevice device, String path, Member old, Superblock1 template)
      throws IOException {
    WriteIntentBitmap b = bitmap;
    Superblock1 own = old.superblock();
    int slot = own.role();
    if (b == null
        || !own.setUuid().equals(template.setUuid())
        || !RoleTable.isSlot(slot)
        || slot >= engine.geometry().raidDisks()
        || engine.memberWorking(slot)
        || failureNotRecorded(slot) // the slot's holder is still named in it: as activateSpares
        || engine.replacement(slot) != null
        || !b.canReAdd(own.events())
        || own.dataOffset() != template.dataOffset()
        || own.dataSize() < engine.geometry().devSectors()) {
      return false;
    }
    synchronized (held) {
      for (Held h : held) {
        if (h.devNumber == own.devNumber()) {
          return false; // held still (remove it first, as md wants), or its number was reused
        }
      }
    }
    int dirty = b.neededChunks().cardinality();
    // The array's superblock with this member's identity; the update below gives it its slot.
    Superblock1 sb =
        memberSuperblock(
            template,
            own.devNumber(),
            own.deviceUuid(),
            own.dataSize(),
            own.superOffset(),
            RoleTable.SPARE);
    superblocks.add(new MemberSuperblocks.Entry(device, sb));
    engine.addMember(slot, device, 0);
    joinedSinceRecoveryStarted = true;
    bitmapRebuild[slot] = true;
    synchronized (held) {
      held.add(new Held(device, path, own.devNumber(), slot));
    }
    update(
        MemberSuperblocks.Change.role(own.devNumber(), slot)
            .and(MemberSuperblocks.Change.recoveryOffset(own.devNumber(), 0)));
    event(
        ArrayEvent.Kind.SPARE_ACTIVE,
        path,
        "re-added to slot "
            + slot
            + " (events "
            + own.events()
            + "): rebuilding the "
            + dirty
            + " chunks the bitmap marks");
    maybeRecover();
    return true;
  }

  /**
   * A member's superblock: the array's as {@code template} has it, with the member's own fields.
   */
  private static Superblock1 memberSuperblock(
      Superblock1 template,
      int devNumber,
      MdUuid deviceUuid,
      long dataSize,
      long superOffset,
      int role) {
    return new Superblock1(
        template.featureMap() & ~FeatureMap.RECOVERY_OFFSET,
        template.setUuid(),
        template.setName(),
        template.ctime(),
        template.level(),
        template.layout(),
        template.size(),
        template.chunkSectors(),
        template.raidDisks(),
        template.bitmapOffset(),
        template.newLevel(),
        template.reshapePosition(),
        template.deltaDisks(),
        template.newLayout(),
        template.newChunk(),
        template.newOffset(),
        template.dataOffset(),
        dataSize,
        superOffset,
        0,
        devNumber,
        0,
        deviceUuid,
        0,
        template.bblogShift(),
        template.bblogSize(),
        template.bblogOffset(),
        Instant.now().getEpochSecond(),
        template.events(),
        template.resyncOffset(),
        template.logicalBlockSize(),
        template.roles().withRole(devNumber, role));
  }

  /**
   * The array's bitmap superblock, for a device being added, from the first member that gives it: a
   * member that fails to read (it may be dying, not yet failed) is passed over.
   */
  private io.jraid.format.@Nullable BitmapSuperblock superblockBitmap() throws IOException {
    IOException unreadable = null;
    for (MemberSuperblocks.Entry e : superblocks.members()) {
      try {
        Member m = MemberReader.read(e.device());
        if (m.bitmap() != null) {
          return m.bitmap();
        }
      } catch (FormatException ignored) {
        // try the next member
      } catch (IOException failed) {
        unreadable = failed;
      }
    }
    if (unreadable != null) {
      throw new IOException(
          name
              + ": no member's bitmap could be read for the new device: "
              + unreadable.getMessage(),
          unreadable);
    }
    return null;
  }

  private static final SecureRandom RANDOM = new SecureRandom();

  /** md's rule: the lowest descriptor number no device of the array uses. */
  private int freeDevNumber() {
    synchronized (held) {
      for (int n = 0; ; n++) {
        boolean used = false;
        for (Held h : held) {
          used |= h.devNumber == n;
        }
        if (!used) {
          return n;
        }
      }
    }
  }

  /** Starts a check or repair over the whole array (md's {@code sync_action}). */
  SyncJob startSync(SyncAction action) throws IOException {
    return call(() -> {
      SyncJob job = engine.syncJob();
      if (job != null && !job.finished()) {
        throw new IllegalStateException(
            "a " + job.action().mdName() + " is running; wait for it to finish");
      }
      if (action == SyncAction.RECOVER) {
        throw new IllegalArgumentException("recovery starts by itself when a spare takes a slot");
      }
      if (engine.failedMembers() > 0) {
        throw new IllegalStateException(
            "the array is degraded: parity cannot be checked without every member; add a spare"
                + " and let it rebuild first");
      }
      SyncJob started =
          engine.startSync(action, 0, speedMaxKiBps, SyncJob.Regions.all(), this::syncEnded);
      started.speedLimits(speedMinKiBps, speedMaxKiBps);
      event(ArrayEvent.Kind.REBUILD_STARTED, "", action.mdName() + " started");
      return started;
    });
  }

  // ---- what md_check_recovery does --------------------------------------------------------------

  /**
   * Records a failure the engine reported; whether the superblocks of at least one working member
   * now say so (or there was nothing new to record).
   */
  private boolean memberFailed(int slot, BlockDevice device) {
    Held h = heldOf(device);
    if (h == null) {
      return true;
    }
    if (h.replacing) { // the copy failed; the member it was copying stays
      if (h.faulty) {
        return true;
      }
      h.faulty = true;
      h.replacing = false;
      h.slot = -1;
      boolean recorded = update(MemberSuperblocks.Change.faulty(h.devNumber));
      event(ArrayEvent.Kind.FAIL, h.path, "replacement for slot " + slot + " failed");
      return recorded;
    }
    // The engine put the slot's replacement in the failed member's place, rebuilt as far as it was
    // copied. Recorded even when the member was already marked faulty here (a superblock write to
    // it failed after the engine's swap and before this ran): else the copy stays a replacement.
    Held standIn = replacementOf(slot);
    boolean handOver = standIn != null && engine.memberIs(slot, standIn.device);
    if (h.faulty && !handOver) {
      return true;
    }
    boolean newly = !h.faulty;
    h.faulty = true;
    MemberSuperblocks.Change change = MemberSuperblocks.Change.faulty(h.devNumber);
    if (handOver) {
      standIn.replacing = false;
      h.slot = -1;
      long point = engine.memberInSync(slot) ? Superblock1.MAX_SECTOR : engine.recoveredBelow(slot);
      change =
          change
              .and(MemberSuperblocks.Change.replacement(standIn.devNumber, false))
              .and(MemberSuperblocks.Change.recoveryOffset(standIn.devNumber, point));
      event(
          ArrayEvent.Kind.SPARE_ACTIVE,
          standIn.path,
          "takes slot " + slot + " from the failed member it was copying; rebuilding");
    }
    if (!newly) {
      return update(change);
    }
    boolean recorded = update(change);
    int failed = engine.failedMembers();
    int survives = engine.geometry().parityDisks();
    event(
        ArrayEvent.Kind.FAIL,
        h.path,
        "slot "
            + slot
            + " failed; "
            + failed
            + " of "
            + engine.geometry().raidDisks()
            + " slots"
            + " out of sync");
    if (failed > survives) {
      event(
          ArrayEvent.Kind.ARRAY_FAILED,
          "",
          "more members lost than RAID-"
              + engine.geometry().level()
              + " survives ("
              + survives
              + "): data is no longer available");
    }
    maybeRecover();
    return recorded;
  }

  /**
   * Takes spares into free slots and starts what the array needs next: a rebuild of members being
   * recovered, else a resync of stale parity. A running pass that does not cover a new rebuild is
   * cancelled and restarted when it ends.
   */
  private void maybeRecover() {
    if (closing || engine.geometry().raidDisks() == 0) {
      return;
    }
    activateSpares();
    boolean[] rebuilding = engine.rebuildingSlots();
    boolean anyRebuilding = false;
    long from = Long.MAX_VALUE;
    for (int i = 0; i < rebuilding.length; i++) {
      if (rebuilding[i]) {
        anyRebuilding = true;
        from =
            Math.min(
                from,
                engine.replacement(i) != null ? engine.replacedBelow(i) : engine.recoveredBelow(i));
      }
    }
    SyncJob job = engine.syncJob();
    if (job != null && !job.finished()) {
      if (anyRebuilding
          && (joinedSinceRecoveryStarted
              || !(job.action() == SyncAction.RECOVER
                  && java.util.Arrays.equals(job.targets(), rebuilding)))) {
        restartWanted = true;
        job.cancel();
      }
      return;
    }
    joinedSinceRecoveryStarted = false; // whatever starts next starts from every target's point
    if (anyRebuilding) {
      if (engine.failedMembers() > engine.geometry().parityDisks()) {
        return; // too much is lost to rebuild anything
      }
      boolean fromBitmap = true;
      for (int i = 0; i < rebuilding.length; i++) {
        fromBitmap &= !rebuilding[i] || bitmapRebuild[i];
      }
      WriteIntentBitmap b = bitmap;
      SyncJob started =
          engine.startSync(
              SyncAction.RECOVER,
              from,
              speedMaxKiBps,
              fromBitmap && b != null ? b.neededRegions() : SyncJob.Regions.all(),
              this::syncEnded);
      started.speedLimits(speedMinKiBps, speedMaxKiBps);
      java.util.Arrays.fill(recordedRecovery, NOT_RECORDED);
      event(
          ArrayEvent.Kind.REBUILD_STARTED,
          "",
          "recovery of slot(s) " + slots(rebuilding) + " from member sector " + from);
      return;
    }
    if (engine.failedMembers() == 0 && engine.syncedBelow() != Long.MAX_VALUE) {
      WriteIntentBitmap b = bitmap;
      engine
          .startSync(
              SyncAction.RESYNC,
              engine.syncedBelow(),
              speedMaxKiBps,
              b == null ? SyncJob.Regions.all() : b.neededRegions(),
              this::syncEnded)
          .speedLimits(speedMinKiBps, speedMaxKiBps);
      event(
          ArrayEvent.Kind.REBUILD_STARTED,
          "",
          "resync from member sector "
              + engine.syncedBelow()
              + (b == null
                  ? ""
                  : " (" + b.neededChunks().cardinality() + " dirty bitmap chunks only)"));
    }
  }

  /** Whether every slot has a member in sync. */
  private boolean wholeArray() {
    for (int i = 0; i < engine.geometry().raidDisks(); i++) {
      if (!engine.memberInSync(i)) {
        return false;
      }
    }
    return true;
  }

  /** Spares take the free slots, lowest slot first; their new role is recorded first. */
  private void activateSpares() {
    MemberSuperblocks.Change change = null;
    for (int slot = 0; slot < engine.geometry().raidDisks(); slot++) {
      if (engine.memberWorking(slot)) {
        continue;
      }
      if (failureNotRecorded(slot)) {
        // Its failure is recorded first (memberFailed is queued): written now, the spare's role
        // would reach the failed member's superblock too, both claiming the slot.
        continue;
      }
      Held spare = null;
      synchronized (held) {
        for (Held h : held) {
          if (h.slot < 0 && !h.faulty) {
            spare = h;
            break;
          }
        }
      }
      if (spare == null) {
        break;
      }
      MemberSuperblocks.Change c =
          MemberSuperblocks.Change.role(spare.devNumber, slot)
              .and(MemberSuperblocks.Change.recoveryOffset(spare.devNumber, 0));
      change = change == null ? c : change.and(c);
      engine.addMember(slot, spare.device, 0);
      joinedSinceRecoveryStarted = true;
      bitmapRebuild[slot] = false;
      Held old = holderOfFaulty(slot, spare);
      if (old != null) {
        old.slot = -1;
      }
      spare.slot = slot;
      event(ArrayEvent.Kind.SPARE_ACTIVE, spare.path, "takes slot " + slot + "; rebuilding");
    }
    if (change != null) {
      update(change);
    }
  }

  /**
   * Whether a device still holds {@code slot} here although the slot has no working member: a
   * failure the engine reported and this thread has not recorded yet. Its holder may be the slot's
   * member, or a copy that took the slot in the engine when the member it was copying failed and
   * then failed in turn (the member's record, which hands the slot over, still queued). Until each
   * is recorded faulty, their superblocks name them in the slot.
   */
  private boolean failureNotRecorded(int slot) {
    synchronized (held) {
      for (Held h : held) {
        if (h.slot == slot && !h.faulty) {
          return true;
        }
      }
    }
    return false;
  }

  /** A sync pass ended (on its own thread): hand it to the management thread. */
  private void syncEnded(SyncJob job) {
    if (job.action() == SyncAction.RESYNC && job.completed()) {
      resyncCompleted.run(); // recorded before the pass counts as finished
    }
    post(() -> afterSync(job));
  }

  private void afterSync(SyncJob job) {
    WriteIntentBitmap b = bitmap;
    if (b != null
        && job.completed()
        && (job.action() == SyncAction.RESYNC || job.action() == SyncAction.RECOVER)
        && wholeArray()
        && engine.syncedBelow() == Long.MAX_VALUE) {
      // Every slot in sync and parity right: nothing needed any more. Not after a recovery on a
      // dirty array: the resync that follows needs the chunks still flagged.
      b.syncCompleted();
    }
    boolean restart = restartWanted;
    restartWanted = false;
    String what = job.action().mdName();
    if (job.action() == SyncAction.RECOVER) {
      finishReplacements();
      recordRecovery(job.targets(), true);
    }
    if (job.completed()) {
      if (job.action() == SyncAction.RECOVER) {
        boolean[] targets = job.targets();
        for (int slot = 0; slot < targets.length; slot++) {
          bitmapRebuild[slot] &= !targets[slot];
        }
        for (int slot = 0; slot < targets.length; slot++) {
          Held h = holderOf(slot);
          if (targets[slot] && h != null && engine.memberInSync(slot) && !h.replacing) {
            event(ArrayEvent.Kind.SPARE_ACTIVE, h.path, "slot " + slot + " rebuilt, in sync");
          }
        }
      }
      event(
          ArrayEvent.Kind.REBUILD_FINISHED,
          "",
          what
              + " finished"
              + (job.action() == SyncAction.RECOVER
                  ? ""
                  : ", " + job.mismatchSectors() + " mismatched sectors"));
    } else {
      event(
          ArrayEvent.Kind.REBUILD_INTERRUPTED,
          "",
          what
              + " stopped at member sector "
              + job.position()
              + (job.abortReason() != null ? ": " + job.abortReason() : ""));
    }
    if (job.mismatchSectors() > 0) {
      event(
          ArrayEvent.Kind.MISMATCHES,
          "",
          what + " found " + job.mismatchSectors() + " mismatched sectors (md's mismatch_cnt)");
    }
    if (!closing && (job.completed() || restart)) {
      maybeRecover();
    }
  }

  /**
   * Replacements whose copy is complete: the swap is recorded first (the old member leaves as
   * faulty, as md records it), then the engine puts the replacement in its slot — until then every
   * write reaches both, so a crash in between finds current data in whichever the superblocks name.
   * One swap per update: the replacement's own superblock is written first ({@link
   * MemberSuperblocks#update}), and a cut after it must not leave the record of a second swap in it
   * while the second replacement's own superblock still says it is copying from where it began (two
   * swaps recorded together left a RAID-5 whose second copy, in its own eyes just started, had to
   * rebuild a slot whose member the freshest superblock called faulty).
   */
  private void finishReplacements() {
    while (true) {
      MemberSuperblocks.Change change = null;
      List<Held> replaced = new ArrayList<>();
      int slot = -1;
      synchronized (held) {
        for (Held r : held) {
          if (r.replacing && engine.replacementComplete(r.slot)) {
            slot = r.slot;
            for (Held old : held) {
              if (old != r && old.slot == r.slot && !old.faulty) {
                old.faulty = true;
                old.slot = -1;
                replaced.add(old);
                MemberSuperblocks.Change c = MemberSuperblocks.Change.faulty(old.devNumber);
                change = change == null ? c : change.and(c);
              }
            }
            r.replacing = false;
            MemberSuperblocks.Change c =
                MemberSuperblocks.Change.replacement(r.devNumber, false)
                    .and(
                        MemberSuperblocks.Change.recoveryOffset(
                            r.devNumber, Superblock1.MAX_SECTOR));
            change = change == null ? c : change.and(c);
            recordedRecovery[r.slot] = Superblock1.MAX_SECTOR;
            break;
          }
        }
      }
      if (change == null) {
        return;
      }
      update(change);
      if (!engine.promoteReplacement(slot)) {
        // The copy failed while its swap was being recorded (its failure waits behind this
        // task): the members already name the old member faulty, as md has it from the moment a
        // copy completes. The engine must not go on serving the slot from it, or it would count
        // the slot in sync while every superblock calls it empty (and let a --fail through that
        // leaves an array no assembly can run). The slot is out until a spare rebuilds it.
        for (Held old : replaced) {
          if (engine.memberIs(slot, old.device)) {
            engine.failMember(
                slot,
                new IOException(
                    old.path + " is recorded replaced, and its copy failed as it took the slot"));
          }
        }
      }
      for (Held old : replaced) {
        event(ArrayEvent.Kind.FAIL, old.path, "replaced; marked faulty (remove it when you like)");
      }
    }
  }

  /** The replacement being made for {@code slot}, or null. */
  private @Nullable Held replacementOf(int slot) {
    synchronized (held) {
      for (Held h : held) {
        if (h.replacing && h.slot == slot) {
          return h;
        }
      }
    }
    return null;
  }

  /** Records the rebuild points of {@code targets} that moved since last recorded. */
  private void recordRecovery(boolean[] targets, boolean always) {
    MemberSuperblocks.Change change = null;
    for (int slot = 0; slot < targets.length; slot++) {
      Held copy = replacementOf(slot);
      Held h = copy != null ? copy : holderOf(slot);
      if (!targets[slot] || h == null || h.faulty) {
        continue;
      }
      long point =
          copy != null
              ? engine.replacedBelow(slot)
              : engine.memberInSync(slot) ? Superblock1.MAX_SECTOR : engine.recoveredBelow(slot);
      if (point == Long.MAX_VALUE) {
        point = Superblock1.MAX_SECTOR;
      }
      if (point != recordedRecovery[slot] && (always || point != Superblock1.MAX_SECTOR)) {
        MemberSuperblocks.Change c = MemberSuperblocks.Change.recoveryOffset(h.devNumber, point);
        change = change == null ? c : change.and(c);
        recordedRecovery[slot] = point;
      }
    }
    if (change != null) {
      update(change);
    }
  }

  /** Every few seconds: the running rebuild's point goes to the superblocks. */
  private void checkpoint() {
    SyncJob job = engine.syncJob();
    if (job != null && !job.finished() && job.action() == SyncAction.RECOVER) {
      recordRecovery(job.targets(), false);
    }
  }

  // ---- plumbing --------------------------------------------------------------------------------

  /**
   * Applies a change to the superblocks; a member that cannot take it fails (md: a failed metadata
   * write fails the device), which is recorded in turn. Returns whether at least one working member
   * took the change.
   */
  private boolean update(MemberSuperblocks.Change change) {
    MemberSuperblocks.Result result;
    try {
      result = superblocks.update(change);
    } catch (IllegalArgumentException e) {
      // The last working member failed: nowhere is left to record it (md writes no superblock on
      // an array without working members either). The failure is still logged by the caller.
      LOG.log(System.Logger.Level.WARNING, "{0}: not recorded: {1}", name, e.getMessage());
      return false;
    }
    for (MemberSuperblocks.Failure f : result.failed()) {
      Held h = heldOf(f.device());
      if (h == null) {
        continue;
      }
      if (h.slot >= 0 && engine.memberIs(h.slot, h.device)) {
        engine.failMember(h.slot, f.error()); // the listener records it
      } else if (!h.faulty) {
        h.faulty = true;
        superblocks.remove(h.device);
        event(ArrayEvent.Kind.FAIL, h.path, "superblock write failed: " + f.error().getMessage());
      }
    }
    return !result.written().isEmpty();
  }

  /** Fails a member whose superblock write failed outside this class (safe mode's writes). */
  void superblockWriteFailed(BlockDevice device, IOException error) {
    post(() -> {
      Held h = heldOf(device);
      if (h != null && h.slot >= 0 && engine.memberIs(h.slot, device)) {
        engine.failMember(h.slot, error);
      }
    });
  }

  private @Nullable Held holderOf(int slot) {
    synchronized (held) {
      for (Held h : held) {
        if (h.slot == slot && engine.memberIs(slot, h.device)) {
          return h;
        }
      }
    }
    return null;
  }

  private @Nullable Held holderOfFaulty(int slot, Held except) {
    synchronized (held) {
      for (Held h : held) {
        if (h != except && h.slot == slot && h.faulty) {
          return h;
        }
      }
    }
    return null;
  }

  @SuppressWarnings("ReferenceEquality") // the very device object
  private @Nullable Held heldOf(BlockDevice device) {
    synchronized (held) {
      for (Held h : held) {
        if (h.device == device) {
          return h;
        }
      }
    }
    return null;
  }

  private Held find(String device) {
    synchronized (held) {
      for (Held h : held) {
        if (h.path.equals(device) || h.device.name().equals(device)) {
          return h;
        }
      }
      List<String> names = held.stream().map(h -> h.path).toList();
      throw new IllegalArgumentException(
          device + " is not a device of the array; its devices are " + names);
    }
  }

  /**
   * Whether the engine has failed {@code h} (it shows failed in its slot, or the replacement being
   * made for the slot took its place) while the record of the failure is still queued on this
   * thread.
   */
  private boolean failedNotYetRecorded(Held h) {
    if (h.faulty || h.replacing || h.slot < 0) {
      return false;
    }
    if (engine.memberIs(h.slot, h.device)) {
      return engine.memberFaulty(h.slot);
    }
    Held standIn = replacementOf(h.slot);
    return standIn != null && engine.memberIs(h.slot, standIn.device);
  }

  private String state(Held h) {
    return h.faulty ? "faulty" : h.slot < 0 ? "spare" : "slot " + h.slot;
  }

  private static String slots(boolean[] which) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < which.length; i++) {
      if (which[i]) {
        s.append(s.isEmpty() ? "" : ", ").append(i);
      }
    }
    return s.toString();
  }

  private void event(ArrayEvent.Kind kind, String device, String message) {
    ArrayEvent e = new ArrayEvent(Instant.now(), kind, device, message);
    LOG.log(
        kind == ArrayEvent.Kind.FAIL || kind == ArrayEvent.Kind.ARRAY_FAILED
            ? System.Logger.Level.WARNING
            : System.Logger.Level.INFO,
        "{0}: {1}",
        name,
        e);
    synchronized (events) {
      if (events.size() == EVENT_LOG) {
        events.removeFirst();
      }
      events.addLast(e);
      eventCounts.merge(kind, 1L, Long::sum);
    }
    for (Consumer<ArrayEvent> l : listeners) {
      l.accept(e);
    }
  }

  private void post(Runnable task) {
    post(task, () -> {});
  }

  /** Runs {@code task} on the management thread, or {@code otherwise} if it has stopped. */
  private void post(Runnable task, Runnable otherwise) {
    if (!worker.isShutdown()) {
      try {
        worker.execute(() -> guarded(task));
        return;
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // stopping: nothing more to manage
      }
    }
    otherwise.run();
  }

  private void guarded(Runnable task) {
    try {
      task.run();
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.ERROR, name + ": managing the members failed", e);
    }
  }

  /** Runs {@code task} on the management thread and waits; its exceptions come through. */
  private <T> T call(Callable<T> task) throws IOException {
    if (closing) {
      throw new IllegalStateException(name + ": stopping");
    }
    try {
      return worker.submit(task).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(name + ": interrupted", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      throw new IOException(cause);
    }
  }

  private static void closeQuietly(BlockDevice device) {
    try {
      device.close();
    } catch (IOException | RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, device.name() + ": close failed: " + e.getMessage());
    }
  }

  /**
   * Stops managing: the running pass stops at a checkpoint which is recorded (a rebuild's point in
   * the superblocks; a resync's is recorded by the clean stop), then the thread ends. Devices that
   * are not slot members of the engine (spares, removed-from-slot failures) are closed.
   */
  @Override
  public void close() {
    closing = true;
    java.util.concurrent.ScheduledFuture<?> timer = checkpoints;
    if (timer != null) {
      timer.cancel(false);
    }
    SyncJob job = engine.syncJob();
    if (job != null) {
      job.cancel();
      try {
        job.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    worker.shutdown();
    try {
      worker.awaitTermination(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (job != null && job.action() == SyncAction.RECOVER) {
      recordRecovery(job.targets(), true); // after the worker: nothing else writes superblocks
    }
  }

  /** Every device the array holds. */
  List<BlockDevice> devices() {
    synchronized (held) {
      return held.stream().map(h -> h.device).toList();
    }
  }

  /** The devices marked faulty and not yet removed: nothing of the array's is kept on them. */
  List<BlockDevice> faultyDevices() {
    synchronized (held) {
      return held.stream().filter(h -> h.faulty).map(h -> h.device).toList();
    }
  }
}
