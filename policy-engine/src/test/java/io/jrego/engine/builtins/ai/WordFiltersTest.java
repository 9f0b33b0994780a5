package io.jrego.engine.builtins.ai;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The tests the PII walk asks of a word before calling a detector ({@link Secrets#mayBePrefixed},
 * {@link Secrets#mayStartToken}, {@link Secrets#mayAssign}, {@link Secrets#mayAssignAfter}, {@link
 * Secrets#isBearer}, {@link Identifiers#mayStart}, {@link Identifiers#mayStartPair}) must be
 * necessary conditions: wherever the detector, called as the walk called it before, finds
 * something, the test passes.
 */
class WordFiltersTest {

  /** Pieces random texts are drawn from: every kind these detectors find, and near misses. */
  private static List<String> pieces() {
    List<String> out = new ArrayList<>();
    for (PiiType t : PiiType.values()) {
      for (String start : Secrets.starts(t)) {
        out.add(start + "A1b2C3d4E5f6G7h8J9k0L1m2N3p4Q5r6S7t8U9v0W1x2");
        out.add(start + "ABCDEFGHIJKLMNOP2345");
        out.add(start);
      }
    }
    out.addAll(
        List.of(
            "password: hunter22!",
            "api_key = \"q8Fz1LmN0pR4sT7vW2xY\"",
            "client-secret\" : 'Zr8#kP2!mQ9@wX4$'",
            "token:=sk-proj-abc",
            "Authorization: Bearer abcdefghijklmnop123456",
            "bearer q8Fz1LmN0pR4sT7vW2xYq8Fz",
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0"
                + ".dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
            "https://hooks.slack.com/services/T024BE7LD/B024BE7LH/XXXXXXXXXXXXXXXXXXXXXXXX",
            "BEARER sk-proj-abc",
            "Basic dXNlcjpwYXNzd29yZDEyMzQ1",
            "token abcdefghijklmnop123456",
            "Bearer",
            "Beaver q8Fz1LmN0pR4sT7vW2xYq8Fz",
            "api.key",
            "pass-word",
            "secret\t=",
            "secret=>xyz",
            "card: 4111",
            "name :",
            "GB82 WEST 1234 5698 7654 32",
            "DE89370400440532013000",
            "QQ 12 34 56 C",
            "AB123456C",
            "X1234567L",
            "Y-7654321-G",
            "RSSMRA85T10A562S",
            "MRTMTT25D09F205Z",
            "fe80::1",
            "2001:db8::ff00:42:8329",
            "abcd:ef01",
            "dead:",
            "Z",
            "XY",
            "My",
            "Please",
            "word",
            "12:30",
            " ",
            "  ",
            "\n",
            "'",
            "\"",
            "=",
            ":",
            "-",
            "_"));
    return out;
  }

  private static String randomText(SplittableRandom r, List<String> pieces) {
    StringBuilder b = new StringBuilder();
    for (int k = 1 + r.nextInt(12); k > 0; k--) {
      b.append(pieces.get(r.nextInt(pieces.size())));
      if (r.nextInt(3) > 0) {
        b.append(r.nextBoolean() ? " " : r.nextBoolean() ? ": " : "=");
      }
    }
    return b.toString();
  }

  @Test
  void eachWordTest_passesWhereverItsDetectorFindsSomething() {
    List<String> pieces = pieces();
    SplittableRandom r = new SplittableRandom(25);
    int prefixed = 0;
    int assigned = 0;
    int identified = 0;
    int bearers = 0;
    int tokens = 0;
    int tokensRuledOut = 0;
    int ruledOut = 0;
    int afterRuledOut = 0;
    for (int round = 0; round < 20_000; round++) {
      String text = randomText(r, pieces);
      Scan scan = new Scan(text, PiiOptions.defaults());
      scan.run(0, null);
      try {
        char[] cs = scan.chars;
        int n = text.length();
        Secrets secrets = new Secrets(scan);
        for (int s = 0; s < n; s++) {
          char c = cs[s];
          if (!Chars.isWord(c) || c >= 128 || Chars.isDigit(c) || !Chars.boundaryBefore(cs, s)) {
            continue;
          }
          int wordEnd = s + 1;
          while (wordEnd < n && Chars.isWord(cs[wordEnd])) {
            wordEnd++;
          }
          int nameEnd = Secrets.nameEnd(cs, n, s, wordEnd);
          boolean mayPrefix = Secrets.mayBePrefixed(cs, n, s);
          boolean mayAssign = Secrets.mayAssign(cs, n, nameEnd);
          boolean mayAssignAfter = Secrets.mayAssignAfter(cs, n, wordEnd);
          if (!mayAssignAfter) {
            afterRuledOut++;
            assertThat(mayAssign).as("operator after the word at %d of %s", s, text).isFalse();
          }
          boolean mayIdentify = !Chars.isUpper(c) || Identifiers.mayStart(cs, n, s, wordEnd);
          if (!mayPrefix && !mayAssign && !mayIdentify) {
            ruledOut++;
          }
          boolean mayToken = Secrets.mayStartToken(cs, n, s);
          if (secrets.prefixed(s) > s) {
            prefixed++;
            assertThat(mayPrefix).as("prefixed at %d of %s", s, text).isTrue();
            assertThat(mayToken).as("token at %d of %s", s, text).isTrue();
          }
          if ((Chars.startsWith(cs, n, s, Secrets.JWT_START) && secrets.jwt(s) > s)
              || (Chars.startsWith(cs, n, s, Secrets.SLACK_HOOKS) && secrets.slackWebhook(s) > s)) {
            tokens++;
            assertThat(mayToken).as("JWT or webhook at %d of %s", s, text).isTrue();
          }
          tokensRuledOut += mayToken ? 0 : 1;
          if (Chars.isUpper(c) && Identifiers.mayStart(cs, n, s, wordEnd)) {
            assertThat(Identifiers.mayStartPair(cs, n, s, wordEnd))
                .as("identifier's start at %d of %s", s, text)
                .isTrue();
          }
          if (secrets.assignment(s, nameEnd) > s) {
            assigned++;
            assertThat(mayAssign).as("assignment at %d of %s", s, text).isTrue();
          }
          if (wordEnd - s == 6 && secrets.bearer(s) > s) {
            bearers++;
            assertThat(Secrets.isBearer(cs, s)).as("bearer at %d of %s", s, text).isTrue();
          }
          if (Chars.isUpper(c) && Identifiers.at(scan, s, wordEnd) > s) {
            identified++;
            assertThat(mayIdentify).as("identifier at %d of %s", s, text).isTrue();
            assertThat(Identifiers.mayStartPair(cs, n, s, wordEnd))
                .as("identifier's first two chars at %d of %s", s, text)
                .isTrue();
          }
        }
      } finally {
        scan.release();
      }
    }
    assertThat(prefixed).as("prefixed tokens found").isGreaterThan(10_000);
    assertThat(assigned).as("assignments found").isGreaterThan(2_000);
    assertThat(identified).as("identifiers found").isGreaterThan(2_000);
    assertThat(bearers).as("bearer credentials found").isGreaterThan(1_000);
    assertThat(tokens).as("JWTs and webhooks found").isGreaterThan(1_000);
    assertThat(tokensRuledOut).as("words no token starts").isGreaterThan(10_000);
    assertThat(ruledOut).as("words every test rules out").isGreaterThan(10_000);
    assertThat(afterRuledOut).as("words the chars after rule out").isGreaterThan(10_000);
  }

  /** The walk's word end, read four chars at a time, is where a char-by-char read stops. */
  @Test
  void wordEnd_isWhereACharByCharReadStops() {
    SplittableRandom r = new SplittableRandom(26);
    String alphabet = "aZ09_ -.:@\u00e9\u0416\u0661\u200b\ud83d\ude00\u007f\u0080";
    int ended = 0;
    for (int round = 0; round < 200_000; round++) {
      char[] cs = new char[r.nextInt(24)];
      for (int i = 0; i < cs.length; i++) {
        // mostly letters, so that words run past four chars
        cs[i] =
            r.nextInt(3) > 0
                ? (char) ('a' + r.nextInt(26))
                : alphabet.charAt(r.nextInt(alphabet.length()));
      }
      int n = r.nextInt(cs.length + 1); // the text may end before the array does
      int from = n == 0 ? 0 : r.nextInt(n + 1);
      int expected = from;
      while (expected < n && Chars.isWord(cs[expected])) {
        expected++;
      }
      assertThat(Scan.wordEnd(cs, n, from))
          .as("%s from %d of %d", new String(cs), from, n)
          .isEqualTo(expected);
      ended += expected - from >= 4 ? 1 : 0;
    }
    assertThat(ended).as("words of four chars or more").isGreaterThan(20_000);
  }

  @Test
  void mayName_rulesOutOnlyNamesThatNameNoSecret() {
    List<String> secretNames = Secrets.secretNames();
    List<String> passwordNames = Secrets.passwordNames();
    List<String> parts = new ArrayList<>(secretNames);
    parts.addAll(passwordNames);
    parts.addAll(List.of("authorization", "proxy", "card", "phone", "ssn", "id", "x", "é", "K"));
    SplittableRandom r = new SplittableRandom(8);
    String letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-.";
    int named = 0;
    int ruledOut = 0;
    for (int round = 0; round < 100_000; round++) {
      StringBuilder b = new StringBuilder();
      for (int k = 1 + r.nextInt(3); k > 0; k--) {
        if (r.nextBoolean()) {
          String p = parts.get(r.nextInt(parts.size()));
          // cut, cased and split by separators as names are written
          p = p.substring(0, p.length() - r.nextInt(Math.min(2, p.length())));
          p = r.nextBoolean() ? p : p.toUpperCase(java.util.Locale.ROOT);
          if (p.length() > 2 && r.nextInt(4) == 0) {
            int at = 1 + r.nextInt(p.length() - 1);
            p = p.substring(0, at) + "_-.".charAt(r.nextInt(3)) + p.substring(at);
          }
          b.append(p);
        } else {
          for (int j = r.nextInt(4); j > 0; j--) {
            b.append(letters.charAt(r.nextInt(letters.length())));
          }
        }
      }
      String name = b.toString();
      String lower =
          name.toLowerCase(java.util.Locale.ROOT)
              .replace("_", "")
              .replace("-", "")
              .replace(".", "");
      boolean names =
          lower.equals("authorization")
              || lower.equals("proxyauthorization")
              || passwordNames.stream().anyMatch(lower::endsWith)
              || secretNames.stream().anyMatch(lower::contains);
      named += names ? 1 : 0;
      if (!Secrets.mayName(name.toCharArray(), 0, name.length())) {
        ruledOut++;
        assertThat(names).as(name).isFalse();
      }
    }
    assertThat(named).as("names that name a secret").isGreaterThan(20_000);
    assertThat(ruledOut).as("names ruled out").isGreaterThan(20_000);
  }

  @Test
  void ipv6Guard_passesWhereverTheHexRunBeforeAColonDoes() {
    SplittableRandom r = new SplittableRandom(6);
    String alphabet = "0123456789abcdefABCDEFxyzXYZ:_ .-";
    for (int round = 0; round < 50_000; round++) {
      char[] cs = new char[1 + r.nextInt(10)];
      for (int i = 0; i < cs.length; i++) {
        cs[i] = alphabet.charAt(r.nextInt(alphabet.length()));
      }
      int n = cs.length;
      if (!Chars.isWord(cs[0])) {
        continue;
      }
      int wordEnd = 1;
      while (wordEnd < n && Chars.isWord(cs[wordEnd])) {
        wordEnd++;
      }
      int k = 0;
      while (k < n && k < 5 && Chars.isHex(cs[k])) {
        k++;
      }
      boolean before = Chars.isHex(cs[0]) && k < n && cs[k] == ':' && k <= 4;
      boolean guard = wordEnd <= 4 && wordEnd < n && cs[wordEnd] == ':' && Chars.isHex(cs[0]);
      if (before) {
        assertThat(guard).as(new String(cs)).isTrue();
      }
    }
  }
}
