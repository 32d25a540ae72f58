package io.jraid.nbd;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The handshake's bytes, without sockets: the greeting, option data parsing (strictly within the
 * option's length) and every option reply this server sends. Writers put big-endian bytes at the
 * buffer's position and advance it; parsers read a buffer holding exactly one option's data.
 */
final class OptionCodec {

  /** Zero bytes that follow the EXPORT_NAME answer unless the client negotiated NO_ZEROES. */
  static final int EXPORT_NAME_PADDING = 124;

  private OptionCodec() {}

  /** Data of an option that could not be parsed; answered with {@code NBD_REP_ERR_INVALID}. */
  static final class MalformedOptionException extends Exception {
    private static final long serialVersionUID = 1L;

    MalformedOptionException(String message) {
      super(message);
    }
  }

  /**
   * The data of {@code NBD_OPT_INFO} / {@code NBD_OPT_GO}.
   *
   * @param name the export asked for (empty: the default export)
   * @param infoRequests the {@code NBD_INFO_*} types asked for
   */
  record ExportRequest(String name, List<Integer> infoRequests) {}

  /**
   * The data of {@code NBD_OPT_LIST_META_CONTEXT} / {@code NBD_OPT_SET_META_CONTEXT}.
   *
   * @param name the export the contexts are for
   * @param queries the context queries ({@code namespace:leaf})
   */
  record MetaContextRequest(String name, List<String> queries) {}

  /** The 18-byte greeting: NBDMAGIC, IHAVEOPT, handshake flags (fixed newstyle, no zeroes). */
  static void writeGreeting(ByteBuffer out) {
    out.putLong(NbdProtocol.NBDMAGIC);
    out.putLong(NbdProtocol.IHAVEOPT);
    out.putShort((short) NbdProtocol.HANDSHAKE_FLAGS);
  }

  /** Whether the client flags hold only bits this server offered. */
  static boolean clientFlagsKnown(int clientFlags) {
    return (clientFlags & ~NbdProtocol.CLIENT_FLAGS_KNOWN) == 0;
  }

  /** An option reply header announcing {@code length} payload bytes. */
  static void writeReplyHeader(ByteBuffer out, int option, int type, int length) {
    out.putLong(NbdProtocol.OPTION_REPLY_MAGIC);
    out.putInt(option);
    out.putInt(type);
    out.putInt(length);
  }

  /** {@code NBD_REP_ACK}. */
  static void writeAck(ByteBuffer out, int option) {
    writeReplyHeader(out, option, NbdProtocol.REP_ACK, 0);
  }

  /** An error reply ({@code NBD_REP_ERR_*}) with a human-readable message. */
  static void writeError(ByteBuffer out, int option, int errorType, String message) {
    byte[] text = utf8(message);
    writeReplyHeader(out, option, errorType, text.length);
    out.put(text);
  }

  /** {@code NBD_REP_SERVER}: u32 name length, name, description. */
  static void writeServer(ByteBuffer out, String name, String description) {
    byte[] n = utf8(name);
    byte[] d = utf8(description);
    writeReplyHeader(out, NbdProtocol.OPT_LIST, NbdProtocol.REP_SERVER, 4 + n.length + d.length);
    out.putInt(n.length);
    out.put(n);
    out.put(d);
  }

  /** {@code NBD_REP_INFO} of type {@code NBD_INFO_EXPORT}: u64 size, u16 transmission flags. */
  static void writeInfoExport(ByteBuffer out, int option, long size, int transmissionFlags) {
    writeReplyHeader(out, option, NbdProtocol.REP_INFO, 12);
    out.putShort((short) NbdProtocol.INFO_EXPORT);
    out.putLong(size);
    out.putShort((short) transmissionFlags);
  }

  /** {@code NBD_REP_INFO} of type {@code NBD_INFO_BLOCK_SIZE}: u32 minimum, preferred, maximum. */
  static void writeInfoBlockSize(
      ByteBuffer out, int option, int minimum, int preferred, int maximum) {
    writeReplyHeader(out, option, NbdProtocol.REP_INFO, 14);
    out.putShort((short) NbdProtocol.INFO_BLOCK_SIZE);
    out.putInt(minimum);
    out.putInt(preferred);
    out.putInt(maximum);
  }

