package io.jraid.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.jspecify.annotations.Nullable;

/**
 * One array made by Linux md: its folder of gzipped member images and its parsed {@code
 * manifest.txt}.
 *
 * <p>The typed accessors read the manifest keys of {@code shared/fixtures/README.md}; a missing or
 * malformed key fails loudly. Anything else in the manifest is available through {@link
 * #property(String)}.
 *
 * <p>Member images: {@link #images()} unpacks once per JVM into a shared temporary folder (deleted
 * at exit) and is what read-only tests should use. The shared images must not be modified, since
 * every later test of the JVM sees them: they are made read-only, but the tests may run as root, so
 * that is a convention, not a guarantee. A test that writes to members calls {@link #unpack(Path)}
 * with its own temporary folder (a fresh, writable, verified copy) or copies {@link #images()}.
 *
 * @param name the folder's name, e.g. {@code r5-4d-64k-left-symmetric}
 * @param folder the fixture's folder (never written to)
 * @param manifest the parsed manifest; this is a private copy, so changing it changes nothing
 */
public record Fixture(String name, Path folder, Properties manifest) {

  /** The shared unpacked images per (absolute) fixture folder. Guarded by itself. */
  private static final Map<Path, List<Path>> SHARED = new HashMap<>();

  /** The per-JVM folder of the shared images, created on first use. Guarded by SHARED. */
  private static @Nullable Path sharedDir;

  /** Copies {@code manifest}, so that the fixture is immutable. */
  public Fixture {
    manifest = copy(manifest);
  }

  /** Reads the fixture in {@code folder} (a folder holding {@code manifest.txt}). */
  public static Fixture load(Path folder) {
    Path file = folder.resolve("manifest.txt");
    Properties p = new Properties();
    try (Reader in = Files.newBufferedReader(file, UTF_8)) {
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read fixture manifest " + file, e);
    }
    return new Fixture(folder.getFileName().toString(), folder, p);
  }

  /** A copy of the manifest. */
  @Override
  public Properties manifest() {
    return copy(manifest);
  }

  /** The fixture's name, so that parameterized tests show it. */
  @Override
  public String toString() {
    return name;
  }

  /** A manifest value; fails if the key is absent. */
  public String property(String key) {
    String value = manifest.getProperty(key);
    if (value == null) {
      throw new IllegalStateException("fixture " + name + ": manifest.txt has no " + key);
    }
    return value;
  }

  /** RAID level: 4, 5 or 6. */
  public int level() {
    return intProperty("level");
  }

  /** Number of members in the array ({@code raid_devices}). */
  public int raidDevices() {
    return intProperty("raid_devices");
  }

  /** Chunk size in KiB. */
  public int chunkKib() {
    return intProperty("chunk_kib");
  }

  /** mdadm's name of the layout, e.g. {@code left-symmetric} ({@code layout}). */
  public String layoutName() {
    return property("layout");
  }

  /** md's number of the layout, e.g. 2 for left-symmetric ({@code layout_num}). */
  public int layoutNum() {
    return intProperty("layout_num");
  }

  /** Metadata version, e.g. {@code 1.2}. */
  public String metadata() {
    return property("metadata");
  }

  /** Write-intent bitmap: {@code none} or {@code internal}. */
  public String bitmap() {
    return property("bitmap");
  }

  /** The superblock's feature map, e.g. 1 with an internal bitmap ({@code feature_map}, hex). */
  public int featureMap() {
    return Integer.decode(property("feature_map"));
  }

  /** The array UUID as mdadm prints it, e.g. {@code be466e9f:f30ba2d4:4cfc569c:8c0c4bf1}. */
  public String arrayUuid() {
    return property("array_uuid");
  }

  /** The array UUID's 16 bytes, in mdadm's printing order (v1.x: the on-disk order). */
  public byte[] arrayUuidBytes() {
    return uuidBytes(arrayUuid());
  }

  /** The array name recorded in the superblock, e.g. {@code mdoracle:0}. */
  public String arrayName() {
    return property("array_name");
  }

  /** Where the data area starts on each member, in 512-byte sectors. */
  public long dataOffsetSectors() {
    return longProperty("data_offset_sectors");
  }

  /** Where the superblock is on each member, in 512-byte sectors (8 for v1.2). */
  public long superOffsetSectors() {
    return longProperty("super_offset_sectors");
  }

  /** Size of each member image in bytes. */
  public long memberSizeBytes() {
    return longProperty("member_size_bytes");
  }

  /** Size of the array (what {@code /dev/md0} holds) in bytes. */
  public long arraySizeBytes() {
    return longProperty("array_size_bytes");
  }

  /** SHA-256 of the whole array contents as Linux read them back. */
  public String sha256() {
    return property("sha256");
  }

  /** The seed of the array's {@link Pattern}. */
  public String patternSeed() {
    return property("pattern_seed");
  }

  /** The members in index order (the {@code member.N.*} keys). */
  public List<Member> members() {
    List<Member> members = new ArrayList<>();
    for (int i = 0; manifest.getProperty("member." + i + ".file") != null; i++) {
      String m = "member." + i + ".";
      members.add(
          new Member(
              i,
              property(m + "file"),
              intProperty(m + "role"),
              property(m + "dev_uuid"),
              longProperty(m + "data_offset_sectors"),
              longProperty(m + "events"),
              property(m + "state"),
              property(m + "sha256")));
    }
    if (members.isEmpty()) {
      throw new IllegalStateException("fixture " + name + ": manifest.txt lists no members");
    }
    return List.copyOf(members);
  }

