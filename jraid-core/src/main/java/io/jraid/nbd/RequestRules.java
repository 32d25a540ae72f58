package io.jraid.nbd;

import org.jspecify.annotations.Nullable;

/**
 * What a connection may ask of its export once transmission started, and the check of each request
 * against it: pure, so every rule is tested without a socket.
 *
 * <p>Ranges are judged in unsigned 64-bit arithmetic without ever computing {@code offset +
 * length}: a request is inside the export if {@code offset <= size} and {@code length <= size -
 * offset}.
 *
 * @param size the export's size in bytes
 * @param minimumBlockSize offsets and lengths must be multiples of it (a power of two)
 * @param readOnly whether writes, trims and zeroes are refused (EPERM)
 * @param structuredReplies whether structured replies were negotiated
 * @param metaContextId the id of {@code base:allocation} if selected, else 0
 */
record RequestRules(
    long size,
    int minimumBlockSize,
    boolean readOnly,
    boolean structuredReplies,
    int metaContextId) {

  /** The rules of a negotiated session. */
  static RequestRules of(Negotiation.Transmit session) {
    NbdExport export = session.export();
    return new RequestRules(
        export.device().size(),
        export.minimumBlockSize(),
        export.device().readOnly(),
        session.structuredReplies(),
        session.metaContextId());
  }

  /**
   * Checks one request (never DISC, which is not answered).
   *
   * @return null if the request may run, else the error to answer it with
   */
  @Nullable ReplyError check(RequestHeader r, boolean shuttingDown) {
    if (shuttingDown) {
      return ReplyError.SHUTTING_DOWN;
    }
    NbdCommand command = NbdCommand.of(r.type);
    if (command == NbdCommand.OTHER || command == NbdCommand.DISC) {
      return ReplyError.UNKNOWN_COMMAND;
    }
    if ((r.flags & ~allowedFlags(command)) != 0) {
      return ReplyError.BAD_FLAGS;
    }
    if (command == NbdCommand.FLUSH) {
      return null; // offset and length should be 0; nothing to check against them
    }
    boolean writes =
        command == NbdCommand.WRITE
            || command == NbdCommand.TRIM
            || command == NbdCommand.WRITE_ZEROES;
    if (writes && readOnly) {
      return ReplyError.READ_ONLY;
    }
    if (command == NbdCommand.BLOCK_STATUS && (!structuredReplies || metaContextId == 0)) {
      return ReplyError.NO_META_CONTEXT;
    }
    long length = r.lengthUnsigned();
    if (((r.offset | length) & (minimumBlockSize - 1)) != 0) {
      return ReplyError.UNALIGNED;
    }
    if ((command == NbdCommand.READ || command == NbdCommand.WRITE)
        && length > NbdExport.MAXIMUM_PAYLOAD) {
      return ReplyError.TOO_LARGE;
    }
    if (Long.compareUnsigned(r.offset, size) > 0 || length > size - r.offset) {
      return command == NbdCommand.WRITE || command == NbdCommand.WRITE_ZEROES
          ? ReplyError.NO_SPACE
          : ReplyError.OUT_OF_RANGE;
    }
    if (command == NbdCommand.BLOCK_STATUS && length == 0) {
      return ReplyError.EMPTY_BLOCK_STATUS;
    }
    if (command == NbdCommand.WRITE_ZEROES && (r.flags & NbdProtocol.CMD_FLAG_FAST_ZERO) != 0) {
      return ReplyError.NOT_FAST;
    }
    return null;
  }

  /** FUA everywhere (SEND_FUA is advertised); the others only where they mean something. */
  private int allowedFlags(NbdCommand command) {
    int flags = NbdProtocol.CMD_FLAG_FUA;
    return switch (command) {
      case READ -> structuredReplies ? flags | NbdProtocol.CMD_FLAG_DF : flags;
      case WRITE_ZEROES -> flags | NbdProtocol.CMD_FLAG_NO_HOLE | NbdProtocol.CMD_FLAG_FAST_ZERO;
      case BLOCK_STATUS -> flags | NbdProtocol.CMD_FLAG_REQ_ONE;
      case WRITE, DISC, FLUSH, TRIM, CACHE, OTHER -> flags;
    };
  }
}
