package io.jraid.cli;

import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Writes the JSON the commands print: maps (in their iteration order), lists, strings, numbers,
 * booleans and null. Small on purpose: the CLI's output is a tree of plain values.
 */
final class Json {

  private Json() {}

  /** Text that is already JSON (e.g. another process's answer), written as it is. */
  record Raw(String json) {}

  /** {@code value} as indented JSON. */
  static String write(@Nullable Object value) {
    StringBuilder out = new StringBuilder();
    write(out, value, 0);
    return out.toString();
  }

  private static void write(StringBuilder out, @Nullable Object value, int depth) {
    switch (value) {
      case null -> out.append("null");
      case Raw raw -> out.append(raw.json().replace("\n", "\n" + "  ".repeat(depth)));
      case String s -> string(out, s);
      case Number n -> out.append(n);
      case Boolean b -> out.append(b);
      case Map<?, ?> map -> {
        if (map.isEmpty()) {
          out.append("{}");
          return;
        }
        out.append("{\n");
        int i = 0;
        for (Map.Entry<?, ?> e : map.entrySet()) {
          indent(out, depth + 1);
          string(out, String.valueOf(e.getKey()));
          out.append(": ");
          write(out, e.getValue(), depth + 1);
          out.append(++i < map.size() ? ",\n" : "\n");
        }
        indent(out, depth);
        out.append('}');
      }
      case List<?> list -> {
        if (list.isEmpty()) {
          out.append("[]");
          return;
        }
        out.append("[\n");
        for (int i = 0; i < list.size(); i++) {
          indent(out, depth + 1);
          write(out, list.get(i), depth + 1);
          out.append(i + 1 < list.size() ? ",\n" : "\n");
        }
        indent(out, depth);
        out.append(']');
      }
      default -> string(out, value.toString());
    }
  }

  private static void indent(StringBuilder out, int depth) {
    out.append("  ".repeat(depth));
  }

  private static void string(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
