package io.jraid.parity;

import java.lang.foreign.MemorySegment;

/**
 * Passes every call to another implementation; tests override one method to break it, or {@link
 * #beforeEachCall} to break them all.
 */
public class DelegatingKernels implements ParityKernels {

  private final ParityKernels to;

  public DelegatingKernels(ParityKernels to) {
    this.to = to;
  }

  /** Runs before every kernel call is passed on (not {@link #name}); does nothing here. */
  protected void beforeEachCall() {}

  @Override
  public String name() {
    return "delegating-" + to.name();
  }

  @Override
  public void xorGen(MemorySegment dest, MemorySegment[] sources, XorMode mode) {
    beforeEachCall();
    to.xorGen(dest, sources, mode);
  }

  @Override
  public boolean xorIsZero(MemorySegment[] blocks) {
    beforeEachCall();
    return to.xorIsZero(blocks);
  }

  @Override
  public void pqGen(MemorySegment[] data, MemorySegment p, MemorySegment q) {
    beforeEachCall();
    to.pqGen(data, p, q);
  }

  @Override
  public void pqXor(MemorySegment[] data, MemorySegment p, MemorySegment q) {
    beforeEachCall();
    to.pqXor(data, p, q);
  }

  @Override
  public void pqUpdate(
      int slot, MemorySegment oldData, MemorySegment newData, MemorySegment p, MemorySegment q) {
    beforeEachCall();
    to.pqUpdate(slot, oldData, newData, p, q);
  }

  @Override
  public int pqValidate(MemorySegment[] data, MemorySegment p, MemorySegment q) {
    beforeEachCall();
    return to.pqValidate(data, p, q);
  }

  @Override
  public void recoverDataFromP(MemorySegment[] data, int x, MemorySegment p) {
    beforeEachCall();
    to.recoverDataFromP(data, x, p);
  }

  @Override
  public void recoverDataAndP(MemorySegment[] data, int x, MemorySegment p, MemorySegment q) {
    beforeEachCall();
    to.recoverDataAndP(data, x, p, q);
  }

  @Override
  public void recoverDataAndQ(MemorySegment[] data, int x, MemorySegment p, MemorySegment q) {
    beforeEachCall();
    to.recoverDataAndQ(data, x, p, q);
  }

  @Override
  public void recoverTwoData(MemorySegment[] data, int x, int y, MemorySegment p, MemorySegment q) {
    beforeEachCall();
    to.recoverTwoData(data, x, y, p, q);
  }

  @Override
  public int locateCorruption(MemorySegment[] data, MemorySegment p, MemorySegment q) {
    beforeEachCall();
    return to.locateCorruption(data, p, q);
  }
}
