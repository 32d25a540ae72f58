package io.jraid.parity;

import java.lang.foreign.MemorySegment;

/** Passes every call to another implementation; tests override one method to break it. */
class DelegatingKernels implements ParityKernels {

  private final ParityKernels to;

  DelegatingKernels(ParityKernels to) {
    this.to = to;
  }

  @Override
  public String name() {
    return "delegating-" + to.name();
  }

  @Override
  public void xorGen(MemorySegment dest, MemorySegment[] sources, XorMode mode) {
    to.xorGen(dest, sources, mode);
  }

  @Override
  public boolean xorIsZero(MemorySegment[] blocks) {
    return to.xorIsZero(blocks);
  }

  @Override
  public void pqGen(MemorySegment[] data, MemorySegment p, MemorySegment q) {
    to.pqGen(data, p, q);
  }

  @Override
  public void pqXor(MemorySegment[] data, MemorySegment p, MemorySegment q) {
    to.pqXor(data, p, q);
  }

  @Override
  public void pqUpdate(
      int slot, MemorySegment oldData, MemorySegment newData, MemorySegment p, MemorySegment q) {
    to.pqUpdate(slot, oldData, newData, p, q);
  }

  @Override
  public int pqValidate(MemorySegment[] data, MemorySegment p, MemorySegment q) {
    return to.pqValidate(data, p, q);
  }

  @Override
  public void recoverDataFromP(MemorySegment[] data, int x, MemorySegment p) {
    to.recoverDataFromP(data, x, p);
  }

  @Override
  public void recoverDataAndP(MemorySegment[] data, int x, MemorySegment p, MemorySegment q) {
    to.recoverDataAndP(data, x, p, q);
  }

  @Override
  public void recoverDataAndQ(MemorySegment[] data, int x, MemorySegment p, MemorySegment q) {
    to.recoverDataAndQ(data, x, p, q);
  }

  @Override
  public void recoverTwoData(MemorySegment[] data, int x, int y, MemorySegment p, MemorySegment q) {
    to.recoverTwoData(data, x, y, p, q);
  }

  @Override
  public int locateCorruption(MemorySegment[] data, MemorySegment p, MemorySegment q) {
    return to.locateCorruption(data, p, q);
  }
}
