/**
 * The stripe cache and its state machine: md's raid456 engine. {@link io.jraid.stripe.StripeEngine}
 * splits array requests into 4 KiB pieces and hands them to the {@code Lane} that owns their
 * stripe; {@code StripeHandler.handle} makes one non-blocking pass over a stripe (completions →
 * analysis → decisions → operations and member I/O; what to read, compute and write is planned by
 * the pure {@code FillPlanner} for requests and {@code SyncPlanner} for sync passes); operations
 * run through {@link io.jraid.ops.AsyncOps}, member I/O through {@link
 * io.jraid.device.BlockDevice}; their completions post the stripe back to its lane.
 *
 * <p>Sync passes ({@link io.jraid.stripe.SyncJob}, md's {@code sync_request}) walk the member
 * sectors a window of stripes at a time: resync, check and repair validate parity per stripe (md's
 * {@code check_state}; RAID-6 mismatches are located from the syndromes by {@link
 * io.jraid.parity.SyndromeLocator}); recovery computes the blocks of members being rebuilt and
 * copies blocks to replacements. A slot's member is in sync, being rebuilt (it takes every write
 * but serves reads only below its recovery point), failed or missing, and may have a replacement
 * that receives every write too. Passes keep md's speed limits and yield to user I/O.
 *
 * <p>Errors: member I/O errors are values carried by the completions (a read error rebuilds and
 * rewrites the block, a write error fails the member; more failures than the level survives fail
 * the stripe's requests). An operation that throws is a bug, not an I/O error: its stripe's
 * requests fail with an error that says so, and nothing the chain made is written or kept in the
 * cache (the chain always runs before the stripe's member writes), so the members keep the stripe
 * as it was.
 *
 * <p>Ownership instead of locks: a stripe's state is touched only by the thread running its lane.
 * Lanes are units of ownership, not threads: {@code HandlerThreads} (one per core) take whichever
 * lane has work from a run queue, a few lanes per thread, so a thread whose lanes ran dry helps
 * with the others' (md's worker groups share stripes the same way). Memory: one off-heap slab for
 * every stripe buffer, pooled request and piece descriptors, no allocation per I/O. Facts: {@code
 * shared/spec/stripe-engine.md}, {@code async-ops.md}, {@code flush-barrier.md}; Linux {@code
 * drivers/md/raid5.c} ({@code handle_stripe}, {@code analyse_stripe}, {@code fetch_block}, {@code
 * handle_stripe_dirtying}, {@code schedule_reconstruction}, {@code raid5_end_read_request}).
 */
@NullMarked
package io.jraid.stripe;

import org.jspecify.annotations.NullMarked;
