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

  /**
   * One walk over a text's words answers for every span what a walk from the span answers: over
   * random texts of context words, numbers, short and long words, punctuation and non-ASCII letters
   * (and of one-letter words only), spans asked in the orders a scan asks them (forward, mostly,
   * with overlaps; then from the start again, as the scoring does) and at random, with every set of
   * wanted types.
   */
  @Test
  void textWords_answerAsAWalkFromEachSpan() {
    List<String> pieces = new ArrayList<>();
    for (PiiType t : PiiType.values()) {
      ContextWords.Words words = ContextWords.words(t);
      if (words != null) {
        pieces.addAll(words.set());
      }
    }
    pieces.addAll(
        List.of(
            "4111 1111 1111 1111",
            "+44 20 7946 0958",
            "123-45-6789",
            "a",
            "I",
            "Tel:",
            "phone-#",
            "the",
            "Kreditkartennummer",
            "x".repeat(45),
            "Sécurité",
            "dirección",
            "\uD83D\uDE00",
            "(",
            "),",
            ". ",
            "\n",
            "-",
            "#"));
    String[] gaps = {" ", " ", ", ", "  ", "\n", "-", ""};
    SplittableRandom r = new SplittableRandom(31);
    long differentTypes = 0;
    int asked = 0;
    for (int round = 0; round < 300; round++) {
      StringBuilder b = new StringBuilder();
      int count = 1 + r.nextInt(round % 10 == 0 ? 2_000 : 120);
      // some texts of one-letter words only: more words in a span's reach than the walk first
      // holds
      boolean dense = round % 7 == 3;
      for (int k = 0; k < count; k++) {
        b.append(dense ? "aI1".charAt(r.nextInt(3)) + " " : pieces.get(r.nextInt(pieces.size())))
            .append(gaps[r.nextInt(gaps.length)]);
      }
      char[] text = b.toString().toCharArray();
      int n = text.length;
      ContextWords.TextWords words = new ContextWords.TextWords(text, n);
      int spans = 1 + r.nextInt(200);
      for (int sweep = 0; sweep < 2; sweep++) {
        int at = 0;
        for (int k = 0; k < spans; k++) {
          int start;
          if (r.nextInt(10) == 0) {
            start = r.nextInt(n + 1); // anywhere
          } else {
            at = Math.min(n, Math.max(0, at + r.nextInt(60) - 10)); // forward, with overlaps
            start = at;
          }
          int end = Math.min(n, start + r.nextInt(r.nextInt(20) == 0 ? 400 : 25));
          long wanted = r.nextInt(4) == 0 ? 0 : 1L << r.nextInt(PiiType.values().length);
          long expected = ContextWords.near(text, n, start, end, wanted, null);
          assertThat(words.near(start, end, wanted))
              .as("[%d, %d) wanting %x in %s", start, end, wanted, new String(text))
              .isEqualTo(expected);
          differentTypes |= expected;
          asked++;
        }
      }
    }
    assertThat(asked).isGreaterThan(30_000);
    assertThat(Long.bitCount(differentTypes)).as("types found near spans").isGreaterThan(10);
  }
}
