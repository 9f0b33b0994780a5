package io.jrego.engine.builtins.ai;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The word classes of {@code injection-lexicon.txt}: per class and language, phrases of one or more
 * words, each word matched exactly or as a prefix ({@code instruction*}). Phrases are folded with
 * {@link Folding} when loaded, so the file may be written with accents.
 */
final class Lexicon {

  /** Languages, in the bit order of a hit's language mask; {@code *} belongs to none. */
  static final List<String> LANGUAGES = List.of("en", "de", "fr", "es", "it");

  static final int MIN_STEM = 4;

  /** One phrase: its class id, language mask, words, and which words are prefixes. */
  static final class Phrase {
    final int cls;
    final int langs;
    private final String[] words;
    private final boolean[] prefix;

    Phrase(int cls, int langs, String[] words, boolean[] prefix) {
      this.cls = cls;
      this.langs = langs;
      this.words = words.clone();
      this.prefix = prefix.clone();
    }

    int size() {
      return words.length;
    }

    /** Whether {@code token} matches word {@code k}. */
    boolean matches(int k, String token) {
      return prefix[k] ? token.startsWith(words[k]) : token.equals(words[k]);
    }
  }

  private static final java.util.regex.Pattern SPACES = java.util.regex.Pattern.compile("\\s+");
  private static final java.util.regex.Pattern BAR = java.util.regex.Pattern.compile("\\|");

  private final Map<String, Integer> classIds = new LinkedHashMap<>();
  private final Map<String, List<Phrase>> byFirstWord = new HashMap<>();
  private final Map<String, List<Phrase>> byFirstStem = new HashMap<>();

  int classId(String name) {
    Integer id = classIds.get(name);
    if (id == null) {
      throw new IllegalArgumentException("unknown word class " + name);
    }
    return id;
  }

  int classCount() {
    return classIds.size();
  }

  /** Phrases whose first word is exactly {@code token}. */
  List<Phrase> exact(String token) {
    return byFirstWord.getOrDefault(token, List.of());
  }

  /** Phrases whose first word is a stem {@code token} may start with. */
  List<Phrase> stems(String token) {
    return token.length() < MIN_STEM
        ? List.of()
        : byFirstStem.getOrDefault(token.substring(0, MIN_STEM), List.of());
  }

  static Lexicon load(String resource) {
    Lexicon lex = new Lexicon();
    try (InputStream in = Lexicon.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(resource + " is missing from the class path");
      }
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      int lineNo = 0;
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        lineNo++;
        String l = line.strip();
        if (l.isEmpty() || l.startsWith("#")) {
          continue;
        }
        lex.parseLine(l, resource + ":" + lineNo);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + resource, e);
    }
    return lex;
  }

  private void parseLine(String l, String where) {
    int colon = l.indexOf(':');
    String[] head = colon < 0 ? new String[0] : SPACES.split(l.substring(0, colon).strip(), -1);
    if (head.length != 2) {
      throw new IllegalStateException(where + ": expected '<class> <lang>: phrase | ...'");
    }
    int cls = classIds.computeIfAbsent(head[0], k -> classIds.size());
    int langs;
    if (head[1].equals("*")) {
      langs = 0;
    } else {
      int bit = LANGUAGES.indexOf(head[1]);
      if (bit < 0) {
        throw new IllegalStateException(where + ": unknown language " + head[1]);
      }
      langs = 1 << bit;
    }
    for (String raw : BAR.split(l.substring(colon + 1), -1)) {
      String phrase = raw.strip();
      if (phrase.isEmpty()) {
        continue;
      }
      String[] words = tokens(phrase);
      boolean[] prefix = new boolean[words.length];
      for (int i = 0; i < words.length; i++) {
        if (words[i].endsWith("*")) {
          words[i] = words[i].substring(0, words[i].length() - 1);
          prefix[i] = true;
          if (words[i].length() < MIN_STEM) {
            throw new IllegalStateException(
                where + ": stem '" + words[i] + "*' is shorter than " + MIN_STEM + " letters");
          }
        }
      }
      Phrase p = new Phrase(cls, langs, words, prefix);
      if (prefix[0]) {
        byFirstStem.computeIfAbsent(words[0].substring(0, MIN_STEM), k -> new ArrayList<>()).add(p);
      } else {
        byFirstWord.computeIfAbsent(words[0], k -> new ArrayList<>()).add(p);
      }
    }
  }

  /** A phrase folded and split into words as the scanner tokenizes text; "*" is kept. */
  private static String[] tokens(String phrase) {
    StringBuilder b = new StringBuilder();
    phrase.codePoints().forEach(cp -> b.append(cp == '*' ? "*" : Folding.fold(cp)));
    List<String> out = new ArrayList<>();
    StringBuilder w = new StringBuilder();
    b.toString()
        .codePoints()
        .forEach(
            cp -> {
              if (Character.isLetterOrDigit(cp) || cp == '*') {
                w.appendCodePoint(cp);
              } else if (w.length() > 0) {
                out.add(w.toString());
                w.setLength(0);
              }
            });
    if (w.length() > 0) {
      out.add(w.toString());
    }
    return out.toArray(String[]::new);
  }
}
