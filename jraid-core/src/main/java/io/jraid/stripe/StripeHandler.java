package io.jraid.stripe;

import static io.jraid.stripe.DevFlags.*;

import io.jraid.device.BlockDevice;
import io.jraid.ops.Operation;
import io.jraid.ops.SubmitStatus;
import io.jraid.parity.ParitySelection;
import io.jraid.parity.SyndromeLocator;
import io.jraid.stripe.Stripe.Dev;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import org.jspecify.annotations.Nullable;

/**
 * {@code handle_stripe}: one pass over a stripe — take in completions, analyse, decide, start
 * operations and member I/O, return. It never waits: whatever it starts completes later, posts the
 * stripe back to its lane, and the next pass carries on. Runs only on the stripe's lane.
 *
 * <p>A pass mirrors raid5.c: (1) completions of member I/O and operation chains; (2) analysis —
 * which members are failed for this stripe; (3) more failures than the level tolerates fail the
 * stripe's requests; (4) a computed write ({@code *_RESULT}) gets its member writes; (5) written
 * blocks whose member writes (data and parity) are done complete their requests; (6) up-to-date
 * blocks serve their readers (BIOFILL); (7) fill: read, or compute from the others, what readers
 * and partial writers need; (8) dirtying: read-modify-write or reconstruct-write by md's cost rule,
 * pre-reads parked on the delayed list unless allowed — steps 7 and 8 are decided by {@link
 * FillPlanner}, a pure function of a view of the stripe, and carried out here; (9) read-error
 * repair: rewrite a computed block to the member that failed to read it, then read it back; (10) a
 * sync pass's step — rebuild onto recovered and replacement members, or resync, check, repair
 * parity — decided by {@link SyncPlanner} the same way; (11) I/O for every WANTREAD and WANTWRITE.
 */
final class StripeHandler {

  private static final System.Logger LOG = System.getLogger(StripeHandler.class.getName());

  private final StripeEngine engine;
  private final Lane lane;
  private final int disks;
  private final int maxDegraded;
  private final boolean raid6;

  /** Per pass: failed members of the stripe (md's failed_num), and how many. */
  private final int[] failedNum = new int[2];

  private int failed;

  /** Per pass: whether member i can be read for this stripe (md's R5_Insync). */
  private final boolean[] insync;

  /** The fill planner's input and output, reused for every pass. */
  private final FillPlanner.View view;

  private final FillPlanner.Plan plan;

  /** The sync step's view and plan, reused. */
  private final SyncPlanner.View syncView;

  private final SyncPlanner.Plan syncPlan;

  /** P and Q recomputed from the data, for locating a RAID-6 mismatch (lane-owned). */
  private final MemorySegment scratchP;

  private final MemorySegment scratchQ;

  /**
   * Pieces completed in this pass and not yet counted off their request: consecutive pieces of one
   * request (a stripe's blocks of one large write, say) take one update of its count, which every
   * lane its pieces went to shares.
   */
  private @Nullable ArrayIo doneIo;

  private int doneCount;

  /** A slot's member and replacement, read as one pair for a write (lane-confined scratch). */
  private final @Nullable BlockDevice[] pair = new BlockDevice[2];

  StripeHandler(StripeEngine engine, Lane lane) {
    MemorySegment scratch = java.lang.foreign.Arena.ofAuto().allocate(2L * StripeEngine.BLOCK, 64);
    this.scratchP = scratch.asSlice(0, StripeEngine.BLOCK);
    this.scratchQ = scratch.asSlice(StripeEngine.BLOCK, StripeEngine.BLOCK);
    this.engine = engine;
    this.lane = lane;
    this.disks = engine.disks;
    this.maxDegraded = engine.maxDegraded;
    this.raid6 = engine.raid6;
    this.insync = new boolean[disks];
    this.view = new FillPlanner.View(disks, raid6);
    this.plan = new FillPlanner.Plan(disks);
    this.syncView = new SyncPlanner.View(disks, raid6);
    this.syncPlan = new SyncPlanner.Plan(disks);
  }

  // ---- entry: a piece joins the stripe
  // -----------------------------------------------------------

  void add(Stripe s, Bio bio) {
    if (bio.io.kind == ArrayIo.Kind.SYNC) {
      s.sync = bio; // the sync pass sends each stripe once and waits for it
      return;
    }
    Dev d = s.devs[bio.member];
    bio.next = null;
    if (bio.io.kind == ArrayIo.Kind.READ) {
      d.toread = append(d.toread, bio);
    } else {
      d.towrite = append(d.towrite, bio);
      if (covers(d.towrite)) {
        d.set(OVERWRITE);
      }
      if (bio.io.fua) {
        s.prereadActive = true; // synchronous writers don't wait for neighbours (md's REQ_SYNC)
      }
    }
  }

  private static Bio append(@Nullable Bio list, Bio bio) {
    if (list == null) {
      return bio;
    }
    Bio tail = list;
    while (tail.next != null) {
      tail = tail.next;
    }
    tail.next = bio;
    return list;
  }

  /** Whether the pieces of {@code list} together cover the whole block. */
  private static boolean covers(@Nullable Bio list) {
    int covered = 0;
    boolean grew = true;
    while (grew && covered < StripeEngine.BLOCK) {
      grew = false;
      for (Bio b = list; b != null; b = b.next) {
        if (b.blockOffset <= covered && b.blockOffset + b.length > covered) {
          covered = b.blockOffset + b.length;
          grew = true;
        }
      }
    }
    return covered >= StripeEngine.BLOCK;
  }

