package io.jraid.cli;

import io.jraid.array.ArrayEvent;
import io.jraid.array.AssemblyDecision;
import io.jraid.array.MemberView;
import io.jraid.array.RaidArray;
import io.jraid.format.Superblock1;
import io.jraid.layout.ArrayGeometry;
import io.jraid.stripe.StripeEngine;
import io.jraid.stripe.SyncJob;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What {@code /proc/mdstat} and {@code mdadm --detail} show, for a running jraid array: the same
 * lines and layout, so that eyes and scripts trained on md read them unchanged. Also the same
 * values as JSON.
 */
final class ArrayReports {

  private static final DateTimeFormatter CTIME =
      DateTimeFormatter.ofPattern("EEE MMM d HH:mm:ss yyyy", Locale.ROOT);

  private ArrayReports() {}

  /** The array's paragraph of {@code /proc/mdstat} (without the header and footer lines). */
  static String mdstat(String device, RaidArray array) {
    StripeEngine e = array.engine();
    ArrayGeometry g = e.geometry();
    int n = g.raidDisks();
    StringBuilder out = new StringBuilder();
    out.append(device).append(" : active ");
    if (array.readOnly()) {
      out.append("(read-only) ");
    }
    out.append("raid").append(g.level());
    for (MemberView v : array.members()) {
      out.append(' ').append(shortName(v.device())).append('[').append(v.devNumber()).append(']');
      switch (v.state()) {
        case FAULTY -> out.append("(F)");
        case SPARE -> out.append("(S)");
        case ACTIVE, REBUILDING -> {}
      }
    }
    out.append('\n');
    out.append("      ")
        .append(g.arraySectors() / 2)
        .append(" blocks super ")
        .append(superVersion(array))
        .append(" level ")
        .append(g.level())
        .append(", ")
        .append(g.chunkSectors() / 2)
        .append("k chunk, algorithm ")
        .append(g.algorithm().code())
        .append(" [")
        .append(n)
        .append('/')
        .append(n - e.failedMembers())
        .append("] [");
    for (int i = 0; i < n; i++) {
      out.append(e.memberInSync(i) ? 'U' : '_');
    }
    out.append("]\n");
    SyncJob job = e.syncJob();
    if (job != null && !job.finished()) {
      out.append("      ").append(progressLine(job)).append('\n');
    }
    RaidArray.BitmapStatus bitmap = array.bitmapStatus();
    if (bitmap != null) {
      out.append("      ").append(bitmapLine(bitmap)).append('\n');
    }
    return out.toString();
  }

  /**
   * md's bitmap line: {@code bitmap: 1/1 pages [4KB], 65536KB chunk}. md counts the 4 KiB pages of
   * in-memory counters (2048 chunks each) that are in use; here a page is in use when one of its
   * chunks is dirty.
   */
  static String bitmapLine(RaidArray.BitmapStatus b) {
    long pages = (b.chunks() + 2047) / 2048;
    long used = Math.min(pages, b.dirty() == 0 ? 0 : Math.max(1, (b.dirty() + 2047) / 2048));
    return String.format(
        Locale.ROOT,
        "bitmap: %d/%d pages [%dKB], %dKB chunk",
        used,
        pages,
        used * 4,
        b.chunkBytes() / 1024);
  }

  /** md's progress line: {@code [==>....] resync = 12.5% (…/…) finish=1.2min speed=…K/sec}. */
  static String progressLine(SyncJob job) {
    long total = job.endSector();
    long done = job.position();
    int perMille = total == 0 ? 1000 : (int) (done * 1000 / total);
    int x = perMille / 50;
    StringBuilder bar = new StringBuilder("[");
    bar.append("=".repeat(x)).append('>').append(".".repeat(20 - x)).append("]  ");
    long eta = job.etaSeconds();
    long minutes = eta < 0 ? 0 : eta / 60;
    long tenths = eta < 0 ? 0 : (eta % 60) / 6;
    return bar
        + String.format(
            Locale.ROOT,
            "%s =%3d.%d%% (%d/%d) finish=%d.%dmin speed=%dK/sec",
            job.action().mdName(),
            perMille / 10,
            perMille % 10,
            done / 2,
            total / 2,
            minutes,
            tenths,
            job.speedKiBps());
  }

