package io.jraid.parity;

import java.lang.foreign.MemorySegment;
import org.jspecify.annotations.Nullable;

/**
 * The parity kernels of RAID-4/5/6: XOR, the RAID-6 P+Q syndrome, their validation, the RAID-6
 * read-modify-write update, every recovery case, and the raid6check error locator.
 *
 * <h2>Blocks</h2>
 *
 * Every block is a native (off-heap) {@link MemorySegment} whose address is a multiple of {@link
 * #ALIGNMENT} — the page-aligned stripe buffers of the stripe cache qualify. All blocks of one call
 * have the same {@code byteSize()}; any size, 0 included, is allowed. A destination must not
 * overlap a source or another destination, and must be writable. Data blocks are given in
 * <em>syndrome-slot</em> order (layout's slot map, never the logical order), as an array whose
 * length is the number of slots; a {@code null} entry is an absent block that counts as zeros (md
 * passes the zero page there). A RAID-6 call takes 1 to {@link #MAX_PQ_DATA} slots. Broken
 * arguments throw {@link IllegalArgumentException} naming the argument and its value; nothing is
 * written then.
 *
 * <h2>Threads</h2>
 *
 * Implementations are stateless or keep per-thread scratch space: any number of threads may call
 * one instance at once, on distinct destinations. No call allocates on the heap once warm.
 *
 * <h2>Implementations</h2>
 *
 * {@link ScalarKernels} is the byte-at-a-time reference; {@link VectorKernels} uses the Vector API;
 * {@link IsalKernels} calls Intel ISA-L through the FFM API when {@code libisal} loads. {@link
 * ParitySelection} picks one at start-up. All give identical bytes.
 */
public interface ParityKernels {

  /** Required alignment, in bytes, of every block's address (ISA-L's documented requirement). */
  int ALIGNMENT = 32;

  /** Most data slots a RAID-6 syndrome takes: the g^z coefficients must stay distinct. */
  int MAX_PQ_DATA = 253;

  /** Most sources one XOR takes: an md array has at most 256 members. */
  int MAX_XOR_SOURCES = 256;

  /** {@link #pqValidate} result bit: P does not match the data (md's SUM_CHECK_P_RESULT). */
  int P_MISMATCH = 1;

  /** {@link #pqValidate} result bit: Q does not match the data (md's SUM_CHECK_Q_RESULT). */
  int Q_MISMATCH = 2;

  /** The implementation's name as {@code -Djraid.parity} spells it: scalar, vector or isal. */
  String name();

  /**
   * XOR of the sources into {@code dest}: {@link XorMode#OVERWRITE} replaces dest's contents,
   * {@link XorMode#ACCUMULATE} XORs into them (dest counts as one more source).
   *
   * @param sources 1 to {@link #MAX_XOR_SOURCES} blocks, none null
   */
  void xorGen(MemorySegment dest, MemorySegment[] sources, XorMode mode);

  /**
   * Whether the XOR of all blocks is zero, i.e. parity is consistent when the blocks are the data
   * and its parity (md's xor-validate, async_xor_val). Writes nothing.
   *
   * @param blocks 2 to {@link #MAX_XOR_SOURCES} + 1 blocks, none null
   */
  boolean xorIsZero(MemorySegment[] blocks);

  /**
   * Generates P = ⊕ D_z and Q = ⊕ g^z·D_z from the data (md's gen_syndrome). Either destination may
   * be null when only the other is wanted, not both.
   */
  void pqGen(MemorySegment[] data, @Nullable MemorySegment p, @Nullable MemorySegment q);

  /**
   * XORs the contribution of the present slots into existing P and Q: P ^= ⊕ D_z, Q ^= ⊕ g^z·D_z
   * (md's xor_syndrome, used twice by RAID-6 read-modify-write: old data out, new data in).
   */
  void pqXor(MemorySegment[] data, MemorySegment p, MemorySegment q);

