package io.jraid.testing;

import io.jraid.array.ArrayCreator;
import io.jraid.array.AssemblyDecision;
import io.jraid.array.AssemblyPlanner;
import io.jraid.array.CreatePlan;
import io.jraid.array.CreatePlanner;
import io.jraid.array.CreateRequest;
import io.jraid.array.Member;
import io.jraid.array.MemberReader;
import io.jraid.device.BlockDevice;
import io.jraid.device.FileDevice;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Arrays on member image files, made and assembled as {@code jraid create} and assembly do. */
public final class ArrayFiles {

  private ArrayFiles() {}

  private static volatile @Nullable Boolean directIo;

  /**
   * Whether files in {@code dir} open with O_DIRECT (tmpfs, for one, refuses); asked once per JVM,
   * and said once when not.
   */
  public static boolean directIoWorks(Path dir) {
    Boolean works = directIo;
    if (works == null) {
      Path probe = dir.resolve("o_direct-probe");
      try {
        java.nio.file.Files.write(probe, new byte[4096]);
        FileDevice.builder(probe).readWrite(true).direct(true).open().close();
        works = true;
      } catch (java.io.IOException e) {
        System.out.println("no O_DIRECT in " + dir + ", tests keep members buffered: " + e);
        works = false;
      } finally {
        try {
          java.nio.file.Files.deleteIfExists(probe);
        } catch (java.io.IOException ignored) {
          // a probe left behind in a temporary folder is harmless
        }
      }
      directIo = works;
    }
    return works;
  }

  /**
   * In-memory copies of the members' images, indexed by the slot each one's own superblock names:
   * what a parity check of the members reads, independent of the files afterwards.
   */
  public static BlockDevice[] copiesBySlot(List<Path> paths) throws Exception {
    BlockDevice[] devices = new BlockDevice[paths.size()];
    for (Path p : paths) {
      Member m = MemberReader.read(p);
      devices[m.ownRole()] = io.jraid.device.MemoryDevice.copyOf(p);
    }
    return devices;
  }

  /** A zero-filled member image of {@code bytes} in {@code dir}. */
  public static Path blank(Path dir, String name, long bytes) throws java.io.IOException {
    Path p = dir.resolve(name);
    try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
      f.setLength(bytes);
    }
    return p;
  }

  /**
   * Creates {@code request}'s array on new images {@code disk0.img}… of {@code memberBytes} each in
   * {@code dir}; returns their paths, in slot order.
   */
  public static List<Path> create(Path dir, CreateRequest request, long memberBytes)
      throws Exception {
    List<Path> paths = new ArrayList<>();
    List<BlockDevice> devices = new ArrayList<>();
    List<CreatePlanner.Device> planned = new ArrayList<>();
    for (int i = 0; i < request.raidDisks(); i++) {
      Path p = blank(dir, "disk" + i + ".img", memberBytes);
      paths.add(p);
      BlockDevice d = FileDevice.openReadWrite(p);
      devices.add(d);
      planned.add(new CreatePlanner.Device(d.name(), d.sectors()));
    }
    CreatePlan plan =
        CreatePlanner.plan(
            request,
            planned,
            CreatePlanner.Identity.random(request.raidDisks(), InstantSource.system()));
    ArrayCreator.write(plan, devices);
    for (BlockDevice d : devices) {
      d.close();
    }
    return paths;
  }

  /** What assembly decides from the members' superblocks as they are on disk now. */
  public static AssemblyDecision decide(List<Path> paths) throws Exception {
    List<Member> members = new ArrayList<>();
    for (Path p : paths) {
      members.add(MemberReader.read(p));
    }
    return AssemblyPlanner.plan(members);
  }
}
