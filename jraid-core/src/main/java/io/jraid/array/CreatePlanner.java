package io.jraid.array;

import io.jraid.array.CreatePlan.PlannedMember;
import io.jraid.format.BitmapLayout;
import io.jraid.format.BitmapSuperblock;
import io.jraid.format.FeatureMap;
import io.jraid.format.FormatException;
import io.jraid.format.MdUuid;
import io.jraid.format.MetadataPlacement;
import io.jraid.format.MetadataPlacement.Placement;
import io.jraid.format.MetadataVersion;
import io.jraid.format.RoleTable;
import io.jraid.format.Superblock1;
import io.jraid.format.Superblock1Codec;
import io.jraid.format.Superblock1Layout;
import io.jraid.layout.ArrayGeometry;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Decides every byte of metadata {@code jraid create} writes, without touching a device: mdadm
 * 4.2's {@code Create()} and {@code super1.c} ({@code validate_geometry1}, {@code init_super1},
 * {@code add_internal_bitmap1}, {@code write_init_super1}), through {@link MetadataPlacement}.
 *
 * <ol>
 *   <li>The first member fixes the data offset; every member's usable space is its size less the
 *       metadata, rounded down to the chunk; the array uses the smallest (or {@code --size}).
 *   <li>The bitmap is internal when asked, or by mdadm 4.2's default when each member gives more
 *       than 100 GiB; its chunk and place follow {@code add_internal_bitmap1}.
 *   <li>Member {@code i} gets descriptor {@code i} and slot {@code i}; every superblock has events
 *       0, {@code ctime = utime} = now, and the same role table.
 * </ol>
 *
 * <p>One deliberate difference from mdadm: mdadm creates a RAID-4/5 (without {@code
 * --assume-clean}) with its last slot missing and the last device as a spare, marked clean, so that
 * the kernel builds parity by recovering onto the spare. jraid instead writes every slot and {@code
 * resync_offset = 0}: the array starts complete and dirty, and a full resync (jraid's, or the
 * kernel's on {@code mdadm --assemble}) makes parity consistent. Members stay byte-compatible; only
 * the way the first parity is built differs. RAID-6 is created exactly as mdadm does (it resyncs
 * too).
 */
public final class CreatePlanner {

  /** mdadm 4.2 enables an internal bitmap by default above this used size per member: 100 GiB. */
  public static final long DEFAULT_BITMAP_THRESHOLD_SECTORS = 100L * 1024 * 1024 * 2;

  private CreatePlanner() {}

  /**
   * A device offered to the new array.
   *
   * @param name its name (path) for messages and the plan
   * @param sectors its size in 512-byte sectors
   */
  public record Device(String name, long sectors) {}

  /**
   * What makes the new array unique: its UUID, each member's UUID, and the creation time.
   *
   * @param arrayUuid {@code set_uuid}
   * @param deviceUuids {@code device_uuid} of each member, in member order
   * @param createdSeconds {@code ctime} (and {@code utime}), seconds since the epoch
   */
  public record Identity(MdUuid arrayUuid, List<MdUuid> deviceUuids, long createdSeconds) {

    /** Copies the list. */
    public Identity {
      deviceUuids = List.copyOf(deviceUuids);
    }

    /** Random UUIDs (as mdadm's {@code random_uuid()}: 16 random bytes) and the time now. */
    public static Identity random(int members, InstantSource clock) {
      SecureRandom random = new SecureRandom();
      List<MdUuid> devices = new ArrayList<>();
      for (int i = 0; i < members; i++) {
        devices.add(new MdUuid(random.nextLong(), random.nextLong()));
      }
      return new Identity(
          new MdUuid(random.nextLong(), random.nextLong()),
          devices,
          clock.instant().getEpochSecond());
    }
  }

  /**
   * Plans the array.
   *
   * @param devices the devices in slot order, as many as {@code request.raidDisks()}
   * @throws IllegalArgumentException if the devices do not match the request (count, duplicates)
   * @throws CreateException if a device cannot hold the array (too small, or smaller than {@code
   *     --size}); the message names it
   */
  public static CreatePlan plan(CreateRequest request, List<Device> devices, Identity identity)
      throws CreateException {
    checkDevices(request, devices, identity);
    MetadataVersion version = request.metadata();
    int chunk = request.chunkSectors();
    long dataOffset =
        MetadataPlacement.defaultDataOffset(version, devices.getFirst().sectors(), chunk);
    long requested = request.sizeSectors() / chunk * chunk;
    if (request.sizeSectors() > 0 && requested == 0) {
      throw new IllegalArgumentException(
          "size "
              + CreateRequest.describeSectors(request.sizeSectors())
              + " is smaller than one chunk ("
              + CreateRequest.describeSectors(chunk)
              + "): give a larger --size");
    }
    @Nullable Device smallest = null;
    @Nullable Device largest = null;
    long min = Long.MAX_VALUE;
    long max = 0;
    for (Device d : devices) {
      long usable = usableSectors(d, version, dataOffset, chunk);
      if (requested > usable) {
        throw new CreateException(
            d.name()
                + ": can give the array only "
                + usable / 2
                + " KiB, less than --size "
                + requested / 2
                + "K: give a smaller --size or a larger device");
      }
      if (usable < min) {
        min = usable;
        smallest = d;
      }
      if (usable > max) {
        max = usable;
        largest = d;
      }
    }
    long size = requested > 0 ? requested : min;
    List<String> notes = new ArrayList<>();
    if (requested == 0 && max > min && smallest != null && largest != null) {
      notes.add(
          "the devices differ in size: each gives the array "
              + size / 2
              + " KiB, all that the smallest ("
              + smallest.name()
              + ") can; "
              + (max - size) / 2
              + " KiB of the largest ("
              + largest.name()
              + ") stay unused");
    }
    @Nullable BitmapSuperblock bitmap = bitmap(request, identity, size, notes);
    int bitmapOffset =
        bitmap == null
            ? 0
            : MetadataPlacement.bitmapOffset(version, size, bitmap.chunkBytes() & 0xFFFF_FFFFL);
    long bitmapSectors =
        bitmap == null
            ? 0
            : MetadataPlacement.bitmapSectors(size, bitmap.chunkBytes() & 0xFFFF_FFFFL);
    RoleTable roles = roles(request.raidDisks());
    List<PlannedMember> members = new ArrayList<>();
    for (int i = 0; i < devices.size(); i++) {
      Device d = devices.get(i);
      Placement p =
          MetadataPlacement.place(
              version, d.sectors(), dataOffset, size, bitmapOffset, bitmapSectors);
      Superblock1 sb = superblock(request, identity, i, size, p, bitmapOffset, bitmap, roles);
      selfCheck(sb, d);
      members.add(new PlannedMember(d.name(), d.sectors(), sb));
    }
    ArrayGeometry geometry =
        ArrayGeometry.of(
            request.level(),
            request.layoutCode(),
            chunk,
            request.raidDisks(),
            size,
            version == MetadataVersion.V1_0 ? 0 : dataOffset);
    return new CreatePlan(request, geometry, members, bitmap, notes);
  }

  private static void checkDevices(CreateRequest request, List<Device> devices, Identity identity) {
    if (devices.size() != request.raidDisks()) {
      throw new IllegalArgumentException(
          "--raid-devices is "
              + request.raidDisks()
              + " but "
              + devices.size()
              + " device"
              + (devices.size() == 1 ? " is" : "s are")
              + " named: name exactly "
              + request.raidDisks()
              + " (jraid creates no spares or missing slots)");
    }
    if (identity.deviceUuids().size() != devices.size()) {
      throw new IllegalArgumentException(
          "deviceUuids=" + identity.deviceUuids().size() + " (need " + devices.size() + ")");
    }
    Set<String> seen = new HashSet<>();
    for (Device d : devices) {
      if (!seen.add(d.name())) {
        throw new IllegalArgumentException(d.name() + " is named twice: name each device once");
      }
    }
  }

  /** What device {@code d} can give the array: free space after metadata, in whole chunks. */
  private static long usableSectors(Device d, MetadataVersion version, long dataOffset, int chunk)
      throws CreateException {
    if (d.sectors() < MetadataVersion.MIN_DEVICE_SECTORS) {
      throw new CreateException(
          d.name()
              + ": "
              + d.sectors() * 512
              + " bytes is too small for an md member (at least 12 KiB, and room for data)");
    }
    long available = MetadataPlacement.availableSectors(version, d.sectors(), dataOffset);
    if (available <= 0) {
      throw new CreateException(
          d.name()
              + ": "
              + d.sectors() / 2
              + " KiB is too small for the metadata ("
              + (version == MetadataVersion.V1_0
                  ? d.sectors() / 2 - available / 2 + " KiB"
                  : "data offset " + dataOffset + " sectors")
              + "): use a larger device");
    }
    long usable = available / chunk * chunk;
    if (usable == 0) {
      throw new CreateException(
          d.name()
              + ": only "
              + available / 2
              + " KiB are left after the metadata, less than one chunk ("
              + CreateRequest.describeSectors(chunk)
              + "): use a smaller --chunk or a larger device");
    }
    return usable;
  }

  private static @Nullable BitmapSuperblock bitmap(
      CreateRequest request, Identity identity, long size, List<String> notes)
      throws CreateException {
    boolean internal =
        switch (request.bitmap()) {
          case INTERNAL -> true;
          case NONE -> false;
          case DEFAULT -> size > DEFAULT_BITMAP_THRESHOLD_SECTORS;
        };
    if (!internal) {
      return null;
    }
    long chunk = MetadataPlacement.defaultBitmapChunk(size);
    if (chunk >= 0 && request.bitmapChunkBytes() != 0) {
      // mdadm: a requested chunk is taken if the bits fit the room reserved for the bitmap.
      long room = MetadataPlacement.reservedBitmapSectors(size);
      long bits = (size * 512 + request.bitmapChunkBytes() - 1) / request.bitmapChunkBytes();
      if ((bits + 7) / 8 + BitmapLayout.HEADER_BYTES > room * 512) {
        throw new CreateException(
            "a bitmap chunk of "
                + request.bitmapChunkBytes() / 1024
                + " KiB needs "
                + bits
                + " bits, more than the "
                + room * 512
                + " bytes reserved for the bitmap hold: choose a larger --bitmap-chunk");
      }
      chunk = request.bitmapChunkBytes();
    }
    if (chunk < 0) {
      throw new CreateException(
          "each member gives the array only "
              + size / 2
              + " KiB, too little for an internal bitmap (64 KiB or more): use --bitmap none");
    }
    if (chunk > Integer.MAX_VALUE) {
      throw new CreateException(
          "each member gives the array "
              + size / 2
              + " KiB, too much for a bitmap chunk jraid can store: use --bitmap none");
    }
    if (request.bitmap() == CreateRequest.Bitmap.DEFAULT) {
      notes.add(
          "internal bitmap chosen: each member gives the array more than 100 GiB (mdadm's"
              + " default; --bitmap none to do without)");
    }
    return new BitmapSuperblock(
        MetadataPlacement.BITMAP_VERSION,
        identity.arrayUuid(),
        0,
        0,
        size,
        0,
        (int) chunk,
        MetadataPlacement.DEFAULT_BITMAP_DAEMON_SLEEP,
        0,
        0,
        0,
        "");
  }

  /**
   * The role table: {@code max_dev} as mdadm sizes it (the header plus two bytes a member, rounded
   * up to 512 bytes), member {@code i} in slot {@code i}, every other entry spare.
   */
  private static RoleTable roles(int raidDisks) {
    int bytes = (Superblock1Layout.HEADER_BYTES + 2 * raidDisks + 511) / 512 * 512;
    int[] roles = new int[(bytes - Superblock1Layout.HEADER_BYTES) / 2];
    java.util.Arrays.fill(roles, RoleTable.SPARE);
    for (int i = 0; i < raidDisks; i++) {
      roles[i] = i;
    }
    return RoleTable.of(roles);
  }

  private static Superblock1 superblock(
      CreateRequest request,
      Identity identity,
      int member,
      long size,
      Placement p,
      int bitmapOffset,
      @Nullable BitmapSuperblock bitmap,
      RoleTable roles) {
    return new Superblock1(
        bitmap == null ? 0 : FeatureMap.BITMAP_OFFSET,
        identity.arrayUuid(),
        request.setName(),
        identity.createdSeconds(),
        request.level(),
        request.layoutCode(),
        size,
        request.chunkSectors(),
        request.raidDisks(),
        bitmap == null ? 0 : bitmapOffset,
        0,
        0,
        0,
        0,
        0,
        0,
        p.dataOffset(),
        p.dataSize(),
        p.superOffset(),
        0,
        member,
        0,
        identity.deviceUuids().get(member),
        0,
        0,
        p.bblogSize(),
        p.bblogOffset(),
        identity.createdSeconds(),
        0,
        request.assumeClean() ? Superblock1.MAX_SECTOR : 0,
        0,
        roles);
  }

  /**
   * Encodes and decodes the superblock with the checks md applies when loading it, so that nothing
   * is written that md (or jraid) would refuse.
   */
  private static void selfCheck(Superblock1 sb, Device d) throws CreateException {
    try {
      Superblock1 read =
          Superblock1Codec.decode(
              java.lang.foreign.MemorySegment.ofArray(Superblock1Codec.encode(sb)), d.name());
      Superblock1Codec.checkPlacement(read, d.sectors(), sb.superOffset(), d.name());
    } catch (FormatException e) {
      throw new CreateException(
          d.name()
              + ": no valid md member fits on it ("
              + e.getMessage()
              + "): use a larger device",
          e);
    }
  }
}
