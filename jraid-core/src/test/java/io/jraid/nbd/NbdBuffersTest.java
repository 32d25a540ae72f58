package io.jraid.nbd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** Request buffers: alignment, views without allocation, pools, and the connection memory cache. */
class NbdBuffersTest {

  @Test
  void buffersArePageAlignedDirectMemory() {
    for (long size : new long[] {1, 4096, 65536, 100_000}) {
      ByteBuffer b = PooledBuffer.aligned(size);
      assertThat(b.isDirect()).isTrue();
      assertThat(b.capacity()).isEqualTo((int) size);
      assertThat(b.alignmentOffset(0, 4096)).isZero();
    }
  }

  @Test
  void segmentViewIsReusedForTheSameLength() {
    PooledBuffer p = new PooledBuffer(PooledBuffer.aligned(65536));
    assertThat(p.segment(4096)).isSameAs(p.segment(4096));
    assertThat(p.segment(512).byteSize()).isEqualTo(512);
    ByteBuffer bytes = p.bytes(1000);
    assertThat(bytes.position()).isZero();
    assertThat(bytes.limit()).isEqualTo(1000);
    // The socket's view and the device's view are the same memory.
    bytes.put(7, (byte) 42);
    assertThat(p.segment(4096).get(java.lang.foreign.ValueLayout.JAVA_BYTE, 7))
        .isEqualTo((byte) 42);
  }

  @Test
  void poolHandsOutEachBufferOnce() {
    BufferPool pool = new BufferPool(3, 8192);
    assertThat(pool.available()).isEqualTo(3);
    PooledBuffer a = pool.take();
    PooledBuffer b = pool.take();
    PooledBuffer c = pool.take();
    assertThat(a).isNotSameAs(b).isNotSameAs(c);
    assertThat(pool.available()).isZero();
    pool.give(b);
    assertThat(pool.take()).isSameAs(b);
    pool.give(a);
    pool.give(b);
    pool.give(c);
    assertThat(pool.available()).isEqualTo(3);
  }

  @Test
  void cacheKeepsAFewIdleSetsAndRefusesOnesInUse() {
    ConnectionMemory.Cache cache = new ConnectionMemory.Cache(4, 2);
    ConnectionMemory first = cache.take();
    ConnectionMemory second = cache.take();
    ConnectionMemory third = cache.take();
    assertThat(first.own).hasSize(4);
    assertThat(first.headers).hasSize(4);
    cache.give(first);
    cache.give(second);
    cache.give(third);
    assertThat(cache.idle()).isEqualTo(2);
    assertThat(cache.take()).isSameAs(first);
    PooledBuffer borrowed = second.pooled.take();
    assertThat(cache.take()).isSameAs(second);
    assertThatThrownBy(() -> cache.give(second)).hasMessageContaining("in use");
    second.pooled.give(borrowed);
    cache.give(second);
    assertThat(cache.idle()).isEqualTo(1);
  }
}
