package io.jraid.nbd;

import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import org.jspecify.annotations.Nullable;

/**
 * One client connection, run on its own virtual thread: the handshake ({@link Negotiation}), then
 * the transmission phase ({@link Transmission}), then the socket is closed. Nothing a client sends
 * escapes this class as an exception: protocol violations end this connection (counted and logged
 * once), and other connections never notice.
 */
final class NbdConnection implements Runnable {

  private static final System.Logger LOG = System.getLogger(NbdConnection.class.getName());

  private final NbdServer.Shared server;
  private final SocketChannel channel;
  private final String peer;
  private final int maxInFlight;
  private volatile boolean shuttingDown;
  private volatile @Nullable Transmission transmission;

  NbdConnection(NbdServer.Shared server, SocketChannel channel, String peer, int maxInFlight) {
    this.server = server;
    this.channel = channel;
    this.peer = peer;
    this.maxInFlight = maxInFlight;
  }

  @Override
  public void run() {
    server.stats().connectionOpened();
    try {
      Negotiation.Outcome outcome =
          new Negotiation(channel, channel, server.exports(), () -> shuttingDown).run();
      switch (outcome) {
        case Negotiation.Closed closed -> {
          if (!closed.soft()) {
            server.violation(peer, closed.reason());
          }
        }
        case Negotiation.Transmit session -> transmit(session);
      }
    } catch (EOFException | ClosedChannelException e) {
      LOG.log(System.Logger.Level.DEBUG, "{0}: connection closed during the handshake", peer);
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, "{0}: connection failed: {1}", peer, e.toString());
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.ERROR, peer + ": NBD connection failed", e);
    } finally {
      closeChannel();
      server.stats().connectionClosed();
    }
  }

  private void transmit(Negotiation.Transmit session) {
    Transmission t = new Transmission(server, channel, peer, maxInFlight, session);
    transmission = t;
    if (shuttingDown) {
      t.beginShutdown();
    }
    t.run();
  }

  /** Requests of this connection read but not yet answered. */
  int inFlight() {
    Transmission t = transmission;
    return t == null ? 0 : t.inFlight();
  }

  /** From now on, options get ERR_SHUTDOWN and requests ESHUTDOWN. */
  void beginShutdown() {
    shuttingDown = true;
    Transmission t = transmission;
    if (t != null) {
      t.beginShutdown();
    }
  }

  /** Closes the socket: a reader or writer blocked on it ends. */
  void closeChannel() {
    try {
      channel.close();
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, "{0}: close failed: {1}", peer, e.toString());
    }
  }

  @Override
  public String toString() {
    return "NbdConnection[" + peer + "]";
  }
}
