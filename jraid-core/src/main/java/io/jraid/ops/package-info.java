/**
 * Asynchronous parity operations, the async_tx model: descriptors ({@link io.jraid.ops.Operation})
 * that carry their blocks, a dependency and a callback, run by {@link io.jraid.ops.AsyncOps} on
 * worker channels or inline in the submitter, in dependency order.
 *
 * <p>The stripe engine describes each pass's operations (compute, prexor, drain, reconstruct,
 * check) as raid5.c's {@code raid_run_ops} does, submits them without waiting, and reacts to their
 * callbacks on its next pass; it does not know which channel ran them. Depends only on {@code
 * io.jraid.parity}.
 *
 * <p>Facts: {@code shared/spec/async-ops.md}; Linux {@code crypto/async_tx/} ({@code async_tx.c},
 * {@code async_xor.c}, {@code async_pq.c}, {@code async_raid6_recov.c}, {@code async_memcpy.c}),
 * {@code include/linux/async_tx.h}, and {@code drivers/md/raid5.c} ({@code raid_run_ops}, {@code
 * ops_run_*}, {@code ops_complete_*}).
 */
@NullMarked
package io.jraid.ops;

import org.jspecify.annotations.NullMarked;
