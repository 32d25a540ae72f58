package io.jraid.parity;

/**
 * Arithmetic in GF(2^8) with the RAID-6 polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11D) and generator
 * g = {02}: the field Linux md, mdadm and ISA-L all use, so a Q block written by any of them is the
 * same bytes.
 *
 * <p>The tables are the ones {@code lib/raid6/mktables.c} generates, including its two conventions:
 * {@code EXP[255] = 0} and {@code LOG[0] = 0xFF}; neither is ever used as a real value. Elements
 * are {@code int}s in 0..255.
 */
public final class Gf256 {

  /** The reduction polynomial, with the x^8 term. */
  public static final int POLYNOMIAL = 0x11D;

  private static final int[] EXP = new int[256];
  private static final int[] LOG = new int[256];
  private static final int[] INV = new int[256];
  private static final int[] EXI = new int[256];

  /** MUL[a << 8 | b] = a·b; 64 KiB, used by the scalar reference and by table set-up. */
  private static final byte[] MUL = new byte[256 * 256];

  static {
    int x = 1;
    for (int i = 0; i < 255; i++) {
      EXP[i] = x;
      LOG[x] = i;
      x = mulByG(x);
    }
    EXP[255] = 0;
    LOG[0] = 0xFF;
    for (int a = 0; a < 256; a++) {
      for (int b = 0; b < 256; b++) {
        MUL[a << 8 | b] = (byte) slowMul(a, b);
      }
    }
    for (int a = 1; a < 256; a++) {
      INV[a] = EXP[(255 - LOG[a]) % 255];
    }
    for (int i = 0; i < 256; i++) {
      EXI[i] = INV[EXP[i] ^ 1];
    }
  }

  private Gf256() {}

  /** a·g: shift left, reduce by 0x1D when the top bit falls out. */
  public static int mulByG(int a) {
    return ((a << 1) ^ ((a & 0x80) != 0 ? 0x1D : 0)) & 0xFF;
  }

  /** a·b by shift-and-add: independent of the tables, so it can check them. */
  static int slowMul(int a, int b) {
    int product = 0;
    while (b != 0) {
      if ((b & 1) != 0) {
        product ^= a;
      }
      a = mulByG(a);
      b >>>= 1;
    }
    return product;
  }

  /** a·b. */
  public static int mul(int a, int b) {
    return MUL[(a & 0xFF) << 8 | (b & 0xFF)] & 0xFF;
  }

  /** g^i for i in 0..255 ({@code exp(255)} is 0, mktables' convention). */
  public static int exp(int i) {
    return EXP[i];
  }

  /** g^i for any i ≥ 0, reduced modulo the group order 255. */
  public static int pow(int i) {
    return EXP[i % 255];
  }

  /** The i with g^i = x for x in 1..255; {@code log(0)} is 0xFF (mktables' convention). */
  public static int log(int x) {
    return LOG[x];
  }

  /** x^-1 (x^254); {@code inv(0)} is 0. */
  public static int inv(int x) {
    return INV[x];
  }

  /** 1 / (g^i + 1), the constant of two-data recovery; {@code exi(0)} is 0. */
  public static int exi(int i) {
    return EXI[i];
  }

  /**
   * Fills the two 16-entry nibble tables of constant c: {@code c·x = low[x & 15] ^ high[x >>> 4]}
   * (the PSHUFB method of ISA-L and Linux's raid6 SIMD recovery).
   */
  public static void nibbleTables(int c, byte[] low, byte[] high) {
    for (int i = 0; i < 16; i++) {
      low[i] = (byte) mul(c, i);
      high[i] = (byte) mul(c, i << 4);
    }
  }
}