  /**
   * The sync pass as {@code key=value} lines (for {@code --wait} and scripts): action, running,
   * completed, position, total, speed, eta, mismatches, and md's progress line.
   */
  static String syncState(RaidArray array) {
    SyncJob job = array.engine().syncJob();
    if (job == null) {
      return "action=idle\nrunning=false\n";
    }
    return "action="
        + job.action().mdName()
        + "\nrunning="
        + !job.finished()
        + "\ncompleted="
        + job.completed()
        + "\nposition_sectors="
        + job.position()
        + "\ntotal_sectors="
        + job.endSector()
        + "\nspeed_kib_per_sec="
        + job.speedKiBps()
        + "\neta_seconds="
        + job.etaSeconds()
        + "\nmismatch_sectors="
        + job.mismatchSectors()
        + "\nstopped_because="
        + (job.abortReason() == null ? "" : job.abortReason())
        + "\nline="
        + progressLine(job)
        + "\n";
  }

  /** {@code mdadm --detail}'s report. */
  static String detail(String device, RaidArray array, ZoneId zone) {
    StripeEngine e = array.engine();
    ArrayGeometry g = e.geometry();
    AssemblyDecision decision = array.decision();
    Superblock1 sb = decision == null ? null : decision.freshest();
    StringBuilder out = new StringBuilder();
    out.append(device).append(":\n");
    line(out, "Version", superVersion(array));
    if (sb != null) {
      line(
          out,
          "Creation Time",
          CTIME.format(Instant.ofEpochSecond(sb.ctimeSeconds()).atZone(zone)));
    }
    line(out, "Raid Level", "raid" + g.level());
    long arrayBytes = g.arraySectors() * 512;
    line(out, "Array Size", (arrayBytes >> 10) + ExamineReport.humanSize(arrayBytes));
    long devBytes = g.devSectors() * 512;
    line(out, "Used Dev Size", (devBytes >> 10) + ExamineReport.humanSize(devBytes));
    int n = g.raidDisks();
    List<MemberView> views = array.members();
    long active = views.stream().filter(v -> v.state() == MemberView.State.ACTIVE).count();
    long faulty = views.stream().filter(v -> v.state() == MemberView.State.FAULTY).count();
    long spares =
        views.stream()
            .filter(v ->
                v.state() == MemberView.State.SPARE || v.state() == MemberView.State.REBUILDING)
            .count();
    line(out, "Raid Devices", Integer.toString(n));
    line(out, "Total Devices", Integer.toString(views.size()));
    line(out, "Persistence", "Superblock is persistent");
    out.append('\n');
    line(out, "State", state(array));
    line(out, "Active Devices", Long.toString(active));
    line(out, "Working Devices", Long.toString(views.size() - faulty));
    line(out, "Failed Devices", Long.toString(faulty));
    line(out, "Spare Devices", Long.toString(spares));
    out.append('\n');
    if (g.level() != 4) {
      line(out, "Layout", g.algorithm().mdadmName());
    }
    line(out, "Chunk Size", (g.chunkSectors() / 2) + "K");
    out.append('\n');
    RaidArray.BitmapStatus bitmap = array.bitmapStatus();
    if (bitmap != null) {
      line(out, "Intent Bitmap", "Internal");
      out.append('\n');
    }
    line(out, "Consistency Policy", bitmap != null ? "bitmap" : "resync");
    out.append('\n');
    SyncJob job = e.syncJob();
    if (job != null && !job.finished()) {
      long perCent = job.endSector() == 0 ? 100 : job.position() * 100 / job.endSector();
      line(out, statusLabel(job), perCent + "% complete");
      out.append('\n');
    }
    if (sb != null) {
      line(out, "Name", ExamineReport.name(sb));
      line(out, "UUID", sb.setUuid().toString());
      line(out, "Events", Long.toUnsignedString(events(array, sb)));
      out.append('\n');
    }
    out.append("    Number   Major   Minor   RaidDevice State\n");
    for (int i = 0; i < n; i++) {
      MemberView holder = null;
      for (MemberView v : views) {
        if (v.slot() == i && v.state() != MemberView.State.FAULTY) {
          holder = v;
        }
      }
      out.append(
          String.format(
              Locale.ROOT,
              "    %5s   %5s   %5s    %5d      %-16s  %s%n",
              holder == null ? "-" : Integer.toString(holder.devNumber()),
              "-",
              "-",
              i,
              holder == null ? "removed" : holder.state().mdadmText(),
              holder == null ? "" : holder.device()));
    }
    boolean first = true;
    for (MemberView v : views) {
      if (v.slot() >= 0 && v.state() != MemberView.State.FAULTY) {
        continue;
      }
      if (first) {
        out.append('\n');
        first = false;
      }
      out.append(
          String.format(
              Locale.ROOT,
              "    %5d   %5s   %5s    %5s      %-16s  %s%n",
              v.devNumber(),
              "-",
              "-",
              "-",
              v.state().mdadmText(),
              v.device()));
    }
    return out.toString().replace(" \n", "\n");
  }

