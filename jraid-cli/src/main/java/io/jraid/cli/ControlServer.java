package io.jraid.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.jraid.array.RaidArray;
import io.jraid.metrics.ArrayMetrics;
import io.jraid.metrics.PrometheusText;
import io.jraid.stripe.SyncAction;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.ZoneId;
import java.util.HexFormat;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * The running array's local control endpoint (md's sysfs and ioctls, over HTTP on loopback):
 *
 * <ul>
 *   <li>{@code GET /mdstat}, {@code GET /detail}, {@code GET /detail.json}: what {@code
 *       /proc/mdstat} and {@code mdadm --detail} show;
 *   <li>{@code GET /metrics}: Prometheus metrics;
 *   <li>{@code POST /stop}, {@code POST /sync?action=check|repair}: change things; these need the
 *       token from the run file ({@code Authorization: Bearer TOKEN}), so that only the user who
 *       started the array can stop it.
 * </ul>
 */
final class ControlServer implements AutoCloseable {

  private final HttpServer http;
  private final String token;
  private final String device;
  private final RaidArray array;
  private final Consumer<PrometheusText> extraMetrics;
  private final Runnable stop;

  private ControlServer(
      HttpServer http,
      String device,
      RaidArray array,
      Consumer<PrometheusText> extraMetrics,
      Runnable stop) {
    this.http = http;
    this.device = device;
    this.array = array;
    this.extraMetrics = extraMetrics;
    this.stop = stop;
    byte[] secret = new byte[16];
    new SecureRandom().nextBytes(secret);
    this.token = HexFormat.of().formatHex(secret);
  }

  /**
   * Starts the endpoint.
   *
   * @param extraMetrics writes further metrics (the NBD server's) after the array's
   * @param stop asks the server to stop (returns at once)
   */
  static ControlServer start(
      InetSocketAddress address,
      String device,
      RaidArray array,
      Consumer<PrometheusText> extraMetrics,
      Runnable stop)
      throws IOException {
    HttpServer http = HttpServer.create(address, 16);
    ControlServer control = new ControlServer(http, device, array, extraMetrics, stop);
    http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    http.createContext("/", control::handle);
    http.start();
    return control;
  }

  /** The URL to reach it. */
  String url() {
    InetSocketAddress a = http.getAddress();
    return "http://" + a.getHostString() + ":" + a.getPort();
  }

