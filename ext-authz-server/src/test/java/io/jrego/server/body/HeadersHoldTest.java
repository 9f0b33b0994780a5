package io.jrego.server.body;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.value.Json;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link SseFilter#headersMayGo}, driven as {@code ProcessStream} drives it under a block rule: the
 * response headers (and so the answer's first byte) go at the first push after which it says yes,
 * and a block before then is a clean refusal, after it a cut. A credential whose start is in the
 * text judged when the headers would go must be refused, wherever the answer is split: every fixed
 * start the secrets detector knows ({@code secret-prefixes.tsv}, read here as the detector reads
 * it, and the JWT, private-key and webhook starts), split at every point of the start and of the
 * value after it, across events and across network pieces.
 */
class HeadersHoldTest {

  private static final String RULES =
      "\"pii\":[{\"action\":\"block\",\"types\":[\"secret\"]},"
          + "{\"action\":\"redact\",\"types\":[\"email\",\"card\",\"iban\",\"phone\"]}]";

  /** The shipped bundle's rules, the hold-back long enough not to bound the headers' wait here. */
  private static final String BLOCK_KEYS = "{" + RULES + ", \"hold_back\": 1024}";

  /** The same rules with the default hold-back, 64 characters. */
  private static final String SHIPPED = "{" + RULES + "}";

  private static final String BEFORE = "Here is the thing you asked for ";
  private static final String AFTER = " and some words after it to end.";

  /** A credential, and how long its fixed start is. */
  private record Value(String text, int start) {}

  /** One value for every row of the detector's prefix table, and one for each other start. */
  private static List<Value> values() throws Exception {
    List<Value> out = new ArrayList<>();
    Random r = new Random(11);
    String path = "/io/jrego/engine/builtins/ai/secret-prefixes.tsv";
    try (InputStream in = io.jrego.engine.builtins.ai.PiiScanner.class.getResourceAsStream(path)) {
      assertThat(in).as(path).isNotNull();
      BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      String line;
      while ((line = lines.readLine()) != null) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] row = line.split("\t", -1);
        String alphabet =
            row[3].equals("upper32")
                ? "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
                : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        int length = Integer.parseInt(row[4]);
        StringBuilder body = new StringBuilder();
        body.append(alphabet.charAt(alphabet.length() - 1)).append('Q'); // a digit and a letter
        while (body.length() < length) {
          body.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        out.add(new Value(row[0] + body, row[0].length()));
      }
    }
    assertThat(out).hasSizeGreaterThan(30);
    out.add(
        new Value(
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0"
                + ".dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
            3));
    out.add(
        new Value(
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo\n"
                + "-----END RSA PRIVATE KEY-----",
            11));
    out.add(new Value("hooks.slack.com/services/T0A1B2C3D/B4E5F6G7H/abcdEFGH1234ijklMNOP5678", 25));
    return out;
  }

  private static SseFilter filter() throws Exception {
    return filter(BLOCK_KEYS);
  }

  private static SseFilter filter(String spec) throws Exception {
    return new SseFilter(
        StreamSpec.parse(Json.parse(spec), "stream"), List.of(), new Redactions(), 1 << 20, 4096);
  }

  /** What happened to a stream: whether it was blocked, and whether the headers had gone first. */
  private record Outcome(boolean blocked, boolean headersFirst, String released) {}

  /** Pushes {@code pieces} of the stream's bytes, the headers going as ProcessStream sends them. */
  private static Outcome run(SseFilter f, List<byte[]> pieces) throws Exception {
    boolean headers = false;
    StringBuilder out = new StringBuilder();
    for (byte[] p : pieces) {
      SseFilter.Out o = f.push(p);
      if (o.isBlocked()) {
        return new Outcome(true, headers, out.toString());
      }
      out.append(SseFilterTest.read(o.bytes().toByteArray()).text());
      headers |= f.headersMayGo();
    }
    SseFilter.Out o = f.finish();
    return new Outcome(o.isBlocked(), headers, out.toString());
  }

  /** The stream of {@code texts}, one event each, in one network piece per event. */
  private static List<byte[]> perEvent(List<String> texts) throws Exception {
    byte[] stream = SseFilterTest.chatStream(texts, "\n").getBytes(StandardCharsets.UTF_8);
    List<byte[]> out = new ArrayList<>();
    for (SseBlock b : new SseFramer(1 << 20).push(stream)) {
      out.add(b.raw());
    }
    return out;
  }

  /** The stream of {@code texts} in network pieces of 1 to 40 bytes. */
  private static List<byte[]> randomPieces(List<String> texts, long seed) {
    byte[] stream = SseFilterTest.chatStream(texts, "\n").getBytes(StandardCharsets.UTF_8);
    Random r = new Random(seed);
    List<byte[]> out = new ArrayList<>();
    int pos = 0;
    while (pos < stream.length) {
      int n = Math.min(stream.length - pos, 1 + r.nextInt(40));
      out.add(Arrays.copyOfRange(stream, pos, pos + n));
      pos += n;
    }
    return out;
  }

  @Test
  void aCredentialBegunWhenTheHeadersWouldGo_isRefusedBeforeThem_splitAnywhere() throws Exception {
    int cases = 0;
    for (Value v : values()) {
      String text = BEFORE + v.text() + AFTER;
      int at = BEFORE.length();
      // the whole answer is refused (else the case would show nothing)
      assertThat(run(filter(), perEvent(List.of(text))).blocked()).as(text).isTrue();
      for (int cut = at + 1; cut < at + v.text().length(); cut++) {
        List<String> texts = List.of(text.substring(0, cut), text.substring(cut));
        Outcome o = run(filter(), perEvent(texts));
        String as = "cut " + (cut - at) + " into " + v.text();
        assertThat(o.blocked()).as(as).isTrue();
        assertThat(o.headersFirst()).as(as).isFalse();
        cases++;
      }
      // split across network pieces too, the cut inside the start
      for (long seed = 0; seed < 6; seed++) {
        int cut = at + 1 + (int) (seed % v.start());
        Outcome o =
            run(filter(), randomPieces(List.of(text.substring(0, cut), text.substring(cut)), seed));
        assertThat(o.blocked()).isTrue();
        assertThat(o.headersFirst()).as("seed %d, %s", seed, v.text()).isFalse();
      }
    }
    assertThat(cases).isGreaterThan(1_000);
  }

  @Test
  void aCredentialWrittenAfterTheFirstWords_isCutOff_theWordsHavingGone() throws Exception {
    for (Value v : values()) {
      String text = BEFORE + v.text() + AFTER;
      Outcome o = run(filter(), perEvent(List.of(BEFORE, v.text() + AFTER)));
      // the headers did not wait for nothing: the first words were prose, and went with them
      assertThat(o.blocked()).as(text).isTrue();
      assertThat(o.headersFirst()).as(text).isTrue();
      assertThat(o.released()).startsWith("Here is the thing").doesNotContain(v.text());
    }
  }

  @Test
  void prose_andNumbers_sendTheHeadersWithTheFirstText() throws Exception {
    for (List<String> texts :
        List.of(
            List.of(" the quick brown fox 0,", " the quick brown fox 1,"),
            List.of("Sure! Here is", " a list:\n1. one\n2. two"),
            List.of("We will ask", " the desk.", " Sky is blue"))) {
      SseFilter f = filter();
      List<byte[]> events = perEvent(texts);
      f.push(events.get(0));
      assertThat(f.headersMayGo()).as("%s", texts).isFalse(); // the role chunk: no text yet
      f.push(events.get(1));
      assertThat(f.released()).as("%s", texts).isPositive();
      assertThat(f.headersMayGo()).as("%s", texts).isTrue();
    }
  }

  @Test
  void aLowerCaseStartOnItsOwn_holdsTheHeaders_untilTheNextEventSettlesIt() throws Exception {
    SseFilter f = filter();
    List<byte[]> events = perEvent(List.of("Your key is sk", "y blue and more text", " here"));
    f.push(events.get(0));
    f.push(events.get(1));
    assertThat(f.released()).isPositive();
    assertThat(f.headersMayGo()).isFalse(); // "sk" may become "sk-proj-..."
    f.push(events.get(2));
    assertThat(f.headersMayGo()).isTrue(); // it became "sky"
  }

  @Test
  void anAnswerThatAlwaysHoldsAnAssignment_sendsTheHeadersPastTheHoldBack() throws Exception {
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      texts.add("Set x" + i + " = " + i + " now\n"); // 15 characters
    }
    SseFilter f = filter(SHIPPED);
    List<byte[]> events = perEvent(texts);
    int seen = 0;
    int sentAt = -1;
    boolean heldWithTextOut = false;
    for (int i = 0; i < texts.size(); i++) {
      f.push(events.get(i + 1)); // after the role chunk
      seen += texts.get(i).length();
      if (f.headersMayGo()) {
        sentAt = seen;
        break;
      }
      assertThat(seen).as("held at %d characters", seen).isLessThanOrEqualTo(64);
      heldWithTextOut |= f.released() > 0;
    }
    // a number after "=" may be an assigned secret: held, text let out meanwhile, until more than
    // 64 characters have come
    assertThat(heldWithTextOut).isTrue();
    assertThat(sentAt).isGreaterThan(64).isLessThanOrEqualTo(64 + 15);
  }
}
