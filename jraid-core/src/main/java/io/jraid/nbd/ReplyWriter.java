package io.jraid.nbd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;

/**
 * The one thread that writes a connection's replies, so that replies never interleave: it takes
 * finished requests from the connection's reply queue in the order they finished (not the order
 * they came: the cookie pairs them up), encodes each header into the request's slot, and sends as
 * many replies as are waiting in one gathering write — header, then READ data straight from the
 * request's buffer. Then it counts them and gives the slots back.
 *
 * <p>If the socket fails, replies are no longer sent but requests are still counted down and
 * released, so that the connection can drain and close.
 */
final class ReplyWriter implements Runnable {

  /** Replies sent in one gathering write at most. */
  static final int MAX_BATCH = 64;

  /** What the writer needs from its connection. */
  interface Owner {
    /** The reply was sent (or could not be): free the slot and its buffer. */
    void release(RequestSlot slot);

    /** The socket failed: stop the connection. */
    void writeFailed(IOException e);
  }

  private static final System.Logger LOG = System.getLogger(ReplyWriter.class.getName());

  private final GatheringByteChannel channel;
  private final Handoff<RequestSlot> replies;
  private final boolean structuredReplies;
  private final int metaContextId;
  private final NbdStats stats;
  private final Owner owner;
  private final RequestSlot[] batch = new RequestSlot[MAX_BATCH];
  private final ByteBuffer[] vectors = new ByteBuffer[2 * MAX_BATCH];
  private boolean broken;

  ReplyWriter(
      GatheringByteChannel channel,
      Handoff<RequestSlot> replies,
      boolean structuredReplies,
      int metaContextId,
      NbdStats stats,
      Owner owner) {
    this.channel = channel;
    this.replies = replies;
    this.structuredReplies = structuredReplies;
    this.metaContextId = metaContextId;
    this.stats = stats;
    this.owner = owner;
  }

  /** Runs until the reply queue is stopped and empty. */
  @Override
  public void run() {
    RequestSlot first;
    while ((first = replies.take()) != null) {
      int n = 0;
      batch[n++] = first;
      RequestSlot next;
      while (n < MAX_BATCH && (next = replies.poll()) != null) {
        batch[n++] = next;
      }
      boolean sent = send(n);
      long now = System.nanoTime();
      for (int i = 0; i < n; i++) {
        RequestSlot slot = batch[i];
        batch[i] = null;
        if (sent) {
          account(slot, now);
        }
        owner.release(slot);
      }
    }
  }

  /** Encodes and writes {@code n} replies; false if they could not be sent. */
  private boolean send(int n) {
    if (broken) {
      return false;
    }
    try {
      int count = 0;
      for (int i = 0; i < n; i++) {
        count = encode(batch[i], count);
      }
      int start = 0;
      while (start < count) {
        channel.write(vectors, start, count - start);
        while (start < count && !vectors[start].hasRemaining()) {
          vectors[start++] = null;
        }
      }
      return true;
    } catch (IOException e) {
      broken = true;
      owner.writeFailed(e);
      return false;
    } catch (RuntimeException e) {
      broken = true;
      LOG.log(System.Logger.Level.ERROR, "NBD reply writer failed", e);
      owner.writeFailed(new IOException("reply writer failed: " + e, e));
      return false;
    } finally {
      java.util.Arrays.fill(vectors, null);
    }
  }

  /** Puts the slot's reply into {@link #vectors} from index {@code at}; returns the next index. */
  private int encode(RequestSlot slot, int at) {
    ByteBuffer h = slot.header;
    h.clear();
    ByteBuffer data = null;
    ReplyError error = slot.error;
    if (error != null) {
      if (structuredReplies) {
        ReplyCodec.error(h, slot.cookie, error.error.code(), error.message);
      } else {
        ReplyCodec.simple(h, error.error.code(), slot.cookie);
      }
    } else if (slot.command == NbdCommand.READ && slot.length != 0) {
      if (structuredReplies) {
        ReplyCodec.offsetData(h, slot.cookie, slot.offset, slot.length);
      } else {
        ReplyCodec.simple(h, 0, slot.cookie);
      }
      PooledBuffer buffer = slot.buffer;
      if (buffer == null) {
        throw new IllegalStateException("READ reply without data: " + slot.cookie);
      }
      data = buffer.bytes(slot.length);
    } else if (slot.command == NbdCommand.BLOCK_STATUS) {
      // One extent covering the request: allocated data (flags 0), always a correct answer.
      ReplyCodec.blockStatus(h, slot.cookie, metaContextId, slot.length, 0);
    } else if (structuredReplies) {
      ReplyCodec.none(h, slot.cookie);
    } else {
      ReplyCodec.simple(h, 0, slot.cookie);
    }
    h.flip();
    vectors[at++] = h;
    if (data != null) {
      vectors[at++] = data;
    }
    return at;
  }

  private void account(RequestSlot slot, long now) {
    long nanos = now - slot.startNanos;
    ReplyError error = slot.error;
    if (error != null) {
      stats.failed(slot.command, nanos, error.error);
    } else {
      stats.succeeded(
          slot.command,
          nanos,
          slot.command == NbdCommand.READ ? Integer.toUnsignedLong(slot.length) : 0,
          slot.command == NbdCommand.WRITE ? Integer.toUnsignedLong(slot.length) : 0);
    }
  }
}