  /**
   * Unpacks every member image into {@code tempDir/<name>/<file>} (e.g. {@code disk0.img}),
   * verifying each against the manifest's SHA-256, and returns the paths in member order. The files
   * are fresh and writable: a test may modify them. Existing files are overwritten.
   *
   * @throws IllegalArgumentException if {@code tempDir} lies inside the fixtures folder
   * @throws IllegalStateException if an unpacked image differs from the manifest's SHA-256
   */
  public List<Path> unpack(Path tempDir) {
    Path target = tempDir.toAbsolutePath().normalize().resolve(name);
    Path fixtures = folder.toAbsolutePath().normalize().getParent();
    if (fixtures != null && target.startsWith(fixtures)) {
      throw new IllegalArgumentException(
          "refusing to unpack " + name + " into the fixtures folder: " + target);
    }
    List<Path> images = new ArrayList<>();
    try {
      Files.createDirectories(target);
      for (Member m : members()) {
        images.add(unpackMember(m, target.resolve(m.file())));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot unpack fixture " + name + " into " + target, e);
    }
    return List.copyOf(images);
  }

  /**
   * The member images unpacked once per JVM (on first call) into a shared temporary folder deleted
   * at JVM exit. Read them only: see the class comment.
   */
  public List<Path> images() {
    Path key = folder.toAbsolutePath().normalize();
    synchronized (SHARED) {
      List<Path> images = SHARED.get(key);
      if (images == null) {
        images = unpack(sharedFolder());
        images.forEach(Fixture::makeReadOnly);
        SHARED.put(key, images);
      }
      return images;
    }
  }

  private Path unpackMember(Member m, Path image) throws IOException {
    Path gz = folder.resolve(m.file() + ".gz");
    MessageDigest digest = Sha256.newDigest();
    byte[] buffer = new byte[1 << 16];
    try (InputStream in = new GZIPInputStream(Files.newInputStream(gz), buffer.length);
        OutputStream out = Files.newOutputStream(image)) {
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
        out.write(buffer, 0, n);
      }
    }
    String actual = Sha256.hex(digest);
    if (!actual.equals(m.sha256())) {
      Files.delete(image);
      throw new IllegalStateException(
          "fixture "
              + name
              + ": "
              + gz
              + " unpacks to SHA-256 "
              + actual
              + " but manifest.txt says "
              + m.sha256()
              + " (damaged or changed fixture)");
    }
    return image;
  }

  private int intProperty(String key) {
    return Math.toIntExact(longProperty(key));
  }

  private long longProperty(String key) {
    String value = property(key);
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new IllegalStateException(
          "fixture " + name + ": manifest.txt " + key + "=" + value + " is not a number", e);
    }
  }

  /** The 16 bytes of a UUID printed as mdadm does ({@code xxxxxxxx:xxxxxxxx:...}). */
  public static byte[] uuidBytes(String mdadmUuid) {
    byte[] b = HexFormat.of().parseHex(mdadmUuid.replace(":", ""));
    if (b.length != 16) {
      throw new IllegalArgumentException("not a UUID: " + mdadmUuid);
    }
    return b;
  }

  private static Properties copy(Properties p) {
    Properties c = new Properties();
    c.putAll(p);
    return c;
  }

  /** Called with SHARED held. */
  private static Path sharedFolder() {
    Path dir = sharedDir;
    if (dir == null) {
      try {
        dir = Files.createTempDirectory("jraid-fixtures-");
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create a temporary folder for fixture images", e);
      }
      Path created = dir;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(created)));
      sharedDir = dir;
    }
    return dir;
  }

  private static void makeReadOnly(Path file) {
    PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
    if (view != null) {
      try {
        view.setPermissions(PosixFilePermissions.fromString("r--r--r--"));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot make " + file + " read-only", e);
      }
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      System.err.println("jraid tests: cannot delete " + dir + ": " + e);
    }
  }

  /**
   * One member of the array, from the manifest's {@code member.N.*} keys.
   *
   * @param index N, the member's position in the fixture (and in {@link Fixture#unpack(Path)}'s
   *     list)
   * @param file the image's file name, e.g. {@code disk0.img} (stored as {@code disk0.img.gz})
   * @param role the member's role in the array (its slot, 0-based)
   * @param devUuid the device UUID as mdadm prints it
   * @param dataOffsetSectors where the data area starts on this member, in 512-byte sectors
   * @param events the superblock's event count
   * @param state the member's state as mdadm reports it, e.g. {@code clean}
   * @param sha256 SHA-256 of the unpacked image
   */
  public record Member(
      int index,
      String file,
      int role,
      String devUuid,
      long dataOffsetSectors,
      long events,
      String state,
      String sha256) {

    /** The device UUID's 16 bytes, in mdadm's printing order (v1.x: the on-disk order). */
    public byte[] devUuidBytes() {
      return uuidBytes(devUuid);
    }
  }
}
