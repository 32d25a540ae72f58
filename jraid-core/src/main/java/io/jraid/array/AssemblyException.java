package io.jraid.array;

import java.io.Serial;

/**
 * The members given cannot be assembled as one array at all (members of different arrays, two
 * members claiming one slot, disagreeing geometry). The message names the members and what to do.
 */
public final class AssemblyException extends Exception {

  @Serial private static final long serialVersionUID = 1L;

  /** An assembly refused for the reason {@code message}. */
  public AssemblyException(String message) {
    super(message);
  }
}
