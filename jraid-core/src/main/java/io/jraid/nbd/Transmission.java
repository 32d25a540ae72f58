package io.jraid.nbd;

import io.jraid.device.BlockDevice;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The transmission phase of one connection: this (the connection's) thread reads requests, a {@link
 * ReplyWriter} thread sends replies.
 *
 * <h2>Reading</h2>
 *
 * The reader decodes request headers from a read-ahead buffer, checks them ({@link RequestRules}),
 * takes a free {@link RequestSlot} — waiting while {@code maxInFlight} requests are in flight: that
 * is the back-pressure — reads a WRITE's payload into the request's buffer (straight from the
 * socket when it is large) and hands the request to the device asynchronously. It never waits for
 * the device: requests run concurrently and complete in any order.
 *
 * <h2>Memory</h2>
 *
 * A {@link ConnectionMemory} from the server's cache: each slot's 64 KiB buffer and reply header
 * room, the read-ahead buffer, and (on first use) 16 buffers of 1 MiB. Requests up to 32 MiB beyond
 * that borrow from the server's {@link OversizeBuffers}. Nothing is allocated per request.
 *
 * <h2>Ending</h2>
 *
 * <ul>
 *   <li>DISC, or the client closing its side: every request already read is finished and answered
 *       (as far as the socket allows), then the socket is closed.
 *   <li>A protocol violation (bad magic, an absurd WRITE length): the socket is closed at once
 *       (hard disconnect); requests in flight still finish on the device, unanswered.
 *   <li>Server shutdown: new requests get ESHUTDOWN; the server closes the socket once nothing is
 *       in flight.
 * </ul>
 *
 * In every case the memory goes back to the server only after every slot came back, so no device or
 * socket still uses it when the next connection gets it.
 */
final class Transmission implements RequestSlot.Connection, ReplyWriter.Owner {

  /** Payloads at least this long are read straight from the socket into the request. */
  static final int DIRECT_READ_BYTES = ConnectionMemory.READ_AHEAD_BYTES / 2;

  /**
   * A WRITE longer than this is not drained but ends the connection (the protocol allows that above
   * 32 MiB): twice the maximum payload, more than any client sends by mistake.
   */
  static final long MAX_DRAINED_PAYLOAD = 2L * NbdExport.MAXIMUM_PAYLOAD;

  private static final System.Logger LOG = System.getLogger(Transmission.class.getName());

  /** How the reading ended. */
  private enum Ending {
    /** NBD_CMD_DISC, or the client closed its side: finish, answer, close. */
    DRAIN,
    /** The client broke the protocol: close at once. */
    VIOLATION
  }

  private final NbdServer.Shared server;
  private final SocketChannel channel;
  private final String peer;
  private final int maxInFlight;
  private final RequestRules rules;
  private final BlockDevice device;
  private final ConnectionMemory memory;
  private final Handoff<RequestSlot> freeSlots;
  private final Handoff<RequestSlot> replies;
  private final BufferPool pooled;
  private final ByteBuffer in;
  private final ReplyWriter writer;
  private final RequestHeader header = new RequestHeader();
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile boolean shuttingDown;

  Transmission(
      NbdServer.Shared server,
      SocketChannel channel,
      String peer,
      int maxInFlight,
      Negotiation.Transmit session) {
    this.server = server;
    this.channel = channel;
    this.peer = peer;
    this.maxInFlight = maxInFlight;
    this.rules = RequestRules.of(session);
    this.device = session.export().device();
    this.memory = server.memory().take();
    this.freeSlots = new Handoff<>(maxInFlight);
    this.replies = new Handoff<>(maxInFlight);
    for (int i = 0; i < maxInFlight; i++) {
      freeSlots.offer(new RequestSlot(this, memory.own[i], memory.headers[i]));
    }
    this.pooled = memory.pooled;
    this.in = memory.readAhead.clear().flip();
    this.writer =
        new ReplyWriter(
            channel,
            replies,
            session.structuredReplies(),
            session.metaContextId(),
            server.stats(),
            this);
  }

