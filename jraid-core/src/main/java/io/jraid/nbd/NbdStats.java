package io.jraid.nbd;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one {@link NbdServer}, for a metrics endpoint: requests per command, bytes moved,
 * errors per error value, connections, and a latency histogram per command. Every counter is a
 * {@link LongAdder} bumped once per request (never a log line per I/O); read them any time.
 */
public final class NbdStats {

  private final Map<NbdCommand, LongAdder> requests = new EnumMap<>(NbdCommand.class);
  private final Map<NbdCommand, LatencyHistogram> latency = new EnumMap<>(NbdCommand.class);
  private final Map<NbdError, LongAdder> errors = new EnumMap<>(NbdError.class);
  private final LongAdder bytesRead = new LongAdder();
  private final LongAdder bytesWritten = new LongAdder();
  private final LongAdder connectionsOpen = new LongAdder();
  private final LongAdder connectionsTotal = new LongAdder();
  private final LongAdder protocolViolations = new LongAdder();

  NbdStats() {
    for (NbdCommand c : NbdCommand.values()) {
      requests.put(c, new LongAdder());
      latency.put(c, new LatencyHistogram());
    }
    for (NbdError e : NbdError.values()) {
      errors.put(e, new LongAdder());
    }
  }

  /** Requests received of a command (DISC included; {@link NbdCommand#OTHER} for unknown ones). */
  public long requests(NbdCommand command) {
    return requests.get(command).sum();
  }

  /** Bytes sent in successful READ replies. */
  public long bytesRead() {
    return bytesRead.sum();
  }

  /** Bytes of successful WRITE requests (zeroes and trims not counted). */
  public long bytesWritten() {
    return bytesWritten.sum();
  }

  /** Replies sent with this error. */
  public long errors(NbdError error) {
    return errors.get(error).sum();
  }

  /** Connections open now (handshake or transmission). */
  public long connectionsOpen() {
    return connectionsOpen.sum();
  }

  /** Connections accepted since the server started. */
  public long connectionsTotal() {
    return connectionsTotal.sum();
  }

  /**
   * Connections dropped because the client broke the protocol: bad magic, unknown client flags,
   * absurd lengths, an EXPORT_NAME that cannot be served.
   */
  public long protocolViolations() {
    return protocolViolations.sum();
  }

  /** The latency of answered requests of a command. */
  public LatencyHistogram latency(NbdCommand command) {
    return latency.get(command);
  }

  void request(NbdCommand command) {
    requests.get(command).increment();
  }

  /** A successful reply was sent. */
  void succeeded(NbdCommand command, long nanos, long readBytes, long writtenBytes) {
    latency.get(command).record(nanos);
    if (readBytes != 0) {
      bytesRead.add(readBytes);
    }
    if (writtenBytes != 0) {
      bytesWritten.add(writtenBytes);
    }
  }

  /** An error reply was sent. */
  void failed(NbdCommand command, long nanos, NbdError error) {
    latency.get(command).record(nanos);
    errors.get(error).increment();
  }

  void connectionOpened() {
    connectionsOpen.increment();
    connectionsTotal.increment();
  }

  void connectionClosed() {
    connectionsOpen.decrement();
  }

  void protocolViolation() {
    protocolViolations.increment();
  }
}
