package io.jraid.metrics;

import io.jraid.stripe.StripeEngine;
import io.jraid.stripe.SyncJob;

/** An array's counters: requests, stripe cache use, sync progress, and I/O per member slot. */
public final class ArrayMetrics {

  private ArrayMetrics() {}

  /**
   * Writes the metrics of {@code array}: its engine's, then its life (events by kind, devices by
   * state).
   */
  public static void write(PrometheusText text, io.jraid.array.RaidArray array) {
    write(text, array.engine());
    String name = array.engine().name();
    java.util.Map<io.jraid.array.ArrayEvent.Kind, Long> counts = array.eventCounts();
    text.counter(
        "jraid_array_events_total",
        "Array events since start, by kind (mdadm --monitor names: Fail, SpareAdded, ...).");
    for (io.jraid.array.ArrayEvent.Kind kind : io.jraid.array.ArrayEvent.Kind.values()) {
      text.sample(
          "jraid_array_events_total",
          counts.getOrDefault(kind, 0L),
          "array",
          name,
          "event",
          kind.mdadmName());
    }
    java.util.List<io.jraid.array.MemberView> views = array.members();
    text.gauge("jraid_array_devices", "Devices the array holds, by state.");
    for (io.jraid.array.MemberView.State state : io.jraid.array.MemberView.State.values()) {
      text.sample(
          "jraid_array_devices",
          views.stream().filter(v -> v.state() == state).count(),
          "array",
          name,
          "state",
          state.name().toLowerCase(java.util.Locale.ROOT));
    }
    io.jraid.array.RaidArray.BitmapStatus bitmap = array.bitmapStatus();
    if (bitmap != null) {
      text.gauge(
          "jraid_bitmap_dirty_chunks", "Write-intent bitmap chunks set (resynced after a crash).");
      text.sample("jraid_bitmap_dirty_chunks", bitmap.dirty(), "array", name);
      text.counter(
          "jraid_bitmap_page_writes_total",
          "Write-intent bitmap pages written (to every member), since start.");
      text.sample("jraid_bitmap_page_writes_total", bitmap.pageWrites(), "array", name);
      text.counter(
          "jraid_bitmap_write_batches_total",
          "Batches the bitmap pages were written in: writes waiting for bits share one.");
      text.sample("jraid_bitmap_write_batches_total", bitmap.writeBatches(), "array", name);
    }
  }

  /** Writes the metrics of the array running on {@code engine}. */
  public static void write(PrometheusText text, StripeEngine engine) {
    String array = engine.name();
    StripeEngine.Stats stats = engine.stats();
    text.counter("jraid_array_requests_total", "Array requests, by kind.")
        .sample("jraid_array_requests_total", stats.reads.sum(), "array", array, "kind", "read")
        .sample("jraid_array_requests_total", stats.writes.sum(), "array", array, "kind", "write");
    text.gauge("jraid_array_requests_in_flight", "Array requests not yet completed.")
        .sample("jraid_array_requests_in_flight", engine.requestsInFlight(), "array", array);
    text.gauge("jraid_stripe_cache_size", "Stripes in the stripe cache (stripe_cache_size).")
        .sample("jraid_stripe_cache_size", engine.stripeCacheSize(), "array", array);
    text.gauge("jraid_stripe_cache_active", "Stripes in use (stripe_cache_active).")
        .sample("jraid_stripe_cache_active", engine.stripesInUse(), "array", array);
    text.gauge("jraid_array_failed_members", "Member slots without a working member.")
        .sample("jraid_array_failed_members", engine.failedMembers(), "array", array);
    text.counter("jraid_read_errors_total", "Member reads that failed.")
        .sample("jraid_read_errors_total", stats.readErrors.sum(), "array", array);
    text.counter(
            "jraid_read_errors_corrected_total",
            "Blocks rebuilt from the other members and rewritten after a read error.")
        .sample(
            "jraid_read_errors_corrected_total", stats.readErrorsCorrected.sum(), "array", array);
    text.counter("jraid_members_failed_total", "Members marked faulty while running.")
        .sample("jraid_members_failed_total", stats.membersFailed.sum(), "array", array);

    SyncJob job = engine.syncJob();
    boolean running = job != null && !job.finished();
    text.gauge("jraid_sync_running", "1 while a resync, check or repair runs, by action.");
    for (io.jraid.stripe.SyncAction action : io.jraid.stripe.SyncAction.values()) {
      text.sample(
          "jraid_sync_running",
          running && job.action() == action ? 1 : 0,
          "array",
          array,
          "action",
          action.mdName());
    }
    text.gauge("jraid_sync_completed_sectors", "Member sectors the current or last sync covered.")
        .sample("jraid_sync_completed_sectors", job == null ? 0 : job.position(), "array", array);
    text.gauge("jraid_sync_total_sectors", "Member sectors a sync covers.")
        .sample("jraid_sync_total_sectors", engine.geometry().devSectors() & ~7L, "array", array);
    text.gauge("jraid_sync_speed_kibps", "Speed of the running sync, KiB/s per member.")
        .sample("jraid_sync_speed_kibps", running ? job.speedKiBps() : 0, "array", array);
    text.gauge(
            "jraid_mismatch_sectors",
            "Sectors whose parity did not match in the last check, repair or resync (mismatch_cnt).")
        .sample("jraid_mismatch_sectors", job == null ? 0 : job.mismatchSectors(), "array", array);

    text.gauge("jraid_member_in_sync", "1 when the slot has a working member.");
    for (int i = 0; i < engine.geometry().raidDisks(); i++) {
      text.sample(
          "jraid_member_in_sync",
          engine.memberInSync(i) ? 1 : 0,
          "array",
          array,
          "slot",
          Integer.toString(i),
          "device",
          engine.memberName(i));
    }
    memberCounter(
        text, engine, "jraid_member_reads_total", "Reads sent to the member.", m -> m.reads.sum());
    memberCounter(
        text,
        engine,
        "jraid_member_writes_total",
        "Writes sent to the member.",
        m -> m.writes.sum());
    memberCounter(
        text,
        engine,
        "jraid_member_read_bytes_total",
        "Bytes read from the member.",
        m -> m.bytesRead.sum());
    memberCounter(
        text,
        engine,
        "jraid_member_written_bytes_total",
        "Bytes written to the member.",
        m -> m.bytesWritten.sum());
    memberCounter(
        text,
        engine,
        "jraid_member_read_errors_total",
        "Failed member reads.",
        m -> m.readErrors.sum());
    memberCounter(
        text,
        engine,
        "jraid_member_write_errors_total",
        "Failed member writes.",
        m -> m.writeErrors.sum());
  }

  private static void memberCounter(
      PrometheusText text,
      StripeEngine engine,
      String name,
      String help,
      java.util.function.ToLongFunction<StripeEngine.MemberStats> counter) {
    text.counter(name, help);
    StripeEngine.MemberStats[] members = engine.stats().members;
    for (int i = 0; i < members.length; i++) {
      text.sample(
          name,
          counter.applyAsLong(members[i]),
          "array",
          engine.name(),
          "slot",
          Integer.toString(i),
          "device",
          engine.memberName(i));
    }
  }
}