  /** Reads requests until the connection ends, then drains and frees everything. */
  void run() {
    Thread writerThread = Thread.ofVirtual().name("nbd-writer " + peer).start(writer);
    Ending ending = Ending.DRAIN;
    try {
      ending = readRequests();
    } catch (EOFException | ClosedChannelException e) {
      LOG.log(System.Logger.Level.DEBUG, "{0}: connection ended: {1}", peer, e.toString());
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, "{0}: connection failed: {1}", peer, e.toString());
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.ERROR, peer + ": NBD transmission failed", e);
      ending = Ending.VIOLATION;
    } finally {
      finish(ending, writerThread);
    }
  }

  int inFlight() {
    return inFlight.get();
  }

  void beginShutdown() {
    shuttingDown = true;
  }

  /**
   * Waits for every request in flight (all slots back), stops the writer, closes the socket and
   * frees the memory. A violation closes the socket first, so that nothing more is answered.
   */
  private void finish(Ending ending, Thread writerThread) {
    if (ending == Ending.VIOLATION) {
      closeChannel();
    }
    for (int i = 0; i < maxInFlight; i++) {
      freeSlots.take(); // every slot back: no device or socket uses the memory any more
    }
    replies.stop();
    boolean interrupted = false;
    while (writerThread.isAlive()) {
      try {
        writerThread.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    closeChannel();
    server.memory().give(memory);
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private Ending readRequests() throws IOException {
    RequestHeader h = header;
    while (true) {
      if (!fill(NbdProtocol.REQUEST_BYTES)) {
        return Ending.DRAIN;
      }
      h.decode(in);
      if (!h.hasRequestMagic()) {
        server.violation(peer, "bad request magic 0x" + Integer.toHexString(h.magic));
        return Ending.VIOLATION;
      }
      NbdCommand command = NbdCommand.of(h.type);
      server.stats().request(command);
      if (command == NbdCommand.DISC) {
        return Ending.DRAIN;
      }
      if (command == NbdCommand.WRITE && h.lengthUnsigned() > MAX_DRAINED_PAYLOAD) {
        server.violation(peer, "WRITE of " + h.lengthUnsigned() + " bytes");
        return Ending.VIOLATION;
      }
      RequestSlot slot = freeSlots.take();
      if (slot == null) {
        throw new IllegalStateException("request slots stopped while reading");
      }
      slot.start(h, command, System.nanoTime());
      inFlight.incrementAndGet();
      try {
        ReplyError error = rules.check(h, shuttingDown);
        if (error == null) {
          execute(slot);
        } else {
          if (command == NbdCommand.WRITE) {
            skip(h.lengthUnsigned());
          }
          slot.error = error;
          replies.offer(slot);
        }
      } catch (IOException | RuntimeException e) {
        // The request never reached the device: give the slot back for finish() to find.
        release(slot);
        throw e;
      }
    }
  }

  /** Runs a valid request: submits it to the device, or answers it at once. */
  private void execute(RequestSlot slot) throws IOException {
    int length = slot.length;
    switch (slot.command) {
      case READ -> {
        if (length == 0) {
          replies.offer(slot);
        } else {
          device.read(borrow(slot, length).segment(length), slot.offset, slot);
        }
      }
      case WRITE -> {
        if (length == 0) {
          replies.offer(slot);
        } else {
          PooledBuffer data = borrow(slot, length);
          readPayload(data.bytes(length));
          device.write(data.segment(length), slot.offset, slot.fua(), slot);
        }
      }
      case FLUSH -> {
        if (device.readOnly()) {
          replies.offer(slot); // nothing was written through a read-only export
        } else {
          device.flush(slot);
        }
      }
      case TRIM -> {
        if (length == 0) {
          replies.offer(slot);
        } else {
          device.discard(slot.offset, Integer.toUnsignedLong(length), slot);
        }
      }
      case WRITE_ZEROES -> {
        if (length == 0) {
          replies.offer(slot);
        } else {
          ZeroFill.start(slot, device, server.zeroes());
        }
      }
      case CACHE, BLOCK_STATUS -> replies.offer(slot); // checked; nothing to do
      case DISC, OTHER ->
          throw new IllegalStateException("not a runnable request: " + slot.command);
    }
  }

  /** The buffer for a request's data: the slot's own, a pooled one, or an oversize one. */
  private PooledBuffer borrow(RequestSlot slot, int length) throws IOException {
    PooledBuffer data;
    if (length <= RequestSlot.OWN_BUFFER_BYTES) {
      data = slot.own;
    } else if (length <= ConnectionMemory.POOLED_BUFFER_BYTES) {
      data = pooled.take();
      if (data == null) {
        throw new ClosedChannelException();
      }
    } else {
      try {
        data = server.oversize().take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted waiting for an oversize buffer", e);
      }
    }
    slot.buffer = data;
    return data;
  }

  @Override
  public void completed(RequestSlot slot, @Nullable Throwable error) {
    if (error != null) {
      slot.error = ReplyError.IO_ERROR;
      LOG.log(System.Logger.Level.DEBUG, "{0}: {1} failed: {2}", peer, slot.command, error);
    }
    replies.offer(slot);
  }

  @Override
  public void release(RequestSlot slot) {
    PooledBuffer data = slot.buffer;
    slot.buffer = null;
    if (data != null && data != slot.own) {
      if (data.capacity() == ConnectionMemory.POOLED_BUFFER_BYTES) {
        pooled.give(data);
      } else {
        server.oversize().give(data);
      }
    }
    inFlight.decrementAndGet();
    freeSlots.offer(slot);
  }

  @Override
  public void writeFailed(IOException e) {
    LOG.log(System.Logger.Level.DEBUG, "{0}: cannot send replies: {1}", peer, e.toString());
    closeChannel();
  }

  private void closeChannel() {
    try {
      channel.close();
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, "{0}: close failed: {1}", peer, e.toString());
    }
  }

  // ---- socket reading ---------------------------------------------------------------------

  /** Makes {@code n} bytes readable in the read-ahead buffer; false at end of stream. */
  private boolean fill(int n) throws IOException {
    if (in.remaining() >= n) {
      return true;
    }
    in.compact();
    try {
      while (in.position() < n) {
        if (channel.read(in) < 0) {
          return false;
        }
      }
    } finally {
      in.flip();
    }
    return true;
  }

  /** Reads a WRITE payload into {@code dst}: first what was read ahead, then from the socket. */
  private void readPayload(ByteBuffer dst) throws IOException {
    moveReadAhead(dst);
    while (dst.hasRemaining()) {
      if (dst.remaining() >= DIRECT_READ_BYTES) {
        if (channel.read(dst) < 0) {
          throw new EOFException("end of stream in a WRITE payload");
        }
      } else {
        if (!fill(1)) {
          throw new EOFException("end of stream in a WRITE payload");
        }
        moveReadAhead(dst);
      }
    }
  }

  /** Moves as much as fits from the read-ahead buffer into {@code dst}. */
  private void moveReadAhead(ByteBuffer dst) {
    int n = Math.min(in.remaining(), dst.remaining());
    dst.put(dst.position(), in, in.position(), n);
    dst.position(dst.position() + n);
    in.position(in.position() + n);
  }

  /** Reads and drops {@code length} bytes (the payload of a refused WRITE). */
  private void skip(long length) throws IOException {
    long left = length;
    while (left > 0) {
      if (!fill(1)) {
        throw new EOFException("end of stream in a refused WRITE payload");
      }
      int n = (int) Math.min(left, in.remaining());
      in.position(in.position() + n);
      left -= n;
    }
  }
}
