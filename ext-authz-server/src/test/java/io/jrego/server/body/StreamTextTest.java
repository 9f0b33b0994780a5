package io.jrego.server.body;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.value.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link StreamText} releases at once the text no later text can change ({@link SafePrefix}) and
 * holds the rest: these tests hold what it releases, over the whole answer, to the rules applied to
 * the whole answer at once (the same findings, the same placeholders, the same blocking), for
 * answers cut into pieces anywhere, and hold it to releasing no later than the fixed hold-back did
 * ({@link StreamTextBefore}, each judgment scanning the context and the held text whole).
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

  /**
   * One value of every type the scanner finds (a few only with a context word, which some carry
   * before them and {@link #everyType_splitAnywhere_givesTheWholeAnswersFindings} also puts after).
   */
  static final String[] EVERY_TYPE = {
    "mail john.doe+tag@mail.example.co.uk",
    "call +44 20 7946 0958",
    "or (212) 555-0147",
    "host 10.0.0.1",
    "host 2001:db8::8a2e:370:7334",
    "card 4111 1111 1111 1111",
    "card 378282246310005",
    "IBAN DE89 3704 0044 0532 0130 00",
    "IBAN GB82WEST12345698765432",
    "SSN 536-22-1234",
    "NINO AB 12 34 56 C",
    "NHS number 943 476 5919",
    "Steuer-ID 65929970489",
    "NIR 2 69 05 49 588 157 80",
    "DNI 12345678Z",
    "NIE X1234567L",
    "CF RSSMRA85T10A562S",
    "BSN 111222333",
    "Aadhaar 2341 2341 2346",
    "AKIAIOSFODNN7EXAMPLE",
    "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",
    "glpat-xK9mQ2vL8nR4tW6yZ1aB",
    "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
    "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7cDe0f",
    "sk-ant-api03-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBa-_Zx9Yw8Vu7Ts",
    "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY",
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo\n4lgOEePzNm0tRgeLezV6ffAt0gunVTLw\n"
        + "-----END RSA PRIVATE KEY-----",
    "api_key = \"q8Zr3vT9pLm2Xw7Kd4Nb\"",
    "DB_PASSWORD=s3cr3t-Pa55",
    "{\"client_secret\": \"Zk2pQ9xW7vR4mN8bT3yL\"}",
    "Authorization: Bearer abcdefghij1234567890KLMNopqr",
    "postgres://app:Sup3rS3cret@db.internal:5432/app",
    "password: hunter2Secret",
  };

  /** Words that raise a value's confidence when they follow it ({@code pii-context.tsv}). */
  private static final String[] CONTEXT_AFTER = {
    "ssn", "bsn", "nhs", "tax", "phone", "card", "iban", "aadhaar", "secret", "password", "ip"
  };

  private static final String REDACT =
      "{\"pii\":[{\"action\":\"redact\",\"types\":[\"email\",\"card\",\"iban\",\"phone\",\"secret\"]}]}";

  private static final String BLOCK_KEYS =
      "{\"pii\":[{\"action\":\"block\",\"types\":[\"secret\"]},"
          + "{\"action\":\"redact\",\"types\":[\"email\",\"card\",\"iban\",\"phone\"]}]}";

  private static final String REDACT_ALL = "{\"pii\":{\"action\":\"redact\",\"types\":[\"all\"]}}";

  /** Weak forms count, strong ones block, some only log: a context word moves a value's rule. */
  private static final String TIERED =
      "{\"pii\":[{\"action\":\"block\",\"types\":[\"all\"],\"min_confidence\":0.96},"
          + "{\"action\":\"redact\",\"types\":[\"all\"],\"min_confidence\":0.3},"
          + "{\"action\":\"log\",\"types\":[\"all\"],\"min_confidence\":0.1}]}";

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

  private static String answer(Random r, int tokens, String[] values) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < tokens; i++) {
      s.append(
          r.nextInt(6) == 0 ? values[r.nextInt(values.length)] : WORDS[r.nextInt(WORDS.length)]);
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

  /** What the rules make of the whole answer at once: its text, blocked types and counts. */
  private record Whole(
      String text,
      java.util.Set<io.jrego.engine.builtins.ai.PiiType> blocked,
      List<Redactions.Hit> hits) {}

  private static Whole whole(String text, String spec, boolean restore) throws Exception {
    Redactions r = requestRedactions();
    PiiRules.Applied a = rules(spec).apply(text, r);
    return new Whole(restore ? r.restore(a.text()) : a.text(), a.blocked(), r.hits());
  }

  /**
   * Pushes the pieces, judging each piece or (with {@code batch}) now and then as the filter does
   * for the events of one network piece; asserts that what it releases, over the whole answer, is
   * what the rules make of the whole answer at once (text, blocked types, counts), and that after
   * each push it holds no more than the fixed hold-back held. Returns the text released.
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
    java.util.Set<io.jrego.engine.builtins.ai.PiiType> blocked =
        java.util.EnumSet.noneOf(io.jrego.engine.builtins.ai.PiiType.class);
    String text = String.join("", pieces);
    for (int i = 0; i < pieces.size(); i++) {
      boolean judge = !batch || i == pieces.size() - 1 || r.nextInt(3) == 0;
      StreamText.Out a = now.push(pieces.get(i), judge);
      before.push(pieces.get(i), judge);
      String sofar = String.join("", pieces.subList(0, i + 1));
      String at =
          "seed "
              + seed
              + ", piece "
              + i
              + ", text so far ending: "
              + sofar.substring(Math.max(0, sofar.length() - 150));
      assertThat(now.held()).as(at).isLessThanOrEqualTo(before.held());
      all.append(a.text());
      blocked.addAll(a.blocked());
    }
    StreamText.Out a = now.finish();
    all.append(a.text());
    blocked.addAll(a.blocked());
    Whole w = whole(text, spec, restore);
    String at = "seed " + seed + ", pieces " + pieces;
    assertThat(all.toString()).as(at).isEqualTo(w.text());
    assertThat(blocked).as(at).isEqualTo(w.blocked());
    assertThat(ra.hits()).as("counts, " + at).isEqualTo(w.hits());
    return all.toString();
  }

  @Test
  void generatedAnswers_giveWhatTheWholeAnswerGives() throws Exception {
    int redacted = 0;
    for (long seed = 0; seed < 600; seed++) {
      Random r = new Random(seed);
      String text = answer(r, 20 + r.nextInt(120), seed % 2 == 0 ? VALUES : EVERY_TYPE);
      boolean blocks = seed % 4 == 3;
      int holdBack = seed % 5 == 0 ? 32 : 64;
      String spec =
          blocks ? BLOCK_KEYS : seed % 4 == 1 ? TIERED : seed % 4 == 2 ? REDACT_ALL : REDACT;
      String out =
          compare(
              pieces(text, r, 1 + r.nextInt(30)),
              spec,
              seed % 2 == 0,
              holdBack,
              4096,
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
  void everyType_splitAnywhere_givesTheWholeAnswersFindings() throws Exception {
    Random r = new Random(7);
    for (String value : EVERY_TYPE) {
      for (String after : List.of(" and text after it, long enough.", " " + pick(r) + " is it.")) {
        String text = "Hello, naïve résumé 😀 text before it: " + value + after;
        String spec = r.nextBoolean() ? TIERED : REDACT_ALL;
        Whole w = whole(text, spec, false);
        // the value is found in the whole answer (else this case would show nothing)
        assertThat(w.hits()).as(text).isNotEmpty();
        for (int cut = 1; cut < text.length(); cut++) {
          if (Character.isLowSurrogate(text.charAt(cut))) {
            continue;
          }
          compare(
              List.of(text.substring(0, cut), text.substring(cut)),
              spec,
              false,
              64,
              4096,
              false,
              cut);
        }
        for (long seed = 0; seed < 40; seed++) {
          compare(
              pieces(text, new Random(seed), 1 + (int) (seed % 6)),
              spec,
              false,
              64,
              4096,
              seed % 3 == 0,
              seed);
        }
      }
    }
  }

  private static String pick(Random r) {
    return CONTEXT_AFTER[r.nextInt(CONTEXT_AFTER.length)];
  }

  @Test
  void aContextWordAfterAValue_isWaitedFor() throws Exception {
    // each number is a finding only because of the word after it (or the second word after it):
    // released before that word came, it would go out as it is
    String[] texts = {
      "ref 111222333 bsn ok then.",
      "ref 111222333 is bsn ok then.",
      "ref 65929970489 (tax) ok then.",
      "ref 536229876 - ssn, ok then.",
      "id 234123412346 aadhaar ok then.",
    };
    for (String text : texts) {
      Whole w = whole(text, REDACT_ALL, false);
      assertThat(w.text()).as(text).isNotEqualTo(text);
      String without = text.replaceAll("bsn|tax|ssn|aadhaar", "xyz");
      assertThat(whole(without, REDACT_ALL, false).text()).as(without).isEqualTo(without);
      for (int cut = 1; cut < text.length(); cut++) {
        compare(
            List.of(text.substring(0, cut), text.substring(cut)),
            REDACT_ALL,
            false,
            64,
            4096,
            false,
            cut);
        for (int cut2 = cut + 1; cut2 < text.length(); cut2 += 2) {
          compare(
              List.of(text.substring(0, cut), text.substring(cut, cut2), text.substring(cut2)),
              REDACT_ALL,
              false,
              64,
              4096,
              false,
              cut2);
        }
      }
    }
  }

  @Test
  void prose_isReleasedWithinItsEvent_upToItsLastWord() throws Exception {
    // a model's tokens: each event releases everything but the word still being written
    String[] tokens = {
      "Sure",
      "!",
      " Here",
      " is",
      " a",
      " short",
      " answer",
      " to",
      " your",
      " question",
      ":",
      " the",
      " sky",
      " looks",
      " blue",
      " because",
      " air",
      " scatters",
      " blue",
      " light",
      ".",
    };
    StreamText t = new StreamText(rules(REDACT_ALL), requestRedactions(), true, 64, 4096);
    StringBuilder in = new StringBuilder();
    StringBuilder out = new StringBuilder();
    for (String token : tokens) {
      in.append(token);
      out.append(t.push(token).text());
      String sofar = in.toString();
      int lastSpace = sofar.lastIndexOf(' ');
      String held = sofar.substring(out.length());
      int colon = sofar.indexOf("question:");
      if (colon >= 0 && !sofar.contains(" looks blue")) {
        // "question:" could name a value ("password: hunter2"): it waits with the word after it
        // until that word has two words after it
        assertThat(held).as(sofar).isEqualTo(sofar.substring(colon));
        continue;
      }
      assertThat(out.toString()).as(sofar).isEqualTo(sofar.substring(0, lastSpace + 1));
    }
    out.append(t.finish().text());
    assertThat(out.toString()).isEqualTo(in.toString());
  }

  @Test
  void aValueSplitAtEveryPosition_isFoundWhole() throws Exception {
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
  void oneCharacterAtATime_givesTheWholeAnswer() throws Exception {
    Random r = new Random(42);
    for (int i = 0; i < 20; i++) {
      String text = answer(r, 60, i % 2 == 0 ? VALUES : EVERY_TYPE);
      compare(pieces(text, r, 1), i % 2 == 0 ? REDACT : REDACT_ALL, true, 64, 4096, false, i);
    }
  }
}
