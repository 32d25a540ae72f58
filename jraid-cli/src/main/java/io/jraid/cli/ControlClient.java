package io.jraid.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Talks to a running array's {@link ControlServer}, for {@code status}, {@code detail}, {@code
 * stop}.
 */
final class ControlClient {

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final RunRegistry.Entry entry;

  ControlClient(RunRegistry.Entry entry) {
    this.entry = entry;
  }

  /** GETs {@code path}; the body on 200, else an exception naming the array and the status. */
  String get(String path) throws IOException {
    return send(HttpRequest.newBuilder(URI.create(entry.control() + path)).GET(), path);
  }

  /** POSTs to {@code path} with the entry's token. */
  String post(String path) throws IOException {
    return send(
        HttpRequest.newBuilder(URI.create(entry.control() + path))
            .header("Authorization", "Bearer " + entry.token())
            .POST(HttpRequest.BodyPublishers.noBody()),
        path);
  }

  private String send(HttpRequest.Builder request, String path) throws IOException {
    try {
      HttpResponse<String> response =
          http.send(
              request.timeout(Duration.ofSeconds(30)).build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() / 100 != 2) {
        throw new IOException(
            entry.device()
                + ": "
                + path
                + " answered "
                + response.statusCode()
                + ": "
                + response.body().strip());
      }
      return response.body();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(entry.device() + ": interrupted", e);
    } catch (java.net.ConnectException e) {
      throw new IOException(
          entry.device() + " (pid " + entry.pid() + ") does not answer at " + entry.control(), e);
    }
  }
}