  // ---- one pass
  // ------------------------------------------------------------------------------------

  void handle(Stripe s) {
    try {
      pass(s);
    } finally {
      countOffDone();
    }
  }

  private void pass(Stripe s) {
    takeCompletions(s);
    if (s.chainLength > 0 && !s.opsRunning) {
      submitChain(s);
    }
    analyse(s);
    if (failed > maxDegraded) {
      failRequests(s);
    }
    if (s.reconstruct == ReconstructState.DRAIN_RESULT
        || s.reconstruct == ReconstructState.PREXOR_DRAIN_RESULT) {
      issueParityWrites(s);
    }
    completeWrites(s);
    fillReaders(s);
    // md: no fill or dirtying decision while a compute or a write's operations are running.
    if (failed <= maxDegraded && s.check == CheckState.IDLE && !writeOrComputeRunning(s)) {
      fillAndDirty(s);
      repairReadErrors(s);
    }
    if (s.sync != null) {
      sync(s);
    }
    issueIo(s);
  }

  // ---- completions
  // ---------------------------------------------------------------------------------

  private void takeCompletions(Stripe s) {
    for (Dev d : s.devs) {
      if (d.ioDone) {
        d.ioDone = false;
        Throwable replacementError = d.replacementError;
        if (replacementError != null) {
          d.replacementError = null;
          BlockDevice replacement = d.replacementDevice;
          if (replacement != null) {
            engine.replacementFailed(d.index, replacement, replacementError);
          }
        }
        d.replacementDevice = null;
        if (d.has(COPYING)) { // a copy to the replacement only: nothing else to take in
          d.clear(COPYING | LOCKED);
          continue;
        }
        Throwable error = d.ioError;
        d.ioError = null;
        d.clear(LOCKED);
        if (d.ioWrite) {
          writeDone(d, error);
        } else {
          readDone(d, error);
        }
      }
    }
    if (s.opsDone) {
      s.opsDone = false;
      s.opsRunning = false;
      s.chainLength = 0;
      RuntimeException failure = s.opsFailure;
      if (failure != null) {
        s.opsFailure = null;
        operationFailed(s, failure);
      } else {
        opsDone(s);
      }
    }
  }

  private void readDone(Dev d, @Nullable Throwable error) {
    if (error == null) {
      d.set(UPTODATE);
      if (d.has(REWRITE)) { // the verify read after a repair: the block is good again
        d.clear(READ_ERROR | REWRITE);
        engine.stats.readErrorsCorrected.increment();
      }
      return;
    }
    engine.stats.readErrors.increment();
    engine.stats.members[d.index].readErrors.increment();
    if (d.has(REWRITE)) { // rewritten and still unreadable: give the member up
      d.clear(READ_ERROR | REWRITE);
      engine.markFaulty(d.index, d.ioDevice, error);
    } else {
      d.set(READ_ERROR);
    }
  }

  private void writeDone(Dev d, @Nullable Throwable error) {
    if (error != null) {
      engine.stats.members[d.index].writeErrors.increment();
      // md: a member write error fails the member (no bad-block log here); the stripe carries on
      // degraded, and the write is good as long as the redundancy covers the lost member.
      d.clear(REWRITE | READ_ERROR);
      engine.markFaulty(d.index, d.ioDevice, error);
    }
    returnLentPage(d); // the caller's page was on loan for the write only
  }

  /** A block written from its writer's page (skip_copy) takes its own page back, not up to date. */
  private static void returnLentPage(Dev d) {
    if (d.has(SKIP_COPY)) {
      d.page = d.own;
      d.clear(SKIP_COPY | UPTODATE);
    }
  }

  private void opsDone(Stripe s) {
    if (s.check == CheckState.RUN) {
      checkDone(s);
      return;
    }
    if (s.check == CheckState.COMPUTE_RUN) {
      parityRecomputed(s);
      return;
    }
    if (s.computeA >= 0) {
      finishCompute(s, s.computeA);
      if (s.computeB >= 0) {
        finishCompute(s, s.computeB);
      }
      s.computeA = -1;
      s.computeB = -1;
      return;
    }
    switch (s.reconstruct) {
      case DRAIN_RUN -> {
        markParityAndWrittenUptodate(s);
        s.reconstruct = ReconstructState.DRAIN_RESULT;
      }
      case PREXOR_DRAIN_RUN -> {
        if (s.rmwDrained) {
          markParityAndWrittenUptodate(s);
          s.reconstruct = ReconstructState.PREXOR_DRAIN_RESULT;
        } else {
          drainAndReconstructRmw(s); // old data is out of P/Q: now copy the new data in
        }
      }
      case IDLE, DRAIN_RESULT, PREXOR_DRAIN_RESULT -> {}
    }
  }

  private void finishCompute(Stripe s, int target) {
    Dev d = s.devs[target];
    d.clear(LOCKED | WANTCOMPUTE);
    d.set(UPTODATE);
  }

  private void markParityAndWrittenUptodate(Stripe s) {
    for (Dev d : s.devs) {
      if (d.index == s.pdIdx || d.index == s.qdIdx || d.written != null) {
        d.set(UPTODATE);
      }
    }
  }

