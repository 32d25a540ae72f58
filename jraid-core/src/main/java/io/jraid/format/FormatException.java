package io.jraid.format;

import java.io.Serial;

/**
 * A member's on-disk metadata cannot be used: the one exception the md format decoders throw. The
 * message names the member, the field and what to do about it, so that a command line can print it
 * as it is.
 */
public final class FormatException extends Exception {

  @Serial private static final long serialVersionUID = 1L;

  private final String member;
  private final String field;

  /**
   * @param member the member (usually its path) whose metadata is at fault
   * @param field the md field at fault, as {@code md_p.h} names it (e.g. {@code sb_csum})
   * @param problem what is wrong and what to do, e.g. "is 0x1234, expected 0x5678: ..."
   */
  public FormatException(String member, String field, String problem) {
    super(member + ": " + field + " " + problem);
    this.member = member;
    this.field = field;
  }

  /** The member whose metadata is at fault. */
  public String member() {
    return member;
  }

  /** The md field at fault, as {@code md_p.h} names it. */
  public String field() {
    return field;
  }
}