  String token() {
    return token;
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      String method = exchange.getRequestMethod();
      if (method.equals("GET")) {
        switch (path) {
          case "/mdstat" -> reply(exchange, 200, "text/plain", ArrayReports.mdstat(device, array));
          case "/detail" ->
              reply(
                  exchange,
                  200,
                  "text/plain",
                  ArrayReports.detail(device, array, ZoneId.systemDefault()));
          case "/detail.json" ->
              reply(
                  exchange,
                  200,
                  "application/json",
                  Json.write(ArrayReports.json(device, array)) + "\n");
          case "/syncstate" -> reply(exchange, 200, "text/plain", ArrayReports.syncState(array));
          case "/metrics" -> {
            PrometheusText text = new PrometheusText();
            ArrayMetrics.write(text, array);
            extraMetrics.accept(text);
            reply(exchange, 200, PrometheusText.CONTENT_TYPE, text.toString());
          }
          default -> reply(exchange, 404, "text/plain", "no such resource: " + path + "\n");
        }
        return;
      }
      if (!method.equals("POST")) {
        reply(exchange, 405, "text/plain", method + " is not supported\n");
        return;
      }
      if (!authorised(exchange)) {
        reply(exchange, 403, "text/plain", "a valid token is required (see the run file)\n");
        return;
      }
      switch (path) {
        case "/stop" -> {
          reply(exchange, 202, "text/plain", "stopping " + device + "\n");
          stop.run();
        }
        case "/sync" -> sync(exchange);
        case "/manage" -> manage(exchange);
        case "/speed" -> speed(exchange);
        default -> reply(exchange, 404, "text/plain", "no such action: " + path + "\n");
      }
    }
  }

  private void sync(HttpExchange exchange) throws IOException {
    String query = exchange.getRequestURI().getQuery();
    SyncAction action =
        switch (query == null ? "" : query) {
          case "action=check" -> SyncAction.CHECK;
          case "action=repair" -> SyncAction.REPAIR;
          default -> null;
        };
    if (action == null) {
      reply(exchange, 400, "text/plain", "use /sync?action=check or /sync?action=repair\n");
      return;
    }
    try {
      array.startSync(action);
      reply(exchange, 202, "text/plain", action.mdName() + " started on " + device + "\n");
    } catch (IllegalStateException | IllegalArgumentException e) {
      reply(exchange, 409, "text/plain", e.getMessage() + "\n");
    }
  }

  /**
   * {@code /manage?op=fail|remove|add|replace&device=PATH[&force=1][&with=SPARE]}: mdadm --manage
   * on the array.
   */
  private void manage(HttpExchange exchange) throws IOException {
    java.util.Map<String, String> q = query(exchange);
    String op = q.getOrDefault("op", "");
    String member = q.get("device");
    if (member == null || member.isEmpty()) {
      reply(exchange, 400, "text/plain", "use /manage?op=fail|remove|add&device=PATH\n");
      return;
    }
    try {
      switch (op) {
        case "fail" -> array.fail(member);
        case "remove" -> array.remove(member);
        case "add" -> array.add(java.nio.file.Path.of(member), "1".equals(q.get("force")));
        case "replace" -> array.replace(member, q.get("with"));
        default -> {
          reply(exchange, 400, "text/plain", "op must be fail, remove, add or replace\n");
          return;
        }
      }
      reply(exchange, 200, "text/plain", op + " " + member + ": done\n");
    } catch (IllegalStateException | IllegalArgumentException e) {
      reply(exchange, 409, "text/plain", e.getMessage() + "\n");
    } catch (IOException e) {
      reply(exchange, 500, "text/plain", member + ": " + e.getMessage() + "\n");
    }
  }

  /** {@code /speed?min=KIBPS&max=KIBPS}: md's speed_limit_min and speed_limit_max. */
  private void speed(HttpExchange exchange) throws IOException {
    java.util.Map<String, String> q = query(exchange);
    try {
      long min = Long.parseLong(q.getOrDefault("min", ""));
      long max = Long.parseLong(q.getOrDefault("max", ""));
      array.speedLimits(min, max);
      reply(exchange, 200, "text/plain", "speed limits " + min + ".." + max + " KiB/s\n");
    } catch (IllegalArgumentException e) {
      reply(
          exchange, 400, "text/plain", "use /speed?min=KIBPS&max=KIBPS: " + e.getMessage() + "\n");
    }
  }

  private static java.util.Map<String, String> query(HttpExchange exchange) {
    java.util.Map<String, String> params = new java.util.HashMap<>();
    String raw = exchange.getRequestURI().getRawQuery();
    if (raw != null) {
      for (String pair : raw.split("&", -1)) {
        int eq = pair.indexOf('=');
        String key = eq < 0 ? pair : pair.substring(0, eq);
        String value = eq < 0 ? "" : pair.substring(eq + 1);
        params.put(
            java.net.URLDecoder.decode(key, StandardCharsets.UTF_8),
            java.net.URLDecoder.decode(value, StandardCharsets.UTF_8));
      }
    }
    return params;
  }

  private boolean authorised(HttpExchange exchange) {
    String header = exchange.getRequestHeaders().getFirst("Authorization");
    if (header == null || !header.startsWith("Bearer ")) {
      return false;
    }
    return MessageDigest.isEqual(
        header.substring(7).getBytes(StandardCharsets.UTF_8),
        token.getBytes(StandardCharsets.UTF_8));
  }

  private static void reply(HttpExchange exchange, int status, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange
        .getResponseHeaders()
        .set("Content-Type", type.contains("charset") ? type : type + "; charset=utf-8");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    http.stop(0);
  }
}