  // ---- analysis
  // --------------------------------------------------------------------------------------

  private void analyse(Stripe s) {
    failed = 0;
    for (int i = disks - 1; i >= 0; i--) {
      boolean readable = engine.memberReadable(i, s.sector, StripeEngine.BLOCK / 512);
      if (!readable) {
        // md: a read error of a member no longer in sync here (it failed, or a spare being rebuilt
        // took its slot) is nothing to repair any more; left set, the repair would rewrite and
        // read back a block that is rebuilt instead, over and over.
        s.devs[i].clear(READ_ERROR | REWRITE);
      }
      boolean ok = readable && !s.devs[i].has(READ_ERROR);
      insync[i] = ok;
      if (!ok) {
        if (failed < 2) {
          failedNum[failed] = i;
        }
        failed++;
      }
    }
  }

  /** md step 2: too many failures for this stripe — every pending request fails. */
  private void failRequests(Stripe s) {
    IOException error =
        new IOException(
            engine.name
                + ": "
                + failed
                + " members failed at member sector "
                + s.sector
                + "; RAID-"
                + engine.geometry.level()
                + " survives "
                + maxDegraded);
    for (Dev d : s.devs) {
      d.toread = completeAll(d.toread, error);
      if (!d.has(LOCKED)) {
        d.towrite = completeAll(d.towrite, error);
        d.written = completeAll(d.written, error);
        d.clear(OVERWRITE);
      }
    }
  }

  private @Nullable Bio completeAll(@Nullable Bio list, @Nullable Throwable error) {
    while (list != null) {
      Bio next = list.next;
      pieceDone(list, error);
      list = next;
    }
    return null;
  }

  /**
   * {@code bio} is done: its descriptor goes back; its request's count waits for the pass's end.
   */
  private void pieceDone(Bio bio, @Nullable Throwable error) {
    ArrayIo io = bio.io;
    engine.recycle(bio);
    if (error != null) {
      io.pieceDone(error);
      return;
    }
    if (io != doneIo) {
      countOffDone();
      doneIo = io;
    }
    doneCount++;
  }

  private void countOffDone() {
    ArrayIo io = doneIo;
    if (io != null) {
      int count = doneCount;
      doneIo = null;
      doneCount = 0;
      io.piecesDone(count, null);
    }
  }

  // ---- writes: results, completion
  // -----------------------------------------------------------------

  /** md step 3: parity is computed, write every locked block that is P, Q or new data. */
  private void issueParityWrites(Stripe s) {
    boolean fua = false;
    for (Dev d : s.devs) {
      fua |= d.written != null && d.has(WANTFUA);
    }
    for (Dev d : s.devs) {
      if (d.has(LOCKED) && (d.index == s.pdIdx || d.index == s.qdIdx || d.written != null)) {
        d.set(WANTWRITE);
        if (fua) {
          d.set(WANTFUA);
        }
      }
    }
    s.reconstruct = ReconstructState.IDLE;
    s.prereadActive = false;
  }

  /** md step 4: new data and parity are on the members — complete the writers. */
  private void completeWrites(Stripe s) {
    if (s.reconstruct != ReconstructState.IDLE) {
      return;
    }
    if (locked(s, s.pdIdx) || (raid6 && locked(s, s.qdIdx))) {
      return;
    }
    for (Dev d : s.devs) {
      if (d.written != null && !d.has(LOCKED) && !d.has(WANTWRITE)) {
        d.written = completeAll(d.written, null);
        d.clear(WANTFUA);
      }
    }
  }

  private boolean locked(Stripe s, int i) {
    Dev d = s.devs[i];
    return insync[i] && (d.has(LOCKED) || d.has(WANTWRITE));
  }

  // ---- reads
  // ---------------------------------------------------------------------------------------

  /** BIOFILL: copy up-to-date blocks into their readers' buffers. */
  private void fillReaders(Stripe s) {
    for (Dev d : s.devs) {
      if (d.toread != null && d.has(UPTODATE) && !d.has(WANTCOMPUTE)) {
        for (Bio b = d.toread; b != null; ) {
          Bio next = b.next;
          MemorySegment.copy(d.page, b.blockOffset, b.io.buffer, b.bufferOffset, b.length);
          pieceDone(b, null);
          b = next;
        }
        d.toread = null;
      }
    }
  }

  /**
   * Fill and dirtying (md's fetch_block and handle_stripe_dirtying): the stripe as {@link
   * FillPlanner} sees it, its plan, and the plan carried out.
   */
  private void fillAndDirty(Stripe s) {
    boolean anything = false;
    for (Dev d : s.devs) {
      anything |= d.toread != null || d.towrite != null || d.has(READ_ERROR);
    }
    if (!anything) {
      return; // no reader, writer or block to repair: the plan would be empty
    }
    FillPlanner.View v = view;
    for (Dev d : s.devs) {
      int i = d.index;
      v.flags[i] = d.flags;
      v.toread[i] = d.toread != null;
      v.towrite[i] = d.towrite != null;
      v.insync[i] = insync[i];
    }
    v.pdIdx = s.pdIdx;
    v.qdIdx = s.qdIdx;
    v.failed = failed;
    v.failedNum[0] = failedNum[0];
    v.failedNum[1] = failedNum[1];
    v.prereadActive = s.prereadActive;
    v.unsynced = s.sector >= engine.syncedBelow();
    v.forceRcw = engine.rmwDisabled || (v.unsynced && failed == 0);
    FillPlanner.Plan p = plan;
    FillPlanner.plan(v, p);
    markReads(s, p.read);
    if (p.delay) {
      lane.delay(s);
    }
    if (p.computeA >= 0) {
      startCompute(s, p.computeA, p.computeB);
    }
    switch (p.write) {
      case RECONSTRUCT -> startRcw(s);
      case READ_MODIFY_WRITE -> startRmw(s);
      case NONE -> {}
    }
  }

