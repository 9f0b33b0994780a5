package io.jrego.engine.builtins.ai;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ContextWordsTest {

  /**
   * Words to look up: every context word, cased and cut and extended, random ASCII words and some
   * non-ASCII ones.
   */
  private static List<String> probes() {
    List<String> out = new ArrayList<>();
    for (PiiType t : PiiType.values()) {
      ContextWords.Words words = ContextWords.words(t);
      if (words == null) {
        continue;
      }
      for (String w : words.set()) {
        out.add(w);
        out.add(w.toUpperCase(Locale.ROOT));
        out.add(Character.toUpperCase(w.charAt(0)) + w.substring(1));
        out.add(w + "-");
        out.add(w + "#-#");
        out.add(w + "nummer");
        out.add(w + "s");
        out.add(w.substring(0, w.length() - 1));
        out.add(w.substring(0, Math.min(w.length(), 4)) + "x");
      }
    }
    SplittableRandom r = new SplittableRandom(5);
    String alphabet = "aeiolnrstcdmphAEIOLNRSTCDMPH-#0123";
    for (int i = 0; i < 20_000; i++) {
      StringBuilder b = new StringBuilder();
      b.append((char) ('a' + r.nextInt(26)));
      for (int k = r.nextInt(12); k > 0; k--) {
        b.append(alphabet.charAt(r.nextInt(alphabet.length())));
      }
      out.add(b.toString());
    }
    // Words the lower-cased copy reads (non-ASCII letters, and letters whose lower case differs
    // in length).
    out.addAll(
        List.of(
            "Sécurité",
            "SÉCURITÉ-",
            "dirección",
            "Crédito#",
            "extranjería",
            "İban",
            "Ärzte",
            "telefonnummeré",
            "nÍe",
            "KREDİTKARTE"));
    return out;
  }

  @Test
  void typesOfWord_answersAsTheLowerCasedCopyDoes() {
    List<String> probes = probes();
    int matched = 0;
    for (PiiType t : PiiType.values()) {
      ContextWords.Words words = ContextWords.words(t);
      if (words == null) {
        continue;
      }
      for (String p : probes) {
        String text = "see " + p + " here";
        boolean expected = ContextWords.matchesLowerCased(words.set(), text, 4, 4 + p.length());
        assertThat((ContextWords.typesOfWord(text, 4, 4 + p.length()) & words.types()) != 0)
            .as("%s in %s", p, t)
            .isEqualTo(expected);
        matched += expected ? 1 : 0;
      }
    }
    assertThat(matched).as("probes that are context words").isGreaterThan(1000);
  }

  @Test
  void pairTypes_leavesOutOnlyTypesNoContextWordOfMatches() {
    int ruledOut = 0;
    for (String p : probes()) {
      if (p.length() < 2) {
        continue;
      }
      long possible = ContextWords.pairTypes(p.charAt(0), p.charAt(1));
      String text = "see " + p + " here";
      for (PiiType t : PiiType.values()) {
        ContextWords.Words words = ContextWords.words(t);
        if (words == null) {
          continue;
        }
        if ((possible & words.types()) == 0) {
          ruledOut++;
          assertThat(ContextWords.matchesLowerCased(words.set(), text, 4, 4 + p.length()))
              .as("%s ruled out, but a context word of %s", p, t)
              .isFalse();
        }
      }
    }
    assertThat(ruledOut).as("probe and type pairs ruled out").isGreaterThan(100_000);
  }

  /**
   * What {@link ContextWords#near} answers for {@code type}, read as its documentation says: up to
   * six words before within 80 chars, two after within 40, words of letters, digits, '-' and '#',
   * each matched as {@link ContextWords#matchesLowerCased} does.
   */
  private static boolean nearByTheRules(String text, int start, int end, PiiType type) {
    java.util.Set<String> words = ContextWords.words(type).set();
    int limit = Math.max(0, start - 80);
    int seen = 0;
    int i = start;
    while (i > limit && seen < 6) {
      while (i > limit && !nearWordChar(text.charAt(i - 1))) {
        i--;
      }
      int e = i;
      while (i > limit && nearWordChar(text.charAt(i - 1))) {
        i--;
      }
      if (e > i) {
        seen++;
        if (e - i <= 40
            && Character.isLetter(text.charAt(i))
            && ContextWords.matchesLowerCased(words, text, i, e)) {
          return true;
        }
      }
    }
    int stop = Math.min(text.length(), end + 40);
    seen = 0;
    i = end;
    while (i < stop && seen < 2) {
      while (i < stop && !nearWordChar(text.charAt(i))) {
        i++;
      }
      int b = i;
      while (i < stop && nearWordChar(text.charAt(i))) {
        i++;
      }
      if (i > b) {
        seen++;
        if (i - b <= 40
            && Character.isLetter(text.charAt(b))
            && ContextWords.matchesLowerCased(words, text, b, i)) {
          return true;
        }
      }
    }
    return false;
  }

  /** A probe, one time in eight one of {@code own} (context words of the type asked about). */
  private static String word(SplittableRandom r, List<String> probes, List<String> own) {
    if (r.nextInt(8) == 0) {
      String w = own.get(r.nextInt(own.size()));
      return r.nextBoolean() ? w : w.toUpperCase(Locale.ROOT) + "-";
    }
    return probes.get(r.nextInt(probes.size()));
  }

  private static boolean nearWordChar(char c) {
    return Character.isLetterOrDigit(c) || c == '-' || c == '#';
  }

  @Test
  void near_answersForTheWantedTypeAsTheRulesDo() {
    List<String> probes = probes();
    SplittableRandom r = new SplittableRandom(11);
    List<PiiType> types = new ArrayList<>();
    for (PiiType t : PiiType.values()) {
      if (ContextWords.words(t) != null) {
        types.add(t);
      }
    }
    int found = 0;
    for (int round = 0; round < 20_000; round++) {
      PiiType t = types.get(r.nextInt(types.size()));
      List<String> own = new ArrayList<>(ContextWords.words(t).set());
      StringBuilder b = new StringBuilder();
      for (int k = r.nextInt(10); k > 0; k--) {
        b.append(word(r, probes, own)).append(r.nextBoolean() ? " " : ", ");
      }
      int start = b.length();
      b.append("4111 1111");
      int end = b.length();
      for (int k = r.nextInt(4); k > 0; k--) {
        b.append(r.nextBoolean() ? " " : ": ").append(word(r, probes, own));
      }
      String text = b.toString();
      long bit = ContextWords.bit(t);
      ContextWords.WordCache cache = r.nextBoolean() ? new ContextWords.WordCache() : null;
      boolean got =
          (ContextWords.near(text.toCharArray(), text.length(), start, end, bit, cache) & bit) != 0;
      boolean expected = nearByTheRules(text, start, end, t);
      assertThat(got).as("%s near [%d, %d) of %s", t, start, end, text).isEqualTo(expected);
      found += expected ? 1 : 0;
    }
    assertThat(found).as("spans with a context word of the type").isBetween(3_000, 17_000);
  }
}
