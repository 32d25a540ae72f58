package io.jraid.nbd;

/**
 * The numbers of the NBD protocol (fixed newstyle handshake, compact requests, simple and
 * structured replies), as named in the protocol document {@code doc/proto.md} of the
 * NetworkBlockDevice/nbd repository; our summary is {@code shared/spec/nbd.md}. All integers on the
 * wire are unsigned and big-endian.
 *
 * <pre>
 * Greeting (server, 18 bytes)       Option request (client)         Option reply (server)
 *  0  NBDMAGIC           u64         0  IHAVEOPT        u64         0  REPLY_MAGIC     u64
 *  8  IHAVEOPT           u64         8  option          u32         8  option (echo)   u32
 * 16  handshake flags    u16        12  length          u32        12  reply type      u32
 *                                   16  data[length]               16  length          u32
 *                                                                  20  payload[length]
 *
 * Request (client, 28 bytes)        Simple reply (16 bytes)         Structured chunk (20 bytes)
 *  0  REQUEST_MAGIC      u32         0  SIMPLE_MAGIC    u32         0  STRUCTURED_MAGIC u32
 *  4  command flags      u16         4  error           u32         4  flags            u16
 *  6  type               u16         8  cookie          u64         6  chunk type       u16
 *  8  cookie             u64        16  data (READ only)            8  cookie           u64
 * 16  offset             u64                                       16  length           u32
 * 24  length             u32                                       20  payload[length]
 * 28  payload (WRITE only)
 * </pre>
 */
final class NbdProtocol {

  private NbdProtocol() {}

  // ---- magic numbers -----------------------------------------------------------------------

  /** {@code INIT_PASSWD}, "NBDMAGIC": the first 8 bytes the server sends. */
  static final long NBDMAGIC = 0x4e42444d41474943L;

  /** {@code IHAVEOPT}: in the greeting and at the start of every option request. */
  static final long IHAVEOPT = 0x49484156454F5054L;

  /** Start of every option reply. */
  static final long OPTION_REPLY_MAGIC = 0x0003e889045565a9L;

  /** {@code NBD_REQUEST_MAGIC}: start of every compact request. */
  static final int REQUEST_MAGIC = 0x25609513;

  /** {@code NBD_SIMPLE_REPLY_MAGIC}. */
  static final int SIMPLE_REPLY_MAGIC = 0x67446698;

  /** {@code NBD_STRUCTURED_REPLY_MAGIC}. */
  static final int STRUCTURED_REPLY_MAGIC = 0x668e33ef;

  // ---- handshake flags (server, u16) and client flags (u32) -------------------------------

  /** {@code NBD_FLAG_FIXED_NEWSTYLE}. */
  static final int FLAG_FIXED_NEWSTYLE = 1;

  /** {@code NBD_FLAG_NO_ZEROES}: the 124 pad bytes after EXPORT_NAME may be left out. */
  static final int FLAG_NO_ZEROES = 1 << 1;

  /** What this server offers: fixed newstyle and no zeroes. */
  static final int HANDSHAKE_FLAGS = FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES;

  /** {@code NBD_FLAG_C_FIXED_NEWSTYLE}. */
  static final int CLIENT_FIXED_NEWSTYLE = 1;

  /** {@code NBD_FLAG_C_NO_ZEROES}. */
  static final int CLIENT_NO_ZEROES = 1 << 1;

  /** Client flag bits this server understands; any other bit ends the connection. */
  static final int CLIENT_FLAGS_KNOWN = CLIENT_FIXED_NEWSTYLE | CLIENT_NO_ZEROES;

  // ---- options ----------------------------------------------------------------------------

  /** {@code NBD_OPT_EXPORT_NAME}: data is the name; answered without an option reply. */
  static final int OPT_EXPORT_NAME = 1;

  /** {@code NBD_OPT_ABORT}. */
  static final int OPT_ABORT = 2;

  /** {@code NBD_OPT_LIST}. */
  static final int OPT_LIST = 3;

  /** {@code NBD_OPT_STARTTLS}. */
  static final int OPT_STARTTLS = 5;

  /** {@code NBD_OPT_INFO}. */
  static final int OPT_INFO = 6;