  /** A write's parity update, a compute or an operation chain is in progress on the stripe. */
  private static boolean writeOrComputeRunning(Stripe s) {
    return s.reconstruct != ReconstructState.IDLE
        || s.opsRunning
        || s.chainLength > 0
        || s.computeA >= 0;
  }

  /** The blocks a plan reads: locked, and read by this pass's I/O step. */
  private static void markReads(Stripe s, boolean[] read) {
    for (Dev d : s.devs) {
      if (read[d.index]) {
        d.set(WANTREAD | LOCKED);
      }
    }
  }

  // ---- compute (md 6.4) ------------------------------------------------------------------------

  private void startCompute(Stripe s, int a, int b) {
    if (b >= 0 && b < a) {
      int t = a;
      a = b;
      b = t;
    }
    s.computeA = a;
    s.computeB = b;
    s.devs[a].set(LOCKED | WANTCOMPUTE);
    s.devs[a].clear(UPTODATE);
    if (b >= 0) {
      s.devs[b].set(LOCKED | WANTCOMPUTE);
      s.devs[b].clear(UPTODATE);
    }
    Operation op = s.opA;
    if (!raid6) {
      op.xorZeroDst(s.devs[a].page, xorAllBut(s, a, -1));
      startChain(s, op, null);
      return;
    }
    int p = s.pdIdx;
    int q = s.qdIdx;
    MemorySegment pPage = s.devs[p].page;
    MemorySegment qPage = s.devs[q].page;
    if (b < 0) {
      if (a == q) {
        syndrome(s, s.sourcesA);
        op.pq(s.sourcesA, null, qPage);
      } else {
        // Data or P: the XOR of everything except the target and Q.
        op.xorZeroDst(s.devs[a].page, xorAllBut(s, a, q));
      }
      startChain(s, op, null);
      return;
    }
    boolean aIsData = a != p && a != q;
    boolean bIsData = b != p && b != q;
    if (!aIsData && !bIsData) { // P and Q
      syndrome(s, s.sourcesA);
      op.pq(s.sourcesA, pPage, qPage);
      startChain(s, op, null);
    } else if (aIsData && bIsData) {
      syndrome(s, s.sourcesA);
      int slotA = slot(s, a);
      int slotB = slot(s, b);
      op.recoverTwoData(s.sourcesA, Math.min(slotA, slotB), Math.max(slotA, slotB), pPage, qPage);
      startChain(s, op, null);
    } else {
      int data = aIsData ? a : b;
      int parity = aIsData ? b : a;
      syndrome(s, s.sourcesA);
      if (parity == p) {
        op.recoverDataP(s.sourcesA, slot(s, data), pPage, qPage);
      } else {
        op.recoverDataQ(s.sourcesA, slot(s, data), pPage, qPage);
      }
      startChain(s, op, null);
    }
  }

  /**
   * XOR sources: every block except {@code skipA} and {@code skipB}, in an array of that length.
   */
  private static MemorySegment[] xorAllBut(Stripe s, int skipA, int skipB) {
    int n = 0;
    for (Dev d : s.devs) {
      if (d.index != skipA && d.index != skipB) {
        n++;
      }
    }
    MemorySegment[] sources = s.sources(n);
    int k = 0;
    for (Dev d : s.devs) {
      if (d.index != skipA && d.index != skipB) {
        sources[k++] = d.page;
      }
    }
    return sources;
  }

  /**
   * Fills {@code sources} with the data blocks in syndrome-slot order (DDF: P and Q positions stay
   * null = zero); lost blocks are included, as the destinations of a recovery.
   */
  private void syndrome(Stripe s, MemorySegment[] sources) {
    java.util.Arrays.fill(sources, null);
    for (Dev d : s.devs) {
      if (d.index != s.pdIdx && d.index != s.qdIdx) {
        sources[slot(s, d.index)] = d.page;
      }
    }
  }

  private int slot(Stripe s, int member) {
    return engine.map.slot(s.sector / engine.geometry.chunkSectors(), member);
  }

  // ---- dirtying: rmw vs rcw (md 5.5)
  // -------------------------------------------------------------

  /** Reconstruct-write: copy the new data in, compute parity from all data (md 6.1 RCW). */
  private void startRcw(Stripe s) {
    lane.undelay(s);
    for (Dev d : s.devs) {
      if (d.towrite != null) {
        drain(d);
      }
    }
    lockParity(s);
    Operation op = s.opA;
    if (raid6) {
      syndrome(s, s.sourcesA);
      op.pq(s.sourcesA, s.devs[s.pdIdx].page, s.devs[s.qdIdx].page);
    } else {
      op.xorZeroDst(s.devs[s.pdIdx].page, xorAllBut(s, s.pdIdx, -1));
    }
    s.reconstruct = ReconstructState.DRAIN_RUN;
    startChain(s, op, null);
  }

