package io.jraid.nbd;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** The exports of a server by name, and the one an empty name means. Immutable. */
final class ExportTable {

  private final Map<String, NbdExport> byName;
  private final NbdExport defaultExport;

  /**
   * @throws IllegalArgumentException if there is no export, two share a name, or {@code
   *     defaultName} names none of them
   */
  ExportTable(List<NbdExport> exports, String defaultName) {
    if (exports.isEmpty()) {
      throw new IllegalArgumentException("no export: add at least one");
    }
    Map<String, NbdExport> map = new LinkedHashMap<>();
    for (NbdExport e : exports) {
      if (map.putIfAbsent(e.name(), e) != null) {
        throw new IllegalArgumentException("two exports are named \"" + e.name() + "\"");
      }
    }
    NbdExport chosen = map.get(defaultName);
    if (chosen == null) {
      throw new IllegalArgumentException(
          "default export \"" + defaultName + "\" is not one of " + map.keySet());
    }
    this.byName = map;
    this.defaultExport = chosen;
  }

  /** The export named {@code name}; the default export for the empty name; null if none. */
  @Nullable NbdExport find(String name) {
    NbdExport e = byName.get(name);
    if (e == null && name.isEmpty()) {
      return defaultExport;
    }
    return e;
  }

  /** Every export, in the order they were given. */
  List<NbdExport> all() {
    return List.copyOf(byName.values());
  }

  NbdExport defaultExport() {
    return defaultExport;
  }
}
