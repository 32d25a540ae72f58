package io.jraid.parity;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The reference values of spec/raid6-math.md §1.1, and the field laws the tables must obey. */
class Gf256Test {

  @Test
  void expTableStartsAsTheSpecSays() {
    int[] expected = {
      0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x1D, 0x3A, 0x74, 0xE8, 0xCD, 0x87, 0x13, 0x26
    };
    for (int i = 0; i < expected.length; i++) {
      assertThat(Gf256.exp(i)).as("exp[%d]", i).isEqualTo(expected[i]);
    }
    assertThat(Gf256.exp(254)).isEqualTo(0x8E);
    assertThat(Gf256.exp(255)).as("mktables' convention").isZero();
  }

  @Test
  void logTableMatchesTheSpec() {
    int[] expected = {0, 1, 25, 2, 50, 26, 198, 3, 223, 51, 238, 27, 104, 199, 75};
    for (int x = 1; x <= 15; x++) {
      assertThat(Gf256.log(x)).as("log[%d]", x).isEqualTo(expected[x - 1]);
    }
    assertThat(Gf256.log(0x1D)).isEqualTo(8);
    assertThat(Gf256.log(0)).as("mktables' convention").isEqualTo(0xFF);
  }

  @Test
  void inverseAndExiMatchTheSpec() {
    int[] inv = {0x01, 0x8E, 0xF4, 0x47, 0xA7, 0x7A, 0xBA, 0xAD};
    for (int x = 1; x <= 8; x++) {
      assertThat(Gf256.inv(x)).as("inv[%d]", x).isEqualTo(inv[x - 1]);
    }
    assertThat(Gf256.inv(0)).isZero();
    int[] exi = {0x00, 0xF4, 0xA7, 0x9D, 0x72};
    for (int i = 0; i < exi.length; i++) {
      assertThat(Gf256.exi(i)).as("exi[%d]", i).isEqualTo(exi[i]);
    }
  }

  @Test
  void productsMatchTheSpec() {
    assertThat(Gf256.mul(0x02, 0x80)).isEqualTo(0x1D);
    assertThat(Gf256.mul(0x53, 0xCA)).isEqualTo(0x8F);
  }

  @Test
  void tablesAgreeWithShiftAndAddForEveryPair() {
    for (int a = 0; a < 256; a++) {
      for (int b = 0; b < 256; b++) {
        assertThat(Gf256.mul(a, b)).isEqualTo(Gf256.slowMul(a, b));
      }
    }
  }

  @Test
  void everyNonZeroElementHasAnInverseAndALog() {
    for (int x = 1; x < 256; x++) {
      assertThat(Gf256.mul(x, Gf256.inv(x))).as("x·inv(x), x=%d", x).isEqualTo(1);
      assertThat(Gf256.exp(Gf256.log(x))).as("exp(log(x)), x=%d", x).isEqualTo(x);
    }
  }

  @Test
  void nibbleTablesMultiplyEveryByte() {
    byte[] low = new byte[16];
    byte[] high = new byte[16];
    for (int c = 0; c < 256; c++) {
      Gf256.nibbleTables(c, low, high);
      for (int x = 0; x < 256; x++) {
        int viaTables = (low[x & 15] ^ high[x >>> 4]) & 0xFF;
        assertThat(viaTables).isEqualTo(Gf256.slowMul(c, x));
      }
    }
  }
}
