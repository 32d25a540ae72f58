/**
 * Array geometry and the exact sector mapping of Linux md RAID-4, RAID-5 (layouts 0–5) and RAID-6
 * (layouts 0–5, 8–10, 16–20): which member holds P, Q and each data chunk of a chunk row, the order
 * of the data in the Q syndrome, and the way back from a member sector to an array sector.
 *
 * <p>{@link io.jraid.layout.ArrayGeometry} is the validated shape of an array, {@link
 * io.jraid.layout.Algorithm} the layout code, {@link io.jraid.layout.StripeMap} the mapping. This
 * package is a leaf: pure arithmetic, no I/O, no threads, no other jraid package.
 *
 * <p>Facts: {@code shared/spec/raid5-layouts.md}; Linux {@code drivers/md/raid5.c} ({@code
 * raid5_compute_sector}, {@code raid5_compute_blocknr}, {@code raid6_d0}, {@code
 * raid6_idx_to_slot}) and {@code raid5.h} ({@code ALGORITHM_*}); mdadm {@code maps.c} and {@code
 * restripe.c} ({@code geo_map}).
 */
@NullMarked
package io.jraid.layout;

import org.jspecify.annotations.NullMarked;
