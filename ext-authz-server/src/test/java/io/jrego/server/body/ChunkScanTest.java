package io.jrego.server.body;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ChunkScanTest {

  /** A choice as the filter uses it, its text decoded (null when it has none). */
  record Read(int index, boolean fromDelta, boolean finishing, int start, int end, String text) {}

  private static List<Read> scan(String d) throws BodyException {
    return reads(d, ChunkScan.scan(d));
  }

  private static List<Read> reads(String d, List<ChunkScan.Choice> found) throws BodyException {
    if (found == null) {
      return null;
    }
    List<Read> out = new ArrayList<>();
    for (ChunkScan.Choice c : found) {
      out.add(
          new Read(
              c.index(),
              c.fromDelta(),
              c.finishing(),
              c.start(),
              c.end(),
              c.hasText() ? ChunkScan.text(d, c) : null));
    }
    return out;
  }

  /**
   * The chunk read member by member through {@link JsonText}, as the filter read it before the
   * one-pass scan: the reference the scan must agree with.
   */
  private static List<Read> memberByMember(String d) throws BodyException {
    JsonText t = new JsonText(d);
    Optional<JsonText.Location> list = t.locate(JsonPointer.parse("/choices"));
    if (list.isEmpty() || !t.kind(list.get().value()).equals("array")) {
      return null;
    }
    List<JsonText.Entry> entries = t.entries(list.get().value());
    if (entries.isEmpty()) {
      return null;
    }
    List<Read> out = new ArrayList<>();
    for (int k = 0; k < entries.size(); k++) {
      JsonText.Span choice = entries.get(k).value();
      if (!t.kind(choice).equals("object")) {
        continue;
      }
      List<JsonText.Entry> members = t.entries(choice);
      int index = k;
      JsonText.Span i = member(members, "index");
      if (i != null && t.kind(i).equals("number")) {
        try {
          index = Integer.parseInt(d.substring(i.start(), i.end()));
        } catch (NumberFormatException e) {
          index = k;
        }
      }
      JsonText.Span delta = member(members, "delta");
      JsonText.Span content =
          delta == null || !t.kind(delta).equals("object")
              ? null
              : member(t.entries(delta), "content");
      boolean fromDelta = true;
      if (content == null) {
        content = member(members, "text");
        fromDelta = content == null;
      }
      JsonText.Span finish = member(members, "finish_reason");
      boolean finishing = finish != null && !t.kind(finish).equals("null");
      boolean string = content != null && t.kind(content).equals("string");
      out.add(
          new Read(
              index,
              fromDelta,
              finishing,
              string ? content.start() : -1,
              string ? content.end() : -1,
              string ? t.decodeString(content) : null));
    }
    return out;
  }

  private static JsonText.Span member(List<JsonText.Entry> members, String key)
      throws BodyException {
    JsonText.Span found = null;
    for (JsonText.Entry e : members) {
      if (e.key().equals(key)) {
        if (found != null) {
          throw new BodyException("twice: " + key);
        }
        found = e.value();
      }
    }
    return found;
  }

  /** Either the same reading or both refuse. */
  private static void assertSame(String d) {
    List<Read> expected;
    try {
      expected = memberByMember(d);
    } catch (BodyException e) {
      assertThatThrownBy(() -> scan(d)).as(d).isInstanceOf(BodyException.class);
      return;
    }
    try {
      assertThat(scan(d)).as(d).isEqualTo(expected);
    } catch (BodyException e) {
      throw new AssertionError("refused what member by member reads: " + d, e);
    }
  }

  @Test
  void generatedChunks_wellFormedAndNot_areReadAsMemberByMember() {
    Random r = new Random(20261206);
    Gen g = new Gen(r, true);
    int refused = 0;
    int withText = 0;
    for (int n = 0; n < 40_000; n++) {
      String d = g.event();
      if (r.nextInt(3) == 0) {
        d = mutate(r, d);
      }
      if (!d.stripLeading().startsWith("{")) {
        continue; // the filter scans only data that starts so
      }
      assertSame(d);
      try {
        List<Read> got = scan(d);
        if (got != null && got.stream().anyMatch(c -> c.text() != null)) {
          withText++;
        }
      } catch (BodyException e) {
        refused++;
      }
    }
    // the generator reaches both sides, so the comparison above meant something
    assertThat(refused).isGreaterThan(3_000);
    assertThat(withText).isGreaterThan(12_000);
  }

  @Test
  void generatedWellFormedChunks_giveTheTextJacksonReads() throws Exception {
    ObjectMapper json = new ObjectMapper();
    Random r = new Random(7);
    Gen g = new Gen(r, false);
    for (int n = 0; n < 20_000; n++) {
      String d = g.event();
      JsonNode root = json.readTree(d);
      List<Read> got = scan(d);
      JsonNode choices = root.get("choices");
      if (choices == null || !choices.isArray() || choices.isEmpty()) {
        assertThat(got).as(d).isNull();
        continue;
      }
      List<String> expected = new ArrayList<>();
      for (JsonNode c : choices) {
        if (!c.isObject()) {
          continue;
        }
        JsonNode delta = c.get("delta");
        JsonNode content = delta != null && delta.isObject() ? delta.get("content") : null;
        if (content == null) {
          content = c.get("text");
        }
        expected.add(content != null && content.isTextual() ? content.asText() : null);
      }
      assertThat(got).as(d).extracting(Read::text).containsExactlyElementsOf(expected);
    }
  }

  @Test
  void aStreamsChunks_readFromTheChoicesKeyWhenTheyBeginAsTheLastOne_readAsWhole() {
    Random r = new Random(20261207);
    Gen g = new Gen(r, true);
    ChunkScan.Prefix last = new ChunkScan.Prefix();
    String previous = g.event();
    int skipped = 0;
    int refused = 0;
    for (int n = 0; n < 40_000; n++) {
      // the next chunk: new, or the last one changed once or twice anywhere (before, at or after
      // its choices key: a member, a quote, the space before the key)
      String d =
          switch (r.nextInt(4)) {
            case 0 -> g.event();
            case 1 -> mutate(r, previous);
            case 2 -> mutate(r, mutate(r, previous));
            default -> previous;
          };
      if (!d.stripLeading().startsWith("{")) {
        continue;
      }
      if (last.choicesKey > 0 && d.regionMatches(0, last.data, 0, last.choicesKey + 1)) {
        skipped++;
      }
      if (refusedOrReadAsWhole(d, last, "the last chunk's prefix")) {
        refused++;
      }
      previous = d;
    }
    assertThat(skipped).isGreaterThan(10_000);
    assertThat(refused).as("refused").isGreaterThan(1_000);
  }

  @Test
  void aStreamsChunksThatDifferOnlyInTheirText_readByTheLastOnesShape_readAsWhole() {
    Random r = new Random(20261225);
    Gen g = new Gen(r, true);
    ChunkScan.Prefix last = new ChunkScan.Prefix();
    String previous = g.event();
    int same = 0;
    int refused = 0;
    for (int n = 0; n < 40_000; n++) {
      // mostly the last chunk with its text's literal replaced by another, which may be malformed
      // (a quote or a backslash anywhere), run on past its end or cut short; now and then a new
      // chunk, or the last one changed anywhere
      String d =
          switch (r.nextInt(8)) {
            case 0 -> g.event();
            case 1 -> mutate(r, previous);
            default -> otherText(r, previous);
          };
      if (!d.stripLeading().startsWith("{")) {
        continue;
      }
      ChunkScan.Choice shape = last.shape;
      if (shape != null
          && d.regionMatches(0, last.data, 0, shape.start() + 1)
          && d.endsWith(last.data.substring(shape.end()))) {
        same++;
      }
      if (refusedOrReadAsWhole(d, last, "the last chunk's shape")) {
        refused++;
      }
      previous = d;
    }
    assertThat(same).as("read by the last shape").isGreaterThan(2_500);
    assertThat(refused).as("refused").isGreaterThan(1_000);
  }

  /**
   * Scans {@code d} whole and after {@code last}: true when the whole scan refuses it (and the scan
   * after {@code last} must then refuse it too), else asserts both read the same.
   */
  private static boolean refusedOrReadAsWhole(String d, ChunkScan.Prefix last, String after) {
    List<Read> whole;
    try {
      whole = scan(d);
    } catch (BodyException e) {
      // refused by the scan, or by decoding the text it found (an escape)
      assertThatThrownBy(() -> reads(d, ChunkScan.scan(d, last)))
          .as(d)
          .isInstanceOf(BodyException.class);
      return true;
    }
    try {
      assertThat(reads(d, ChunkScan.scan(d, last))).as(d).isEqualTo(whole);
    } catch (BodyException e) {
      throw new AssertionError("refused with " + after + ": " + d, e);
    }
    return false;
  }

  /** {@code d} with the literal of its first choice's text replaced, when it has one. */
  private static String otherText(Random r, String d) {
    List<ChunkScan.Choice> found;
    try {
      found = ChunkScan.scan(d);
    } catch (BodyException e) {
      return d;
    }
    if (found == null || found.isEmpty() || !found.get(0).hasText()) {
      return d;
    }
    ChunkScan.Choice c = found.get(0);
    String alphabet = "ab \\\"un0f/é\t";
    StringBuilder text = new StringBuilder("\"");
    for (int i = r.nextInt(12); i > 0; i--) {
      text.append(alphabet.charAt(r.nextInt(alphabet.length())));
    }
    if (r.nextInt(10) != 0) {
      text.append('"');
    }
    return d.substring(0, c.start()) + text + d.substring(c.end());
  }

  @Test
  void aChunkThatDiffersAtTheChoicesKey_isReadWhole() throws Exception {
    ChunkScan.Prefix last = new ChunkScan.Prefix();
    String first = "{\"id\":\"a\",\"choices\":[{\"delta\":{\"content\":\"x\"}}]}";
    assertThat(reads(first, ChunkScan.scan(first, last)))
        .extracting(Read::text)
        .containsExactly("x");
    assertThat(last.choicesKey).isEqualTo(first.indexOf("\"choices\""));
    // the same characters up to the key's quote, then a space where the quote was: malformed
    // there, read whole
    String spaced = "{\"id\":\"a\", \"choices\":[{\"delta\":{\"content\":\"y\"}}]}";
    assertThat(reads(spaced, ChunkScan.scan(spaced, last)))
        .extracting(Read::text)
        .containsExactly("y");
    // a repeated choices key after the skipped members is still refused
    String twice = "{\"id\":\"a\", \"choices\":[],\"choices\":[{}]}";
    assertThatThrownBy(() -> ChunkScan.scan(twice, last))
        .isInstanceOf(BodyException.class)
        .hasMessageContaining("\"choices\" twice");
  }

  @Test
  void aKeyWithAnEscape_isReadDecoded() throws Exception {
    String d =
        "{\"\\u0063hoices\":[{\"d\\u0065lta\":{\"cont\\u0065nt\":\"hi\"},\"te\\u0078t\":1}]}";
    assertThat(scan(d)).extracting(Read::text).containsExactly("hi");
  }

  @Test
  void repeatedKeysThatAreRead_areRefused_othersPass() throws Exception {
    assertThatThrownBy(() -> scan("{\"choices\":[],\"choices\":[{}]}"))
        .isInstanceOf(BodyException.class)
        .hasMessageContaining("\"choices\" twice");
    assertThatThrownBy(
            () -> scan("{\"choices\":[{\"delta\":{\"content\":\"a\",\"content\":\"b\"}}]}"))
        .isInstanceOf(BodyException.class)
        .hasMessageContaining("\"content\" twice");
    assertThatThrownBy(() -> scan("{\"choices\":[{\"index\":0,\"index\":1}]}"))
        .isInstanceOf(BodyException.class)
        .hasMessageContaining("\"index\" twice");
    assertThat(scan("{\"id\":1,\"id\":2,\"choices\":[{\"delta\":{\"role\":1,\"role\":2}}]}"))
        .containsExactly(new Read(0, true, false, -1, -1, null));
  }

  @Test
  void anEscapedCharacterNeedsFourHexDigits() {
    // Integer.parseInt would have read "+041" as 0x41
    assertThatThrownBy(() -> scan("{\"choices\":[{\"delta\":{\"content\":\"\\u+041\"}}]}"))
        .isInstanceOf(BodyException.class);
    assertThatThrownBy(() -> scan("{\"choices\":[{\"delta\":{\"content\":\"\\u004\"}}]}"))
        .isInstanceOf(BodyException.class);
  }

  private static String mutate(Random r, String d) {
    int at = r.nextInt(d.length() + 1);
    String junk = "{}[]\",:\\ xn0-";
    return switch (r.nextInt(4)) {
      case 0 -> at < d.length() ? d.substring(0, at) + d.substring(at + 1) : d;
      case 1 -> d.substring(0, at) + junk.charAt(r.nextInt(junk.length())) + d.substring(at);
      case 2 -> d.substring(0, at);
      default ->
          at < d.length()
              ? d.substring(0, at) + junk.charAt(r.nextInt(junk.length())) + d.substring(at + 1)
              : d;
    };
  }

  /** Events shaped like OpenAI's chat and completion chunks and Anthropic's events. */
  private static final class Gen {
    // loose: also repeated keys and "+2", which Jackson refuses
    private final Random r;
    private final boolean loose;

    Gen(Random r, boolean loose) {
      this.r = r;
      this.loose = loose;
    }

    String event() {
      return switch (r.nextInt(10)) {
        case 0 -> anthropic();
        case 1 -> object(List.of(m("id", str()), m("choices", "[]"), m("usage", usage())));
        default -> chunk();
      };
    }

    private String chunk() {
      List<String> members = new ArrayList<>();
      members.add(m("id", quoted("chatcmpl-" + r.nextInt(1000))));
      members.add(m("object", quoted("chat.completion.chunk")));
      members.add(m("created", Integer.toString(r.nextInt())));
      members.add(m("model", quoted("gpt-4o")));
      if (r.nextInt(4) == 0) {
        members.add(m("nested", junk(3)));
      }
      StringBuilder choices = new StringBuilder("[");
      int n = r.nextInt(10) == 0 ? 0 : 1 + (r.nextInt(5) == 0 ? r.nextInt(3) : 0);
      for (int i = 0; i < n; i++) {
        choices.append(i > 0 ? "," + ws() : "").append(r.nextInt(15) == 0 ? junk(2) : choice(i));
      }
      String list = choices.append(ws()).append(']').toString();
      members.add(m(key("choices"), r.nextInt(30) == 0 ? junk(2) : list));
      if (r.nextInt(5) == 0) {
        members.add(m("usage", usage()));
      }
      if (loose && r.nextInt(30) == 0) {
        members.add(m("choices", list));
      }
      return object(shuffle(members));
    }

    private String choice(int i) {
      List<String> members = new ArrayList<>();
      if (r.nextInt(8) != 0) {
        String[] indexes = {Integer.toString(i), "\"0\"", "1.5", "-1", "null", "1e2", "+2"};
        int kinds = indexes.length - (loose ? 0 : 1); // "+2" is not JSON
        members.add(m(key("index"), indexes[r.nextInt(5) == 0 ? r.nextInt(kinds) : 0]));
      }
      if (r.nextInt(5) == 0) {
        members.add(m("logprobs", junk(3)));
      }
      boolean chat = r.nextInt(4) != 0;
      if (chat) {
        List<String> delta = new ArrayList<>();
        if (r.nextInt(4) == 0) {
          delta.add(m("role", quoted("assistant")));
        }
        if (r.nextInt(6) == 0) {
          delta.add(m("tool_calls", junk(3)));
        }
        if (r.nextInt(8) != 0) {
          delta.add(m(key("content"), r.nextInt(10) == 0 ? junk(1) : str()));
        }
        if (loose && r.nextInt(40) == 0) {
          delta.add(m("content", str()));
        }
        members.add(m(key("delta"), r.nextInt(20) == 0 ? junk(1) : object(shuffle(delta))));
      }
      if (!chat || r.nextInt(10) == 0) {
        members.add(m(key("text"), r.nextInt(10) == 0 ? junk(1) : str()));
      }
      if (loose && r.nextInt(40) == 0) {
        members.add(m(new String[] {"index", "delta", "text", "finish_reason"}[r.nextInt(4)], "1"));
      }
      String[] finish = {"null", "\"stop\"", "\"length\"", "0", "{}"};
      members.add(m(key("finish_reason"), finish[r.nextInt(3) == 0 ? r.nextInt(5) : 0]));
      return object(shuffle(members));
    }

    private String anthropic() {
      return object(
          List.of(
              m("type", quoted("content_block_delta")),
              m("index", "0"),
              m("delta", object(List.of(m("type", quoted("text_delta")), m("text", str()))))));
    }

    private String usage() {
      return object(List.of(m("prompt_tokens", "5"), m("completion_tokens", "7")));
    }

    /** Nested arrays and objects whose strings hold brackets, quotes and backslashes. */
    private String junk(int depth) {
      if (depth == 0 || r.nextInt(3) == 0) {
        String[] leaves = {str(), "12", "-0.5e3", "true", "false", "null", quoted("}]\"[{\\")};
        return leaves[r.nextInt(leaves.length)];
      }
      List<String> items = new ArrayList<>();
      int n = r.nextInt(4);
      boolean object = r.nextBoolean();
      for (int i = 0; i < n; i++) {
        items.add(object ? m(i == 0 ? "content" : "k" + i, junk(depth - 1)) : junk(depth - 1));
      }
      return object ? object(items) : "[" + ws() + String.join("," + ws(), items) + ws() + "]";
    }

    /** A string literal: plain, with escapes, non-ASCII, surrogate pairs (raw or escaped). */
    private String str() {
      String[] parts = {
        "Hello",
        " world",
        "caf\u00e9",
        "\ud83d\ude00",
        "a\"b",
        "back\\slash",
        "line\nbreak",
        "\t",
        "jane@example.com",
        "4111 1111 1111 1111",
        "}]{[",
        ":",
        ",",
        "\u2603",
        "\u0001"
      };
      StringBuilder v = new StringBuilder();
      int n = r.nextInt(4);
      for (int i = 0; i < n; i++) {
        v.append(parts[r.nextInt(parts.length)]);
      }
      String literal = JsonText.encodeString(v.toString());
      if (r.nextInt(6) == 0) {
        // escapes a writer may choose: every non-ASCII char (surrogates too) and '/' escaped
        StringBuilder e = new StringBuilder();
        for (int i = 0; i < literal.length(); i++) {
          char c = literal.charAt(i);
          if (c > 0x7e) {
            e.append(String.format("\\u%04X", (int) c));
          } else if (c == '/') {
            e.append("\\/");
          } else {
            e.append(c);
          }
        }
        literal = e.toString();
      }
      return literal;
    }

    private String key(String k) {
      if (r.nextInt(40) != 0) {
        return k;
      }
      return "\\u" + String.format("%04x", (int) k.charAt(0)) + k.substring(1);
    }

    private String m(String key, String value) {
      return "\"" + key + "\"" + ws() + ":" + ws() + value;
    }

    private String object(List<String> members) {
      return "{" + ws() + String.join("," + ws(), members) + ws() + "}";
    }

    private String ws() {
      return switch (r.nextInt(12)) {
        case 0 -> " ";
        case 1 -> "\n  ";
        case 2 -> "\r\n\t";
        default -> "";
      };
    }

    private static String quoted(String s) {
      return JsonText.encodeString(s);
    }

    private List<String> shuffle(List<String> members) {
      List<String> out = new ArrayList<>(members);
      java.util.Collections.shuffle(out, r);
      return out;
    }
  }
}