  /** The same facts as {@link #detail}, typed, for {@code --json}. */
  static Map<String, Object> json(String device, RaidArray array) {
    StripeEngine e = array.engine();
    ArrayGeometry g = e.geometry();
    AssemblyDecision decision = array.decision();
    Superblock1 sb = decision == null ? null : decision.freshest();
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("device", device);
    map.put("name", e.name());
    if (sb != null) {
      map.put("uuid", sb.setUuid().toString());
      map.put("events", events(array, sb));
      map.put("creation_time", sb.ctimeSeconds());
    }
    map.put("metadata", superVersion(array));
    map.put("level", g.level());
    map.put("layout", g.level() == 4 ? "parity-last" : g.algorithm().mdadmName());
    map.put("chunk_bytes", g.chunkSectors() * 512L);
    map.put("raid_devices", g.raidDisks());
    map.put("array_size_bytes", g.arraySectors() * 512);
    map.put("used_dev_size_bytes", g.devSectors() * 512);
    map.put("state", state(array));
    map.put("read_only", array.readOnly());
    map.put("failed_members", e.failedMembers());
    map.put("degraded", e.failedMembers() > 0);
    RaidArray.BitmapStatus bitmap = array.bitmapStatus();
    if (bitmap != null) {
      Map<String, Object> b = new LinkedHashMap<>();
      b.put("chunk_bytes", bitmap.chunkBytes());
      b.put("chunks", bitmap.chunks());
      b.put("dirty_chunks", bitmap.dirty());
      b.put("events_cleared", bitmap.eventsCleared());
      map.put("bitmap", b);
    }
    List<Object> members = new ArrayList<>();
    List<MemberView> views = array.members();
    for (int i = 0; i < g.raidDisks(); i++) {
      MemberView holder = null;
      for (MemberView v : views) {
        if (v.slot() == i && v.state() != MemberView.State.FAULTY) {
          holder = v;
        }
      }
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("slot", i);
      m.put("device", holder == null ? null : holder.device());
      m.put("state", holder == null ? "removed" : jsonState(holder.state()));
      if (holder != null) {
        m.put("descriptor", holder.devNumber());
        if (holder.state() == MemberView.State.REBUILDING) {
          m.put("recovered_sectors", holder.recoveredBelow());
        }
      }
      StripeEngine.MemberStats stats = e.stats().members[i];
      m.put("read_errors", stats.readErrors.sum());
      m.put("write_errors", stats.writeErrors.sum());
      members.add(m);
    }
    map.put("members", members);
    List<Object> others = new ArrayList<>();
    for (MemberView v : views) {
      if (v.slot() < 0 || v.state() == MemberView.State.FAULTY) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("device", v.device());
        m.put("descriptor", v.devNumber());
        m.put("state", jsonState(v.state()));
        others.add(m);
      }
    }
    map.put("spares_and_failed", others);
    List<Object> events = new ArrayList<>();
    for (ArrayEvent ev : array.events()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("time", ev.at().toString());
      m.put("event", ev.kind().mdadmName());
      m.put("device", ev.device().isEmpty() ? null : ev.device());
      m.put("message", ev.message());
      events.add(m);
    }
    map.put("events", events);
    SyncJob job = e.syncJob();
    if (job != null) {
      Map<String, Object> sync = new LinkedHashMap<>();
      sync.put("action", job.action().mdName());
      sync.put("running", !job.finished());
      sync.put("completed", job.completed());
      sync.put("position_sectors", job.position());
      sync.put("total_sectors", job.endSector());
      sync.put("speed_kib_per_sec", job.speedKiBps());
      sync.put("eta_seconds", job.etaSeconds());
      sync.put("mismatch_sectors", job.mismatchSectors());
      List<Object> where = new ArrayList<>();
      for (SyncJob.Mismatch m : job.mismatches()) {
        Map<String, Object> w = new LinkedHashMap<>();
        w.put("member_sector", m.memberSector());
        w.put("slot", m.slot() < 0 ? null : m.slot());
        w.put("device", m.device().isEmpty() ? null : m.device());
        w.put("block", m.block());
        w.put("action", m.action());
        where.add(w);
      }
      sync.put("mismatches", where);
      if (job.abortReason() != null) {
        sync.put("stopped_because", job.abortReason());
      }
      if (!job.finished()) {
        sync.put("progress_line", progressLine(job));
      }
      map.put("sync", sync);
    }
    map.put("stripe_cache_size", e.stripeCacheSize());
    map.put("stripe_cache_active", e.stripesInUse());
    return map;
  }

  /** mdadm's State line: clean/active, degraded, resyncing… */
  static String state(RaidArray array) {
    StripeEngine e = array.engine();
    List<String> parts = new ArrayList<>();
    boolean clean =
        array.superblocks() != null
            ? array.recordedClean()
            : e.syncedBelow() == Long.MAX_VALUE; // read-only: nothing is being written
    parts.add(clean ? "clean" : "active");
    if (e.failedMembers() > 0) {
      parts.add("degraded");
    }
    SyncJob job = e.syncJob();
    if (job != null && !job.finished()) {
      parts.add(
          switch (job.action()) {
            case RESYNC -> "resyncing";
            case CHECK -> "checking";
            case REPAIR -> "repairing";
            case RECOVER -> "recovering";
          });
    }
    return String.join(", ", parts);
  }

  private static String statusLabel(SyncJob job) {
    return switch (job.action()) {
      case RESYNC -> "Resync Status";
      case CHECK -> "Check Status";
      case REPAIR -> "Repair Status";
      case RECOVER -> "Rebuild Status";
    };
  }

  /** The live event count when the array updates its superblocks, else the assembled one. */
  private static long events(RaidArray array, Superblock1 sb) {
    var live = array.superblocks();
    return live != null ? live.events() : sb.events();
  }

  private static String jsonState(MemberView.State state) {
    return switch (state) {
      case ACTIVE -> "in_sync";
      case REBUILDING -> "rebuilding";
      case SPARE -> "spare";
      case FAULTY -> "faulty";
    };
  }

  private static String superVersion(RaidArray array) {
    AssemblyDecision decision = array.decision();
    return decision == null ? "none" : decision.freshest().version().toString();
  }

  private static String shortName(String path) {
    Path name = Path.of(path).getFileName();
    return name == null ? path : name.toString();
  }

  private static void line(StringBuilder out, String label, @Nullable String value) {
    out.append(" ".repeat(Math.max(0, 18 - label.length())))
        .append(label)
        .append(" : ")
        .append(value)
        .append('\n');
  }
}
