package io.jraid.nbd;

import io.jraid.nbd.OptionCodec.ExportRequest;
import io.jraid.nbd.OptionCodec.MalformedOptionException;
import io.jraid.nbd.OptionCodec.MetaContextRequest;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The fixed newstyle handshake of one connection, from the greeting to the start of transmission
 * (or the end of the connection), over any pair of byte channels — a socket, or in tests bytes in
 * memory.
 *
 * <p>Option data is read into a bounded buffer ({@link #MAX_OPTION_DATA}) and parsed strictly
 * within the option's length, so a malformed option never desynchronises the stream: it gets {@code
 * NBD_REP_ERR_INVALID} and the next option is read where it starts. Longer data is skipped unread
 * (up to {@link #MAX_OPTION_SKIP}) and answered with {@code ERR_UNSUP} or {@code ERR_TOO_BIG}. The
 * connection is dropped only where the protocol leaves no other way: bad option magic, unknown
 * client flags, an EXPORT_NAME that cannot be served, absurd option lengths.
 *
 * <p>Reads are exact (no read-ahead), so transmission starts at the first byte after the last
 * option.
 */
final class Negotiation {

  /** Option data buffered and parsed; enough for every defined option with many queries. */
  static final int MAX_OPTION_DATA = 64 * 1024;

  /** Longer option data is skipped; beyond this the connection is dropped (it is a DoS). */
  static final long MAX_OPTION_SKIP = 16L << 20;

  /** How the handshake ended. */
  sealed interface Outcome permits Transmit, Closed {}

  /**
   * Transmission starts.
   *
   * @param export the export chosen
   * @param structuredReplies whether structured replies were negotiated
   * @param metaContextId the id of {@code base:allocation} if it was selected for this export, else
   *     0
   */
  record Transmit(NbdExport export, boolean structuredReplies, int metaContextId)
      implements Outcome {}

  /**
   * The connection ends.
   *
   * @param soft true after {@code NBD_OPT_ABORT} (answered), false for a hard disconnect
   * @param reason why, for the log
   */
  record Closed(boolean soft, String reason) implements Outcome {}

  private final ReadableByteChannel in;
  private final WritableByteChannel out;
  private final ExportTable exports;
  private final BooleanSupplier shuttingDown;
  private final ByteBuffer data = ByteBuffer.allocate(MAX_OPTION_DATA);
  private final ByteBuffer reply = ByteBuffer.allocate(16 * 1024);
  private final ByteBuffer header = ByteBuffer.allocate(NbdProtocol.OPTION_HEADER_BYTES);

  private boolean noZeroes;
  private boolean structuredReplies;

  /** The export {@code base:allocation} was selected for by SET_META_CONTEXT, if any. */
  private @Nullable NbdExport metaContextExport;

  Negotiation(
      ReadableByteChannel in,
      WritableByteChannel out,
      ExportTable exports,
      BooleanSupplier shuttingDown) {
    this.in = in;
    this.out = out;
    this.exports = exports;
    this.shuttingDown = shuttingDown;
  }

  /**
   * Runs the handshake.
   *
   * @throws EOFException if the client closes the connection first
   * @throws IOException if the channels fail
   */
  Outcome run() throws IOException {
    OptionCodec.writeGreeting(reply);
    flush();
    ByteBuffer flags = ByteBuffer.allocate(4);
    readFully(flags);
    int clientFlags = flags.getInt(0);
    if (!OptionCodec.clientFlagsKnown(clientFlags)) {
      return new Closed(false, "unknown client flags 0x" + Integer.toHexString(clientFlags));
    }
    noZeroes = (clientFlags & NbdProtocol.CLIENT_NO_ZEROES) != 0;
    while (true) {
      header.clear();
      readFully(header);
      if (header.getLong(0) != NbdProtocol.IHAVEOPT) {
        return new Closed(false, "bad option magic 0x" + Long.toHexString(header.getLong(0)));
      }
      int option = header.getInt(8);
      long length = Integer.toUnsignedLong(header.getInt(12));
      Outcome outcome =
          option == NbdProtocol.OPT_EXPORT_NAME ? exportName(length) : option(option, length);
      flush();
      if (outcome != null) {
        return outcome;
      }
    }
  }

  /** One option other than EXPORT_NAME: null to carry on negotiating. */
  private @Nullable Outcome option(int option, long length) throws IOException {
    if (length > MAX_OPTION_DATA) {
      if (length > MAX_OPTION_SKIP) {
        return new Closed(false, "option " + option + " announces " + length + " bytes of data");
      }
      skip(length);
      if (option == NbdProtocol.OPT_ABORT) {
        OptionCodec.writeAck(reply, option);
        return new Closed(true, "client aborted");
      }
      error(
          option,
          supported(option) ? NbdProtocol.REP_ERR_TOO_BIG : NbdProtocol.REP_ERR_UNSUP,
          "option data of " + length + " bytes is more than this server reads");
      return null;
    }
    data.clear().limit((int) length);
    readFully(data);
    data.flip();
    if (shuttingDown.getAsBoolean() && option != NbdProtocol.OPT_ABORT) {
      error(option, NbdProtocol.REP_ERR_SHUTDOWN, "the server is shutting down");
      return null;
    }
    return switch (option) {
      case NbdProtocol.OPT_ABORT -> {
        OptionCodec.writeAck(reply, option);
        yield new Closed(true, "client aborted");
      }
      case NbdProtocol.OPT_LIST -> {
        list();
        yield null;
      }
      case NbdProtocol.OPT_STARTTLS -> {
        if (data.hasRemaining()) {
          error(option, NbdProtocol.REP_ERR_INVALID, "STARTTLS takes no data");
        } else {
          error(option, NbdProtocol.REP_ERR_POLICY, "TLS is not available on this server");
        }
        yield null;
      }
      case NbdProtocol.OPT_INFO, NbdProtocol.OPT_GO -> infoOrGo(option);
      case NbdProtocol.OPT_STRUCTURED_REPLY -> {
        structuredReply();
        yield null;
      }
      case NbdProtocol.OPT_LIST_META_CONTEXT, NbdProtocol.OPT_SET_META_CONTEXT -> {
        metaContext(option);
        yield null;
      }
      default -> {
        // EXTENDED_HEADERS, the withdrawn PEEK_EXPORT and anything newer.
        error(option, NbdProtocol.REP_ERR_UNSUP, "option " + option + " is not supported");
        yield null;
      }
    };
  }

  /** EXPORT_NAME: no error can be sent, so anything but success drops the connection. */
  private Outcome exportName(long length) throws IOException {
    if (length > NbdProtocol.MAX_STRING_BYTES) {
      return new Closed(false, "EXPORT_NAME of " + length + " bytes");
    }
    data.clear().limit((int) length);
    readFully(data);
    data.flip();
    byte[] bytes = new byte[data.remaining()];
    data.get(bytes);
    String name = new String(bytes, StandardCharsets.UTF_8);
    if (shuttingDown.getAsBoolean()) {
      return new Closed(false, "EXPORT_NAME while shutting down");
    }
    NbdExport export = exports.find(name);
    if (export == null) {
      return new Closed(false, "EXPORT_NAME of unknown export " + quote(name));
    }
    room(8 + 2 + OptionCodec.EXPORT_NAME_PADDING);
    OptionCodec.writeExportNameAnswer(
        reply, export.device().size(), export.transmissionFlags(structuredReplies), noZeroes);
    return transmit(export);
  }

  private void list() throws IOException {
    if (data.hasRemaining()) {
      error(NbdProtocol.OPT_LIST, NbdProtocol.REP_ERR_INVALID, "LIST takes no data");
      return;
    }
    for (NbdExport e : exports.all()) {
      room(NbdProtocol.OPTION_REPLY_HEADER_BYTES + 4 + 2 * NbdProtocol.MAX_STRING_BYTES);
      OptionCodec.writeServer(reply, e.name(), e.description());
    }
    OptionCodec.writeAck(reply, NbdProtocol.OPT_LIST);
  }

  private void structuredReply() throws IOException {
    int option = NbdProtocol.OPT_STRUCTURED_REPLY;
    if (data.hasRemaining()) {
      error(option, NbdProtocol.REP_ERR_INVALID, "STRUCTURED_REPLY takes no data");
    } else if (structuredReplies) {
      error(option, NbdProtocol.REP_ERR_INVALID, "structured replies are already on");
    } else {
      structuredReplies = true;
      OptionCodec.writeAck(reply, option);
    }
  }

  /**
   * INFO and GO: the same answer for the same state — INFO_EXPORT, INFO_BLOCK_SIZE (always: the
   * server enforces its sizes), NAME and DESCRIPTION if asked — then ACK; GO then transmits.
   */
  private @Nullable Outcome infoOrGo(int option) throws IOException {
    ExportRequest request;
    try {
      request = OptionCodec.parseExportRequest(data);
    } catch (MalformedOptionException e) {
      error(option, NbdProtocol.REP_ERR_INVALID, e.getMessage());
      return null;
    }
    NbdExport export = exports.find(request.name());
    if (export == null) {
      error(option, NbdProtocol.REP_ERR_UNKNOWN, "no export named " + quote(request.name()));
      return null;
    }
    OptionCodec.writeInfoExport(
        reply, option, export.device().size(), export.transmissionFlags(structuredReplies));
    OptionCodec.writeInfoBlockSize(
        reply,
        option,
        export.minimumBlockSize(),
        export.preferredBlockSize(),
        NbdExport.MAXIMUM_PAYLOAD);
    if (request.infoRequests().contains(NbdProtocol.INFO_NAME)) {
      room(NbdProtocol.OPTION_REPLY_HEADER_BYTES + 2 + NbdProtocol.MAX_STRING_BYTES);
      OptionCodec.writeInfoText(reply, option, NbdProtocol.INFO_NAME, export.name());
    }
    if (request.infoRequests().contains(NbdProtocol.INFO_DESCRIPTION)
        && !export.description().isEmpty()) {
      room(NbdProtocol.OPTION_REPLY_HEADER_BYTES + 2 + NbdProtocol.MAX_STRING_BYTES);
      OptionCodec.writeInfoText(reply, option, NbdProtocol.INFO_DESCRIPTION, export.description());
    }
    room(NbdProtocol.OPTION_REPLY_HEADER_BYTES);
    OptionCodec.writeAck(reply, option);
    return option == NbdProtocol.OPT_GO ? transmit(export) : null;
  }

  /**
   * LIST_META_CONTEXT lists {@code base:allocation} for no query, {@code base:} or its own name;
   * SET_META_CONTEXT selects it when asked by name (and first forgets any earlier selection, as the
   * protocol says, even if this one fails). Other namespaces are ignored, not errors.
   */
  private void metaContext(int option) throws IOException {
    boolean set = option == NbdProtocol.OPT_SET_META_CONTEXT;
    if (set) {
      metaContextExport = null;
      if (!structuredReplies) {
        error(option, NbdProtocol.REP_ERR_INVALID, "SET_META_CONTEXT needs structured replies");
        return;
      }
    }
    MetaContextRequest request;
    try {
      request = OptionCodec.parseMetaContextRequest(data);
    } catch (MalformedOptionException e) {
      error(option, NbdProtocol.REP_ERR_INVALID, e.getMessage());
      return;
    }
    NbdExport export = exports.find(request.name());
    if (export == null) {
      error(option, NbdProtocol.REP_ERR_UNKNOWN, "no export named " + quote(request.name()));
      return;
    }
    boolean matched =
        set
            ? request.queries().contains(NbdProtocol.BASE_ALLOCATION)
            : request.queries().isEmpty()
                || request.queries().contains("base:")
                || request.queries().contains(NbdProtocol.BASE_ALLOCATION);
    if (matched) {
      OptionCodec.writeMetaContext(
          reply, option, set ? NbdProtocol.BASE_ALLOCATION_ID : 0, NbdProtocol.BASE_ALLOCATION);
      if (set) {
        metaContextExport = export;
      }
    }
    OptionCodec.writeAck(reply, option);
  }

  /** Whether this server implements {@code option} (other than EXPORT_NAME). */
  private static boolean supported(int option) {
    return switch (option) {
      case NbdProtocol.OPT_ABORT,
          NbdProtocol.OPT_LIST,
          NbdProtocol.OPT_STARTTLS,
          NbdProtocol.OPT_INFO,
          NbdProtocol.OPT_GO,
          NbdProtocol.OPT_STRUCTURED_REPLY,
          NbdProtocol.OPT_LIST_META_CONTEXT,
          NbdProtocol.OPT_SET_META_CONTEXT ->
          true;
      default -> false;
    };
  }

  private Transmit transmit(NbdExport export) {
    int contextId = Objects.equals(metaContextExport, export) ? NbdProtocol.BASE_ALLOCATION_ID : 0;
    return new Transmit(export, structuredReplies, contextId);
  }

  private void error(int option, int type, String message) throws IOException {
    room(NbdProtocol.OPTION_REPLY_HEADER_BYTES + 4 * message.length());
    OptionCodec.writeError(reply, option, type, message);
  }

  /** Makes room for {@code bytes} more reply bytes, sending what is buffered if needed. */
  private void room(int bytes) throws IOException {
    if (reply.remaining() < bytes) {
      flush();
    }
  }

  private void flush() throws IOException {
    reply.flip();
    while (reply.hasRemaining()) {
      out.write(reply);
    }
    reply.clear();
  }

  private void readFully(ByteBuffer into) throws IOException {
    while (into.hasRemaining()) {
      if (in.read(into) < 0) {
        throw new EOFException("the client closed the connection during the handshake");
      }
    }
  }

  private void skip(long length) throws IOException {
    long left = length;
    while (left > 0) {
      data.clear().limit((int) Math.min(left, data.capacity()));
      readFully(data);
      left -= data.position();
    }
  }

  /** A name for a message, cut short if a client sent something long. */
  private static String quote(String name) {
    return "\"" + (name.length() > 256 ? name.substring(0, 256) + "…" : name) + "\"";
  }
}
