/**
 * The array a user sees, and its life: reading a member without writing ({@link
 * io.jraid.array.MemberReader}: probe v1.0/1.1/1.2 superblocks as mdadm does, with the bitmap
 * header and bad-block log) and deciding how members assemble ({@link
 * io.jraid.array.AssemblyPlanner} → {@link io.jraid.array.AssemblyDecision}: one array, freshest
 * member by events, stale and split-brain members left out, clean / needs resync / degraded / not
 * runnable, with the reason); creating an array as mdadm 4.2 lays it out ({@link
 * io.jraid.array.CreatePlanner} decides every superblock and the bitmap without I/O, {@link
 * io.jraid.array.ArrayCreator} writes them after {@link io.jraid.array.ContentProbe} has said what
 * would be overwritten); and updating a running array's superblocks ({@link
 * io.jraid.array.MemberSuperblocks}: events, clean/dirty, roles, recovery offsets).
 *
 * <p>A running array ({@link io.jraid.array.RaidArray}) lives through {@code SafeMode} (dirty
 * before the first write after quiet, clean after) and {@code MemberManager}, md's {@code
 * md_check_recovery}: on one management thread it records member failures in the superblocks, takes
 * spares into free slots, runs rebuilds and records their {@code recovery_offset} every few seconds
 * and at a stop, copies members onto replacements, starts resyncs, checks and repairs, and keeps
 * the event log ({@link io.jraid.array.ArrayEvent}); {@code fail}/{@code remove}/{@code add}/{@code
 * replace} are mdadm's {@code --manage}. Every change is recorded before it takes effect on data (a
 * spare's slot and {@code recovery_offset = 0} before the rebuild writes to it).
 *
 * <p>An array with md's internal bitmap runs {@code WriteIntentBitmap} in its write path, before
 * safe mode and the engine: each write's chunks get their bits on every working member before the
 * write is let through (writes that need new bits share one batch of page writes), and bits clear
 * two quiet sweeps later. Resync after a crash and the rebuild of a re-added member visit only
 * chunks flagged needed; the bitmap superblock is written with the new events before each md
 * superblock update, so Linux keeps trusting it.
 *
 * <p>Facts: {@code shared/spec/md-superblock-v1.md} §10; mdadm {@code Assemble.c}, {@code util.c
 * enough()}; Linux {@code md.c analyze_sbs()}, {@code super_1_validate()}, {@code raid5.c
 * raid5_run()}; mdadm {@code Create.c}, {@code super1.c}; Linux {@code md_update_sb()}, {@code
 * md-bitmap.c} ({@code shared/spec/md-bitmap.md}). Uses {@code format}, {@code layout} and {@code
 * device}; never {@code cli} or {@code nbd}.
 */
@NullMarked
package io.jraid.array;

import org.jspecify.annotations.NullMarked;
