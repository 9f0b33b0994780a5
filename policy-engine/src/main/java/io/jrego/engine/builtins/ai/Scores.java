package io.jrego.engine.builtins.ai;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

/** The base scores of {@code pii-scores.tsv}, by type and form. */
final class Scores {

  /**
   * By type, each form's score. The forms are interned: the detectors pass literals, so a lookup
   * finds its key by identity rather than comparing the strings (every candidate asks).
   */
  private static final Map<PiiType, Map<String, Integer>> SCORES = load();

  private Scores() {}

  private static Map<PiiType, Map<String, Integer>> load() {
    Map<PiiType, Map<String, Integer>> m = new EnumMap<>(PiiType.class);
    for (String[] r : Tables.rows("pii-scores.tsv", 4)) {
      PiiType t =
          PiiType.byId(r[0])
              .orElseThrow(() -> new IllegalStateException("pii-scores.tsv: unknown type " + r[0]));
      int score = Integer.parseInt(r[2]);
      if (score < 0 || score > 100) {
        throw new IllegalStateException("pii-scores.tsv: score out of range: " + r[2]);
      }
      m.computeIfAbsent(t, k -> new HashMap<>()).put(r[1].intern(), score);
    }
    return m;
  }

  /** The base score of {@code form} findings of {@code type}; a missing row is a defect. */
  static int of(PiiType type, String form) {
    Integer s = SCORES.getOrDefault(type, Map.of()).get(form);
    if (s == null) {
      throw new IllegalStateException("pii-scores.tsv has no row " + type.id() + "/" + form);
    }
    return s;
  }
}
