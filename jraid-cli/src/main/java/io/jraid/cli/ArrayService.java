package io.jraid.cli;

import io.jraid.array.AssemblyDecision;
import io.jraid.array.RaidArray;
import io.jraid.metrics.NbdMetrics;
import io.jraid.nbd.NbdExport;
import io.jraid.nbd.NbdServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An array running in this process: assembled from its members, exported over NBD, reachable on its
 * control endpoint and listed in the run registry — until {@link #stop()}: the NBD server finishes
 * the requests it has, the array drains and flushes and its superblocks are marked clean, the
 * registry entry goes.
 */
final class ArrayService implements AutoCloseable {

  private final String device;
  private final RaidArray array;
  private final NbdServer nbd;
  private final ControlServer control;
  private final RunRegistry registry;
  private final CountDownLatch stopRequested;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final AtomicBoolean stopping = new AtomicBoolean();
  private volatile @org.jspecify.annotations.Nullable IOException stopFailure;

  private ArrayService(
      String device,
      RaidArray array,
      NbdServer nbd,
      ControlServer control,
      RunRegistry registry,
      CountDownLatch stopRequested) {
    this.stopRequested = stopRequested;
    this.device = device;
    this.array = array;
    this.nbd = nbd;
    this.control = control;
    this.registry = registry;
  }

  /**
   * Runs the array a decision describes and serves it.
   *
   * @param exportName the NBD export's name (also the default export); null for the array's name
   */
  static ArrayService start(
      AssemblyDecision decision,
      boolean readOnly,
      InetSocketAddress listen,
      @org.jspecify.annotations.Nullable String exportName,
      InetSocketAddress controlAddress,
      RunRegistry registry)
      throws IOException {
    String device = registry.freeDevice();
    RaidArray array = RaidArray.open(decision, readOnly);
    NbdServer nbd = null;
    ControlServer control = null;
    try {
      var g = array.engine().geometry();
      String name = exportName != null ? exportName : array.name();
      long stripeWidth = (long) g.chunkSectors() * 512 * g.dataDisks();
      NbdExport export =
          NbdExport.of(name, array, stripeWidth)
              .withDescription("jraid raid" + g.level() + " " + array.name() + " (" + device + ")");
      nbd = NbdServer.builder().bind(listen).export(export).defaultExport(name).start();
      NbdServer server = nbd;
      CountDownLatch stopRequested = new CountDownLatch(1);
      control =
          ControlServer.start(
              controlAddress,
              device,
              array,
              text -> NbdMetrics.write(text, server),
              stopRequested::countDown);
      ArrayService service = new ArrayService(device, array, nbd, control, registry, stopRequested);
      registry.register(
          new RunRegistry.Entry(
              device,
              array.name(),
              ProcessHandle.current().pid(),
              control.url(),
              control.token(),
              "nbd://" + hostPort(nbd.address()) + "/" + name));
      return service;
    } catch (IOException | RuntimeException e) {
      if (control != null) {
        control.close();
      }
      if (nbd != null) {
        nbd.close();
      }
      array.close();
      throw e;
    }
  }

  static String hostPort(InetSocketAddress a) {
    String host = a.getHostString();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
  }

  String device() {
    return device;
  }

  RaidArray array() {
    return array;
  }

  NbdServer nbd() {
    return nbd;
  }

  ControlServer control() {
    return control;
  }

  /** Asks the service to stop (any thread; returns at once). */
  void requestStop() {
    stopRequested.countDown();
  }

  /** Waits until a stop is requested (Ctrl-C, {@code jraid stop}), then stops. */
  void runUntilStopped() throws IOException, InterruptedException {
    stopRequested.await();
    stop();
  }

  /** Stops cleanly; waits if another thread is already stopping. */
  void stop() throws IOException {
    if (!stopping.compareAndSet(false, true)) {
      try {
        stopped.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (stopFailure != null) {
        throw stopFailure;
      }
      return;
    }
    IOException failure = null;
    try {
      nbd.close(); // finishes what clients sent, refuses the rest
      array.close(); // drains, records clean with the resync checkpoint, flushes members
    } catch (IOException e) {
      failure = e;
    } finally {
      control.close();
      try {
        registry.unregister(device);
      } catch (IOException e) {
        if (failure == null) {
          failure = e;
        }
      }
      stopFailure = failure;
      stopped.countDown();
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** What a user needs to know once it runs. */
  void describe(PrintWriter out) {
    var g = array.engine().geometry();
    long bytes = array.size();
    out.printf(
        "jraid: %s: raid%d, %d members, %s%s, %s%n",
        device,
        g.level(),
        g.raidDisks(),
        bytes >> 20 >= 1024
            ? String.format("%.2f GiB", bytes / (double) (1L << 30))
            : (bytes >> 20) + " MiB",
        array.engine().failedMembers() > 0
            ? ", degraded (" + array.engine().failedMembers() + " missing)"
            : "",
        ArrayReports.state(array));
    String export = nbd.defaultExport().name();
    out.printf(
        "jraid: serving nbd://%s/%s (export \"%s\", also the default export)%n",
        hostPort(nbd.address()), export, export);
    out.printf("jraid: control %s — jraid status, jraid detail %s%n", control.url(), device);
    out.printf("jraid: Ctrl-C or `jraid stop %s` stops it cleanly%n", device);
    out.flush();
  }

  @Override
  public void close() throws IOException {
    stop();
  }
}
