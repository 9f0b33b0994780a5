package io.jrego.engine.builtins.ai;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RedactorTest {

  private static final PiiScanner SCANNER = PiiScanner.standard();

  private static Redactor.Redaction redact(Redactor r, String text) {
    return r.redact(text, SCANNER.scan(text, PiiOptions.defaults()).findings());
  }

  @Test
  void redact_numbersPlaceholdersPerTypeAndReusesThemForTheSameValue() {
    Redactor r = new Redactor(Redactor.Options.placeholders());
    Redactor.Redaction red =
        redact(r, "a@x.io, b@x.io and a@x.io; card 4111 1111 1111 1111, 😀 call +44 20 7946 0958");
    assertThat(red.text())
        .isEqualTo("<EMAIL_1>, <EMAIL_2> and <EMAIL_1>; card <CARD_1>, 😀 call <PHONE_1>");
    assertThat(r.mapping())
        .containsExactly(
            Map.entry("<EMAIL_1>", "a@x.io"),
            Map.entry("<EMAIL_2>", "b@x.io"),
            Map.entry("<CARD_1>", "4111 1111 1111 1111"),
            Map.entry("<PHONE_1>", "+44 20 7946 0958"));
    // The same redactor keeps numbering across texts of one request.
    assertThat(redact(r, "again b@x.io and c@x.io").text())
        .isEqualTo("again <EMAIL_2> and <EMAIL_3>");
  }

  @Test
  void redact_neverHandsOutAPlaceholderAlreadyInTheText() {
    Redactor r = new Redactor(Redactor.Options.placeholders());
    String text = "literal <EMAIL_1> then a@x.io";
    Redactor.Redaction red = redact(r, text);
    assertThat(red.text()).isEqualTo("literal <EMAIL_1> then <EMAIL_2>");
    assertThat(Redactor.restore(red.text(), r.mapping())).isEqualTo(text);
  }

  @Test
  void redact_typeAndMaskModes() {
    String text = "a@x.io and 4111111111111111";
    assertThat(redact(new Redactor(new Redactor.Options(Redactor.Mode.TYPE, "")), text).text())
        .isEqualTo("<EMAIL> and <CARD>");
    assertThat(redact(new Redactor(new Redactor.Options(Redactor.Mode.MASK, "█")), text).text())
        .isEqualTo("█ and █");
  }

  @Test
  void restore_roundTripsAndLeavesUnknownPlaceholders() {
    Redactor r = new Redactor(Redactor.Options.placeholders());
    String text = "mail a@x.io, IBAN DE89 3704 0044 0532 0130 00 <NOT_A_PLACEHOLDER> <EMAIL_9> <";
    String red = redact(r, text).text();
    assertThat(red).doesNotContain("a@x.io").doesNotContain("DE89");
    assertThat(Redactor.restore(red, r.mapping())).isEqualTo(text);
    assertThat(Redactor.restore("<".repeat(100_000), r.mapping())).hasSize(100_000);
  }

  @Test
  void streamRedactor_givesTheSameTextAsOneShotRedactionForAnyChunking() {
    String text =
        "Hello 😀, my card is 4111 1111 1111 1111 and my IBAN is DE89 3704 0044 0532 0130 00. "
            + "Mail me at first.last@example.com or call +44 20 7946 0958. "
            + "The key is AKIAIOSFODNN7EXAMPLE and the NHS number 943 476 5919. ".repeat(3)
            + "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\nbye";
    Redactor one = new Redactor(Redactor.Options.placeholders());
    String expected = redact(one, text).text();
    Random rnd = new Random(42);
    for (int trial = 0; trial < 200; trial++) {
      Redactor r = new Redactor(Redactor.Options.placeholders());
      StreamRedactor s = new StreamRedactor(SCANNER, PiiOptions.defaults(), r);
      StringBuilder out = new StringBuilder();
      int pos = 0;
      List<Integer> cuts = new ArrayList<>();
      while (pos < text.length()) {
        int n = Math.min(text.length() - pos, 1 + rnd.nextInt(trial % 2 == 0 ? 8 : 40));
        if (Character.isHighSurrogate(text.charAt(pos + n - 1)) && pos + n < text.length()) {
          n++; // SSE deltas carry whole characters
        }
        cuts.add(n);
        out.append(s.push(text.substring(pos, pos + n)));
        pos += n;
      }
      out.append(s.finish());
      assertThat(out.toString()).as("chunks %s", cuts).isEqualTo(expected);
      assertThat(Redactor.restore(out.toString(), r.mapping())).isEqualTo(text);
    }
  }

  @Test
  void streamRedactor_emitsAsItGoesAndHoldsBackOnlyTheWindow() {
    StreamRedactor s =
        new StreamRedactor(
            SCANNER, PiiOptions.defaults(), new Redactor(Redactor.Options.placeholders()));
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < 100; i++) {
      out.append(s.push("word" + i + " "));
    }
    assertThat(out.length()).isGreaterThan(490 - StreamRedactor.DEFAULT_HOLD_BACK - 10);
    out.append(s.finish());
    assertThat(out.toString()).startsWith("word0 word1 ").endsWith("word99 ");
  }
}
