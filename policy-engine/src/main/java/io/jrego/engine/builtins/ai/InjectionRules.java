package io.jrego.engine.builtins.ai;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The rules of {@code injection-rules.txt} (word classes in order, within token gaps, with boosts)
 * and the structural markers of {@code injection-markers.txt} (RE2 patterns with a literal that
 * must occur nearby), parsed against a {@link Lexicon}.
 */
final class InjectionRules {

  /** A sequence rule. {@code gap(i)} is the largest gap before step i (gap(0) unused). */
  static final class Rule {
    final String id;
    final String category;
    final int score;
    private final int[] steps;
    private final int[] gaps;
    final List<Boost> boosts;

    /** For a document rule ({@code density ...}): points per class, and the count cap. */
    final List<Boost> density;

    final int cap;

    /**
     * Conditions written {@code !class@N}: the match does not count when a word of that class ends
     * at most N tokens before it starts ("do not ignore ..." is no override).
     */
    final List<Boost> unless;

    Rule(String id, String category, int score, int[] steps, int[] gaps, List<Boost> boosts) {
      this(id, category, score, steps, gaps, boosts, List.of(), 0, List.of());
    }

    Rule(
        String id,
        String category,
        int score,
        int[] steps,
        int[] gaps,
        List<Boost> boosts,
        List<Boost> density,
        int cap,
        List<Boost> unless) {
      this.unless = List.copyOf(unless);
      this.density = List.copyOf(density);
      this.cap = cap;
      this.id = id;
      this.category = category;
      this.score = score;
      this.steps = steps.clone();
      this.gaps = gaps.clone();
      this.boosts = List.copyOf(boosts);
    }

    int stepCount() {
      return steps.length;
    }

    int step(int i) {
      return steps[i];
    }

    int gap(int i) {
      return gaps[i];
    }
  }

  private static final java.util.regex.Pattern SPACES = java.util.regex.Pattern.compile("\\s+");
  private static final java.util.regex.Pattern BAR = java.util.regex.Pattern.compile(" \\| ");
  private static final java.util.regex.Pattern LITERALS = java.util.regex.Pattern.compile("\\|\\|");

  /** Points added (or taken) when a word of {@code cls} is within {@code window} tokens. */
  record Boost(int cls, int points, int window) {}

  /** A structural marker, tried near any of its literals. */
  record Marker(String id, String category, int score, List<String> literals, Pattern pattern) {}

  final List<Rule> rules;
  final List<Marker> markers;

  private InjectionRules(List<Rule> rules, List<Marker> markers) {
    this.rules = List.copyOf(rules);
    this.markers = List.copyOf(markers);
  }

