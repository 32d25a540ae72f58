package io.jraid.layout;

import java.util.List;

/**
 * One chunk row laid out: what every member holds. A convenience snapshot for tests, tools and
 * status output; the stripe engine asks {@link StripeMap} directly and allocates nothing.
 *
 * @param stripe the row number; the row starts at member sector {@code stripe * chunkSectors}
 * @param pdIdx the member holding P
 * @param qdIdx the member holding Q, or -1 for RAID-4/5
 * @param roles the role of member {@code i} at index {@code i}, one per member
 */
public record StripeRow(long stripe, int pdIdx, int qdIdx, List<MemberRole> roles) {

  /** Copies {@code roles}, so a row never changes. */
  public StripeRow {
    roles = List.copyOf(roles);
  }

  /** What member {@code member} holds in this row. */
  public MemberRole role(int member) {
    return roles.get(member);
  }
}
