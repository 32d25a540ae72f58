package io.jraid.nbd;

import java.nio.ByteBuffer;

/**
 * Reply headers of the transmission phase, without sockets: simple replies and the structured
 * chunks this server sends (OFFSET_DATA, NONE, ERROR, BLOCK_STATUS). Each writes big-endian bytes
 * at the buffer's position and advances it; READ data is not copied here but sent after the header
 * straight from the request's buffer.
 */
final class ReplyCodec {

  /** Bytes before the data of a structured READ reply: chunk header and u64 offset. */
  static final int OFFSET_DATA_HEADER_BYTES = NbdProtocol.STRUCTURED_REPLY_BYTES + 8;

  /** The longest header this codec writes: an error chunk with the longest message. */
  static final int MAX_HEADER_BYTES = 256;

  private ReplyCodec() {}

  /** A simple reply: magic, error (0 for success), cookie. READ data follows on success. */
  static void simple(ByteBuffer out, int error, long cookie) {
    out.putInt(NbdProtocol.SIMPLE_REPLY_MAGIC);
    out.putInt(error);
    out.putLong(cookie);
  }

  /** A structured chunk header announcing {@code length} payload bytes. */
  static void chunk(ByteBuffer out, int flags, int type, long cookie, int length) {
    out.putInt(NbdProtocol.STRUCTURED_REPLY_MAGIC);
    out.putShort((short) flags);
    out.putShort((short) type);
    out.putLong(cookie);
    out.putInt(length);
  }

  /**
   * The final OFFSET_DATA chunk of a READ, up to its data: header, then the u64 offset; {@code
   * dataLength} bytes (at least 1) must follow.
   */
  static void offsetData(ByteBuffer out, long cookie, long offset, int dataLength) {
    chunk(
        out,
        NbdProtocol.REPLY_FLAG_DONE,
        NbdProtocol.REPLY_TYPE_OFFSET_DATA,
        cookie,
        8 + dataLength);
    out.putLong(offset);
  }

  /** A final NONE chunk: success, nothing more. */
  static void none(ByteBuffer out, long cookie) {
    chunk(out, NbdProtocol.REPLY_FLAG_DONE, NbdProtocol.REPLY_TYPE_NONE, cookie, 0);
  }

  /** A final ERROR chunk: u32 error, u16 message length, message. */
  static void error(ByteBuffer out, long cookie, int error, byte[] message) {
    chunk(
        out,
        NbdProtocol.REPLY_FLAG_DONE,
        NbdProtocol.REPLY_TYPE_ERROR,
        cookie,
        4 + 2 + message.length);
    out.putInt(error);
    out.putShort((short) message.length);
    out.put(message);
  }

  /** A final BLOCK_STATUS chunk with one extent: u32 context id, u32 length, u32 status flags. */
  static void blockStatus(
      ByteBuffer out, long cookie, int contextId, int extentLength, int statusFlags) {
    chunk(out, NbdProtocol.REPLY_FLAG_DONE, NbdProtocol.REPLY_TYPE_BLOCK_STATUS, cookie, 12);
    out.putInt(contextId);
    out.putInt(extentLength);
    out.putInt(statusFlags);
  }
}
