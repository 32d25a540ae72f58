/**
 * The NBD server: exports a {@link io.jraid.device.BlockDevice} (an array) to NBD clients over TCP
 * — fixed newstyle handshake, simple and structured replies, READ, WRITE (+FUA), FLUSH, TRIM,
 * WRITE_ZEROES, CACHE, BLOCK_STATUS ({@code base:allocation}) and DISC. Facts: {@code
 * shared/spec/nbd.md} (from the protocol's {@code doc/proto.md} and what qemu and libnbd send).
 *
 * <ul>
 *   <li>Public: {@link io.jraid.nbd.NbdServer} (builder, start, close), {@link
 *       io.jraid.nbd.NbdExport} (name, device, block sizes), {@link io.jraid.nbd.NbdStats} with
 *       {@link io.jraid.nbd.LatencyHistogram}, and the enums {@link io.jraid.nbd.NbdCommand} and
 *       {@link io.jraid.nbd.NbdError} that label the counters.
 *   <li>Pure codecs, tested with literal wire bytes: {@code OptionCodec} and {@code Negotiation}
 *       (the handshake, over any byte channels), {@code RequestHeader}, {@code RequestRules} (every
 *       check of a request) and {@code ReplyCodec}.
 *   <li>The socket side: {@code NbdConnection} per client (a virtual thread), {@code Transmission}
 *       (the request reader) and {@code ReplyWriter} (the reply writer), over preallocated {@code
 *       RequestSlot}s and pooled off-heap buffers: no allocation per request.
 * </ul>
 *
 * <p>Depends on {@code io.jraid.device} only (and the JDK, JCTools): it serves any block device.
 */
@NullMarked
package io.jraid.nbd;

import org.jspecify.annotations.NullMarked;
