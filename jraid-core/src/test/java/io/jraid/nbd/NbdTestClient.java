package io.jraid.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A minimal NBD client written from the protocol document, for the socket tests: raw options and
 * requests, pipelining (send many, then read the replies in whatever order they come), simple and
 * structured replies. It checks the framing of everything it reads, so a malformed server reply
 * fails the test.
 */
final class NbdTestClient implements AutoCloseable {

  static final int READ = 0;
  static final int WRITE = 1;
  static final int DISC = 2;
  static final int FLUSH = 3;
  static final int TRIM = 4;
  static final int CACHE = 5;
  static final int WRITE_ZEROES = 6;
  static final int BLOCK_STATUS = 7;

  static final int FUA = 1;
  static final int NO_HOLE = 2;
  static final int DF = 4;
  static final int REQ_ONE = 8;
  static final int FAST_ZERO = 16;

  /** One option reply. */
  static final class OptionReply {
    private final int option;
    private final int type;
    private final byte[] payload;

    OptionReply(int option, int type, byte[] payload) {
      this.option = option;
      this.type = type;
      this.payload = payload;
    }

    int option() {
      return option;
    }

    int type() {
      return type;
    }

    byte[] payload() {
      return payload;
    }

    boolean isError() {
      return type < 0;
    }
  }

  /**
   * One reply to a request: the error (0 on success), READ data (empty otherwise), the structured
   * error message (empty for simple replies), BLOCK_STATUS extents as (length, flags) pairs and
   * their context id.
   */
  static final class Reply {
    private final long cookie;
    private final int error;
    private final byte[] data;
    private final String message;
    private final List<long[]> extents;
    private final int contextId;

    Reply(
        long cookie, int error, byte[] data, String message, List<long[]> extents, int contextId) {
      this.cookie = cookie;
      this.error = error;
      this.data = data;
      this.message = message;
      this.extents = extents;
      this.contextId = contextId;
    }

    long cookie() {
      return cookie;
    }

    int error() {
      return error;
    }

    byte[] data() {
      return data;
    }

    String message() {
      return message;
    }

    List<long[]> extents() {
      return extents;
    }

    int contextId() {
      return contextId;
    }

    @Override
    public String toString() {
      return "Reply[cookie="
          + cookie
          + ", error="
          + error
          + ", "
          + data.length
          + " bytes, "
          + message
          + "]";
    }
  }

  private final Socket socket;
  private final DataInputStream in;
  private final DataOutputStream out;
  private final Map<Long, long[]> pendingReads = new HashMap<>(); // cookie → {offset, length}
  private boolean structured;
  private long size;
  private int transmissionFlags;
  private int[] blockSizes = new int[0];
  private long nextCookie = 1;

