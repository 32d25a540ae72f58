package io.jraid.array;

import java.io.Serial;

/**
 * An array cannot be created on the devices given (a device too small, two names for one device),
 * or writing it failed. The message is one line naming the device and what to do.
 */
public final class CreateException extends Exception {

  @Serial private static final long serialVersionUID = 1L;

  /** A create refused or failed for the reason {@code message}. */
  public CreateException(String message) {
    super(message);
  }

  /** A create that failed because of {@code cause}. */
  public CreateException(String message, Throwable cause) {
    super(message, cause);
  }
}
