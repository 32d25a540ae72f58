package io.jraid.layout;

/**
 * Where one array sector lives: the result of {@link StripeMap#map}, raid5.c's {@code
 * raid5_compute_sector} with the stripe head's {@code pd_idx}/{@code qd_idx} alongside.
 *
 * @param arraySector the sector that was mapped
 * @param stripe its chunk row
 * @param ddIdx its chunk's logical position among the row's data chunks
 * @param member the member (role) that holds it
 * @param memberSector its sector on that member, relative to {@code data_offset}
 * @param pdIdx the row's P member
 * @param qdIdx the row's Q member, or -1 for RAID-4/5
 */
public record MappedSector(
    long arraySector,
    long stripe,
    int ddIdx,
    int member,
    long memberSector,
    int pdIdx,
    int qdIdx) {}