  private NbdTestClient(Socket socket) throws IOException {
    this.socket = socket;
    socket.setSoTimeout(20_000);
    socket.setTcpNoDelay(true);
    this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
    this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 1 << 16));
  }

  /** Connects and reads the greeting (checked). */
  static NbdTestClient connect(int port) throws IOException {
    NbdTestClient c = new NbdTestClient(new Socket(InetAddress.getLoopbackAddress(), port));
    assertThat(c.in.readLong()).as("NBDMAGIC").isEqualTo(0x4e42444d41474943L);
    assertThat(c.in.readLong()).as("IHAVEOPT").isEqualTo(0x49484156454F5054L);
    assertThat(c.in.readUnsignedShort()).as("handshake flags").isEqualTo(3);
    return c;
  }

  /**
   * Connects and negotiates: client flags FIXED_NEWSTYLE|NO_ZEROES, optionally structured replies
   * and {@code base:allocation}, then GO for {@code name} asking for block sizes.
   */
  static NbdTestClient open(int port, String name, boolean structured, boolean metaContext)
      throws IOException {
    NbdTestClient c = connect(port);
    c.clientFlags(3);
    if (structured) {
      c.option(8, new byte[0]);
      assertThat(c.readOptionReply().type()).as("STRUCTURED_REPLY").isEqualTo(1);
      c.structured = true;
    }
    if (metaContext) {
      c.option(10, metaContextData(name, "base:allocation"));
      OptionReply context = c.readOptionReply();
      assertThat(context.type()).as("META_CONTEXT").isEqualTo(4);
      assertThat(c.readOptionReply().type()).isEqualTo(1);
    }
    c.option(7, goData(name, 3));
    c.readGoAnswer();
    return c;
  }

  static NbdTestClient open(int port, boolean structured) throws IOException {
    return open(port, "", structured, structured);
  }

  /** Reads INFO replies up to ACK, remembering size, flags and block sizes. */
  List<OptionReply> readGoAnswer() throws IOException {
    List<OptionReply> replies = readOptionReplies();
    for (OptionReply r : replies) {
      assertThat(r.isError()).as("GO/INFO error %x: %s", r.type(), text(r.payload())).isFalse();
      if (r.type() == 3) {
        ByteBuffer p = ByteBuffer.wrap(r.payload());
        int info = p.getShort();
        if (info == 0) {
          size = p.getLong();
          transmissionFlags = Short.toUnsignedInt(p.getShort());
        } else if (info == 3) {
          blockSizes = new int[] {p.getInt(), p.getInt(), p.getInt()};
        }
      }
    }
    return replies;
  }

  void clientFlags(int flags) throws IOException {
    out.writeInt(flags);
    out.flush();
  }

  void option(int option, byte[] data) throws IOException {
    out.writeLong(0x49484156454F5054L);
    out.writeInt(option);
    out.writeInt(data.length);
    out.write(data);
    out.flush();
  }

  OptionReply readOptionReply() throws IOException {
    assertThat(in.readLong()).as("option reply magic").isEqualTo(0x0003e889045565a9L);
    int option = in.readInt();
    int type = in.readInt();
    int length = in.readInt();
    assertThat(length).as("option reply length").isBetween(0, 1 << 20);
    byte[] payload = new byte[length];
    in.readFully(payload);
    return new OptionReply(option, type, payload);
  }

  /** Replies until the final one (ACK or an error), inclusive. */
  List<OptionReply> readOptionReplies() throws IOException {
    List<OptionReply> replies = new ArrayList<>();
    while (true) {
      OptionReply r = readOptionReply();
      replies.add(r);
      if (r.type() == 1 || r.isError()) {
        return replies;
      }
    }
  }

  static byte[] goData(String name, int... infos) {
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(4 + n.length + 2 + 2 * infos.length);
    b.putInt(n.length).put(n).putShort((short) infos.length);
    for (int i : infos) {
      b.putShort((short) i);
    }
    return b.array();
  }

  static byte[] metaContextData(String name, String... queries) {
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    int length = 4 + n.length + 4;
    for (String q : queries) {
      length += 4 + q.getBytes(StandardCharsets.UTF_8).length;
    }
    ByteBuffer b = ByteBuffer.allocate(length);
    b.putInt(n.length).put(n).putInt(queries.length);
    for (String q : queries) {
      byte[] qb = q.getBytes(StandardCharsets.UTF_8);
      b.putInt(qb.length).put(qb);
    }
    return b.array();
  }

  long size() {
    return size;
  }

  int transmissionFlags() {
    return transmissionFlags;
  }

  int[] blockSizes() {
    return blockSizes;
  }

  DataOutputStream rawOut() {
    return out;
  }

  // ---- transmission ------------------------------------------------------------------------

  /** Sends one request (not flushed); returns its cookie. */
  long send(int type, int flags, long offset, int length, byte[] payload) throws IOException {
    long cookie = nextCookie++;
    sendWithCookie(cookie, type, flags, offset, length, payload);
    return cookie;
  }

  void sendWithCookie(long cookie, int type, int flags, long offset, int length, byte[] payload)
      throws IOException {
    out.writeInt(0x25609513);
    out.writeShort(flags);
    out.writeShort(type);
    out.writeLong(cookie);
    out.writeLong(offset);
    out.writeInt(length);
    out.write(payload);
    if (type == READ) {
      pendingReads.put(cookie, new long[] {offset, Integer.toUnsignedLong(length)});
    }
  }

  void flushOut() throws IOException {
    out.flush();
  }

  /** Reads the next reply, whichever request it answers. */
  Reply readReply() throws IOException {
    int magic = in.readInt();
    if (magic == 0x67446698) {
      int error = in.readInt();
      long cookie = in.readLong();
      long[] read = pendingReads.remove(cookie);
      byte[] data = new byte[0];
      if (read != null && error == 0) {
        data = new byte[(int) read[1]];
        in.readFully(data);
      }
      return new Reply(cookie, error, data, "", List.of(), 0);
    }
    assertThat(magic).as("reply magic").isEqualTo(0x668e33ef);
    assertThat(structured).as("structured reply without negotiation").isTrue();
    return readStructured();
  }

  private Reply readStructured() throws IOException {
    long cookie = -1;
    int error = 0;
    String message = "";
    List<long[]> extents = new ArrayList<>();
    int contextId = 0;
    byte[] data = null;
    boolean first = true;
    while (true) {
      if (!first) {
        assertThat(in.readInt()).as("chunk magic").isEqualTo(0x668e33ef);
      }
      int flags = in.readUnsignedShort();
      int type = in.readUnsignedShort();
      long chunkCookie = in.readLong();
      int length = in.readInt();
      if (first) {
        cookie = chunkCookie;
      } else {
        assertThat(chunkCookie).as("chunks of one reply").isEqualTo(cookie);
      }
      first = false;
      long[] read = pendingReads.get(cookie);
      switch (type) {
        case 0 -> assertThat(length).isZero();
        case 1 -> {
          assertThat(read).as("OFFSET_DATA for a non-read").isNotNull();
          long offset = in.readLong();
          int n = length - 8;
          assertThat(n).isPositive();
          if (data == null) {
            data = new byte[(int) read[1]];
          }
          assertThat(offset - read[0]).isBetween(0L, read[1] - n);
          in.readFully(data, (int) (offset - read[0]), n);
        }
        case 5 -> {
          contextId = in.readInt();
          for (int i = 0; i < (length - 4) / 8; i++) {
            extents.add(new long[] {Integer.toUnsignedLong(in.readInt()), in.readInt()});
          }
        }
        case 0x8001 -> {
          error = in.readInt();
          int messageLength = in.readUnsignedShort();
          assertThat(length).isEqualTo(6 + messageLength);
          byte[] m = new byte[messageLength];
          in.readFully(m);
          message = text(m);
          assertThat(error).as("error chunk with error 0").isNotZero();
        }
        default -> throw new AssertionError("unexpected chunk type " + type);
      }
      if ((flags & 1) != 0) {
        break;
      }
    }
    pendingReads.remove(cookie);
    return new Reply(
        cookie, error, data == null ? new byte[0] : data, message, List.copyOf(extents), contextId);
  }

  /** Sends one request and waits for its reply (nothing else in flight). */
  Reply call(int type, int flags, long offset, int length, byte[] payload) throws IOException {
    long cookie = send(type, flags, offset, length, payload);
    out.flush();
    Reply r = readReply();
    assertThat(r.cookie()).isEqualTo(cookie);
    return r;
  }

  Reply read(long offset, int length) throws IOException {
    return call(READ, 0, offset, length, new byte[0]);
  }

  Reply write(long offset, byte[] data) throws IOException {
    return call(WRITE, 0, offset, data.length, data);
  }

  Reply command(int type, int flags, long offset, int length) throws IOException {
    return call(type, flags, offset, length, new byte[0]);
  }

  /** Sends DISC (no reply expected). */
  void disconnect() throws IOException {
    send(DISC, 0, 0, 0, new byte[0]);
    out.flush();
  }

  /** Whether the server closed the connection: reads find end of stream (or a reset). */
  boolean closedByServer() throws IOException {
    try {
      return in.read() < 0;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (SocketException e) {
      return true; // connection reset
    }
  }

  static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  static void expectEof(NbdTestClient c) throws IOException {
    assertThat(c.closedByServer()).as("server closed the connection").isTrue();
  }
}
