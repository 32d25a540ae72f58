package io.jraid.nbd;

/**
 * The error values this server puts in replies ({@code NBD_E*}); the protocol's values, not the
 * host's errno numbers.
 */
public enum NbdError {
  /** {@code NBD_EPERM}: write, trim or write-zeroes on a read-only export. */
  EPERM(1),
  /** {@code NBD_EIO}: the device failed the I/O. */
  EIO(5),
  /** {@code NBD_ENOMEM} (never sent: buffers are pooled). */
  ENOMEM(12),
  /** {@code NBD_EINVAL}: unknown command or flag, misaligned, oversized or out-of-range request. */
  EINVAL(22),
  /** {@code NBD_ENOSPC}: a write beyond the end of the export. */
  ENOSPC(28),
  /** {@code NBD_EOVERFLOW} (never sent: a DF read always fits one chunk). */
  EOVERFLOW(75),
  /** {@code NBD_ENOTSUP}: a FAST_ZERO write-zeroes (zeroing is not faster than writing here). */
  ENOTSUP(95),
  /** {@code NBD_ESHUTDOWN}: the server is shutting down. */
  ESHUTDOWN(108);

  private final int code;

  NbdError(int code) {
    this.code = code;
  }

  /** The value on the wire. */
  public int code() {
    return code;
  }
}