  /**
   * Read-modify-write of one block: P ^= Dold ⊕ Dnew and Q ^= g^slot·(Dold ⊕ Dnew).
   *
   * @param slot the block's syndrome slot, 0 to {@link #MAX_PQ_DATA} - 1
   */
  void pqUpdate(
      int slot, MemorySegment oldData, MemorySegment newData, MemorySegment p, MemorySegment q);

  /**
   * Checks P and/or Q against the data without writing (md's pq-validate, async_syndrome_val). A
   * null P or Q is not checked.
   *
   * @return 0 when consistent, else {@link #P_MISMATCH} and/or {@link #Q_MISMATCH}
   */
  int pqValidate(MemorySegment[] data, @Nullable MemorySegment p, @Nullable MemorySegment q);

  /**
   * Rebuilds lost data slot x from P and the other slots: D_x = P ⊕ ⊕_{z≠x} D_z. {@code data[x]} is
   * the destination, the other entries sources (null = zeros).
   */
  void recoverDataFromP(MemorySegment[] data, int x, MemorySegment p);

  /**
   * Rebuilds lost data slot x and P from Q (md's raid6_datap_recov): D_x = g^-x·(Q ⊕ Qx), then P =
   * Px ⊕ D_x. {@code data[x]} and {@code p} are the destinations.
   */
  void recoverDataAndP(MemorySegment[] data, int x, MemorySegment p, MemorySegment q);

  /**
   * Rebuilds lost data slot x from P, then Q from the complete data. {@code data[x]} and {@code q}
   * are the destinations.
   */
  void recoverDataAndQ(MemorySegment[] data, int x, MemorySegment p, MemorySegment q);

  /**
   * Rebuilds lost data slots x and y from P and Q (md's raid6_2data_recov). {@code data[x]} and
   * {@code data[y]} are the destinations; x and y may come in either order.
   */
  void recoverTwoData(MemorySegment[] data, int x, int y, MemorySegment p, MemorySegment q);

  /**
   * Finds the one silently corrupted block of a stripe whose blocks are all readable, from the P/Q
   * syndromes (mdadm's raid6check method, over the whole of the given blocks: pass one 4 KiB page
   * at a time to decide per page as raid6check does). A slot computed as corrupt whose entry is
   * null (absent, so zeros by definition) is not a single-block error.
   *
   * @return {@link CorruptBlock#NONE}, {@link CorruptBlock#P}, {@link CorruptBlock#Q}, {@link
   *     CorruptBlock#NOT_SINGLE} or the corrupted data slot (≥ 0)
   */
  int locateCorruption(MemorySegment[] data, MemorySegment p, MemorySegment q);

  /**
   * Rebuilds any one or two lost blocks of a RAID-6 stripe, dispatching to the case methods. Blocks
   * are numbered as md's recovery does: data slots 0..n-1, then P = n, then Q = n + 1.
   *
   * @param failA a lost block
   * @param failB the other lost block, or -1 when only one is lost
   */
  default void recover(
      MemorySegment[] data, MemorySegment p, MemorySegment q, int failA, int failB) {
    int n = data.length;
    int pIndex = n;
    int qIndex = n + 1;
    if (failA < 0 || failA > qIndex) {
      throw new IllegalArgumentException("failA=" + failA + " (must be 0.." + qIndex + ")");
    }
    if (failB < -1 || failB > qIndex || failB == failA) {
      throw new IllegalArgumentException(
          "failB=" + failB + " (must be -1 or 0.." + qIndex + ", other than failA=" + failA + ")");
    }
    int a = failB < 0 ? failA : Math.min(failA, failB);
    int b = failB < 0 ? -1 : Math.max(failA, failB);
    if (b < 0) {
      if (a == pIndex) {
        pqGen(data, p, null);
      } else if (a == qIndex) {
        pqGen(data, null, q);
      } else {
        recoverDataFromP(data, a, p);
      }
    } else if (a == pIndex) {
      pqGen(data, p, q);
    } else if (b == qIndex) {
      recoverDataAndQ(data, a, p, q);
    } else if (b == pIndex) {
      recoverDataAndP(data, a, p, q);
    } else {
      recoverTwoData(data, a, b, p, q);
    }
  }
}
