package io.jraid.cli;

import java.util.Locale;
import picocli.CommandLine;

/** Byte sizes as mdadm users write them: 512, 4K, 64k, 1M, 2G (powers of 1024). */
final class Sizes {

  private Sizes() {}

  /**
   * Parses a size.
   *
   * @throws IllegalArgumentException naming the text when it is not a size
   */
  static long parse(String text) {
    String t = text.strip().toUpperCase(Locale.ROOT);
    if (t.endsWith("B")) {
      t = t.substring(0, t.length() - 1);
    }
    if (t.endsWith("I")) {
      t = t.substring(0, t.length() - 1); // KiB, MiB
    }
    int shift =
        t.isEmpty()
            ? 0
            : switch (t.charAt(t.length() - 1)) {
              case 'K' -> 10;
              case 'M' -> 20;
              case 'G' -> 30;
              case 'T' -> 40;
              default -> 0;
            };
    String digits = shift == 0 ? t : t.substring(0, t.length() - 1);
    try {
      long value = Long.parseLong(digits);
      if (value < 0 || value > (Long.MAX_VALUE >> shift)) {
        throw new IllegalArgumentException("size '" + text + "' is out of range");
      }
      return value << shift;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a size (use a number with an optional K, M, G or T suffix)", e);
    }
  }

  /** picocli converter to an int number of bytes. */
  static final class Converter implements CommandLine.ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      long bytes = parse(value);
      if (bytes > Integer.MAX_VALUE) {
        throw new CommandLine.TypeConversionException("size '" + value + "' is too large");
      }
      return (int) bytes;
    }
  }
}
