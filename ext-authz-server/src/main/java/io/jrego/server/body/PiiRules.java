package io.jrego.server.body;

import io.jrego.engine.builtins.ai.Finding;
import io.jrego.engine.builtins.ai.PiiOptions;
import io.jrego.engine.builtins.ai.PiiScanner;
import io.jrego.engine.builtins.ai.PiiType;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Several {@link PiiRule}s applied to a text with one scan. A finding belongs to the first rule,
 * blocking rules first, then redacting, then logging, whose types include it and whose threshold it
 * reaches.
 */
final class PiiRules {

  /** What applying the rules to a text gave. */
  record Applied(String text, Set<PiiType> blocked) {
    boolean isBlocked() {
      return !blocked.isEmpty();
    }
  }

  private final List<PiiRule> rules;
  private final PiiOptions options;

  PiiRules(List<PiiRule> rules) {
    List<PiiRule> sorted = new ArrayList<>(rules);
    sorted.sort(Comparator.comparingInt(r -> order(r.action())));
    this.rules = List.copyOf(sorted);
    Set<PiiType> types = EnumSet.noneOf(PiiType.class);
    int min = 100;
    for (PiiRule r : rules) {
      types.addAll(r.types());
      min = Math.min(min, r.minScore());
    }
    this.options = PiiOptions.defaults().withTypes(types).withMinScore(min);
  }

  private static int order(PiiRule.Action a) {
    return switch (a) {
      case BLOCK -> 0;
      case REDACT -> 1;
      case LOG -> 2;
    };
  }

  boolean isEmpty() {
    return rules.isEmpty();
  }

  /** The findings in {@code text} that some rule claims, in text order. */
  List<Finding> scan(String text) {
    return scan(text, 0);
  }

  /**
   * The findings that some rule claims among those the scanner looks for from {@code from} on (the
   * text before is context only: see {@link PiiScanner#scan(String, PiiOptions, int)}).
   */
  List<Finding> scan(String text, int from) {
    return scan(text, from, null);
  }

  /** {@link #scan(String, int)}, recording the scanner's walk in {@code walk} (may be null). */
  List<Finding> scan(String text, int from, PiiScanner.Walk walk) {
    if (rules.isEmpty() || from >= text.length()) {
      if (walk != null) {
        walk.clear();
      }
      return List.of();
    }
    List<Finding> out = new ArrayList<>();
    for (Finding f : PiiScanner.standard().scan(text, options, from, walk).findings()) {
      if (ruleFor(f) != null) {
        out.add(f);
      }
    }
    return out;
  }

  PiiRule ruleFor(Finding f) {
    for (PiiRule r : rules) {
      if (r.types().contains(f.type()) && f.score() >= r.minScore()) {
        return r;
      }
    }
    return null;
  }

  /** Applies the rules to {@code findings} of {@code text} (as {@link #scan} returns them). */
  Applied apply(String text, List<Finding> findings, Redactions redactions) {
    Set<PiiType> blocked = EnumSet.noneOf(PiiType.class);
    List<Finding> replace = new ArrayList<>();
    List<PiiRule> ruleOf = new ArrayList<>();
    for (Finding f : findings) {
      PiiRule r = ruleFor(f);
      redactions.count(f.type(), r.action());
      switch (r.action()) {
        case BLOCK -> blocked.add(f.type());
        case REDACT -> {
          replace.add(f);
          ruleOf.add(r);
        }
        case LOG -> {}
      }
    }
    return new Applied(redactions.replace(text, replace, ruleOf), blocked);
  }

  /** Scans and applies in one step. */
  Applied apply(String text, Redactions redactions) {
    return apply(text, scan(text), redactions);
  }
}
