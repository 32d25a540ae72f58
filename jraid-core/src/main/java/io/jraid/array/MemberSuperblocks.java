package io.jraid.array;

import io.jraid.device.BlockDevice;
import io.jraid.format.FeatureMap;
import io.jraid.format.RoleTable;
import io.jraid.format.Superblock1;
import io.jraid.format.Superblock1Codec;
import io.jraid.format.Superblock1Layout;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.jspecify.annotations.Nullable;

/**
 * The superblocks of a running array's working members, and how they change: md's {@code
 * md_update_sb()} for jraid. Each {@link #update} applies one {@link Change} to every working
 * member's superblock — events + 1, {@code utime} = now, and the change's resync offset, roles and
 * recovery offsets — then writes them all and waits: for each member a flush (so that data written
 * before is durable before the superblock says so, md's PREFLUSH) and then a FUA write of the
 * superblock's 4 KiB block. Members run in parallel, except that members whose own state moves
 * forward (a rebuild point recorded, a replacement taking its slot) are written first, one by one
 * (see {@link #update}).
 *
 * <p>A member whose new role is {@link RoleTable#FAULTY} leaves the working set and is not written
 * (md writes only working members). A member whose write or flush fails is reported in the {@link
 * Result}: its on-disk superblock is then unknown, and the caller should fail it with a further
 * update ({@code Change.faulty(devNumber)}), as md does on a failed metadata write.
 *
 * <p>Uses: mark the array dirty ({@link Change#markDirty()}) and wait before the first write after
 * a clean period (md's safe mode), mark it clean ({@link Change#markClean()}) on a clean stop. md's
 * trick of decrementing events on a clean↔dirty flip is not mirrored: every update counts, so the
 * events only grow (members one behind are still accepted at assembly).
 *
 * <p>An array with a write-intent bitmap registers it ({@link #beforeEachUpdate}): the bitmap
 * superblock is written with the new event count before the md superblocks, as md does, so the
 * bitmap's {@code events} never fall behind and the bits stay trusted.
 *
 * <p>Thread-safe: updates run one at a time.
 */
public final class MemberSuperblocks {

  /**
   * One working member.
   *
   * @param device where its superblock is written
   * @param superblock what its superblock says (the last one written, or read at assembly)
   */
  public record Entry(BlockDevice device, Superblock1 superblock) {}

  /**
   * A member whose superblock could not be written.
   *
   * @param device the member
   * @param devNumber its descriptor number (for {@link Change#faulty})
   * @param error what failed
   */
  public record Failure(BlockDevice device, int devNumber, IOException error) {}

  /**
   * What an update did.
   *
   * @param events the array's event count now
   * @param written the members whose new superblock is on disk
   * @param failed the members whose write failed
   */
  public record Result(long events, List<Entry> written, List<Failure> failed) {

    /** Copies the lists. */
    public Result {
      written = List.copyOf(written);
      failed = List.copyOf(failed);
    }

    /** Whether every working member was written. */
    public boolean allWritten() {
      return failed.isEmpty();
    }
  }

