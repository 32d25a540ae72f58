package io.jraid.cli;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * A minimal blocking NBD client for the process campaign, written from the protocol document: fixed
 * newstyle, {@code NBD_OPT_GO} for the default export, simple replies, one request at a time (READ,
 * WRITE with or without FUA, FLUSH). Any framing it does not expect is an {@link IOException}; a
 * request the server answers with an error is an {@link NbdError}.
 */
final class NbdBlockClient implements AutoCloseable {

  private static final long NBDMAGIC = 0x4e42444d41474943L;
  private static final long IHAVEOPT = 0x49484156454F5054L;
  private static final long OPTION_REPLY_MAGIC = 0x0003e889045565a9L;
  private static final int REQUEST_MAGIC = 0x25609513;
  private static final int SIMPLE_REPLY_MAGIC = 0x67446698;
  private static final int OPT_GO = 7;
  private static final int REP_ACK = 1;
  private static final int REP_INFO = 3;
  private static final int CMD_READ = 0;
  private static final int CMD_WRITE = 1;
  private static final int CMD_DISC = 2;
  private static final int CMD_FLUSH = 3;
  private static final int FLAG_FUA = 1;

  /** The server answered a request with an error number. */
  static final class NbdError extends IOException {
    private static final long serialVersionUID = 1;

    NbdError(String what, int errno) {
      super(what + ": the server answered error " + errno);
    }
  }

  private final Socket socket;
  private final DataInputStream in;
  private final DataOutputStream out;
  private long size;
  private long cookie;

  private NbdBlockClient(Socket socket) throws IOException {
    this.socket = socket;
    socket.setTcpNoDelay(true);
    socket.setSoTimeout(120_000);
    this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
    this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 1 << 16));
  }

  /** Connects to {@code nbd://host:port/...} and negotiates the default export. */
  static NbdBlockClient open(String uri) throws IOException {
    URI u = URI.create(uri);
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress(u.getHost(), u.getPort()), 10_000);
    NbdBlockClient c = new NbdBlockClient(socket);
    try {
      c.negotiate();
    } catch (IOException | RuntimeException e) {
      c.close();
      throw e;
    }
    return c;
  }

  private void negotiate() throws IOException {
    expect("NBDMAGIC", in.readLong(), NBDMAGIC);
    expect("IHAVEOPT", in.readLong(), IHAVEOPT);
    int handshake = in.readUnsignedShort();
    if ((handshake & 1) == 0) {
      throw new IOException("the server is not fixed newstyle (flags " + handshake + ")");
    }
    out.writeInt(3); // FIXED_NEWSTYLE | NO_ZEROES
    byte[] name = "".getBytes(StandardCharsets.UTF_8);
    ByteBuffer go = ByteBuffer.allocate(4 + name.length + 2);
    go.putInt(name.length).put(name).putShort((short) 0);
    out.writeLong(IHAVEOPT);
    out.writeInt(OPT_GO);
    out.writeInt(go.capacity());
    out.write(go.array());
    out.flush();
    while (true) {
      expect("option reply magic", in.readLong(), OPTION_REPLY_MAGIC);
      in.readInt(); // the option
      int type = in.readInt();
      int length = in.readInt();
      if (length < 0 || length > 1 << 20) {
        throw new IOException("option reply of " + length + " bytes");
      }
      byte[] payload = new byte[length];
      in.readFully(payload);
      if (type < 0) {
        throw new IOException(
            "NBD_OPT_GO refused ("
                + Integer.toHexString(type)
                + "): "
                + new String(payload, StandardCharsets.UTF_8));
      }
      if (type == REP_INFO && length >= 12 && ByteBuffer.wrap(payload).getShort() == 0) {
        size = ByteBuffer.wrap(payload, 2, 8).getLong();
      }
      if (type == REP_ACK) {
        return;
      }
    }
  }

  private static void expect(String what, long got, long wanted) throws IOException {
    if (got != wanted) {
      throw new IOException(what + ": got " + Long.toHexString(got));
    }
  }

  /** The export's size in bytes. */
  long size() {
    return size;
  }

  /** Reads {@code length} bytes at {@code offset}. */
  byte[] read(long offset, int length) throws IOException {
    long c = request(CMD_READ, 0, offset, length, null);
    reply(c, "read of " + length + " bytes at " + offset);
    byte[] data = new byte[length];
    in.readFully(data);
    return data;
  }

  /** Writes {@code data} at {@code offset}, with FUA if asked. */
  void write(long offset, byte[] data, boolean fua) throws IOException {
    long c = request(CMD_WRITE, fua ? FLAG_FUA : 0, offset, data.length, data);
    reply(c, (fua ? "FUA write" : "write") + " of " + data.length + " bytes at " + offset);
  }

  /** FLUSH: every write acknowledged before it is durable when it returns. */
  void flush() throws IOException {
    long c = request(CMD_FLUSH, 0, 0, 0, null);
    reply(c, "flush");
  }

  private long request(int type, int flags, long offset, int length, byte @Nullable [] data)
      throws IOException {
    long c = ++cookie;
    out.writeInt(REQUEST_MAGIC);
    out.writeShort(flags);
    out.writeShort(type);
    out.writeLong(c);
    out.writeLong(offset);
    out.writeInt(length);
    if (data != null) {
      out.write(data);
    }
    out.flush();
    return c;
  }

  private void reply(long c, String what) throws IOException {
    int magic = in.readInt();
    if (magic != SIMPLE_REPLY_MAGIC) {
      throw new IOException(what + ": reply magic " + Integer.toHexString(magic));
    }
    int error = in.readInt();
    long got = in.readLong();
    if (got != c) {
      throw new IOException(what + ": reply for cookie " + got + ", expected " + c);
    }
    if (error != 0) {
      throw new NbdError(what, error);
    }
  }

  /** Sends NBD_CMD_DISC (when still connected) and closes the socket. */
  @Override
  public void close() throws IOException {
    try {
      if (!socket.isClosed()) {
        request(CMD_DISC, 0, 0, 0, null);
      }
    } catch (IOException e) {
      // the server is gone: nothing to say goodbye to
    } finally {
      socket.close();
    }
  }
}
