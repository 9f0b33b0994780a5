package io.jrego.engine.builtins.ai;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the rule tables kept as resources beside these classes: tab-separated, {@code #} starts a
 * comment line, blank lines are skipped. A missing or malformed table is a build defect, so it
 * fails class initialisation loudly.
 */
final class Tables {

  private Tables() {}

  /** The rows of {@code name}, each split on tabs, every row with exactly {@code columns} cells. */
  static List<String[]> rows(String name, int columns) {
    List<String[]> out = new ArrayList<>();
    int lineNo = 0;
    for (String line : lines(name)) {
      lineNo++;
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] cells = line.split("\t", -1);
      if (cells.length != columns) {
        throw new IllegalStateException(
            name + ":" + lineNo + ": expected " + columns + " columns, got " + cells.length);
      }
      out.add(cells);
    }
    return out;
  }

  /** Every line of the resource {@code name}, comments included. */
  static List<String> lines(String name) {
    try (InputStream in = Tables.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name);
      }
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return text.lines().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