  /**
   * A change to the array's state, applied to every working member's superblock. Combine with
   * {@link #and}.
   *
   * @param resyncOffset the new {@code resync_offset}, or null to keep it
   * @param roles new {@code dev_roles[]} entries by descriptor number
   * @param recoveryOffsets new recovery offsets by descriptor number; {@link
   *     Superblock1#MAX_SECTOR} means rebuilt (the recovery-offset feature is cleared)
   * @param replacements descriptors that are (true) or are no longer (false) a replacement being
   *     copied from their slot's member (md's {@code MD_FEATURE_REPLACEMENT})
   */
  public record Change(
      @Nullable Long resyncOffset,
      Map<Integer, Integer> roles,
      Map<Integer, Long> recoveryOffsets,
      Map<Integer, Boolean> replacements) {

    /** Copies the maps. */
    public Change {
      roles = Map.copyOf(roles);
      recoveryOffsets = Map.copyOf(recoveryOffsets);
      replacements = Map.copyOf(replacements);
    }

    /** Nothing but events + 1 and the update time. */
    public static Change none() {
      return new Change(null, Map.of(), Map.of(), Map.of());
    }

    /** Descriptor {@code devNumber} is (or no longer is) a replacement in the making. */
    public static Change replacement(int devNumber, boolean replacing) {
      return new Change(null, Map.of(), Map.of(), Map.of(devNumber, replacing));
    }

    /** The array is clean: parity matches the data ({@code resync_offset = MaxSector}). */
    public static Change markClean() {
      return resyncOffset(Superblock1.MAX_SECTOR);
    }

    /** The array is dirty: writes may be in flight, parity may not match ({@code 0}). */
    public static Change markDirty() {
      return resyncOffset(0);
    }

    /** Parity is known good below member sector {@code sectors} (a resync checkpoint). */
    public static Change resyncOffset(long sectors) {
      return new Change(sectors, Map.of(), Map.of(), Map.of());
    }

    /** Descriptor {@code devNumber} takes {@code role} (a slot, spare or faulty). */
    public static Change role(int devNumber, int role) {
      return new Change(null, Map.of(devNumber, role), Map.of(), Map.of());
    }

    /** Descriptor {@code devNumber} failed: marked faulty, and no longer written. */
    public static Change faulty(int devNumber) {
      return role(devNumber, RoleTable.FAULTY);
    }

    /**
     * Descriptor {@code devNumber} is rebuilt up to member sector {@code sectors}; {@link
     * Superblock1#MAX_SECTOR} once fully rebuilt.
     */
    public static Change recoveryOffset(int devNumber, long sectors) {
      return new Change(null, Map.of(), Map.of(devNumber, sectors), Map.of());
    }

    /** This change and then {@code other} (whose values win where both set one). */
    public Change and(Change other) {
      Map<Integer, Integer> r = new HashMap<>(roles);
      r.putAll(other.roles);
      Map<Integer, Long> o = new HashMap<>(recoveryOffsets);
      o.putAll(other.recoveryOffsets);
      Map<Integer, Boolean> p = new HashMap<>(replacements);
      p.putAll(other.replacements);
      return new Change(other.resyncOffset != null ? other.resyncOffset : resyncOffset, r, o, p);
    }
  }

  private final InstantSource clock;
  private List<Entry> members;

  /**
   * The working members and their current superblocks.
   *
   * @param clock gives {@code utime}
   * @throws IllegalArgumentException if the superblocks are not of one array at one event count
   */
  public MemberSuperblocks(List<Entry> members, InstantSource clock) {
    if (members.isEmpty()) {
      throw new IllegalArgumentException("members=[] (an array has at least one working member)");
    }
    Superblock1 first = members.getFirst().superblock();
    for (Entry e : members) {
      Superblock1 sb = e.superblock();
      if (!sb.setUuid().equals(first.setUuid()) || sb.events() != first.events()) {
        throw new IllegalArgumentException(
            e.device().name()
                + ": array "
                + sb.setUuid()
                + " events "
                + sb.events()
                + " differs from "
                + members.getFirst().device().name()
                + " ("
                + first.setUuid()
                + " events "
                + first.events()
                + "): bring every working member to one event count first");
      }
    }
    this.members = List.copyOf(members);
    this.clock = clock;
  }

  /** Runs before the md superblocks of an update are written. */
  @FunctionalInterface
  interface BeforeUpdate {
    /**
     * Writes what must precede the md superblocks.
     *
     * @param events the event count the update writes
     * @param next the working members and their superblocks as the update will write them
     */
    void beforeUpdate(long events, List<Entry> next);
  }

  private @Nullable BeforeUpdate beforeUpdate;

  /** Registers what must be written before each update's md superblocks (the bitmap's). */
  synchronized void beforeEachUpdate(@Nullable BeforeUpdate hook) {
    this.beforeUpdate = hook;
  }

  /** The working members and their superblocks as last written. */
  public synchronized List<Entry> members() {
    return members;
  }

  /**
   * Adds a member (a new spare) whose superblock is already on it, at the array's event count; the
   * next {@link #update} writes it with the others.
   */
  public synchronized void add(Entry entry) {
    if (entry.superblock().setUuid().equals(members.getFirst().superblock().setUuid())
        && entry.superblock().events() < events()) {
      // Written a moment ago at the events it read; updates since then catch it up.
      Superblock1 sb = entry.superblock();
      entry = new Entry(entry.device(), apply(sb, Change.none(), events(), sb.utimeSeconds()));
    }
    if (!entry.superblock().setUuid().equals(members.getFirst().superblock().setUuid())
        || entry.superblock().events() != events()) {
      throw new IllegalArgumentException(
          entry.device().name()
              + ": array "
              + entry.superblock().setUuid()
              + " events "
              + entry.superblock().events()
              + " is not this array at events "
              + events());
    }
    List<Entry> next = new ArrayList<>(members);
    next.add(entry);
    members = List.copyOf(next);
  }

