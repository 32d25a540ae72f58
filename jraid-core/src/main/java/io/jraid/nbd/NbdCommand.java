package io.jraid.nbd;

/**
 * The transmission commands, for statistics: each known {@code NBD_CMD_*} with its wire code, and
 * {@link #OTHER} for every code this server does not know (answered with EINVAL).
 */
public enum NbdCommand {
  /** {@code NBD_CMD_READ}. */
  READ(NbdProtocol.CMD_READ),
  /** {@code NBD_CMD_WRITE}. */
  WRITE(NbdProtocol.CMD_WRITE),
  /** {@code NBD_CMD_DISC}: soft disconnect (never answered, so it has no latency). */
  DISC(NbdProtocol.CMD_DISC),
  /** {@code NBD_CMD_FLUSH}. */
  FLUSH(NbdProtocol.CMD_FLUSH),
  /** {@code NBD_CMD_TRIM}. */
  TRIM(NbdProtocol.CMD_TRIM),
  /** {@code NBD_CMD_CACHE}. */
  CACHE(NbdProtocol.CMD_CACHE),
  /** {@code NBD_CMD_WRITE_ZEROES}. */
  WRITE_ZEROES(NbdProtocol.CMD_WRITE_ZEROES),
  /** {@code NBD_CMD_BLOCK_STATUS}. */
  BLOCK_STATUS(NbdProtocol.CMD_BLOCK_STATUS),
  /** Any other command code. */
  OTHER(-1);

  private static final NbdCommand[] BY_CODE = {
    READ, WRITE, DISC, FLUSH, TRIM, CACHE, WRITE_ZEROES, BLOCK_STATUS
  };

  private final int code;

  NbdCommand(int code) {
    this.code = code;
  }

  /** The command's wire code ({@code -1} for {@link #OTHER}). */
  public int code() {
    return code;
  }

  /** The command with wire code {@code type} (a u16), {@link #OTHER} if unknown. */
  public static NbdCommand of(int type) {
    return type >= 0 && type < BY_CODE.length ? BY_CODE[type] : OTHER;
  }
}
