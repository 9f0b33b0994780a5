package io.jrego.engine.tester;

import io.jrego.engine.value.Json;
import io.jrego.engine.value.StringValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * {@code opa test --coverage}'s JSON report. Per file: the covered rows and the coverable rows not
 * covered, each as ranges of consecutive rows ({@code {"start": {"row": 3}, "end": {"row": 5}}}),
 * their counts and the percentage covered; then the totals over all files. Zero counts and empty
 * lists are left out of a file's entry, as OPA omits them.
 *
 * <p>A row is covered when an expression on it was evaluated or a rule written there produced a
 * value; the coverable rows are those of rule heads and body expressions. OPA 1.x also gives each
 * range's columns and counts a multi-line rule head as all of its rows; jrego's AST keeps only
 * where a node starts, so it counts the starting row.
 */
public final class CoverageReport {

  private CoverageReport() {}

  /**
   * The report.
   *
   * @param coverable the rows measured, by file ({@code PreparedPolicy.coverableLines()})
   * @param hits the rows reached, by file ({@code Coverage.hits()})
   */
  public static String json(Map<String, Set<Integer>> coverable, Map<String, Set<Integer>> hits) {
    Map<String, TreeSet<Integer>> covered = new TreeMap<>();
    Map<String, TreeSet<Integer>> notCovered = new TreeMap<>();
    for (Map.Entry<String, Set<Integer>> e : hits.entrySet()) {
      covered.put(e.getKey(), new TreeSet<>(e.getValue()));
    }
    for (Map.Entry<String, Set<Integer>> e : coverable.entrySet()) {
      TreeSet<Integer> missed = new TreeSet<>(e.getValue());
      missed.removeAll(covered.getOrDefault(e.getKey(), new TreeSet<>()));
      notCovered.put(e.getKey(), missed);
      covered.computeIfAbsent(e.getKey(), f -> new TreeSet<>());
    }
    StringBuilder sb = new StringBuilder("{\n  \"files\": {");
    int totalCovered = 0;
    int totalNot = 0;
    String sep = "\n";
    for (String file : covered.keySet()) {
      TreeSet<Integer> c = covered.get(file);
      TreeSet<Integer> n = notCovered.getOrDefault(file, new TreeSet<>());
      totalCovered += c.size();
      totalNot += n.size();
      sb.append(sep).append("    ").append(Json.write(StringValue.of(file))).append(": {");
      sep = ",\n";
      List<String> fields = new ArrayList<>();
      if (!c.isEmpty()) {
        fields.add(ranges("covered", c));
      }
      if (!n.isEmpty()) {
        fields.add(ranges("not_covered", n));
      }
      if (!c.isEmpty()) {
        fields.add("      \"covered_lines\": " + c.size());
      }
      if (!n.isEmpty()) {
        fields.add("      \"not_covered_lines\": " + n.size());
      }
      if (!c.isEmpty()) {
        fields.add("      \"coverage\": " + percent(c.size(), n.size()));
      }
      if (fields.isEmpty()) {
        sb.append('}');
      } else {
        sb.append('\n').append(String.join(",\n", fields)).append("\n    }");
      }
    }
    sb.append(covered.isEmpty() ? "}" : "\n  }");
    sb.append(",\n  \"covered_lines\": ").append(totalCovered);
    sb.append(",\n  \"not_covered_lines\": ").append(totalNot);
    sb.append(",\n  \"coverage\": ").append(percent(totalCovered, totalNot));
    return sb.append("\n}\n").toString();
  }

  /** The percentage of coverable rows covered, over every file (0 when there are none). */
  public static double percent(
      Map<String, Set<Integer>> coverable, Map<String, Set<Integer>> hits) {
    int covered = 0;
    int total = 0;
    for (Map.Entry<String, Set<Integer>> e : coverable.entrySet()) {
      Set<Integer> h = hits.getOrDefault(e.getKey(), Set.of());
      total += e.getValue().size();
      covered += (int) e.getValue().stream().filter(h::contains).count();
    }
    for (Map.Entry<String, Set<Integer>> e : hits.entrySet()) {
      Set<Integer> c = coverable.getOrDefault(e.getKey(), Set.of());
      int extra = (int) e.getValue().stream().filter(r -> !c.contains(r)).count();
      covered += extra;
      total += extra;
    }
    return total == 0 ? 0.0 : 100.0 * covered / total;
  }

  /**
   * The coverable rows not covered, as {@code file:row} or {@code file:start-end} for consecutive
   * rows, by file then row: the lines {@code opa test --threshold -v} lists.
   */
  public static List<String> notCovered(
      Map<String, Set<Integer>> coverable, Map<String, Set<Integer>> hits) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, Set<Integer>> e : new TreeMap<>(coverable).entrySet()) {
      TreeSet<Integer> missed = new TreeSet<>(e.getValue());
      missed.removeAll(hits.getOrDefault(e.getKey(), Set.of()));
      Integer start = null;
      int end = 0;
      for (int row : missed) {
        if (start != null && row == end + 1) {
          end = row;
          continue;
        }
        if (start != null) {
          out.add(e.getKey() + ":" + span(start, end));
        }
        start = row;
        end = row;
      }
      if (start != null) {
        out.add(e.getKey() + ":" + span(start, end));
      }
    }
    return out;
  }

  private static String span(int start, int end) {
    return start == end ? Integer.toString(start) : start + "-" + end;
  }

  /** Consecutive rows merged into one range. */
  private static String ranges(String key, SortedSet<Integer> rows) {
    StringBuilder sb = new StringBuilder("      \"").append(key).append("\": [");
    String sep = "\n";
    Integer start = null;
    int end = 0;
    for (int row : rows) {
      if (start != null && row == end + 1) {
        end = row;
        continue;
      }
      if (start != null) {
        sb.append(sep).append(range(start, end));
        sep = ",\n";
      }
      start = row;
      end = row;
    }
    sb.append(sep).append(range(start, end));
    return sb.append("\n      ]").toString();
  }

  private static String range(int start, int end) {
    return "        {\"start\": {\"row\": " + start + "}, \"end\": {\"row\": " + end + "}}";
  }

  /** Go's shortest float formatting: 100 rather than 100.0. */
  private static String percent(int covered, int notCovered) {
    int total = covered + notCovered;
    double p = total == 0 ? 0.0 : 100.0 * covered / total;
    return p == Math.rint(p) ? Long.toString((long) p) : Double.toString(p);
  }
}
