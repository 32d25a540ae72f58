package io.jraid.nbd;

import io.jraid.array.RaidArray;
import io.jraid.device.BlockDevice;
import io.jraid.device.FaultyDevice;
import io.jraid.device.MemoryDevice;
import io.jraid.layout.Algorithm;
import io.jraid.layout.ArrayGeometry;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** In-memory RAID arrays to export in the NBD tests. */
final class TestArrays {

  /** How the array's members are. */
  enum Health {
    /** Every member works. */
    HEALTHY,
    /** One member is missing from the start (degraded assembly). */
    MISSING,
    /** One member fails its first I/O while the array runs (marked faulty, then degraded). */
    FAILING
  }

  private TestArrays() {}

  /** 64 KiB chunks, the width md uses by default here (512 KiB) is too big for small tests. */
  static final int CHUNK_SECTORS = 128;

  /**
   * A left-symmetric RAID-{@code level} of {@code disks} memory members with 64 KiB chunks and
   * {@code arrayBytes} of data (a multiple of a stripe), closed with its members.
   */
  static RaidArray raid(int level, int disks, long arrayBytes, Health health) {
    int dataDisks = disks - (level == 6 ? 2 : 1);
    long memberSectors = arrayBytes / dataDisks / 512;
    ArrayGeometry g =
        new ArrayGeometry(level, Algorithm.LEFT_SYMMETRIC, CHUNK_SECTORS, disks, memberSectors, 16);
    @Nullable BlockDevice[] members = new BlockDevice[disks];
    List<BlockDevice> owned = new ArrayList<>();
    for (int i = 0; i < disks; i++) {
      MemoryDevice m = MemoryDevice.create("m" + i, (g.dataOffset() + memberSectors) * 512);
      owned.add(m);
      members[i] = m;
    }
    int victim = 1;
    switch (health) {
      case HEALTHY -> {}
      case MISSING -> members[victim] = null;
      case FAILING -> {
        FaultyDevice f = new FaultyDevice(owned.get(victim));
        f.failAfter(0);
        members[victim] = f;
      }
    }
    String name =
        "raid" + level + "-" + disks + "-" + health.name().toLowerCase(java.util.Locale.ROOT);
    return RaidArray.start(name, g, members, owned, false, false);
  }

  /** The array's stripe width in bytes: data members × chunk. */
  static long stripeWidth(RaidArray array) {
    ArrayGeometry g = array.engine().geometry();
    return (long) g.dataDisks() * g.chunkSectors() * 512;
  }
}
