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
  void mayStart_rulesOutOnlyWordsNoContextWordMatches() {
    int ruledOut = 0;
    for (String p : probes()) {
      if (p.length() < 2 || ContextWords.mayStart(p.charAt(0), p.charAt(1))) {
        continue;
      }
      ruledOut++;
      String text = "see " + p + " here";
      for (PiiType t : PiiType.values()) {
        ContextWords.Words words = ContextWords.words(t);
        if (words != null) {
          assertThat(ContextWords.matchesLowerCased(words.set(), text, 4, 4 + p.length()))
              .as("%s ruled out, but a context word of %s", p, t)
              .isFalse();
        }
      }
    }
    assertThat(ruledOut).as("probes ruled out by their first two letters").isGreaterThan(5000);
  }
}
