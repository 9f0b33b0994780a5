package io.jrego.engine.builtins.ai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class PiiScannerTest {

  private static List<Finding> scan(String text) {
    return PiiScanner.standard().scan(text, PiiOptions.defaults()).findings();
  }

  private static List<String> found(String text) {
    return scan(text).stream().map(f -> f.type().id() + ":" + f.text()).toList();
  }

  @Test
  void scanFrom_looksForCandidatesFromThere_theTextBeforeIsContext() {
    String text = "card number 4111 1111 1111 1111, then mail bob@example.com and 4111111111111111";
    int from = text.indexOf("then");
    List<Finding> all = scan(text);
    List<Finding> tail = PiiScanner.standard().scan(text, PiiOptions.defaults(), from).findings();
    assertThat(tail).containsExactlyElementsOf(all.subList(1, all.size()));
    assertThat(tail)
        .extracting(Finding::text)
        .containsExactly("bob@example.com", "4111111111111111");
    // the context word before the walk's start still raises a number's confidence
    String worded = "my card number is: 4111111111111111";
    assertThat(
            PiiScanner.standard()
                .scan(worded, PiiOptions.defaults(), worded.indexOf("4111"))
                .findings())
        .isEqualTo(scan(worded));
    assertThat(PiiScanner.standard().scan(text, PiiOptions.defaults(), text.length()).findings())
        .isEmpty();
    assertThatThrownBy(() -> PiiScanner.standard().scan(text, PiiOptions.defaults(), -1))
        .isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(
            () -> PiiScanner.standard().scan(text, PiiOptions.defaults(), text.length() + 1))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void walk_saysWhereAScanResumes_atATokenTakenAcrossThePosition() {
    String text = "my card 4111 1111 1111 1111 and more words here";
    PiiScanner.Walk walk = new PiiScanner.Walk();
    PiiScanner.standard().scan(text, PiiOptions.defaults(), 0, walk);
    int card = text.indexOf("4111");
    assertThat(walk.resumeAt(text.indexOf("1111"))).isEqualTo(card);
    assertThat(walk.resumeAt(text.indexOf(" and"))).isEqualTo(text.indexOf(" and"));
    assertThat(walk.resumeAt(text.indexOf("more"))).isEqualTo(text.indexOf("more"));
    assertThat(walk.resumeAt(card)).isEqualTo(card);
    walk.clear();
    assertThat(walk.resumeAt(text.indexOf("1111"))).isEqualTo(text.indexOf("1111"));
  }

  @Test
  void scan_findsEachTypeWithValidation() {
    assertThat(found("card 4111 1111 1111 1111 and 5500-0000-0000-0004 and 378282246310005"))
        .containsExactly(
            "card:4111 1111 1111 1111", "card:5500-0000-0000-0004", "card:378282246310005");
    assertThat(found("mail john.doe+tag@mail.example.co.uk now"))
        .containsExactly("email:john.doe+tag@mail.example.co.uk");
    assertThat(found("call +44 20 7946 0958 or (212) 555-0147 or 0049 30 901820"))
        .containsExactly("phone:+44 20 7946 0958", "phone:(212) 555-0147", "phone:0049 30 901820");
    assertThat(found("IBAN DE89 3704 0044 0532 0130 00, GB82WEST12345698765432."))
        .containsExactly("iban:DE89 3704 0044 0532 0130 00", "iban:GB82WEST12345698765432");
    assertThat(found("SSN 536-22-1234")).containsExactly("us_ssn:536-22-1234");
    assertThat(found("host 10.0.0.1 and 2001:db8::8a2e:370:7334."))
        .containsExactly("ip:10.0.0.1", "ip:2001:db8::8a2e:370:7334");
    assertThat(found("NINO AB 12 34 56 C, CF RSSMRA85T10A562S, DNI 12345678Z, NIE X1234567L"))
        .containsExactly(
            "uk_nino:AB 12 34 56 C",
            "it_fiscal_code:RSSMRA85T10A562S",
            "es_dni:12345678Z",
            "es_nie:X1234567L");
    assertThat(found("NHS number 943 476 5919, BSN 111222333, Aadhaar 2341 2341 2346"))
        .containsExactly("uk_nhs:943 476 5919", "nl_bsn:111222333", "in_aadhaar:2341 2341 2346");
    assertThat(found("Steuer-ID 65929970489 und NIR 2 69 05 49 588 157 80"))
        .containsExactly("de_tax_id:65929970489", "fr_nir:2 69 05 49 588 157 80");
  }

  @Test
  void scan_readsAUtf16TextAsItsLatin1Twin_andLeavesNoTextInThreadArrays() {
    // The detectors read the scan's char copy, not the string: a text with one char outside
    // Latin-1 (a UTF-16 string) must give what the same text with a Latin-1 char there gives.
    String body =
        " card 4111 1111 1111 1111, call +44 20 7946 0958 or (212) 555-0147, SSN 536-22-1234,"
            + " IBAN DE89 3704 0044 0532 0130 00, host 10.0.0.1, mail bob@example.com,"
            + " NHS number 943 476 5919, DNI 12345678Z, api_key = \"q8Zr3vT9pLm2Xw7Kd4Nb\","
            + " AKIAIOSFODNN7EXAMPLE, Authorization: Bearer abcdefghij1234567890KLMNopqr,"
            + " phone number 0191 496 0377 and version 10.0.0.1 then 2013-01-26 19:17.";
    PiiOptions uncapped = PiiOptions.defaults().withMaxFindings(100_000);
    for (int copies : new int[] {1, 400}) { // one short text, one longer than the reused arrays
      String latin1 = ("\u00e1" + body).repeat(copies);
      String utf16 = ("\u0101" + body).repeat(copies);
      List<Finding> a = PiiScanner.standard().scan(latin1, uncapped).findings();
      List<Finding> b = PiiScanner.standard().scan(utf16, uncapped).findings();
      assertThat(a).hasSizeGreaterThan(10 * copies);
      assertThat(b).isEqualTo(a);
      assertThat(Scan.threadArraysClear()).isTrue();
    }
  }

  @Test
  void scan_findsSecrets() {
    String jwt =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
    assertThat(
            found(
                "AKIAIOSFODNN7EXAMPLE 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 "
                    + "glpat-xK9mQ2vL8nR4tW6yZ1aB xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx "
                    + "sk_live_4eC39HqLyjWDarjtT1zdp7dc sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7cDe0f "
                    + "sk-ant-api03-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBa-_Zx9Yw8Vu7Ts "
                    + "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY "
                    + jwt))
        .containsExactly(
            "aws_access_key:AKIAIOSFODNN7EXAMPLE",
            "github_token: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",
            "gitlab_token:glpat-xK9mQ2vL8nR4tW6yZ1aB",
            "slack_token:xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
            "stripe_key:sk_live_4eC39HqLyjWDarjtT1zdp7dc",
            "openai_key:sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7cDe0f",
            "anthropic_key:sk-ant-api03-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBa-_Zx9Yw8Vu7Ts",
            "google_token:AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY",
            "jwt:" + jwt);
  }

  @Test
  void scan_findsPrivateKeyBlocksAndAssignedSecrets() {
    String pem =
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo\n4lgOEePzNm0tRgeLezV6ffAt0gunVTLw\n-----END RSA PRIVATE KEY-----";
    List<Finding> f = scan("key:\n" + pem + "\nthanks");
    assertThat(f).hasSize(1);
    assertThat(f.get(0).type()).isEqualTo(PiiType.PRIVATE_KEY);
    assertThat(f.get(0).text()).isEqualTo(pem);
    assertThat(f.get(0).subtype()).isEqualTo("rsa");
    assertThat(
            found(
                "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A\n-----END PUBLIC KEY-----"))
        .isEmpty();
    assertThat(found("api_key = \"q8Zr3vT9pLm2Xw7Kd4Nb\"; DB_PASSWORD=s3cr3t-Pa55"))
        .containsExactly("generic_secret:q8Zr3vT9pLm2Xw7Kd4Nb", "generic_secret:s3cr3t-Pa55");
    assertThat(found("{\"client_secret\": \"Zk2pQ9xW7vR4mN8bT3yL\"}"))
        .containsExactly("generic_secret:Zk2pQ9xW7vR4mN8bT3yL");
    assertThat(found("Authorization: Bearer abcdefghij1234567890KLMNopqr"))
        .containsExactly("generic_secret:abcdefghij1234567890KLMNopqr");
    assertThat(found("postgres://app:Sup3rS3cret@db.internal:5432/app"))
        .containsExactly("generic_secret:Sup3rS3cret");
  }

  @Test
  void scan_ignoresLookalikes() {
    assertThat(
            found(
                "order ORD-20240115-0042, invoice 2024-000123, version 1.22.2 and v2.3.4.5, "
                    + "uuid 550e8400-e29b-41d4-a716-446655440000, sha1 3f786850e387550fdab836ed7e6dc881de23001b, "
                    + "at 2024-03-15T10:22:31Z or 15.03.2024 10:22, card 4111 1111 1111 1112, "
                    + "SSN 078-05-1120, 666-12-3456, IBAN DE89 3704 0044 0532 0130 01, "
                    + "mac 00:1a:2b:3c:4d:5e, std::vector<int>, @Override, user@localhost, "
                    + "api_key = get_key(), token: none, password: ********, max_tokens: 1024"))
        .isEmpty();
  }

  @Test
  void scan_weakFormsNeedContextWords() {
    assertThat(found("ref 111222333 shipped")).isEmpty();
    assertThat(found("my BSN is 111222333")).containsExactly("nl_bsn:111222333");
    assertThat(found("ticket 65929970489 closed")).isEmpty();
    assertThat(found("meine Steuer-ID: 65929970489")).containsExactly("de_tax_id:65929970489");
    Finding withContext = scan("my credit card: 4111111111111111").get(0);
    Finding without = scan("4111111111111111").get(0);
    assertThat(withContext.score()).isEqualTo(100);
    assertThat(without.score()).isEqualTo(85);
  }

  @Test
  void scan_reportsCodePointSpansOfTheOriginalText() {
    String text = "😀👩‍👩‍👧 e\u0301mail: a\u0301 bob@example.com 𝐱 4111 1111 1111 1111";
    List<Finding> f = scan(text);
    assertThat(f).hasSize(2);
    for (Finding x : f) {
      int cpStart = text.codePointCount(0, x.charStart());
      int cpEnd = text.codePointCount(0, x.charEnd());
      assertThat(x.start()).isEqualTo(cpStart);
      assertThat(x.end()).isEqualTo(cpEnd);
      assertThat(text.substring(x.charStart(), x.charEnd())).isEqualTo(x.text());
    }
    assertThat(f.get(0).text()).isEqualTo("bob@example.com");
    assertThat(f.get(0).start()).isEqualTo(18);
  }

  @Test
  void scan_readsDigitsOfOtherScriptsAndInvisibleCharactersInsideNumbers() {
    assertThat(found("card ４１１１ １１１１ １１１１ １１１１ ok")).containsExactly("card:４１１１ １１１１ １１１１ １１１１");
    assertThat(found("card 4111\u200b1111\u200b1111\u200b1111 ok"))
        .containsExactly("card:4111\u200b1111\u200b1111\u200b1111");
  }

  @Test
  void scan_honoursTypesMinimumAndCap() {
    String text = "a@b.io 4111111111111111 c@d.io e@f.io";
    PiiOptions cardsOnly = PiiOptions.defaults().withTypes(EnumSet.of(PiiType.CARD));
    assertThat(PiiScanner.standard().scan(text, cardsOnly).findings()).hasSize(1);
    PiiScanner.Result capped =
        PiiScanner.standard().scan(text, PiiOptions.defaults().withMaxFindings(2));
    assertThat(capped.findings()).hasSize(2);
    assertThat(capped.truncated()).isTrue();
    assertThat(PiiScanner.standard().scan(text, PiiOptions.defaults().withMinScore(91)).findings())
        .isEmpty();
  }

  /** A sink that keeps what it is handed, as strings. */
  private static final class Sunk implements PiiScanner.Sink {
    final List<String> found = new java.util.ArrayList<>();
    boolean truncated;

    @Override
    public void found(
        PiiType type, int start, int end, int charStart, int charEnd, int score, String subtype) {
      found.add(List.of(type, start, end, charStart, charEnd, score, subtype).toString());
    }

    @Override
    public void truncated() {
      truncated = true;
    }
  }

  /**
   * The findings handed to a sink (what {@code jrego.pii.scan} reads) are the findings of the
   * result, field for field and in order, with the same truncation, capped or not.
   */
  @Test
  void scanIntoASink_handsOverTheResultsFindings() {
    List<String> texts =
        List.of(
            "😀👩‍👩‍👧 e\u0301mail: a\u0301 bob@example.com 𝐱 4111 1111 1111 1111",
            "a@b.io 4111111111111111 c@d.io e@f.io",
            "call me on 020 7946 0958 or +44 20 7946 0958, ssn 078-05-1120, iban"
                + " GB82 WEST 1234 5698 7654 32, key 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",
            "nothing here",
            "");
    for (String text : texts) {
      for (PiiOptions options :
          List.of(
              PiiOptions.defaults(),
              PiiOptions.defaults().withMaxFindings(1),
              PiiOptions.defaults().withMaxFindings(0),
              PiiOptions.defaults().withMinScore(0))) {
        PiiScanner.Result r = PiiScanner.standard().scan(text, options);
        Sunk sunk = PiiScanner.standard().scan(text, options, Sunk::new);
        if (sunk == null) {
          // no sink is made for a text with nothing to hand over
          assertThat(r.findings()).as(text).isEmpty();
          assertThat(r.truncated()).as(text).isFalse();
          continue;
        }
        assertThat(sunk.found)
            .as(text)
            .containsExactlyElementsOf(
                r.findings().stream()
                    .map(
                        f ->
                            List.of(
                                    f.type(),
                                    f.start(),
                                    f.end(),
                                    f.charStart(),
                                    f.charEnd(),
                                    f.score(),
                                    f.subtype())
                                .toString())
                    .toList());
        assertThat(sunk.truncated).as(text).isEqualTo(r.truncated());
      }
    }
  }

  @Test
  void scan_staysLinearOnAdversarialInputs() {
    List<String> inputs =
        List.of(
            "1".repeat(100_000),
            "1 ".repeat(50_000),
            "1-".repeat(50_000),
            "a".repeat(100_000),
            "@".repeat(100_000),
            "a@".repeat(50_000),
            "a.".repeat(50_000) + "@x.io",
            ":".repeat(100_000),
            "1:".repeat(50_000),
            "-----BEGIN PRIVATE KEY-----".repeat(4_000),
            "eyJ".repeat(33_000),
            "eyJhbGciOiJub25lIn0.".repeat(5_000),
            "api_key=".repeat(12_000),
            "password: ".repeat(10_000),
            "AKIA".repeat(25_000),
            "4111 1111 1111 1111 ".repeat(5_000),
            "x@y.io ".repeat(14_000),
            "+1 (".repeat(25_000));
    // judged on the scanning thread's CPU time, which a loaded machine does not stretch as it
    // does the wall clock; a quadratic scan of these 100 KB texts takes minutes of it. The wall
    // clock only stops a scan that never ends.
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    Duration cpu =
        assertTimeoutPreemptively(
            Duration.ofMinutes(5),
            () -> {
              long start = threads.getCurrentThreadCpuTime();
              for (String s : inputs) {
                PiiScanner.Result r = PiiScanner.standard().scan(s, PiiOptions.defaults());
                assertThat(r.findings().size())
                    .isLessThanOrEqualTo(PiiOptions.DEFAULT_MAX_FINDINGS);
              }
              return Duration.ofNanos(threads.getCurrentThreadCpuTime() - start);
            });
    assertThat(cpu).isLessThan(Duration.ofSeconds(20));
    PiiScanner.Result many =
        PiiScanner.standard().scan("x@y.io ".repeat(14_000), PiiOptions.defaults());
    assertThat(many.truncated()).isTrue();
  }

  /** The overlap resolution as it was: every candidate sorted by priority, then taken greedily. */
  private static List<Candidate> resolvedByOneSort(List<Candidate> candidates, int textLength) {
    List<Candidate> kept = new java.util.ArrayList<>(candidates);
    kept.sort(PiiScanner.PRIORITY);
    java.util.BitSet taken = new java.util.BitSet(textLength);
    List<Candidate> accepted = new java.util.ArrayList<>();
    for (Candidate c : kept) {
      int next = taken.nextSetBit(c.start());
      if (next < 0 || next >= c.end()) {
        taken.set(c.start(), c.end());
        accepted.add(c);
      }
    }
    accepted.sort(java.util.Comparator.comparingInt(Candidate::start));
    return accepted;
  }

  @Test
  void resolve_acceptsWhatOneSortOfAllCandidatesByPriorityAccepted() {
    java.util.SplittableRandom random = new java.util.SplittableRandom(10);
    PiiType[] types = PiiType.values();
    int groups = 0;
    for (int round = 0; round < 3000; round++) {
      int length = 20 + random.nextInt(300);
      int count = random.nextInt(1 + random.nextInt(40));
      List<Candidate> candidates = new java.util.ArrayList<>();
      for (int k = 0; k < count; k++) {
        // few scores, lengths and types: candidates equal under the priority, differing in
        // subtype, must come out in the order the walk found them, as before
        int start = random.nextInt(length - 1);
        int end = Math.min(length, start + 1 + random.nextInt(1 + random.nextInt(24)));
        candidates.add(
            new Candidate(
                types[random.nextInt(3)],
                start,
                end,
                40 + 10 * random.nextInt(4),
                random.nextBoolean() ? "a" : "b"));
      }
      // mostly in text order, as the walk finds them, with some found behind
      if (random.nextInt(4) != 0) {
        candidates.sort(java.util.Comparator.comparingInt(Candidate::start));
        for (int k = 0; k + 1 < count; k += 1 + random.nextInt(6)) {
          java.util.Collections.swap(candidates, k, k + 1);
        }
      }
      List<Candidate> expected = resolvedByOneSort(candidates, length);
      List<Candidate> got = PiiScanner.resolve(new java.util.ArrayList<>(candidates), length);
      assertThat(got).as("round %d: %s", round, candidates).isEqualTo(expected);
      groups += count - expected.size();
    }
    assertThat(groups).as("candidates that lost to an overlapping one").isGreaterThan(5000);
  }
}