  /** Read-modify-write, first step: take the old data out of P (and Q). */
  private void startRmw(Stripe s) {
    lane.undelay(s);
    lockParity(s);
    s.rmwDrained = false;
    boolean onLoan = true;
    for (Dev d : s.devs) {
      if (d.towrite != null) {
        d.set(LOCKED | PREXOR);
        onLoan &= drainsWithoutCopy(d.towrite);
      }
    }
    MemorySegment p = s.devs[s.pdIdx].page;
    Operation op = s.opA;
    if (!raid6 && onLoan && oneXorFor(s)) {
      s.reconstruct = ReconstructState.PREXOR_DRAIN_RUN;
      startChain(s, op, null);
      return;
    }
    if (raid6) {
      java.util.Arrays.fill(s.sourcesA, null);
      for (Dev d : s.devs) {
        if (d.towrite != null) {
          s.sourcesA[slot(s, d.index)] = d.page;
        }
      }
      op.pqXor(s.sourcesA, p, s.devs[s.qdIdx].page);
    } else {
      op.xorDropDst(p, blocksWith(s, false));
    }
    s.reconstruct = ReconstructState.PREXOR_DRAIN_RUN;
    if (onLoan) {
      // The new data stays in the writers' buffers and the old stays in the cache pages, so
      // the drain cannot overwrite what the prexor reads: both steps go as one chain (md chains
      // prexor, biodrain and reconstruct the same way), one pass fewer per write.
      startChain(s, op, drainAndReconstructOp(s));
      return;
    }
    startChain(s, op, null);
  }

  /**
   * RAID-5 read-modify-write with the new data on loan: P ^= old data ^ new data as one XOR (md
   * runs a prexor and a postxor: P is read and written twice, and one more operation goes through
   * the chain). The old data stays in the cache pages and the new in the writers' buffers, so one
   * operation can read both. Prepares {@code s.opA}; false when the sources would not fit.
   */
  private boolean oneXorFor(Stripe s) {
    int n = 0;
    for (Dev d : s.devs) {
      if (d.has(PREXOR)) {
        n++;
      }
    }
    if (2 * n > disks) {
      return false;
    }
    MemorySegment[] sources = s.sources(2 * n);
    int k = 0;
    for (Dev d : s.devs) {
      if (d.has(PREXOR)) {
        sources[k++] = d.page; // the old data, before the drain lends the writer's page
        d.clear(PREXOR);
        drain(d);
        sources[k++] = d.page;
      }
    }
    s.rmwDrained = true;
    s.opA.xorDropDst(s.devs[s.pdIdx].page, sources);
    return true;
  }

  /** Read-modify-write, second step: copy the new data in and add it to P (and Q). */
  private void drainAndReconstructRmw(Stripe s) {
    startChain(s, drainAndReconstructOp(s), null);
  }

  /** Drains the prexored blocks and makes the operation that adds the new data to P (and Q). */
  private Operation drainAndReconstructOp(Stripe s) {
    for (Dev d : s.devs) {
      if (d.has(PREXOR)) { // only the blocks whose old data left parity; later writes wait
        d.clear(PREXOR);
        drain(d);
      }
    }
    s.rmwDrained = true;
    MemorySegment p = s.devs[s.pdIdx].page;
    Operation op = s.opB;
    if (raid6) {
      java.util.Arrays.fill(s.sourcesB, null);
      for (Dev d : s.devs) {
        if (d.written != null) {
          s.sourcesB[slot(s, d.index)] = d.page;
        }
      }
      op.pqXor(s.sourcesB, p, s.devs[s.qdIdx].page);
    } else {
      op.xorDropDst(p, blocksWith(s, true));
    }
    return op;
  }

  /** The buffers of the blocks being written: queued writes, or (after the drain) written. */
  private static MemorySegment[] blocksWith(Stripe s, boolean written) {
    int n = 0;
    for (Dev d : s.devs) {
      if (written ? d.written != null : d.towrite != null) {
        n++;
      }
    }
    // The drained blocks are the second step of a read-modify-write chain: their own array.
    MemorySegment[] sources = written ? s.secondSources(n) : s.sources(n);
    int k = 0;
    for (Dev d : s.devs) {
      if (written ? d.written != null : d.towrite != null) {
        sources[k++] = d.page;
      }
    }
    return sources;
  }

  private void lockParity(Stripe s) {
    s.devs[s.pdIdx].set(LOCKED);
    s.devs[s.pdIdx].clear(UPTODATE);
    if (raid6) {
      s.devs[s.qdIdx].set(LOCKED);
      s.devs[s.qdIdx].clear(UPTODATE);
    }
  }

  /**
   * BIODRAIN: the block's queued writes go into its buffer (or, for one aligned write of the whole
   * block, the writer's memory becomes the buffer: md's skip_copy) and move to the written list.
   */
  private void drain(Dev d) {
    Bio list = d.towrite;
    d.towrite = null;
    boolean fua = false;
    if (list != null && drainsWithoutCopy(list)) {
      MemorySegment buffer = list.io.buffer;
      d.page =
          list.bufferOffset == 0 && buffer.byteSize() == StripeEngine.BLOCK
              ? buffer // a 4 KiB request: its own buffer, no view to make
              : buffer.asSlice(list.bufferOffset, StripeEngine.BLOCK);
      d.set(SKIP_COPY);
      fua = list.io.fua;
    } else {
      for (Bio b = list; b != null; b = b.next) {
        MemorySegment.copy(b.io.buffer, b.bufferOffset, d.page, b.blockOffset, b.length);
        fua |= b.io.fua;
      }
    }
    d.written = list;
    d.set(LOCKED);
    d.clear(UPTODATE | OVERWRITE);
    if (fua) {
      d.set(WANTFUA);
    }
  }

