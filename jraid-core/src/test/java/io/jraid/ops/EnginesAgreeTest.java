package io.jraid.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.jraid.parity.ParityKernels;
import io.jraid.parity.ScalarKernels;
import io.jraid.parity.XorMode;
import io.jraid.testing.Seeds;
import io.jraid.testing.TestBlocks;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One long chain of random operations over a shared pool of blocks — each step reading what the
 * earlier ones wrote — gives the same bytes and results on the inline path, on every worker
 * configuration, and step by step through the scalar reference.
 */
class EnginesAgreeTest {

  private static final List<OpKind> KINDS = List.of(OpKind.values());
  private static final int POOL = 12;
  private static final int STEPS = 400;
  private static final long LEN = 512;

  /** One step: a kind and the pool indices of its blocks, all distinct. */
  private static final class Step {
    final OpKind kind;
    private final XorMode mode;
    private final int[] data;
    private final boolean[] absent;
    private final int dst;
    private final int p;
    private final int q;
    private final boolean withP;
    private final boolean withQ;

    private Step(
        OpKind kind,
        XorMode mode,
        int[] data,
        boolean[] absent,
        int dst,
        int p,
        int q,
        boolean withP,
        boolean withQ) {
      this.kind = kind;
      this.mode = mode;
      this.data = data;
      this.absent = absent;
      this.dst = dst;
      this.p = p;
      this.q = q;
      this.withP = withP;
      this.withQ = withQ;
    }

    static Step random(SplittableRandom r) {
      OpKind kind = KINDS.get(r.nextInt(KINDS.size()));
      int[] perm = new int[POOL];
      for (int i = 0; i < POOL; i++) {
        perm[i] = i;
      }
      for (int i = POOL - 1; i > 0; i--) {
        int j = r.nextInt(i + 1);
        int t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
      }
      int n = 2 + r.nextInt(6);
      int[] data = new int[n];
      System.arraycopy(perm, 3, data, 0, n);
      boolean[] absent = new boolean[n];
      boolean pqKind = kind != OpKind.XOR && kind != OpKind.XOR_VALIDATE;
      for (int i = 2; i < n && pqKind; i++) {
        absent[i] = r.nextInt(4) == 0; // slots 0 and 1 stay present: recovery targets
      }
      int which = r.nextInt(3);
      boolean optional = kind == OpKind.PQ || kind == OpKind.PQ_VALIDATE;
      return new Step(
          kind,
          r.nextBoolean() ? XorMode.OVERWRITE : XorMode.ACCUMULATE,
          data,
          absent,
          perm[0],
          perm[1],
          perm[2],
          !optional || which != 2,
          !optional || which != 1);
    }

    private @Nullable MemorySegment[] slots(MemorySegment[] pool) {
      @Nullable MemorySegment[] s = new MemorySegment[data.length];
      for (int i = 0; i < data.length; i++) {
        s[i] = absent[i] ? null : pool[data[i]];
      }
      return s;
    }

    private @Nullable MemorySegment pOf(MemorySegment[] pool) {
      return withP ? pool[p] : null;
    }

    private @Nullable MemorySegment qOf(MemorySegment[] pool) {
      return withQ ? pool[q] : null;
    }

    Operation build(Operation op, MemorySegment[] pool) {
      MemorySegment[] s = slots(pool);
      return switch (kind) {
        case COPY -> op.copy(pool[dst], pool[data[0]]);
        case ZERO -> op.zero(pool[dst]);
        case XOR -> op.xor(pool[dst], s, mode);
        case XOR_VALIDATE -> op.xorValidate(s);
        case PQ -> op.pq(s, pOf(pool), qOf(pool));
        case PQ_XOR -> op.pqXor(s, pool[p], pool[q]);
        case PQ_VALIDATE -> op.pqValidate(s, pOf(pool), qOf(pool));
        case RECOVER_DATA_P -> op.recoverDataP(s, 0, pool[p], pool[q]);
        case RECOVER_DATA_Q -> op.recoverDataQ(s, 1, pool[p], pool[q]);
        case RECOVER_TWO_DATA -> op.recoverTwoData(s, 1, 0, pool[p], pool[q]);
      };
    }

