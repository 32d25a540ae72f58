package io.jraid.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jraid.device.BlockDevice;
import io.jraid.device.MemoryDevice;
import io.jraid.layout.Algorithm;
import io.jraid.layout.ArrayGeometry;
import io.jraid.stripe.StripeEngine;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {

  @Test
  void writesTheTextFormatWithEscapedLabels() {
    String text =
        new PrometheusText()
            .counter("x_total", "Things.\nMore")
            .sample("x_total", 3, "a", "q\"u\\o\nte", "b", "v")
            .gauge("y", "A gauge.")
            .sample("y", 1.5)
            .sample("y", Double.POSITIVE_INFINITY)
            .toString();
    assertThat(text)
        .isEqualTo(
            """
            # HELP x_total Things.\\nMore
            # TYPE x_total counter
            x_total{a="q\\"u\\\\o\\nte",b="v"} 3
            # HELP y A gauge.
            # TYPE y gauge
            y 1.5
            y +Inf
            """);
  }

  @Test
  void oddLabelsAreRefused() {
    assertThatThrownBy(() -> new PrometheusText().sample("x", 1, "lonely"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void arrayMetricsCountRequestsAndMemberIo() throws Exception {
    ArrayGeometry g = new ArrayGeometry(5, Algorithm.LEFT_SYMMETRIC, 128, 4, 128 * 8, 0);
    BlockDevice[] members = new BlockDevice[4];
    java.util.concurrent.atomic.AtomicLong[] written =
        new java.util.concurrent.atomic.AtomicLong[4];
    for (int i = 0; i < 4; i++) {
      MemoryDevice memory = MemoryDevice.create("m" + i, g.memberSectors() * 512);
      java.util.concurrent.atomic.AtomicLong bytes = new java.util.concurrent.atomic.AtomicLong();
      written[i] = bytes;
      // The oracle: what each member device itself was asked to write.
      members[i] = new CountingDevice(memory, bytes);
    }
    try (StripeEngine e =
            new StripeEngine(
                "md-test", g, members, new StripeEngine.Options(64, 1, false, true, true, 0));
        Arena arena = Arena.ofShared()) {
      // One full row (3 data chunks of 64 KiB): 16 stripes, each writing 3 data + 1 parity.
      MemorySegment row = arena.allocate(3 * 65536, 4096);
      CompletableFuture<Void> done = new CompletableFuture<>();
      e.write(row, 0, false, error -> done.complete(null));
      done.get(30, TimeUnit.SECONDS);
      String text = scrape(e);
      assertThat(text).contains("jraid_array_requests_total{array=\"md-test\",kind=\"write\"} 1\n");
      assertThat(text).contains("jraid_stripe_cache_size{array=\"md-test\"} 64\n");
      long total = 0;
      for (int i = 0; i < 4; i++) {
        String prefix =
            "jraid_member_written_bytes_total{array=\"md-test\",slot=\""
                + i
                + "\",device=\"m"
                + i
                + "\"} ";
        int at = text.indexOf(prefix);
        assertThat(at).as("member %d", i).isNotNegative();
        long reported =
            Long.parseLong(text.substring(at + prefix.length(), text.indexOf('\n', at)));
        assertThat(reported).as("member %d", i).isEqualTo(written[i].get());
        total += reported;
      }
      // At least data plus parity of the row (more if a stripe wrote before all its pieces came).
      assertThat(total).isGreaterThanOrEqualTo(4 * 65536);
      assertThat(text)
          .contains("jraid_member_in_sync{array=\"md-test\",slot=\"3\",device=\"m3\"} 1\n");
    }
  }

  /** Counts the bytes each member is asked to write: the oracle for the reported counters. */
  private static final class CountingDevice extends io.jraid.testing.ForwardingDevice {
    private final java.util.concurrent.atomic.AtomicLong bytes;

    CountingDevice(BlockDevice inner, java.util.concurrent.atomic.AtomicLong bytes) {
      super(inner);
      this.bytes = bytes;
    }

    @Override
    public void write(
        MemorySegment src, long offset, boolean fua, io.jraid.device.IoCompletion done) {
      bytes.addAndGet(src.byteSize());
      inner.write(src, offset, fua, done);
    }
  }

  private static String scrape(StripeEngine e) {
    PrometheusText text = new PrometheusText();
    ArrayMetrics.write(text, e);
    return text.toString();
  }
}
