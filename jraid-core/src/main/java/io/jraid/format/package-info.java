/**
 * The md on-disk format: the v1.x superblock ({@link io.jraid.format.Superblock1}, its byte layout
 * {@link io.jraid.format.Superblock1Layout} and codec {@link io.jraid.format.Superblock1Codec}),
 * the internal write-intent bitmap ({@link io.jraid.format.BitmapSuperblock}, {@link
 * io.jraid.format.BitmapCodec}, {@link io.jraid.format.BitmapRegions}) and the bad-block log.
 *
 * <p>Pure: codecs over {@link java.lang.foreign.MemorySegment}s, no I/O, no clocks. Decoders throw
 * {@link io.jraid.format.FormatException} and nothing else for bad bytes. Facts: {@code
 * shared/spec/md-superblock-v1.md} and {@code md-bitmap.md}; Linux {@code
 * include/uapi/linux/raid/md_p.h}, {@code drivers/md/md.c}, {@code md-bitmap.c}; mdadm {@code
 * super1.c}.
 */
@NullMarked
package io.jraid.format;

import org.jspecify.annotations.NullMarked;
