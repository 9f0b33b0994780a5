package io.jrego.server.body;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.value.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link StreamText} judges only the text it has not released yet, the released characters being
 * context: these tests compare what it releases, push by push, with {@link StreamTextBefore} (each
 * judgment scanning the context and the held text whole) on generated answers.
 */
class StreamTextTest {

  private static final String[] WORDS = {
    "the",
    "and",
    "card",
    "number",
    "email",
    "call",
    "me",
    "at",
    "IBAN",
    "phone",
    "is",
    "my",
    "send",
    "to",
    "Straße",
    "naïve",
    "日本語の",
    "résumé",
    "😀",
    "x",
    "2024",
    "3.14",
    "12",
    "ok.",
    "(see)",
    "key:",
    "password",
    "Bearer",
    "Mr",
    "DE",
    "GB",
  };

  private static final String[] VALUES = {
    "bob@example.com",
    "jane.doe+news@mail.example.org",
    "4111 1111 1111 1111",
    "4111111111111111",
    "5500-0000-0000-0004",
    "DE89 3704 0044 0532 0130 00",
    "GB82WEST12345698765432",
    "+44 20 7946 0958",
    "(415) 555-2671",
    "+1 415 555 2671",
    "AKIAIOSFODNN7EXAMPLE",
    "<EMAIL_1>",
    "<CARD_1>",
    "<EMAIL_7>",
    "<EMAIL_",
    "ünïcödé@example.com",
  };

  private static final String REDACT =
      "{\"pii\":[{\"action\":\"redact\",\"types\":[\"email\",\"card\",\"iban\",\"phone\",\"secret\"]}]}";

  private static final String BLOCK_KEYS =
      "{\"pii\":[{\"action\":\"block\",\"types\":[\"secret\"]},"
          + "{\"action\":\"redact\",\"types\":[\"email\",\"card\",\"iban\",\"phone\"]}]}";

  /** A request phase that handed out {@code <EMAIL_1>} and {@code <CARD_1>}. */
  private static Redactions requestRedactions() throws Exception {
    Redactions r = new Redactions();
    BodyEditor.apply(
        "{\"m\":\"I am bob@example.com, card 4111 1111 1111 1111\"}",
        BodyEdits.parse(Json.parse("[{\"op\":\"pii\",\"path\":\"\",\"action\":\"redact\"}]"), "e"),
        r);
    r.requestPhaseDone();
    return r;
  }

  private static PiiRules rules(String spec) throws Exception {
    return new PiiRules(StreamSpec.parse(Json.parse(spec), "stream").rules());
  }

  private static String answer(Random r, int tokens) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < tokens; i++) {
      s.append(
          r.nextInt(6) == 0 ? VALUES[r.nextInt(VALUES.length)] : WORDS[r.nextInt(WORDS.length)]);
      int sep = r.nextInt(10);
      s.append(sep < 7 ? " " : sep == 7 ? ", " : sep == 8 ? "\n" : ". ");
    }
    return s.toString();
  }

  /** The answer in pieces of 1 to {@code maxPiece} chars, cut anywhere (surrogate pairs too). */
  private static List<String> pieces(String text, Random r, int maxPiece) {
    List<String> out = new ArrayList<>();
    int pos = 0;
    while (pos < text.length()) {
      int n = Math.min(text.length() - pos, 1 + r.nextInt(maxPiece));
      out.add(text.substring(pos, pos + n));
      pos += n;
    }
    return out;
  }

  /**
   * Pushes the pieces into both, judging each piece or (with {@code batch}) now and then as the
   * filter does for the events of one network piece; asserts each push and the finish release the
   * same text, with the same blocked types and the same characters held, and returns the text.
   */
  private static String compare(
      List<String> pieces,
      String spec,
      boolean restore,
      int holdBack,
      int maxHold,
      boolean batch,
      long seed)
      throws Exception {
    Redactions ra = requestRedactions();
    Redactions rb = requestRedactions();
    StreamText now = new StreamText(rules(spec), ra, restore, holdBack, maxHold);
    StreamTextBefore before = new StreamTextBefore(rules(spec), rb, restore, holdBack, maxHold);
    Random r = new Random(seed);
    StringBuilder all = new StringBuilder();
    for (int i = 0; i < pieces.size(); i++) {
      boolean judge = !batch || i == pieces.size() - 1 || r.nextInt(3) == 0;
      StreamText.Out a = now.push(pieces.get(i), judge);
      StreamTextBefore.Out b = before.push(pieces.get(i), judge);
      String sofar = String.join("", pieces.subList(0, i + 1));
      String at =
          "seed "
              + seed
              + ", piece "
              + i
              + ", text so far ending: "
              + sofar.substring(Math.max(0, sofar.length() - 150));
      assertThat(a.text()).as(at).isEqualTo(b.text());
      assertThat(a.blocked()).as(at).isEqualTo(b.blocked());
      assertThat(now.held()).as(at).isEqualTo(before.held());
      all.append(a.text());
    }
    StreamText.Out a = now.finish();
    StreamTextBefore.Out b = before.finish();
    assertThat(a.text()).as("finish, seed " + seed).isEqualTo(b.text());
    assertThat(a.blocked()).as("finish, seed " + seed).isEqualTo(b.blocked());
    assertThat(ra.hits()).as("counts, seed " + seed).isEqualTo(rb.hits());
    return all.append(a.text()).toString();
  }

  @Test
  void generatedAnswers_releaseAsBefore() throws Exception {
    int redacted = 0;
    for (long seed = 0; seed < 600; seed++) {
      Random r = new Random(seed);
      String text = answer(r, 20 + r.nextInt(120));
      boolean blocks = seed % 4 == 3;
      int holdBack = seed % 5 == 0 ? 32 : 64;
      int maxHold = seed % 7 == 0 ? holdBack + 40 : 4096;
      String out =
          compare(
              pieces(text, r, 1 + r.nextInt(30)),
              blocks ? BLOCK_KEYS : REDACT,
              seed % 2 == 0,
              holdBack,
              maxHold,
              seed % 3 == 0,
              seed);
      if (!out.equals(text)) {
        redacted++;
      }
    }
    // the comparison means something only if the answers had values to find
    assertThat(redacted).isGreaterThan(300);
  }

  @Test
  void aValueSplitAtEveryPosition_releasesAsBefore() throws Exception {
    for (String value : VALUES) {
      String text =
          "Hello, naïve résumé 😀 text before it: " + value + " and text after it, long enough.";
      int at = text.indexOf(value);
      for (int cut = at; cut <= at + value.length(); cut++) {
        List<String> two = List.of(text.substring(0, cut), text.substring(cut));
        compare(two, REDACT, true, 32, 4096, false, cut);
        for (int cut2 = cut; cut2 <= at + value.length(); cut2 += 3) {
          List<String> three =
              List.of(text.substring(0, cut), text.substring(cut, cut2), text.substring(cut2));
          String out = compare(three, REDACT, true, 32, 4096, false, cut2);
          if (value.startsWith("jane")) { // not one the request handed out: stays redacted
            assertThat(out).doesNotContain(value);
          }
        }
      }
    }
  }

  @Test
  void oneCharacterAtATime_releasesAsBefore() throws Exception {
    Random r = new Random(42);
    for (int i = 0; i < 20; i++) {
      String text = answer(r, 60);
      compare(pieces(text, r, 1), REDACT, true, 64, 4096, false, i);
    }
  }
}