  /** Whether the block's queued writes are one aligned whole-block write whose page can be lent. */
  private boolean drainsWithoutCopy(Bio list) {
    return list.next == null
        && list.blockOffset == 0
        && list.length == StripeEngine.BLOCK
        && list.io.lendable
        && ((list.io.bufferAddress + list.bufferOffset) & (31 | engine.memberAlignmentMask)) == 0;
  }

  // ---- operation chains ----------------------------------------------------------------------

  private void startChain(Stripe s, Operation first, @Nullable Operation second) {
    s.chain[0] = first;
    s.chainLength = 1;
    if (second != null) {
      second.after(first);
      s.chain[1] = second;
      s.chainLength = 2;
    }
    Operation last = s.chain[s.chainLength - 1];
    last.then(s.opsCallback);
    s.chainNext = 0;
    submitChain(s);
  }

  private void submitChain(Stripe s) {
    while (s.chainNext < s.chainLength) {
      Operation op = s.chain[s.chainNext];
      SubmitStatus status;
      try {
        status = engine.ops.submit(op);
      } catch (RuntimeException e) {
        if (!op.isComplete()) {
          throw e; // refused before it ran: a mistake in the chain itself
        }
        // It ran on the inline path and failed: the chain goes on (what follows inherits the
        // failure without running) and its completion reports it to operationFailed.
        status = SubmitStatus.ACCEPTED;
      }
      if (status != SubmitStatus.ACCEPTED) {
        lane.retryLater(s);
        return;
      }
      s.chainNext++;
    }
    s.opsRunning = true;
  }

  /**
   * An operation of the stripe's chain threw. Kernels do not fail on the blocks the engine gives
   * them and I/O errors are values, so this is a bug; it must neither hang the requests nor let
   * half-made blocks reach the members. Nothing the chain made is trusted: blocks locked for it
   * unlock and lose their contents (a drained write's new data, parity half updated, a computed
   * block), lent pages go back, every request on the stripe fails with an error naming the stripe,
   * and a sync step stops its pass. The members keep the stripe as it was before: the chain runs
   * before any member write of the stripe.
   */
  private void operationFailed(Stripe s, RuntimeException failure) {
    LOG.log(
        System.Logger.Level.ERROR,
        engine.name
            + ": an operation on "
            + s
            + " threw (a bug in jraid, please report it): the stripe's requests fail and nothing"
            + " of them is written",
        failure);
    IOException error =
        new IOException(
            engine.name
                + ": internal error in a parity operation at member sector "
                + s.sector
                + " ("
                + failure
                + "); nothing of this request was written",
            failure);
    for (Dev d : s.devs) {
      boolean ioInFlight = d.ioPending.get() > 0 || d.ioDone;
      if (d.has(LOCKED) && !ioInFlight && !d.has(WANTREAD | WANTWRITE | WANT_REPLACE)) {
        // locked for the chain: a drained write's new data, parity half made, a computed block
        d.clear(LOCKED | WANTCOMPUTE | UPTODATE | PREXOR | WANTFUA);
        returnLentPage(d);
      }
      d.toread = completeAll(d.toread, error);
      if (!d.has(LOCKED)) {
        d.towrite = completeAll(d.towrite, error);
        d.written = completeAll(d.written, error);
        d.clear(OVERWRITE);
      }
    }
    s.computeA = -1;
    s.computeB = -1;
    s.reconstruct = ReconstructState.IDLE;
    s.rmwDrained = false;
    s.prereadActive = false;
    if (s.sync != null) {
      engine.syncAbort("internal error in a parity operation at member sector " + s.sector);
      finishSync(s);
    } else {
      s.check = CheckState.IDLE;
    }
  }

  // ---- read-error repair (md 7.2) --------------------------------------------------------------

  private void repairReadErrors(Stripe s) {
    for (Dev d : s.devs) {
      if (!d.has(READ_ERROR) || d.has(LOCKED) || !d.has(UPTODATE)) {
        continue;
      }
      if (!engine.memberWorking(d.index) || engine.readOnly) {
        d.clear(READ_ERROR | REWRITE);
        continue;
      }
      if (!d.has(REWRITE)) {
        d.set(WANTWRITE | LOCKED | REWRITE); // write the rebuilt block back
      } else {
        d.set(WANTREAD | LOCKED); // then read it back to be sure
        d.clear(UPTODATE);
      }
    }
  }

  // ---- sync: resync, check, repair (md's handle_parity_checks5/6) ---------------------------

  /**
   * One step of the stripe's sync request: read every block, validate parity, and — for resync and
   * repair — recompute and write what does not match. Writes already queued go first: the check
   * waits until no write is in progress, and no write starts while it runs.
   */
  private void sync(Stripe s) {
    switch (s.check) {
      case IDLE -> syncStep(s);
      case COMPUTE_RESULT -> {
        for (Dev d : s.devs) {
          if (d.has(LOCKED) || d.has(WANTWRITE)) {
            return;
          }
        }
        finishSync(s);
      }
      case RUN, COMPUTE_RUN -> {}
    }
  }

