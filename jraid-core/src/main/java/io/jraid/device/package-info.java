/**
 * The devices an array is made of, and the device an array is: the asynchronous {@link
 * io.jraid.device.BlockDevice} interface (read, write with FUA, flush and discard on {@link
 * java.lang.foreign.MemorySegment}s, each ending in one {@link io.jraid.device.IoCompletion}) and
 * its implementations.
 *
 * <ul>
 *   <li>{@link io.jraid.device.FileDevice}: an image file or a block device, positional {@link
 *       java.nio.channels.FileChannel} I/O run by a few I/O threads per device over preallocated
 *       requests; read-only or read-write, optionally O_DIRECT.
 *   <li>{@link io.jraid.device.MemoryDevice}: off-heap memory that completes inline, for tests and
 *       benchmarks; loads and snapshots file images.
 *   <li>{@link io.jraid.device.FaultyDevice}: a decorator for tests that fails, corrupts or delays
 *       I/O on chosen ranges or after a number of operations, and simulates a power cut.
 * </ul>
 *
 * <p>No implementation allocates per I/O on its success path, and none throws from an asynchronous
 * method for an I/O or argument error: the completion gets an error whose message names the device,
 * the operation and the byte range. A leaf package: it knows nothing of md, stripes or arrays.
 */
@NullMarked
package io.jraid.device;

import org.jspecify.annotations.NullMarked;
