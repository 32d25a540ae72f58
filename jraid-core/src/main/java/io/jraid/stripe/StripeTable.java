package io.jraid.stripe;

import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * Member sector → stripe, for the stripes of one lane: open addressing with linear probing and
 * backward-shift deletion, so lookups allocate nothing (no boxed keys).
 */
final class StripeTable {

  private final long[] keys;
  private final @Nullable Stripe[] values;
  private final int mask;

  StripeTable(int stripes) {
    int capacity = Integer.highestOneBit(Math.max(4, stripes * 2) - 1) << 1;
    keys = new long[capacity];
    values = new Stripe[capacity];
    mask = capacity - 1;
    Arrays.fill(keys, -1);
  }

  private int slot(long sector) {
    long h = (sector >>> 3) * 0x9E3779B97F4A7C15L;
    return (int) (h >>> 40) & mask;
  }

  @Nullable Stripe get(long sector) {
    for (int i = slot(sector); ; i = (i + 1) & mask) {
      if (keys[i] == sector) {
        return values[i];
      }
      if (keys[i] == -1) {
        return null;
      }
    }
  }

  void put(long sector, Stripe stripe) {
    int i = slot(sector);
    while (keys[i] != -1 && keys[i] != sector) {
      i = (i + 1) & mask;
    }
    keys[i] = sector;
    values[i] = stripe;
  }

  void remove(long sector) {
    int i = slot(sector);
    while (keys[i] != sector) {
      if (keys[i] == -1) {
        return;
      }
      i = (i + 1) & mask;
    }
    // Backward-shift: move later entries of the probe run into the hole.
    int hole = i;
    for (int j = (hole + 1) & mask; keys[j] != -1; j = (j + 1) & mask) {
      int home = slot(keys[j]);
      boolean movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
      if (movable) {
        keys[hole] = keys[j];
        values[hole] = values[j];
        hole = j;
      }
    }
    keys[hole] = -1;
    values[hole] = null;
  }
}