  /**
   * One sync step on the stripe (a rebuild onto the members being recovered and replaced, or a
   * resync, check or repair of its parity): the stripe as {@link SyncPlanner} sees it, its plan,
   * and the plan carried out.
   */
  private void syncStep(Stripe s) {
    SyncPlanner.View v = syncView;
    v.rebuild = engine.syncAction() == SyncAction.RECOVER;
    v.arrayDegraded = engine.failedMembers() > 0;
    v.busy = writeOrComputeRunning(s);
    for (Dev d : s.devs) {
      int i = d.index;
      v.flags[i] = d.flags;
      v.insync[i] = insync[i];
      v.recovering[i] = v.rebuild && engine.memberRecovering(i, s.sector);
      v.replacing[i] = v.rebuild && engine.replacing(i, s.sector);
    }
    v.pdIdx = s.pdIdx;
    v.qdIdx = s.qdIdx;
    v.failed = failed;
    v.firstFailed = failed > 0 ? failedNum[0] : -1;
    SyncPlanner.Plan p = syncPlan;
    SyncPlanner.plan(v, p);
    markReads(s, p.read);
    switch (p.step) {
      case DONE -> finishSync(s);
      case STOP -> {
        if (v.rebuild) {
          engine.syncAbort(
              "member sector "
                  + s.sector
                  + ": "
                  + failed
                  + " members unreadable, RAID-"
                  + engine.geometry.level()
                  + " rebuilds at most "
                  + maxDegraded);
        } else {
          // Parity cannot be checked without every member: the pass stops at its checkpoint.
          engine.syncAbort("a member is missing or failed: parity cannot be checked degraded");
        }
        finishSync(s);
      }
      case WAIT -> {}
      case COMPUTE -> startCompute(s, p.computeA, p.computeB); // back here with the blocks in
      case WRITE -> {
        for (Dev d : s.devs) {
          if (p.write[d.index]) {
            d.set(WANTWRITE | LOCKED);
          } else if (p.copy[d.index]) {
            d.set(WANT_REPLACE | LOCKED);
          }
        }
        s.check = CheckState.COMPUTE_RESULT;
      }
      case CHECK -> startCheck(s);
    }
  }

  private void startCheck(Stripe s) {
    Operation op = s.opA;
    if (raid6) {
      syndrome(s, s.sourcesA);
      op.pqValidate(s.sourcesA, s.devs[s.pdIdx].page, s.devs[s.qdIdx].page);
    } else {
      op.xorValidate(xorAllBut(s, -1, -1));
    }
    s.check = CheckState.RUN;
    startChain(s, op, null);
  }