  /** {@code NBD_OPT_GO}. */
  static final int OPT_GO = 7;

  /** {@code NBD_OPT_STRUCTURED_REPLY}. */
  static final int OPT_STRUCTURED_REPLY = 8;

  /** {@code NBD_OPT_LIST_META_CONTEXT}. */
  static final int OPT_LIST_META_CONTEXT = 9;

  /** {@code NBD_OPT_SET_META_CONTEXT}. */
  static final int OPT_SET_META_CONTEXT = 10;

  /** {@code NBD_OPT_EXTENDED_HEADERS} (not supported: 32-byte headers). */
  static final int OPT_EXTENDED_HEADERS = 11;

  // ---- option reply types -----------------------------------------------------------------

  /** {@code NBD_REP_ACK}: success, or the end of a list. */
  static final int REP_ACK = 1;

  /** {@code NBD_REP_SERVER}: one export of a LIST answer. */
  static final int REP_SERVER = 2;

  /** {@code NBD_REP_INFO}: one piece of export information (INFO/GO). */
  static final int REP_INFO = 3;

  /** {@code NBD_REP_META_CONTEXT}: one metadata context. */
  static final int REP_META_CONTEXT = 4;

  /** Bit 31: the reply is an error. */
  static final int REP_FLAG_ERROR = 1 << 31;

  /** {@code NBD_REP_ERR_UNSUP}: option unknown to this server. */
  static final int REP_ERR_UNSUP = REP_FLAG_ERROR | 1;

  /** {@code NBD_REP_ERR_POLICY}: known and valid, but forbidden here (STARTTLS). */
  static final int REP_ERR_POLICY = REP_FLAG_ERROR | 2;

  /** {@code NBD_REP_ERR_INVALID}: malformed, or not allowed now. */
  static final int REP_ERR_INVALID = REP_FLAG_ERROR | 3;

  /** {@code NBD_REP_ERR_UNKNOWN}: no such export. */
  static final int REP_ERR_UNKNOWN = REP_FLAG_ERROR | 6;

  /** {@code NBD_REP_ERR_SHUTDOWN}: the server is shutting down. */
  static final int REP_ERR_SHUTDOWN = REP_FLAG_ERROR | 7;

  /** {@code NBD_REP_ERR_TOO_BIG}: the option's data is larger than this server reads. */
  static final int REP_ERR_TOO_BIG = REP_FLAG_ERROR | 9;

  // ---- info types (NBD_REP_INFO payload) --------------------------------------------------

  /** {@code NBD_INFO_EXPORT}: u64 size, u16 transmission flags. */
  static final int INFO_EXPORT = 0;

  /** {@code NBD_INFO_NAME}: the canonical export name. */
  static final int INFO_NAME = 1;

  /** {@code NBD_INFO_DESCRIPTION}: a human-readable description. */
  static final int INFO_DESCRIPTION = 2;

  /** {@code NBD_INFO_BLOCK_SIZE}: u32 minimum, preferred and maximum block sizes. */
  static final int INFO_BLOCK_SIZE = 3;

  // ---- transmission flags (u16) -----------------------------------------------------------

  /** {@code NBD_FLAG_HAS_FLAGS}: always set. */
  static final int TF_HAS_FLAGS = 1;

  /** {@code NBD_FLAG_READ_ONLY}. */
  static final int TF_READ_ONLY = 1 << 1;

  /** {@code NBD_FLAG_SEND_FLUSH}. */
  static final int TF_SEND_FLUSH = 1 << 2;

  /** {@code NBD_FLAG_SEND_FUA}. */
  static final int TF_SEND_FUA = 1 << 3;

  /** {@code NBD_FLAG_SEND_TRIM}. */
  static final int TF_SEND_TRIM = 1 << 5;

  /** {@code NBD_FLAG_SEND_WRITE_ZEROES}. */
  static final int TF_SEND_WRITE_ZEROES = 1 << 6;

  /** {@code NBD_FLAG_SEND_DF}: only with structured replies. */
  static final int TF_SEND_DF = 1 << 7;

