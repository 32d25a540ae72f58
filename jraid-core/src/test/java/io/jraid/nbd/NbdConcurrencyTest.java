package io.jraid.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import io.jraid.array.RaidArray;
import io.jraid.nbd.NbdTestClient.Reply;
import io.jraid.nbd.TestArrays.Health;
import io.jraid.testing.Seeds;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Several connections at once on one RAID array, each pipelining batches of reads, writes and
 * write-zeroes of mixed sizes (512 bytes to 1 MiB, so every kind of request buffer is used) over
 * its own part of the array, checked against an in-memory model; then every connection reads back
 * the whole array, and a flush on one connection covers writes acknowledged on another.
 */
class NbdConcurrencyTest {

  static final long ARRAY_BYTES = 32L << 20;
  static final int CONNECTIONS = 4;
  static final int SLOT = 1 << 20;
  static final int ROUNDS = 25;
  static final int BATCH = 4;
  static final int[] LENGTHS = {512, 4096, 65536, 262144, SLOT};

  @ParameterizedTest(name = "raid{0} {1} disks, {2}")
  @CsvSource({"5, 5, HEALTHY", "6, 6, FAILING", "5, 5, MISSING"})
  void connectionsShareTheArrayAndAgreeWithTheModel(int level, int disks, Health health)
      throws Exception {
    byte[] model = new byte[(int) ARRAY_BYTES];
    try (RaidArray array = TestArrays.raid(level, disks, ARRAY_BYTES, health)) {
      assertThat(array.size()).isEqualTo(ARRAY_BYTES);
      try (NbdServer server =
          NbdServer.builder()
              .export(NbdExport.of("md", array, TestArrays.stripeWidth(array)))
              .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
              .start()) {
        exercise(server, level, disks, health, model);
      }
      assertThat(array.engine().audit()).as("engine state after the server closed").isEmpty();
    }
  }

  static void exercise(NbdServer server, int level, int disks, Health health, byte[] model)
      throws Exception {
    {
      ExecutorService pool = Executors.newFixedThreadPool(CONNECTIONS);
      try {
        List<Future<Integer>> results = new ArrayList<>();
        for (int i = 0; i < CONNECTIONS; i++) {
          int index = i;
          long seed = Seeds.of(level, disks, health.name().hashCode(), i);
          Callable<Integer> worker = () -> work(server.port(), index, seed, model);
          results.add(pool.submit(worker));
        }
        int requests = 0;
        for (Future<Integer> f : results) {
          requests += f.get();
        }
        assertThat(requests).isEqualTo(CONNECTIONS * ROUNDS * BATCH);
      } finally {
        pool.shutdownNow();
      }
      flushCoversWritesOfOtherConnections(server.port(), model);
      try (NbdTestClient check = NbdTestClient.open(server.port(), true)) {
        for (long offset = 0; offset < ARRAY_BYTES; offset += 8 << 20) {
          Reply r = check.read(offset, 8 << 20);
          assertThat(r.error()).isZero();
          assertThat(
                  Arrays.mismatch(
                      r.data(), Arrays.copyOfRange(model, (int) offset, (int) offset + (8 << 20))))
              .as("first difference in the 8 MiB at %d", offset)
              .isEqualTo(-1);
        }
      }
    }
  }

  /** One connection's batches over its quarter of the array; returns the requests it made. */
  static int work(int port, int index, long seed, byte[] model) throws IOException {
    SplittableRandom random = new SplittableRandom(seed);
    long regionBytes = ARRAY_BYTES / CONNECTIONS;
    long base = index * regionBytes;
    int slots = (int) (regionBytes / SLOT);
    int made = 0;
    try (NbdTestClient c = NbdTestClient.open(port, index % 2 == 0)) {
      for (int round = 0; round < ROUNDS; round++) {
        int[] chosen = random.ints(0, slots).distinct().limit(BATCH).toArray();
        Map<Long, long[]> reads = new HashMap<>(); // cookie → {offset, length}
        List<Runnable> modelUpdates = new ArrayList<>();
        for (int slot : chosen) {
          int length = LENGTHS[random.nextInt(LENGTHS.length)];
          long offset =
              base + (long) slot * SLOT + 512L * random.nextInt((SLOT - length) / 512 + 1);
          int kind = random.nextInt(10);
          if (kind < 5) {
            byte[] data = new byte[length];
            random.nextBytes(data);
            c.send(NbdTestClient.WRITE, kind == 0 ? NbdTestClient.FUA : 0, offset, length, data);
            modelUpdates.add(() -> System.arraycopy(data, 0, model, (int) offset, length));
          } else if (kind < 9) {
            reads.put(
                c.send(NbdTestClient.READ, 0, offset, length, new byte[0]),
                new long[] {offset, length});
          } else {
            c.send(NbdTestClient.WRITE_ZEROES, NbdTestClient.NO_HOLE, offset, length, new byte[0]);
            modelUpdates.add(
                () -> Arrays.fill(model, (int) offset, (int) offset + length, (byte) 0));
          }
          made++;
        }
        c.flushOut();
        for (int i = 0; i < BATCH; i++) {
          Reply r = c.readReply();
          assertThat(r.error())
              .as("reply %d of round %d: %s", r.cookie(), round, r.message())
              .isZero();
          long[] read = reads.get(r.cookie());
          if (read != null) {
            int from = (int) read[0];
            assertThat(
                    Arrays.mismatch(
                        r.data(), Arrays.copyOfRange(model, from, from + (int) read[1])))
                .as("read of %d bytes at %d, round %d", read[1], read[0], round)
                .isEqualTo(-1);
          }
        }
        modelUpdates.forEach(Runnable::run);
      }
      c.disconnect();
      NbdTestClient.expectEof(c);
    }
    return made;
  }

  /** A write acknowledged on A, a FLUSH on B, and a read on C all see one array. */
  static void flushCoversWritesOfOtherConnections(int port, byte[] model) throws IOException {
    try (NbdTestClient a = NbdTestClient.open(port, true);
        NbdTestClient b = NbdTestClient.open(port, false);
        NbdTestClient c = NbdTestClient.open(port, true)) {
      assertThat(a.transmissionFlags() & 0x100).as("CAN_MULTI_CONN").isNotZero();
      byte[] data = new byte[65536];
      new SplittableRandom(Seeds.of(0xF1)).nextBytes(data);
      assertThat(a.write(4096, data).error()).isZero();
      System.arraycopy(data, 0, model, 4096, data.length);
      assertThat(b.command(NbdTestClient.FLUSH, 0, 0, 0).error()).isZero();
      assertThat(c.read(4096, data.length).data()).isEqualTo(data);
    }
  }
}
