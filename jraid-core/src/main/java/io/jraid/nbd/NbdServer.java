package io.jraid.nbd;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.Channel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * An NBD server (fixed newstyle, simple and structured replies) exporting {@link
 * io.jraid.device.BlockDevice}s, typically a RAID array, to any NBD client: qemu, libnbd tools
 * ({@code nbdinfo}, {@code nbdcopy}, {@code nbdsh}), fio's nbd engine, the Linux kernel client.
 *
 * <pre>{@code
 * try (NbdServer server = NbdServer.builder()
 *     .export(NbdExport.of("md0", array, stripeWidthBytes))
 *     .bind(new InetSocketAddress("127.0.0.1", 10809))
 *     .start()) {
 *   // clients connect to nbd://127.0.0.1:10809/md0 (or .../ for the default export)
 * }
 * }</pre>
 *
 * <h2>Threads</h2>
 *
 * One virtual thread accepts; each connection gets a virtual thread that negotiates and then reads
 * requests, handing them to the device asynchronously, and a virtual thread that writes replies
 * (out of order, matched by cookie). At most {@link Builder#maxInFlight} requests per connection
 * are in flight; the reader waits for one to finish before reading more.
 *
 * <h2>Sharing</h2>
 *
 * All connections to an export share its device, so a FLUSH on one connection covers writes
 * acknowledged on any other: exports advertise {@code NBD_FLAG_CAN_MULTI_CONN}.
 *
 * <h2>Closing</h2>
 *
 * {@link #close()} stops accepting, answers new requests with ESHUTDOWN (new options with
 * ERR_SHUTDOWN), lets requests in flight finish (for up to the {@link Builder#shutdownGrace grace
 * period}), then closes every connection. It does not close the exported devices: their owner does,
 * after the server.
 */
public final class NbdServer implements AutoCloseable {

  /** The NBD port registered with IANA. */
  public static final int DEFAULT_PORT = 10809;

  /** Buffer sets of closed connections kept for new ones (see {@link ConnectionMemory}). */
  static final int KEPT_CONNECTION_MEMORY = 4;

  private static final System.Logger LOG = System.getLogger(NbdServer.class.getName());

  private final Shared shared;
  private final ServerSocketChannel listener;
  private final InetSocketAddress address;
  private final int maxInFlight;
  private final Duration shutdownGrace;
  private final Map<NbdConnection, Thread> connections = new ConcurrentHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicLong connectionIds = new AtomicLong();
  private final Thread acceptor;

  /** What every connection of a server shares. */
  static final class Shared {
    private final ExportTable exports;
    private final NbdStats stats = new NbdStats();
    private final OversizeBuffers oversize;
    private final ConnectionMemory.Cache memory;
    private final MemorySegment zeroes;

    Shared(ExportTable exports, int maxInFlight, int oversizeBuffers) {
      this.exports = exports;
      this.oversize = new OversizeBuffers(oversizeBuffers);
      this.memory = new ConnectionMemory.Cache(maxInFlight, KEPT_CONNECTION_MEMORY);
      // Garbage-collected rather than closed: a connection that close() gave up waiting for may
      // still be writing zeroes from it.
      this.zeroes = Arena.ofAuto().allocate(ZeroFill.CHUNK, 4096).asReadOnly();
    }

    ExportTable exports() {
      return exports;
    }

    NbdStats stats() {
      return stats;
    }

    OversizeBuffers oversize() {
      return oversize;
    }

    /** Buffers for connections in transmission. */
    ConnectionMemory.Cache memory() {
      return memory;
    }

    /** {@link ZeroFill#CHUNK} zero bytes, read-only. */
    MemorySegment zeroes() {
      return zeroes;
    }

    /** A client broke the protocol: counted, and logged once for its connection. */
    void violation(String peer, String reason) {
      stats.protocolViolation();
      LOG.log(System.Logger.Level.INFO, "{0}: {1}; disconnecting", peer, reason);
    }
  }

  private NbdServer(Builder b) throws IOException {
    this.shared =
        new Shared(
            new ExportTable(
                b.exports,
                b.defaultExport != null
                    ? b.defaultExport
                    : b.exports.isEmpty() ? "" : b.exports.getFirst().name()),
            b.maxInFlight,
            b.oversizeBuffers);
    this.maxInFlight = b.maxInFlight;
    this.shutdownGrace = b.shutdownGrace;
    this.listener = ServerSocketChannel.open();
    try {
      listener.bind(b.address);
      this.address = (InetSocketAddress) listener.getLocalAddress();
    } catch (IOException | RuntimeException e) {
      listener.close();
      throw new IOException("cannot listen on " + b.address + ": " + e.getMessage(), e);
    }
    this.acceptor = Thread.ofVirtual().name("nbd-accept " + address).unstarted(this::accept);
  }

  /** A builder: at least one export; listens on loopback port 10809 unless told otherwise. */
  public static Builder builder() {
    return new Builder();
  }

  /** The address the server listens on (with the real port when port 0 was asked for). */
  public InetSocketAddress address() {
    return address;
  }

  /** The port the server listens on. */
  public int port() {
    return address.getPort();
  }

  /** The server's counters. */
  public NbdStats stats() {
    return shared.stats();
  }

  /** The exports, in the order they were added. */
  public List<NbdExport> exports() {
    return shared.exports().all();
  }

  /** The export an empty name (and {@code nbd://host:port/}) means. */
  public NbdExport defaultExport() {
    return shared.exports().defaultExport();
  }

  private void accept() {
    while (!closed.get()) {
      SocketChannel channel;
      try {
        channel = listener.accept();
      } catch (IOException e) {
        if (!closed.get()) {
          LOG.log(System.Logger.Level.ERROR, "NBD server " + address + ": accept failed", e);
        }
        return;
      }
      serve(channel);
    }
  }

  private void serve(SocketChannel channel) {
    String peer;
    try {
      channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
      peer = "nbd#" + connectionIds.incrementAndGet() + " " + channel.getRemoteAddress();
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, "cannot set up an NBD connection: {0}", e.toString());
      closeQuietly(channel);
      return;
    }
    NbdConnection connection = new NbdConnection(shared, channel, peer, maxInFlight);
    Thread thread =
        Thread.ofVirtual()
            .name(peer)
            .unstarted(() -> {
              try {
                connection.run();
              } finally {
                connections.remove(connection);
              }
            });
    connections.put(connection, thread);
    if (closed.get()) {
      // close() may have looked at the connections already: do not start a straggler.
      connections.remove(connection);
      closeQuietly(channel);
      return;
    }
    thread.start();
  }

  /**
   * Stops the server: no new connections; new requests get ESHUTDOWN; requests in flight finish
   * (for up to the grace period); then every connection is closed and its thread awaited. Does not
   * close the exported devices. Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    closeQuietly(listener);
    List<Map.Entry<NbdConnection, Thread>> open = new ArrayList<>(connections.entrySet());
    for (Map.Entry<NbdConnection, Thread> c : open) {
      c.getKey().beginShutdown();
    }
    long deadline = System.nanoTime() + shutdownGrace.toNanos();
    boolean interrupted = false;
    for (Map.Entry<NbdConnection, Thread> c : open) {
      while (c.getKey().inFlight() > 0 && System.nanoTime() < deadline) {
        try {
          Thread.sleep(1);
        } catch (InterruptedException e) {
          interrupted = true;
          break;
        }
      }
      c.getKey().closeChannel();
    }
    for (Map.Entry<NbdConnection, Thread> c : open) {
      long left = Math.max(1, deadline - System.nanoTime()) + 1_000_000_000L;
      try {
        if (!c.getValue().join(Duration.ofNanos(left))) {
          LOG.log(
              System.Logger.Level.WARNING,
              "{0}: still waiting for its device after the grace period; left behind",
              c.getKey());
        }
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    try {
      acceptor.join(Duration.ofSeconds(1));
    } catch (InterruptedException e) {
      interrupted = true;
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private static void closeQuietly(Channel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, "close failed: {0}", e.toString());
    }
  }

  /** Configures and starts an {@link NbdServer}. */
  public static final class Builder {
    private final List<NbdExport> exports = new ArrayList<>();
    private @Nullable String defaultExport;
    private InetSocketAddress address =
        new InetSocketAddress(InetAddress.getLoopbackAddress(), DEFAULT_PORT);
    private int maxInFlight = 64;
    private int oversizeBuffers = 2;
    private Duration shutdownGrace = Duration.ofSeconds(10);

    private Builder() {}

    /** Adds an export (names must be distinct). The first one is the default export. */
    public Builder export(NbdExport export) {
      exports.add(export);
      return this;
    }

    /** Which export the empty name means (default: the first one added). */
    public Builder defaultExport(String name) {
      this.defaultExport = name;
      return this;
    }

    /**
     * Where to listen (default the loopback address, 127.0.0.1, port 10809); port 0 picks a free
     * port, see {@link NbdServer#port()}. The server has no TLS and no authentication: keep it on
     * loopback or a trusted network.
     */
    public Builder bind(InetSocketAddress address) {
      this.address = address;
      return this;
    }

    /** Requests a connection may have in flight, 1 to 1024 (default 64). */
    public Builder maxInFlight(int requests) {
      if (requests < 1 || requests > 1024) {
        throw new IllegalArgumentException("maxInFlight=" + requests + " (1..1024)");
      }
      this.maxInFlight = requests;
      return this;
    }

    /**
     * How many READ/WRITE requests over 1 MiB may be in flight server-wide at once (each holds a 32
     * MiB buffer, made on first use); default 2, at least 1.
     */
    public Builder oversizeBuffers(int count) {
      if (count < 1 || count > 64) {
        throw new IllegalArgumentException("oversizeBuffers=" + count + " (1..64)");
      }
      this.oversizeBuffers = count;
      return this;
    }

    /** How long {@link NbdServer#close()} lets requests in flight finish (default 10 s). */
    public Builder shutdownGrace(Duration grace) {
      if (grace.isNegative()) {
        throw new IllegalArgumentException("shutdownGrace=" + grace);
      }
      this.shutdownGrace = grace;
      return this;
    }

    /**
     * Binds and starts accepting.
     *
     * @throws IllegalArgumentException if there is no export, two share a name, or the default
     *     export is not one of them
     * @throws IOException if the address cannot be bound
     */
    public NbdServer start() throws IOException {
      NbdServer server = new NbdServer(this);
      server.acceptor.start();
      LOG.log(
          System.Logger.Level.INFO,
          "NBD server listening on {0}, exports {1}",
          server.address,
          server.exports().stream().map(NbdExport::name).toList());
      return server;
    }
  }
}