  /** {@code NBD_REP_INFO} of type {@code NBD_INFO_NAME} or {@code NBD_INFO_DESCRIPTION}. */
  static void writeInfoText(ByteBuffer out, int option, int infoType, String text) {
    byte[] t = utf8(text);
    writeReplyHeader(out, option, NbdProtocol.REP_INFO, 2 + t.length);
    out.putShort((short) infoType);
    out.put(t);
  }

  /** {@code NBD_REP_META_CONTEXT}: u32 context id, context name. */
  static void writeMetaContext(ByteBuffer out, int option, int id, String name) {
    byte[] n = utf8(name);
    writeReplyHeader(out, option, NbdProtocol.REP_META_CONTEXT, 4 + n.length);
    out.putInt(id);
    out.put(n);
  }

  /**
   * The answer to {@code NBD_OPT_EXPORT_NAME}: u64 size, u16 transmission flags, and 124 zero bytes
   * unless the client negotiated {@code NBD_FLAG_C_NO_ZEROES}.
   */
  static void writeExportNameAnswer(
      ByteBuffer out, long size, int transmissionFlags, boolean noZeroes) {
    out.putLong(size);
    out.putShort((short) transmissionFlags);
    if (!noZeroes) {
      for (int i = 0; i < EXPORT_NAME_PADDING; i++) {
        out.put((byte) 0);
      }
    }
  }

  /**
   * Parses INFO/GO data: u32 name length, name, u16 count, count × u16 info type — exactly filling
   * {@code data}.
   */
  static ExportRequest parseExportRequest(ByteBuffer data) throws MalformedOptionException {
    String name = readString(data, "export name");
    if (data.remaining() < 2) {
      throw new MalformedOptionException("no count of information requests after the name");
    }
    int count = Short.toUnsignedInt(data.getShort());
    if (data.remaining() != 2L * count) {
      throw new MalformedOptionException(
          count
              + " information requests need "
              + 2L * count
              + " bytes, the option has "
              + data.remaining());
    }
    List<Integer> requests = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      requests.add(Short.toUnsignedInt(data.getShort()));
    }
    return new ExportRequest(name, List.copyOf(requests));
  }

  /**
   * Parses LIST/SET_META_CONTEXT data: u32 name length, name, u32 count, count × (u32 length,
   * query) — exactly filling {@code data}.
   */
  static MetaContextRequest parseMetaContextRequest(ByteBuffer data)
      throws MalformedOptionException {
    String name = readString(data, "export name");
    if (data.remaining() < 4) {
      throw new MalformedOptionException("no count of queries after the name");
    }
    long count = Integer.toUnsignedLong(data.getInt());
    // Each query takes at least its 4-byte length: a count beyond that cannot be honest.
    if (count > data.remaining() / 4) {
      throw new MalformedOptionException(
          count + " queries cannot fit in the " + data.remaining() + " bytes left");
    }
    List<String> queries = new ArrayList<>((int) count);
    for (long i = 0; i < count; i++) {
      queries.add(readString(data, "query"));
    }
    if (data.hasRemaining()) {
      throw new MalformedOptionException(data.remaining() + " bytes after the last query");
    }
    return new MetaContextRequest(name, List.copyOf(queries));
  }

  /** A u32 length and that many UTF-8 bytes, all within {@code data}. */
  private static String readString(ByteBuffer data, String what) throws MalformedOptionException {
    if (data.remaining() < 4) {
      throw new MalformedOptionException("the option ends before the length of the " + what);
    }
    long length = Integer.toUnsignedLong(data.getInt());
    if (length > data.remaining()) {
      throw new MalformedOptionException(
          "the "
              + what
              + " length "
              + length
              + " runs past the option's end ("
              + data.remaining()
              + " bytes left)");
    }
    if (length > NbdProtocol.MAX_STRING_BYTES) {
      throw new MalformedOptionException(
          "the "
              + what
              + " is "
              + length
              + " bytes (at most "
              + NbdProtocol.MAX_STRING_BYTES
              + ")");
    }
    byte[] bytes = new byte[(int) length];
    data.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
