package io.jraid.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.jspecify.annotations.Nullable;

/**
 * Where running arrays announce themselves, so that {@code jraid status}, {@code detail} and {@code
 * stop} find them (md has {@code /proc/mdstat} and {@code /dev/md*}; a user-space server has a run
 * directory). One file per array, readable by its owner only: it holds the control endpoint's
 * address and the token that authorises stopping the array.
 *
 * <p>The directory is {@code -Djraid.run.dir}, else {@code $JRAID_RUN_DIR}, else {@code
 * $XDG_RUNTIME_DIR/jraid}, else {@code /tmp/jraid-$USER}.
 */
final class RunRegistry {

  /** One running array's entry. */
  record Entry(String device, String name, long pid, String control, String token, String nbd) {

    Properties toProperties() {
      Properties p = new Properties();
      p.setProperty("device", device);
      p.setProperty("name", name);
      p.setProperty("pid", Long.toString(pid));
      p.setProperty("control", control);
      p.setProperty("token", token);
      p.setProperty("nbd", nbd);
      return p;
    }

    static @Nullable Entry of(Properties p) {
      String device = p.getProperty("device");
      String pid = p.getProperty("pid");
      String control = p.getProperty("control");
      if (device == null || pid == null || control == null) {
        return null;
      }
      try {
        return new Entry(
            device,
            p.getProperty("name", device),
            Long.parseLong(pid),
            control,
            p.getProperty("token", ""),
            p.getProperty("nbd", ""));
      } catch (NumberFormatException e) {
        return null;
      }
    }

    /** Whether the process that wrote the entry still runs. */
    boolean alive() {
      return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
  }

  private final Path dir;

  RunRegistry(Path dir) {
    this.dir = dir;
  }

  /** The registry of this user. */
  static RunRegistry standard() {
    String explicit = System.getProperty("jraid.run.dir", System.getenv("JRAID_RUN_DIR"));
    if (explicit != null && !explicit.isEmpty()) {
      return new RunRegistry(Path.of(explicit));
    }
    String runtime = System.getenv("XDG_RUNTIME_DIR");
    if (runtime != null && !runtime.isEmpty() && Files.isDirectory(Path.of(runtime))) {
      return new RunRegistry(Path.of(runtime, "jraid"));
    }
    return new RunRegistry(Path.of("/tmp", "jraid-" + System.getProperty("user.name", "user")));
  }

  Path dir() {
    return dir;
  }

  /** The first free device name {@code jraidN}. */
  String freeDevice() throws IOException {
    List<Entry> running = list();
    for (int n = 0; ; n++) {
      String candidate = "jraid" + n;
      if (running.stream().noneMatch(e -> e.device().equals(candidate))) {
        return candidate;
      }
    }
  }

  /** Records a running array (atomically, owner-only). */
  void register(Entry entry) throws IOException {
    Files.createDirectories(dir);
    try {
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: the file's own permissions are all there is
    }
    Path tmp = Files.createTempFile(dir, entry.device(), ".tmp");
    try {
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // as above
    }
    try (OutputStream out = Files.newOutputStream(tmp)) {
      entry.toProperties().store(out, "jraid running array");
    }
    Files.move(tmp, file(entry.device()), StandardCopyOption.ATOMIC_MOVE);
  }

  void unregister(String device) throws IOException {
    Files.deleteIfExists(file(device));
  }

  /** Running arrays, oldest device number first; entries of dead processes are removed. */
  List<Entry> list() throws IOException {
    List<Entry> entries = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return entries;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.run")) {
      for (Path f : files) {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(f)) {
          p.load(in);
        } catch (IOException e) {
          continue; // being replaced or removed right now
        }
        Entry entry = Entry.of(p);
        if (entry == null) {
          continue;
        }
        if (!entry.alive()) {
          Files.deleteIfExists(f); // a server killed without cleaning up
          continue;
        }
        entries.add(entry);
      }
    }
    entries.sort(
        java.util.Comparator.comparingInt((Entry e) -> e.device().length())
            .thenComparing(Entry::device));
    return entries;
  }

  /**
   * The entry a command means: the named device or array name, or the only running array.
   *
   * @throws IllegalArgumentException with what to do, when none or several match
   */
  Entry find(@Nullable String which) throws IOException {
    List<Entry> running = list();
    if (which == null) {
      if (running.size() == 1) {
        return running.get(0);
      }
      if (running.isEmpty()) {
        throw new IllegalArgumentException(
            "no jraid array is running (run directory " + dir + "); start one with jraid serve");
      }
      throw new IllegalArgumentException(
          running.size()
              + " arrays are running ("
              + String.join(", ", running.stream().map(Entry::device).toList())
              + "): name one");
    }
    for (Entry e : running) {
      if (e.device().equals(which) || e.name().equals(which)) {
        return e;
      }
    }
    throw new IllegalArgumentException(
        "no running array is called "
            + which
            + (running.isEmpty()
                ? ""
                : " (running: "
                    + String.join(", ", running.stream().map(Entry::device).toList())
                    + ")"));
  }

  private Path file(String device) {
    return dir.resolve(device + ".run");
  }
}