  private void checkDone(Stripe s) {
    int result = s.opA.result();
    s.checkResult = result;
    if (result == 0) {
      finishSync(s);
      return;
    }
    SyncAction action = engine.syncAction();
    int badData = -1;
    int badMember = -1;
    String where = "more than one block";
    if (raid6 && action != SyncAction.RESYNC) {
      // Beyond md: the syndromes name the bad block when only one is (raid6check's method). Not
      // for a resync: after a crash the data is what was written, the parity is what lags.
      syndrome(s, s.sourcesA);
      ParitySelection.selected().pqGen(s.sourcesA, scratchP, scratchQ);
      SyndromeLocator.Location located =
          SyndromeLocator.locate(
              s.devs[s.pdIdx].page, scratchP, s.devs[s.qdIdx].page, scratchQ, s.sourcesA.length);
      switch (located.verdict()) {
        case P -> {
          where = "P";
          badMember = s.pdIdx;
        }
        case Q -> {
          where = "Q";
          badMember = s.qdIdx;
        }
        case DATA -> {
          badData = memberOfSlot(s, located.slot());
          badMember = badData;
          if (badData >= 0) {
            where = "data";
          }
        }
        case CONSISTENT, UNKNOWN -> {}
      }
    } else if (!raid6) {
      where = "P or a data block (RAID-5 cannot tell which)";
    } else {
      where = "P or Q (resync)";
    }
    if (action == SyncAction.REPAIR && badData >= 0) {
      // D ⊕ (P ⊕ P') is the block the parity was made from: rewrite it, parity stays.
      MemorySegment page = s.devs[badData].page;
      for (long i = 0; i < StripeEngine.BLOCK; i += 8) {
        long fix =
            s.devs[s.pdIdx].page.get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, i)
                ^ scratchP.get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, i);
        page.set(
            java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED,
            i,
            page.get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, i) ^ fix);
      }
      engine.syncMismatch(s.sector, badData, "data", "data block rewritten");
      s.devs[badData].set(WANTWRITE | LOCKED);
      s.check = CheckState.COMPUTE_RESULT;
      return;
    }
    if (!action.writes()) {
      engine.syncMismatch(s.sector, badMember, where, "counted");
      finishSync(s);
      return;
    }
    // Regenerate the parity found wrong from the data (md never blames a data block here; nor
    // does a resync, whose torn stripes hold new data with old parity).
    boolean p = (result & Operation.P_MISMATCH) != 0;
    boolean q = raid6 && (result & Operation.Q_MISMATCH) != 0;
    engine.syncMismatch(
        s.sector, badMember, where, (p && q ? "P and Q" : p ? "P" : "Q") + " rewritten");
    Operation op = s.opA;
    if (raid6) {
      syndrome(s, s.sourcesA);
      op.pq(s.sourcesA, p ? s.devs[s.pdIdx].page : null, q ? s.devs[s.qdIdx].page : null);
    } else {
      op.xorZeroDst(s.devs[s.pdIdx].page, xorAllBut(s, s.pdIdx, -1));
    }
    if (p) {
      s.devs[s.pdIdx].set(LOCKED);
    }
    if (q) {
      s.devs[s.qdIdx].set(LOCKED);
    }
    s.check = CheckState.COMPUTE_RUN;
    startChain(s, op, null);
  }

  /** The member whose data sits at syndrome slot {@code slot} of the stripe, or -1. */
  private int memberOfSlot(Stripe s, int slot) {
    for (Dev d : s.devs) {
      if (d.index != s.pdIdx && d.index != s.qdIdx && slot(s, d.index) == slot) {
        return d.index;
      }
    }
    return -1;
  }

  private void parityRecomputed(Stripe s) {
    s.check = CheckState.COMPUTE_RESULT;
    if ((s.checkResult & Operation.P_MISMATCH) != 0) {
      s.devs[s.pdIdx].set(WANTWRITE | LOCKED);
    }
    if (raid6 && (s.checkResult & Operation.Q_MISMATCH) != 0) {
      s.devs[s.qdIdx].set(WANTWRITE | LOCKED);
    }
  }

  /**
   * Ends the stripe's sync step. Reads and writes that joined the stripe meanwhile were held back
   * (no fill or dirtying while a check is in progress) and the pass that ends it may be past its
   * dirtying step, so the stripe is handled once more for them: nothing else would post it.
   */
  private void finishSync(Stripe s) {
    Bio request = s.sync;
    s.sync = null;
    s.check = CheckState.IDLE;
    s.checkResult = 0;
    if (request != null) {
      engine.syncStripeDone(request);
    }
    for (Dev d : s.devs) {
      if (d.toread != null || d.towrite != null) {
        lane.post(s);
        return;
      }
    }
  }

  // ---- member I/O ------------------------------------------------------------------------------

  private void issueIo(Stripe s) {
    long offset = (engine.geometry.dataOffset() + s.sector) * 512;
    boolean skipped = false;
    for (Dev d : s.devs) {
      if (d.has(WANT_REPLACE)) {
        BlockDevice replacement = engine.replacement(d.index);
        if (replacement != null) {
          d.clear(WANT_REPLACE);
          d.set(COPYING);
          d.ioPending.set(1);
          d.replacementDevice = replacement;
          replacement.write(d.page, offset, false, d.replacementDone);
          continue;
        }
        d.clear(WANT_REPLACE);
        if (!engine.memberWorking(d.index)
            || engine.memberReadable(d.index, s.sector, StripeEngine.BLOCK / 512)) {
          d.clear(LOCKED); // the copy was dropped: the member it copied stays, nothing to write
          skipped = true;
          continue;
        }
        // The copy took the slot since this block was read for it (the member it copied failed):
        // the block is the slot's rebuilt data now, written to it as a rebuild writes it. Skipped,
        // the pass would count the stripe done while the new member lacks it.
        d.set(WANTWRITE);
      }
      if (d.has(WANTWRITE)) {
        d.clear(WANTWRITE);
        engine.memberAndReplacement(d.index, pair);
        BlockDevice member = pair[0]; // null when missing or failed
        BlockDevice replacement = pair[1];
        if (member == null && replacement == null) {
          d.clear(LOCKED); // md: a write to a missing or failed member is skipped
          returnLentPage(d); // the writer's page goes back with its request: rebuild later
          skipped = true;
          continue;
        }
        d.ioWrite = true;
        StripeEngine.MemberStats written = engine.stats.members[d.index];
        written.writes.addOnLane(lane.index, 1);
        written.bytesWritten.addOnLane(lane.index, StripeEngine.BLOCK);
        d.ioPending.set(member != null && replacement != null ? 2 : 1);
        if (replacement != null) {
          // md's replace: every write reaches the copy too, even when the member it copies has
          // failed (the copy is current below its copy point and must stay so)
          d.replacementDevice = replacement;
          replacement.write(d.page, offset, d.has(WANTFUA), d.replacementDone);
        }
        if (member != null) {
          d.ioDevice = member;
          member.write(d.page, offset, d.has(WANTFUA), d);
        }
      } else if (d.has(WANTREAD)) {
        d.clear(WANTREAD);
        if (!engine.memberReadable(d.index, s.sector, StripeEngine.BLOCK / 512)) {
          d.clear(LOCKED);
          skipped = true;
          continue;
        }
        d.ioWrite = false;
        StripeEngine.MemberStats read = engine.stats.members[d.index];
        read.reads.addOnLane(lane.index, 1);
        read.bytesRead.addOnLane(lane.index, StripeEngine.BLOCK);
        d.ioDevice = engine.member(d.index);
        d.ioPending.set(1);
        d.ioDevice.read(d.page, offset, d);
      }
    }
    if (skipped) {
      lane.post(s); // no completion will come for what was skipped: look again
    }
  }
}