  static InjectionRules load(Lexicon lex, String rulesResource, String markersResource) {
    List<Rule> rules = new ArrayList<>();
    for (Line l : lines(rulesResource)) {
      String[] f = l.fields();
      if (f.length < 4 || f.length > 5) {
        throw l.error("expected '<id> | <category> | <score> | <steps> [| <boosts>]'");
      }
      String[] parts = SPACES.split(f[3], -1);
      if (parts[0].equals("density")) {
        rules.add(densityRule(lex, f, parts, l));
        continue;
      }
      List<Integer> steps = new ArrayList<>();
      List<Integer> gaps = new ArrayList<>();
      gaps.add(0);
      for (int i = 0; i < parts.length; i++) {
        if (i % 2 == 1) {
          if (!parts[i].startsWith(">")) {
            throw l.error("expected '>N' between classes, got " + parts[i]);
          }
          gaps.add(Integer.parseInt(parts[i].substring(1)));
        } else {
          steps.add(classOf(lex, parts[i], l));
        }
      }
      List<Boost> boosts = new ArrayList<>();
      List<Boost> unless = new ArrayList<>();
      if (f.length == 5) {
        for (String b : SPACES.split(f[4], -1)) {
          if (b.startsWith("!")) {
            unless.add(precededBy(lex, b, l));
            continue;
          }
          int colon = b.indexOf(':');
          int at = b.indexOf('@');
          if ((b.charAt(0) != '+' && b.charAt(0) != '-') || colon < 0 || at < colon) {
            throw l.error("expected '+class:points@window' or '!class@window', got " + b);
          }
          int points = Integer.parseInt(b.substring(colon + 1, at));
          boosts.add(
              new Boost(
                  classOf(lex, b.substring(1, colon), l),
                  b.charAt(0) == '-' ? -points : points,
                  Integer.parseInt(b.substring(at + 1))));
        }
      }
      rules.add(
          new Rule(
              f[0],
              f[1],
              Integer.parseInt(f[2]),
              steps.stream().mapToInt(Integer::intValue).toArray(),
              gaps.stream().mapToInt(Integer::intValue).toArray(),
              boosts,
              List.of(),
              0,
              unless));
    }
    List<Marker> markers = new ArrayList<>();
    for (Line l : lines(markersResource)) {
      String[] f = l.fields();
      if (f.length != 5) {
        throw l.error("expected '<id> | <category> | <score> | <literal> | <regex>'");
      }
      try {
        markers.add(
            new Marker(
                f[0],
                f[1],
                Integer.parseInt(f[2]),
                List.of(LITERALS.split(f[3], -1)),
                Pattern.compile(f[4])));
      } catch (PatternSyntaxException e) {
        throw l.error("bad regex: " + e.getMessage());
      }
    }
    return new InjectionRules(rules, markers);
  }

  /** {@code !class@N}: a condition, kept as a boost of no points whose window is N. */
  private static Boost precededBy(Lexicon lex, String b, Line l) {
    int at = b.indexOf('@');
    if (at < 2) {
      throw l.error("expected '!class@window', got " + b);
    }
    try {
      return new Boost(
          classOf(lex, b.substring(1, at), l), 0, Integer.parseInt(b.substring(at + 1)));
    } catch (NumberFormatException e) {
      throw l.error("expected '!class@window', got " + b);
    }
  }

  private static Rule densityRule(Lexicon lex, String[] f, String[] parts, Line l) {
    List<Boost> density = new ArrayList<>();
    for (int i = 1; i < parts.length; i++) {
      int colon = parts[i].indexOf(':');
      if (colon < 0) {
        throw l.error("expected 'class:points', got " + parts[i]);
      }
      density.add(
          new Boost(
              classOf(lex, parts[i].substring(0, colon), l),
              Integer.parseInt(parts[i].substring(colon + 1)),
              0));
    }
    if (f.length != 5 || !f[4].startsWith("cap:")) {
      throw l.error("a density rule ends with '| cap:N'");
    }
    return new Rule(
        f[0],
        f[1],
        Integer.parseInt(f[2]),
        new int[0],
        new int[0],
        List.of(),
        density,
        Integer.parseInt(f[4].substring(4)),
        List.of());
  }

  private static int classOf(Lexicon lex, String name, Line l) {
    try {
      return lex.classId(name);
    } catch (IllegalArgumentException e) {
      throw l.error(e.getMessage());
    }
  }

  private record Line(String where, String text) {
    /** Fields split at " | " (a "|" inside a regex needs no escaping unless spaced). */
    String[] fields() {
      String[] f = BAR.split(text, 5);
      for (int i = 0; i < f.length; i++) {
        f[i] = f[i].strip();
      }
      return f;
    }

    IllegalStateException error(String message) {
      return new IllegalStateException(where + ": " + message);
    }
  }

  private static List<Line> lines(String resource) {
    List<Line> out = new ArrayList<>();
    try (InputStream in = InjectionRules.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(resource + " is missing from the class path");
      }
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      int n = 0;
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        n++;
        if (!line.isBlank() && !line.strip().startsWith("#")) {
          out.add(new Line(resource + ":" + n, line.strip()));
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + resource, e);
    }
    return out;
  }
}