  /** {@code NBD_FLAG_CAN_MULTI_CONN}: a flush on one connection covers writes on every other. */
  static final int TF_CAN_MULTI_CONN = 1 << 8;

  /** {@code NBD_FLAG_SEND_CACHE}. */
  static final int TF_SEND_CACHE = 1 << 10;

  /** {@code NBD_FLAG_SEND_FAST_ZERO}. */
  static final int TF_SEND_FAST_ZERO = 1 << 11;

  // ---- commands and command flags ---------------------------------------------------------

  /** {@code NBD_CMD_READ}. */
  static final int CMD_READ = 0;

  /** {@code NBD_CMD_WRITE}: the request carries {@code length} bytes. */
  static final int CMD_WRITE = 1;

  /** {@code NBD_CMD_DISC}: soft disconnect, no reply. */
  static final int CMD_DISC = 2;

  /** {@code NBD_CMD_FLUSH}. */
  static final int CMD_FLUSH = 3;

  /** {@code NBD_CMD_TRIM}. */
  static final int CMD_TRIM = 4;

  /** {@code NBD_CMD_CACHE}. */
  static final int CMD_CACHE = 5;

  /** {@code NBD_CMD_WRITE_ZEROES}. */
  static final int CMD_WRITE_ZEROES = 6;

  /** {@code NBD_CMD_BLOCK_STATUS}. */
  static final int CMD_BLOCK_STATUS = 7;

  /** {@code NBD_CMD_FLAG_FUA}: valid on every command once SEND_FUA is advertised. */
  static final int CMD_FLAG_FUA = 1;

  /** {@code NBD_CMD_FLAG_NO_HOLE}: WRITE_ZEROES only. */
  static final int CMD_FLAG_NO_HOLE = 1 << 1;

  /** {@code NBD_CMD_FLAG_DF}: READ only, with structured replies. */
  static final int CMD_FLAG_DF = 1 << 2;

  /** {@code NBD_CMD_FLAG_REQ_ONE}: BLOCK_STATUS only. */
  static final int CMD_FLAG_REQ_ONE = 1 << 3;

  /** {@code NBD_CMD_FLAG_FAST_ZERO}: WRITE_ZEROES only. */
  static final int CMD_FLAG_FAST_ZERO = 1 << 4;

  // ---- structured reply chunks ------------------------------------------------------------

  /** {@code NBD_REPLY_FLAG_DONE}: the last chunk of a reply. */
  static final int REPLY_FLAG_DONE = 1;

  /** {@code NBD_REPLY_TYPE_NONE}: success, nothing more. */
  static final int REPLY_TYPE_NONE = 0;

  /** {@code NBD_REPLY_TYPE_OFFSET_DATA}: u64 offset, then data. */
  static final int REPLY_TYPE_OFFSET_DATA = 1;

  /** {@code NBD_REPLY_TYPE_BLOCK_STATUS}: u32 context id, then (u32 length, u32 flags)+. */
  static final int REPLY_TYPE_BLOCK_STATUS = 5;

  /** {@code NBD_REPLY_TYPE_ERROR}: u32 error, u16 message length, message. */
  static final int REPLY_TYPE_ERROR = (1 << 15) + 1;

  // ---- sizes ------------------------------------------------------------------------------

  /** Bytes of the greeting. */
  static final int GREETING_BYTES = 18;

  /** Bytes of an option request header. */
  static final int OPTION_HEADER_BYTES = 16;

  /** Bytes of an option reply header. */
  static final int OPTION_REPLY_HEADER_BYTES = 20;

  /** Bytes of a compact request header. */
  static final int REQUEST_BYTES = 28;

  /** Bytes of a simple reply header. */
  static final int SIMPLE_REPLY_BYTES = 16;

  /** Bytes of a structured reply chunk header. */
  static final int STRUCTURED_REPLY_BYTES = 20;

  /** Longest string (name, description, query) the protocol allows. */
  static final int MAX_STRING_BYTES = 4096;

  /** The one metadata context this server knows. */
  static final String BASE_ALLOCATION = "base:allocation";

  /** The id that SET_META_CONTEXT gives {@code base:allocation} (LIST reports 0). */
  static final int BASE_ALLOCATION_ID = 1;
}
