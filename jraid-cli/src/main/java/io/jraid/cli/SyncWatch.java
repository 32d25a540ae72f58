package io.jraid.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringReader;
import java.util.Properties;

/**
 * Follows a running array's sync pass through its control endpoint until it ends: on a terminal a
 * progress bar redrawn in place, otherwise one progress line every few seconds.
 */
final class SyncWatch {

  private SyncWatch() {}

  /** The pass's state as the endpoint reports it. */
  static Properties state(ControlClient client) throws IOException {
    Properties p = new Properties();
    p.load(new StringReader(client.get("/syncstate")));
    return p;
  }

  /**
   * Waits until the pass named {@code action} (or, with null, whatever pass runs) has ended;
   * returns its final state.
   */
  @SuppressWarnings("SystemConsoleNull") // it is null without a terminal (tests, pipes)
  static Properties await(ControlClient client, PrintWriter out, String action)
      throws IOException, InterruptedException {
    java.io.Console console = System.console();
    boolean terminal = console != null && console.isTerminal();
    long lastLine = 0;
    while (true) {
      Properties p = state(client);
      boolean running = Boolean.parseBoolean(p.getProperty("running"));
      boolean ours = action == null || action.equals(p.getProperty("action"));
      if (!running || !ours) {
        if (terminal) {
          out.print("\r" + " ".repeat(100) + "\r");
        }
        out.flush();
        return p;
      }
      String line = p.getProperty("line", "");
      if (terminal) {
        out.print("\r" + line);
        out.flush();
      } else if (System.nanoTime() - lastLine > 5_000_000_000L) {
        out.println(line);
        lastLine = System.nanoTime();
      }
      Thread.sleep(terminal ? 200 : 500);
    }
  }
}
