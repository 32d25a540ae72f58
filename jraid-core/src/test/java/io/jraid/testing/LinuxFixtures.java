package io.jraid.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Finds the arrays made by real Linux md ({@code shared/fixtures}, see its README.md).
 *
 * <p>The fixtures folder is, in order: the system property {@value #PROPERTY}; the environment
 * variable {@value #ENVIRONMENT}; the first {@code shared/fixtures} folder found in the working
 * directory or one of its parents (the repository's checkout sits next to {@code shared}, wherever
 * it is cloned); {@code /work/shared/fixtures}. A property or variable that is set must name a
 * folder. When nothing is found the tests fail, saying where they looked: a missing oracle must
 * never turn into silently skipped tests.
 *
 * <p>In a parameterized test: {@code @MethodSource("io.jraid.testing.LinuxFixtures#all")}.
 */
public final class LinuxFixtures {

  /** System property naming the fixtures folder (under Maven: {@code -Djraid.test.flags=-D...}). */
  public static final String PROPERTY = "jraid.fixtures";

  /** Environment variable naming the fixtures folder. */
  public static final String ENVIRONMENT = "JRAID_FIXTURES";

  /** Where the fixtures are on the development machine. */
  static final Path DEFAULT = Path.of("/work/shared/fixtures");

  private static @Nullable Path located;

  private LinuxFixtures() {}

  /** The fixtures folder (located once per JVM). */
  public static synchronized Path root() {
    Path r = located;
    if (r == null) {
      r =
          locate(
              System.getProperty(PROPERTY),
              System.getenv(ENVIRONMENT),
              Path.of("").toAbsolutePath(),
              DEFAULT);
      located = r;
    }
    return r;
  }

  /** The names of all fixtures (folders holding a {@code manifest.txt}), sorted. */
  public static List<String> names() {
    Path r = root();
    try (Stream<Path> folders = Files.list(r)) {
      List<String> names =
          folders
              .filter(f -> Files.isRegularFile(f.resolve("manifest.txt")))
              .map(f -> f.getFileName().toString())
              .sorted()
              .toList();
      if (names.isEmpty()) {
        throw new IllegalStateException("no fixtures (folders with manifest.txt) in " + r);
      }
      return names;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list fixtures in " + r, e);
    }
  }

  /** All fixtures, sorted by name. */
  public static List<Fixture> all() {
    return names().stream().map(LinuxFixtures::get).toList();
  }

  /** The fixture called {@code name}, e.g. {@code r5-4d-64k-left-symmetric}. */
  public static Fixture get(String name) {
    Path folder = root().resolve(name);
    if (!Files.isRegularFile(folder.resolve("manifest.txt"))) {
      throw new IllegalArgumentException("no fixture " + name + " in " + root() + ": " + names());
    }
    return Fixture.load(folder);
  }

  /**
   * The search of the class comment, with its inputs as parameters so that it can be tested.
   *
   * @param property the value of {@value #PROPERTY}, or null
   * @param environment the value of {@value #ENVIRONMENT}, or null
   * @param workingDirectory where the upward search for {@code shared/fixtures} starts
   * @param fallback the last place tried
   */
  static Path locate(
      @Nullable String property,
      @Nullable String environment,
      Path workingDirectory,
      Path fallback) {
    if (property != null && !property.isBlank()) {
      return existing(Path.of(property), "system property " + PROPERTY);
    }
    if (environment != null && !environment.isBlank()) {
      return existing(Path.of(environment), "environment variable " + ENVIRONMENT);
    }
    List<Path> searched = new ArrayList<>();
    for (Path dir = workingDirectory; dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("shared").resolve("fixtures");
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
      searched.add(candidate);
    }
    if (Files.isDirectory(fallback)) {
      return fallback;
    }
    searched.add(fallback);
    throw new IllegalStateException(
        "Linux md fixtures not found. Neither -D"
            + PROPERTY
            + " nor "
            + ENVIRONMENT
            + " is set, and none of these folders exists: "
            + searched
            + ". Point the tests at the fixtures folder (shared/fixtures, the one with README.md and"
            + " a folder per array) with "
            + ENVIRONMENT
            + "=/path/to/shared/fixtures or, under Maven, -Djraid.test.flags=-D"
            + PROPERTY
            + "=/path/to/shared/fixtures.");
  }

  private static Path existing(Path folder, String source) {
    if (!Files.isDirectory(folder)) {
      throw new IllegalStateException(
          source + " names " + folder + ", which is not a folder: point it at shared/fixtures");
    }
    return folder.toAbsolutePath();
  }
}
