package io.jraid.nbd;

import java.nio.charset.StandardCharsets;

/**
 * Why a request is answered with an error: the {@link NbdError} sent and the message of the
 * structured error chunk (encoded once, so an error reply allocates nothing).
 */
enum ReplyError {
  /** The command type is not one this server knows. */
  UNKNOWN_COMMAND(NbdError.EINVAL, "unknown command"),
  /** A command flag is unknown, or not valid for this command. */
  BAD_FLAGS(NbdError.EINVAL, "a command flag is not valid for this command"),
  /** WRITE, TRIM or WRITE_ZEROES on a read-only export. */
  READ_ONLY(NbdError.EPERM, "the export is read-only"),
  /** Offset or length not a multiple of the minimum block size. */
  UNALIGNED(NbdError.EINVAL, "offset or length is not a multiple of the minimum block size"),
  /** A READ or WRITE longer than the maximum payload. */
  TOO_LARGE(NbdError.EINVAL, "the length is over the maximum payload of 32 MiB"),
  /** A READ, TRIM, CACHE or BLOCK_STATUS beyond the end of the export. */
  OUT_OF_RANGE(NbdError.EINVAL, "the request reaches beyond the end of the export"),
  /** A WRITE or WRITE_ZEROES beyond the end of the export. */
  NO_SPACE(NbdError.ENOSPC, "the write reaches beyond the end of the export"),
  /** BLOCK_STATUS without structured replies and a selected {@code base:allocation}. */
  NO_META_CONTEXT(NbdError.EINVAL, "block status needs structured replies and base:allocation"),
  /** BLOCK_STATUS of length zero (an extent cannot be empty). */
  EMPTY_BLOCK_STATUS(NbdError.EINVAL, "block status of zero length"),
  /** WRITE_ZEROES with FAST_ZERO: zeroing here is no faster than writing. */
  NOT_FAST(NbdError.ENOTSUP, "zeroing is not faster than writing on this export"),
  /** The server is shutting down. */
  SHUTTING_DOWN(NbdError.ESHUTDOWN, "the server is shutting down"),
  /** The device failed the I/O. */
  IO_ERROR(NbdError.EIO, "the device failed the I/O");

  final NbdError error;

  /** The message in UTF-8, written into error chunks; never modified. */
  @SuppressWarnings("ImmutableEnumChecker")
  final byte[] message;

  ReplyError(NbdError error, String message) {
    this.error = error;
    this.message = message.getBytes(StandardCharsets.UTF_8);
  }
}