  /** Stops writing {@code device}'s superblock (a spare taken out); false if it was not written. */
  @SuppressWarnings("ReferenceEquality") // the very device object
  public synchronized boolean remove(BlockDevice device) {
    List<Entry> next = new ArrayList<>(members);
    boolean removed = next.removeIf(e -> e.device() == device);
    if (removed && !next.isEmpty()) {
      members = List.copyOf(next);
    }
    return removed;
  }

  /** The array's event count. */
  public synchronized long events() {
    return members.getFirst().superblock().events();
  }

  /**
   * Applies {@code change} to every working member's superblock and writes them all (see the class
   * comment); returns when every write has ended (an interrupt is kept for later, since the buffers
   * must outlive the writes).
   *
   * @throws IllegalArgumentException if the change would leave no working member
   */
  public synchronized Result update(Change change) {
    long events = events() + 1;
    long now = clock.instant().getEpochSecond();
    List<Entry> next = new ArrayList<>();
    for (Entry e : members) {
      Superblock1 sb = apply(e.superblock(), change, events, now);
      if (sb.role() != RoleTable.FAULTY) {
        next.add(new Entry(e.device(), sb));
      }
    }
    if (next.isEmpty()) {
      throw new IllegalArgumentException(
          "the change " + change + " would leave no working member to write");
    }
    BeforeUpdate hook = beforeUpdate;
    if (hook != null) {
      hook.beforeUpdate(events, List.copyOf(next));
    }
    List<Entry> written = new ArrayList<>();
    List<Failure> failed = new ArrayList<>();
    try (Arena arena = Arena.ofShared()) {
      // Members whose own state moves forward (a rebuild point, a replacement taking its slot) are
      // written first, one by one: a power cut during the update then leaves either their own
      // superblock new — the freshest, so assembly takes the roles from it — or every superblock
      // old. Written with the rest, the cut could leave others new (naming the member in sync and
      // its predecessor faulty) and its own superblock old (still rebuilding from where it was):
      // assembly would then count neither the member nor the one it replaced.
      // A spare taking a slot goes the other way, last, once the others are written: new and
      // freshest alone, it would name itself in a slot the others call free, and assembly would
      // leave them out as split off (mdadm's "reports X as failed"). Left a spare by the cut, it is
      // taken as one and the slot rebuilt; its data was worth nothing yet.
      Set<Integer> takingSlots = takingSlots(change);
      List<Entry> ordered = new ArrayList<>(next);
      ordered.sort( // stable: the rest keep their order
          java.util.Comparator.comparingInt((Entry e) -> {
            int dev = e.superblock().devNumber();
            return advancesOwnState(change, dev) ? 0 : takingSlots.contains(dev) ? 2 : 1;
          }));
      List<CompletableFuture<Void>> writes = new ArrayList<>();
      for (int i = 0; i < ordered.size(); i++) {
        Entry e = ordered.get(i);
        int dev = e.superblock().devNumber();
        if (takingSlots.contains(dev)) {
          for (CompletableFuture<Void> w : writes) {
            w.exceptionally(error -> null).join(); // every other member first
          }
        }
        MemorySegment block = arena.allocate(Superblock1Layout.BLOCK_BYTES, 4096);
        block.fill((byte) 0);
        Superblock1Codec.encode(e.superblock(), block);
        writes.add(flushThenWrite(e.device(), block, e.superblock().superOffset() * 512));
        if (advancesOwnState(change, dev)) {
          writes.get(i).exceptionally(error -> null).join(); // its outcome is read below
        }
      }
      for (int i = 0; i < ordered.size(); i++) {
        Entry e = ordered.get(i);
        IOException error = await(writes.get(i), e.device().name());
        if (error == null) {
          written.add(e);
        } else {
          failed.add(new Failure(e.device(), e.superblock().devNumber(), error));
        }
      }
    }
    members = List.copyOf(next);
    return new Result(events, written, failed);
  }

  /**
   * Flushes every member that holds a slot and waits; returns those that could not flush. A clean
   * record claims that each member it names in sync holds its part of every stripe; that is true
   * only of data on stable storage. Flushed one by one inside the update, a member whose flush
   * fails would miss the record while the others, already clean, still name it in sync: a power cut
   * before its failure is recorded brings it back in sync (one update behind is accepted, as md
   * accepts it) holding stale blocks under parity that says otherwise, with no resync.
   */
  public List<Failure> flushSlotHolders() {
    List<Entry> now;
    synchronized (this) {
      now = members;
    }
    List<Entry> holders = new ArrayList<>();
    List<CompletableFuture<Void>> flushes = new ArrayList<>();
    for (Entry e : now) {
      Superblock1 sb = e.superblock();
      if (sb.role() >= sb.raidDisks()) {
        continue; // a spare holds nothing the record claims
      }
      CompletableFuture<Void> f = new CompletableFuture<>();
      e.device()
          .flush(error -> {
            if (error != null) {
              f.completeExceptionally(error);
            } else {
              f.complete(null);
            }
          });
      holders.add(e);
      flushes.add(f);
    }
    List<Failure> failed = new ArrayList<>();
    for (int i = 0; i < holders.size(); i++) {
      Entry e = holders.get(i);
      IOException error = await(flushes.get(i), e.device().name());
      if (error != null) {
        failed.add(new Failure(e.device(), e.superblock().devNumber(), error));
      }
    }
    return failed;
  }

