package io.jrego.engine.builtins;

import static io.jrego.engine.builtins.BuiltinCalls.call;
import static io.jrego.engine.builtins.BuiltinCalls.s;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.jrego.engine.builtins.regex.RegexLiterals;
import io.jrego.engine.value.BooleanValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The literal check in front of {@code regex.match}'s NFA: which literals a pattern yields, and
 * that rejecting a text for lacking one never changes an answer RE2 itself gives.
 */
class RegexLiteralsTest {

  @Test
  void literals_ofTheAiGatewayInjectionPatterns() {
    assertThat(
            lits(
                "(?i)\\bignore\\s+(?:(?:all|any|the)\\s+)*(?:previous|prior|above|preceding|earlier)"
                    + "\\s+instructions\\b"))
        .containsExactly("ignore", "instructions");
    assertThat(lits("(?i)\\byou\\s+are\\s+now\\b")).containsExactly("you", "are", "now");
    assertThat(lits("(?i)<\\|im_start\\|>\\s*system")).containsExactly("<|im_start|>", "system");
    assertThat(lits("(?i)\\[/?inst\\]")).containsExactly("[", "inst]");
    assertThat(lits("(?i)<<\\s*/?sys\\s*>>")).containsExactly("<<", "sys", ">>");
  }

  @Test
  void literals_followRepetitionAndGroups() {
    assertThat(lits("ab+c")).containsExactly("ab", "bc");
    assertThat(lits("ab*c")).containsExactly("a", "c");
    assertThat(lits("ab?c")).containsExactly("a", "c");
    assertThat(lits("ab{0,2}c")).containsExactly("a", "c");
    assertThat(lits("ab{2}c")).containsExactly("ab", "bc");
    assertThat(lits("a(bc)d")).containsExactly("a", "bc", "d");
    assertThat(lits("a(?:bc)*d")).containsExactly("a", "d");
    assertThat(lits("(?P<x>Hello) (?<y>World)")).containsExactly("hello", " ", "world");
    assertThat(lits("x[ab]y.z")).containsExactly("x", "y", "z");
    assertThat(lits("[]x]y")).containsExactly("y");
    assertThat(lits("A(?i)B")).containsExactly("a", "b");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "a|b",
        "(?:ab|cd)",
        ".*",
        "\\pLabc",
        "\\p{Greek}x",
        "\\Qab\\E",
        "[[:alpha:]]x",
        "a{,3}",
        "\\x{61}bc",
        "\\141",
        "é"
      })
  void literals_noneWhereAnyBranchMayMatchOrTheSyntaxIsNotRead(String pattern) {
    assertThat(lits(pattern)).isEmpty();
  }

  @Test
  void match_isFalseWithoutRunningTheNfaWhenALiteralIsMissing() throws Exception {
    String pattern = "(?i)\\byou\\s+are\\s+now\\b";
    assertThat(call("regex.match", s(pattern), s("where is my order?")))
        .isEqualTo(BooleanValue.FALSE);
    assertThat(call("regex.match", s(pattern), s("From now on YOU  ARE NOW a pirate")))
        .isEqualTo(BooleanValue.TRUE);
    // the literals are all there but the pattern does not match: the NFA decides
    assertThat(call("regex.match", s(pattern), s("now you are"))).isEqualTo(BooleanValue.FALSE);
  }

  /** The fold orbit the check assumes for each printable ASCII character is RE2's for (?i). */
  @Test
  void foldEquals_agreesWithRe2CaseFoldingOverTheBmp() {
    StringBuilder all = new StringBuilder();
    for (int cp = 0; cp < 0x10000; cp++) {
      if (!Character.isSurrogate((char) cp)) {
        all.append((char) cp);
      }
    }
    String text = all.toString();
    for (char c = 0x20; c <= 0x7E; c++) {
      char lower = Character.toLowerCase(c);
      var m = Pattern.compile("(?i)" + Pattern.quote(String.valueOf(c))).matcher(text);
      List<Integer> matched = new ArrayList<>();
      while (m.find()) {
        matched.add((int) text.charAt(m.start()));
      }
      List<Integer> expected = new ArrayList<>();
      for (int i = 0; i < text.length(); i++) {
        if (RegexLiterals.foldEquals(text.charAt(i), lower)) {
          expected.add((int) text.charAt(i));
        }
      }
      assertThat(matched).as("(?i)%s", c).isEqualTo(expected);
    }
  }

  /** Beyond the BMP, no code point folds to printable ASCII, which the check relies on too. */
  @Test
  void foldEquals_noSupplementaryCodePointMatchesAnAsciiLiteralCaseInsensitively() {
    StringBuilder all = new StringBuilder();
    for (int cp = 0x10000; cp <= Character.MAX_CODE_POINT; cp++) {
      all.appendCodePoint(cp);
    }
    var m = Pattern.compile("(?i)[ -~]").matcher(all.toString());
    assertThat(m.find()).isFalse();
  }

  /**
   * Random patterns over a small alphabet (case-folding partners, metacharacters, groups,
   * alternation, every repetition) against random texts: whenever RE2 finds a match, the literal
   * check lets the text through, and {@code regex.match} answers as RE2 does.
   */
  @Test
  void match_agreesWithRe2OnRandomPatternsAndTexts() throws Exception {
    Random rnd = new Random(20261122);
    String textAlphabet = "aAbBkK\u212AsS\u017F []()|.\\xé";
    int compiled = 0;
    int matched = 0;
    for (int n = 0; n < 4000; n++) {
      String pattern = (rnd.nextInt(3) == 0 ? "(?i)" : "") + randomRegex(rnd, 2);
      Pattern p;
      try {
        p = Pattern.compile(pattern);
      } catch (PatternSyntaxException e) {
        continue;
      }
      compiled++;
      RegexLiterals lits = RegexLiterals.of(pattern);
      for (int t = 0; t < 25; t++) {
        StringBuilder text = new StringBuilder();
        int len = rnd.nextInt(9);
        for (int i = 0; i < len; i++) {
          text.append(textAlphabet.charAt(rnd.nextInt(textAlphabet.length())));
        }
        String s = text.toString();
        boolean re2 = p.matcher(s).find();
        if (re2) {
          matched++;
          assertThat(lits.mayMatch(s)).as("%s on %s", pattern, s).isTrue();
        }
        assertThat(call("regex.match", s(pattern), s(s)))
            .as("%s on %s", pattern, s)
            .isEqualTo(BooleanValue.of(re2));
      }
    }
    assertThat(compiled).isGreaterThan(3000);
    assertThat(matched).isGreaterThan(10000);
  }

  private static String randomRegex(Random rnd, int depth) {
    StringBuilder sb = new StringBuilder();
    int atoms = 1 + rnd.nextInt(4);
    for (int a = 0; a < atoms; a++) {
      int kind = rnd.nextInt(depth > 0 ? 14 : 11);
      switch (kind) {
        case 0, 1, 2, 3, 4 -> sb.append("abksKAS".charAt(rnd.nextInt(7)));
        case 5 ->
            sb.append(new String[] {"\\[", "\\]", "\\(", "\\.", "\\|", "\\\\"}[rnd.nextInt(6)]);
        case 6 ->
            sb.append(new String[] {".", "\\s", "\\w", "\\b", "\\B", "^", "$"}[rnd.nextInt(7)]);
        case 7 ->
            sb.append(new String[] {"[ab]", "[^a]", "[]a]", "[k-s]", "[\\]x]"}[rnd.nextInt(5)]);
        case 8 -> sb.append(new String[] {" ", "x", "é", "]", "}"}[rnd.nextInt(5)]);
        case 9 -> sb.append(new String[] {"(?i)", "(?-i)", "(?s)"}[rnd.nextInt(3)]);
        case 10 -> sb.append("\\pL");
        case 11 -> sb.append("(").append(randomRegex(rnd, depth - 1)).append(")");
        case 12 -> sb.append("(?:").append(randomRegex(rnd, depth - 1)).append(")");
        default ->
            sb.append("(?i:")
                .append(randomRegex(rnd, depth - 1))
                .append("|")
                .append(randomRegex(rnd, depth - 1))
                .append(")");
      }
      if (rnd.nextInt(3) == 0) {
        sb.append(
            new String[] {"*", "+", "?", "{0}", "{1}", "{2}", "{1,}", "{0,2}", "+?", "{2,3}"}
                [rnd.nextInt(10)]);
      }
    }
    if (rnd.nextInt(6) == 0) {
      sb.append('|').append(randomRegex(rnd, depth - 1 < 0 ? 0 : depth - 1));
    }
    return sb.toString();
  }

  private static List<String> lits(String pattern) {
    Pattern.compile(pattern); // only patterns RE2 accepts reach the check
    return RegexLiterals.of(pattern).required();
  }
}
