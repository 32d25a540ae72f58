/**
 * The parity kernels: GF(2^8) arithmetic, RAID-5 XOR, the RAID-6 P+Q syndrome, their validation,
 * read-modify-write, every RAID-6 recovery case and the raid6check error locator.
 *
 * <p>{@link io.jraid.parity.ParityKernels} is the one interface; {@link
 * io.jraid.parity.ScalarKernels} is the reference, {@link io.jraid.parity.VectorKernels} the Vector
 * API fast path and {@link io.jraid.parity.IsalKernels} calls Intel ISA-L through the FFM API.
 * {@link io.jraid.parity.ParitySelection} picks one at start-up. This package is a leaf: it knows
 * nothing of stripes, devices or arrays — only blocks of bytes in syndrome-slot order.
 *
 * <p>Facts: {@code shared/spec/raid6-math.md}; Linux {@code lib/raid6/} and {@code
 * crypto/async_tx/}; mdadm {@code raid6check.c}.
 */
@NullMarked
package io.jraid.parity;

import org.jspecify.annotations.NullMarked;