    int apply(ParityKernels k, MemorySegment[] pool) {
      MemorySegment[] s = slots(pool);
      switch (kind) {
        case COPY -> pool[dst].copyFrom(pool[data[0]]);
        case ZERO -> pool[dst].fill((byte) 0);
        case XOR -> k.xorGen(pool[dst], s, mode);
        case XOR_VALIDATE -> {
          return k.xorIsZero(s) ? 0 : Operation.P_MISMATCH;
        }
        case PQ -> k.pqGen(s, pOf(pool), qOf(pool));
        case PQ_XOR -> k.pqXor(s, pool[p], pool[q]);
        case PQ_VALIDATE -> {
          return k.pqValidate(s, pOf(pool), qOf(pool));
        }
        case RECOVER_DATA_P -> k.recoverDataAndP(s, 0, pool[p], pool[q]);
        case RECOVER_DATA_Q -> k.recoverDataAndQ(s, 1, pool[p], pool[q]);
        case RECOVER_TWO_DATA -> k.recoverTwoData(s, 1, 0, pool[p], pool[q]);
      }
      return 0;
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Engine.class)
  void aRandomChainGivesTheSameBytesOnEveryPath(Engine engine) throws InterruptedException {
    for (int round = 0; round < 3; round++) {
      long seed = Seeds.of(engine.name().hashCode(), round);
      try (TestBlocks b = TestBlocks.shared(new SplittableRandom(seed));
          AsyncOps inline = AsyncOps.inline(Engine.KERNELS);
          AsyncOps ops = engine.open(STEPS + 1)) {
        MemorySegment[] reference = new MemorySegment[POOL];
        for (int i = 0; i < POOL; i++) {
          reference[i] = b.random(LEN);
        }
        MemorySegment[] inlinePool = copy(b, reference);
        MemorySegment[] enginePool = copy(b, reference);
        SplittableRandom r = new SplittableRandom(seed);
        List<Step> steps = new ArrayList<>();
        List<Operation> inlineOps = new ArrayList<>();
        List<Operation> engineOps = new ArrayList<>();
        Operation prevInline = null;
        Operation prevEngine = null;
        for (int i = 0; i < STEPS; i++) {
          Step step = Step.random(r);
          steps.add(step);
          Operation a = step.build(new Operation("inline " + i), inlinePool).after(prevInline);
          Operation e = step.build(new Operation("engine " + i), enginePool).after(prevEngine);
          assertThat(inline.submit(a)).isEqualTo(SubmitStatus.ACCEPTED);
          assertThat(ops.submit(e)).isEqualTo(SubmitStatus.ACCEPTED);
          inlineOps.add(a);
          engineOps.add(e);
          prevInline = a;
          prevEngine = e;
        }
        ops.await(engineOps.getLast());
        for (int i = 0; i < STEPS; i++) {
          String what = "seed " + seed + " step " + i + " " + steps.get(i).kind;
          int expected = steps.get(i).apply(ScalarKernels.INSTANCE, reference);
          assertThat(inlineOps.get(i).failure()).as(what).isNull();
          assertThat(engineOps.get(i).failure()).as(what).isNull();
          assertThat(inlineOps.get(i).result()).as(what + " inline result").isEqualTo(expected);
          assertThat(engineOps.get(i).result()).as(what + " engine result").isEqualTo(expected);
        }
        for (int i = 0; i < POOL; i++) {
          TestBlocks.assertSameBytes(
              inlinePool[i], reference[i], "seed " + seed + " inline pool " + i);
          TestBlocks.assertSameBytes(
              enginePool[i], reference[i], "seed " + seed + " engine pool " + i);
        }
      }
    }
  }

  private static MemorySegment[] copy(TestBlocks b, MemorySegment[] of) {
    MemorySegment[] c = new MemorySegment[of.length];
    for (int i = 0; i < of.length; i++) {
      c[i] = b.copy(of[i]);
    }
    return c;
  }
}