  /**
   * Whether {@code change} moves member {@code devNumber}'s own state towards in sync in the slot
   * it holds: a rebuild point, a replacement taking its slot. Not a spare taking a slot: first and
   * alone, its new superblock would be the freshest, naming the slot taken while the others' name
   * it free, and assembly would leave the others out as a split array; its data is worth nothing
   * yet, so a cut that leaves it a spare loses nothing.
   */
  private static boolean advancesOwnState(Change change, int devNumber) {
    if (change.roles().containsKey(devNumber)) {
      return false;
    }
    return change.recoveryOffsets().containsKey(devNumber)
        || Boolean.FALSE.equals(change.replacements().get(devNumber));
  }

  /** The members that {@code change} moves from spare into a slot. */
  private Set<Integer> takingSlots(Change change) {
    Set<Integer> taking = new java.util.HashSet<>();
    for (Entry e : members) {
      Superblock1 sb = e.superblock();
      Integer role = change.roles().get(sb.devNumber());
      if (role != null && role < sb.raidDisks() && sb.role() == RoleTable.SPARE) {
        taking.add(sb.devNumber());
      }
    }
    return taking;
  }

  /** The superblock after {@code change}, as md's {@code super_1_sync()} would write it. */
  static Superblock1 apply(Superblock1 sb, Change change, long events, long now) {
    RoleTable roles = sb.roles();
    for (Map.Entry<Integer, Integer> r : change.roles().entrySet()) {
      roles = roles.withRole(r.getKey(), r.getValue());
    }
    int features = sb.featureMap();
    long recovery = sb.recoveryOffset();
    Long own = change.recoveryOffsets().get(sb.devNumber());
    if (own != null && own == Superblock1.MAX_SECTOR) {
      features &= ~FeatureMap.RECOVERY_OFFSET;
      recovery = 0;
    } else if (own != null) {
      features |= FeatureMap.RECOVERY_OFFSET;
      recovery = own;
    }
    Boolean replacing = change.replacements().get(sb.devNumber());
    if (replacing != null) {
      features = replacing ? features | FeatureMap.REPLACEMENT : features & ~FeatureMap.REPLACEMENT;
    }
    Long resync = change.resyncOffset();
    return new Superblock1(
        features,
        sb.setUuid(),
        sb.setName(),
        sb.ctime(),
        sb.level(),
        sb.layout(),
        sb.size(),
        sb.chunkSectors(),
        sb.raidDisks(),
        sb.bitmapOffset(),
        sb.newLevel(),
        sb.reshapePosition(),
        sb.deltaDisks(),
        sb.newLayout(),
        sb.newChunk(),
        sb.newOffset(),
        sb.dataOffset(),
        sb.dataSize(),
        sb.superOffset(),
        recovery,
        sb.devNumber(),
        sb.cntCorrectedRead(),
        sb.deviceUuid(),
        sb.devFlags(),
        sb.bblogShift(),
        sb.bblogSize(),
        sb.bblogOffset(),
        now,
        events,
        resync != null ? resync : sb.resyncOffset(),
        sb.logicalBlockSize(),
        roles);
  }

  private static CompletableFuture<Void> flushThenWrite(
      BlockDevice device, MemorySegment block, long offset) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    device.flush(flushError -> {
      if (flushError != null) {
        done.completeExceptionally(flushError);
        return;
      }
      device.write(
          block,
          offset,
          true,
          writeError -> {
            if (writeError != null) {
              done.completeExceptionally(writeError);
            } else {
              done.complete(null);
            }
          });
    });
    return done;
  }

  /**
   * Waits for {@code f} even if interrupted (its buffer must outlive the I/O), keeping the
   * interrupt; the I/O error it ended with, or null.
   */
  private static @Nullable IOException await(CompletableFuture<Void> f, String device) {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          f.get();
          return null;
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (ExecutionException e) {
          Throwable cause = e.getCause();
          return cause instanceof IOException io
              ? io
              : new IOException(device + ": superblock write failed: " + cause, cause);
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
