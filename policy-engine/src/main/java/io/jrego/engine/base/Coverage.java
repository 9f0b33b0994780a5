package io.jrego.engine.base;

import io.jrego.engine.base.RegoError.Location;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Records which source lines evaluation reached, as {@code opa test --coverage} does: the row of
 * every expression evaluated and of every rule head that produced a value. Pass one to {@link
 * io.jrego.engine.PreparedPolicy#query(String, java.util.Optional, QueryOptions)} through {@link
 * QueryOptions}; one collector may gather the hits of many queries. Thread-safe.
 */
public final class Coverage {

  private final Map<String, SortedSet<Integer>> hits = new TreeMap<>();

  /** An empty collector. */
  public Coverage() {}

  /**
   * Marks the row of {@code location} as evaluated; locations without a file (query text) are
   * ignored. Called by the evaluator.
   */
  public void hit(Location location) {
    if (location == null || location.file() == null || location.file().isEmpty()) {
      return;
    }
    synchronized (hits) {
      hits.computeIfAbsent(location.file(), f -> new TreeSet<>()).add(location.row());
    }
  }

  /** The rows hit so far, by file; a snapshot. */
  public Map<String, Set<Integer>> hits() {
    synchronized (hits) {
      Map<String, Set<Integer>> out = new TreeMap<>();
      hits.forEach((f, rows) -> out.put(f, Set.copyOf(rows)));
      return Map.copyOf(out);
    }
  }
}
