package io.jraid.nbd;

import io.jraid.device.IoCompletion;
import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;

/**
 * One request of a connection from its header to its reply, and the device's completion for it: a
 * connection preallocates {@code maxInFlight} of these, each with its own buffer for payloads up to
 * {@link #OWN_BUFFER_BYTES} and room for its reply header, and recycles them — no allocation per
 * request.
 *
 * <p>Life: free → taken by the reader, filled from the header, submitted to the device (or failed
 * at once) → the device's completion (any thread) queues it for the writer → the writer sends the
 * reply and frees it. Each step hands the slot over through a queue, which orders the field writes
 * of one step before the reads of the next.
 */
final class RequestSlot implements IoCompletion {

  /** Payload bytes every slot holds itself (larger requests borrow a pooled buffer). */
  static final int OWN_BUFFER_BYTES = 64 * 1024;

  private final Connection connection;

  /** The slot's own payload buffer. */
  final PooledBuffer own;

  /** Room for the reply header (direct, so the gathering write copies nothing). */
  final ByteBuffer header;

  NbdCommand command = NbdCommand.OTHER;
  int flags;
  long cookie;
  long offset;
  int length;
  long startNanos;

  /** Why the request failed, or null while it has not. */
  @Nullable ReplyError error;

  /** The buffer holding the request's data: {@link #own}, or a borrowed one; null if none. */
  @Nullable PooledBuffer buffer;

  /** What a slot needs from its connection. */
  interface Connection {
    /** The device finished a request (with an error or not): queue its reply. */
    void completed(RequestSlot slot, @Nullable Throwable error);
  }

  RequestSlot(Connection connection, PooledBuffer own, ByteBuffer header) {
    this.connection = connection;
    this.own = own;
    this.header = header;
  }

  /** Takes on a new request. */
  void start(RequestHeader h, NbdCommand command, long nowNanos) {
    this.command = command;
    this.flags = h.flags;
    this.cookie = h.cookie;
    this.offset = h.offset;
    this.length = h.length;
    this.startNanos = nowNanos;
    this.error = null;
    this.buffer = null;
  }

  boolean fua() {
    return (flags & NbdProtocol.CMD_FLAG_FUA) != 0;
  }

  @Override
  public void completed(@Nullable Throwable failure) {
    connection.completed(this, failure);
  }
}
