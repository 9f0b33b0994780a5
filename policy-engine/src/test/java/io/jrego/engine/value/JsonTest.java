package io.jrego.engine.value;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonTest {

  @Test
  void parse_keepsNumbersExact() {
    Value v = Json.parse("{\"n\": 12345678901234567890123, \"f\": 0.1000000000000000000001}");
    ObjectValue o = (ObjectValue) v;
    assertThat(o.get("n").orElseThrow().toString()).isEqualTo("12345678901234567890123");
    assertThat(o.get("f").orElseThrow().toString()).isEqualTo("0.1000000000000000000001");
  }

  /**
   * A body's object names are not interned: a name is not the JVM's canonical string for its text,
   * from bytes (a check's and a bundle's entry), characters or a string alike. Interning put every
   * new name a caller sent into the JVM's string table and Jackson's shared cache, which clears
   * itself every 280 names (the fault matrix's hash phase, session 16).
   */
  @Test
  void parse_doesNotInternObjectNames() throws Exception {
    String name = "name-" + java.util.UUID.randomUUID();
    String canonical = new String(name.toCharArray()).intern(); // this copy is the JVM's own now
    String doc = "{\"" + name + "\":1}";
    for (Value v :
        List.of(
            Json.parse(doc),
            Json.parse(doc.getBytes(StandardCharsets.UTF_8)),
            Json.parse(new StringReader(doc)),
            Json.parse(doc.getBytes(StandardCharsets.UTF_8), () -> false))) {
      String key = ((StringValue) ((ObjectValue) v).keys().get(0)).value();
      assertThat(key).isEqualTo(name);
      assertThat(key).isNotSameAs(canonical);
    }
  }

  /**
   * A document's object names are kept in no table that other documents share: the parser factory's
   * symbol tables (one for bytes, one for characters) hold as many names after documents of 2,000
   * new names as before them, read from bytes (a check's body), a string ({@code json.unmarshal})
   * or a reader (a body that is not UTF-8, read through a replacing reader). Before, every new name
   * went into a shared table, and a flood of them (the fault matrix's hash phase) sent later
   * look-ups into its secondary slots. The bundle loader's entry still shares names (its data
   * repeats them), which also shows that the count moves when a table takes names.
   */
  @Test
  void parse_keepsNoNameOfADocumentForTheNext() throws Exception {
    StringBuilder b = new StringBuilder("{");
    String run = Long.toString(System.nanoTime(), 36);
    for (int i = 0; i < 2_000; i++) {
      b.append(i == 0 ? "\"" : ",\"").append("name_").append(run).append('_').append(i);
      b.append("\":").append(i);
    }
    String doc = b.append('}').toString();
    byte[] bytes = doc.getBytes(StandardCharsets.UTF_8);
    int before = sharedNames();

    Value fromBytes = Json.parse(bytes);
    Value fromString = Json.parse(doc);
    Value fromReader = Json.parse(new StringReader(doc));
    // read by the byte parser: not UTF-8 (an overlong NUL, which it reads), and not JSON
    java.io.ByteArrayOutputStream notUtf8 = new java.io.ByteArrayOutputStream();
    notUtf8.write(bytes, 0, bytes.length - 1);
    notUtf8.writeBytes(",\"z\":\"".getBytes(StandardCharsets.UTF_8));
    notUtf8.writeBytes(new byte[] {(byte) 0xc0, (byte) 0x80, '"', '}'});
    byte[] overlong = notUtf8.toByteArray();
    assertThat(((ObjectValue) Json.parse(overlong)).size()).isEqualTo(2_001);
    byte[] open = java.util.Arrays.copyOf(bytes, bytes.length - 1);
    assertThatThrownBy(() -> Json.parse(open))
        .isInstanceOf(Json.JsonException.class)
        .hasMessageContaining("end-of-input");

    assertThat(sharedNames()).isEqualTo(before);
    assertThat(((ObjectValue) fromBytes).size()).isEqualTo(2_000);
    assertThat(fromBytes).isEqualTo(fromString).isEqualTo(fromReader);
    assertThat(Json.parse(bytes, () -> false)).isEqualTo(fromBytes);
    assertThat(sharedNames()).isEqualTo(before); // the loader's entry reads with a table of its own
  }

  /**
   * Bodies of 1,000 names of 30 to 38 bytes whose hashes collide in Jackson's name table (a prefix
   * of 9 to 14 bytes, then 10 or 11 {@code Aa}/{@code BB} blocks: the fault matrix's hostile names,
   * longer), each followed by another caller's ordinary body of 50 new names, are all read, as OPA
   * reads them. Before, with the names shared in one table, depending on its seed (from the clock
   * at start) Jackson's defence against a flood refused a hostile body ("Spill-over slots in symbol
   * table ... suspect a DoS attack") or failed inside the table ({@code
   * ArrayIndexOutOfBoundsException}, a check's internal error), and then refused or failed the
   * ordinary bodies after it: in 2 of 5 JVMs one of these ordinary bodies was refused.
   */
  @Test
  void parse_readsCollidingFloodsAndTheOrdinaryBodiesAfterThem() {
    int ordinary = 0;
    for (int round = 0; round < 3; round++) {
      for (int prefix = 9; prefix <= 14; prefix++) {
        for (int blocks = 10; blocks <= 11; blocks++) {
          String flood = manyNames(1_000, "abcdefghijklmn".substring(0, prefix), blocks);
          assertThat(((ObjectValue) Json.parse(flood.getBytes(StandardCharsets.UTF_8))).size())
              .isEqualTo(1_000);
          assertThat(((ObjectValue) Json.parse(flood)).size()).isEqualTo(1_000);
          StringBuilder b = new StringBuilder("{");
          for (int i = 0; i < 50; i++) {
            b.append(i == 0 ? "\"k" : ",\"k").append(ordinary).append('_').append(i);
            b.append("\":").append(i);
          }
          ordinary++;
          byte[] body = b.append('}').toString().getBytes(StandardCharsets.UTF_8);
          assertThat(((ObjectValue) Json.parse(body)).size()).isEqualTo(50);
          // a flood left open is refused as JSON that ends early (by the byte parser, whose own
          // table may refuse it first): never an error from inside the table
          byte[] open = flood.substring(0, flood.length() - 1).getBytes(StandardCharsets.UTF_8);
          assertThatThrownBy(() -> Json.parse(open))
              .isInstanceOf(Json.JsonException.class)
              .hasMessageMatching("invalid JSON at line 1, column \\d+: .*");
        }
      }
    }
  }

  /**
   * What a caller's document reads as, or how it is refused, is what the bundle loader's byte
   * parser makes of the same bytes, to the word: documents outside ASCII, escapes in names and
   * values, a byte-order mark, bytes that are not UTF-8 (overlong, a lone continuation, an encoded
   * surrogate), and errors after text outside ASCII (whose column the byte parser counts in bytes).
   */
  @Test
  void parse_readsAndRefusesCallersBytesAsTheByteParserDoes() {
    List<byte[]> docs = new java.util.ArrayList<>();
    for (String text :
        List.of(
            "{\"caf\u00e9\":\"\u6ce8\u6587\",\"e\\u00e9\\n\":[1,2.50,-0,1e2,\"\\ud83d\\ude00\"]}",
            "\ufeff{\"a\":1}",
            "{\"\u00e9\u00e9\u00e9\": tru}",
            "{\"\u6ce8\":[1,2",
            "[\"\u00e9\" 1]",
            "{\"a\":1} \u00e9",
            "{\"n\":1e100000000}",
            "[" + "[".repeat(1_000) + "]".repeat(1_000) + "]",
            "")) {
      docs.add(text.getBytes(StandardCharsets.UTF_8));
    }
    docs.add(new byte[] {'[', '"', (byte) 0xc0, (byte) 0x80, '"', ']'});
    docs.add(new byte[] {'[', '"', (byte) 0x80, '"', ']'});
    docs.add(new byte[] {'[', '"', (byte) 0xed, (byte) 0xa0, (byte) 0x80, '"', ']'});
    for (byte[] doc : docs) {
      String read;
      String byByteParser;
      try {
        read = "value " + Json.parse(doc);
      } catch (Json.JsonException e) {
        read = "refused " + e.getMessage();
      }
      try {
        byByteParser = "value " + Json.parse(doc, () -> false);
      } catch (Json.JsonException e) {
        byByteParser = "refused " + e.getMessage();
      }
      assertThat(read).as(new String(doc, StandardCharsets.UTF_8)).isEqualTo(byByteParser);
    }
  }

  /**
   * A JSON object of {@code n} names, each {@code prefix} and then {@code blocks} blocks of {@code
   * Aa} or {@code BB} (so all share Java's {@code String.hashCode}).
   */
  static String manyNames(int n, String prefix, int blocks) {
    StringBuilder b = new StringBuilder("{");
    for (int i = 0; i < n; i++) {
      b.append(i == 0 ? "\"" : ",\"").append(prefix);
      for (int bit = 0; bit < blocks; bit++) {
        b.append(((i >> bit) & 1) == 0 ? "Aa" : "BB");
      }
      b.append("\":").append(i);
    }
    return b.append('}').toString();
  }

  /** How many names the parser factory's shared symbol tables (bytes, characters) hold. */
  private static int sharedNames() throws ReflectiveOperationException {
    java.lang.reflect.Field factory = Json.class.getDeclaredField("FACTORY");
    factory.setAccessible(true);
    Object f = factory.get(null);
    int n = 0;
    for (String table : List.of("_byteSymbolCanonicalizer", "_rootCharSymbols")) {
      java.lang.reflect.Field field =
          com.fasterxml.jackson.core.JsonFactory.class.getDeclaredField(table);
      field.setAccessible(true);
      Object t = field.get(f);
      n += (int) t.getClass().getMethod("size").invoke(t);
    }
    return n;
  }

  /**
   * An escaped surrogate without its partner reads as U+FFFD, in values and keys, as opa 1.22.2
   * reads the same document with {@code opa eval -i doc.json input}: a high then a pair gives
   * U+FFFD and the pair, a pair is kept, a lone low surrogate as a key becomes the key U+FFFD.
   */
  @Test
  void parse_readsLoneEscapedSurrogatesAsGoDoes() {
    ObjectValue o =
        (ObjectValue)
            Json.parse(
                "{\"a\":\"\\ud800x\",\"\\udc00\":1,\"p\":\"\\ud800\\ud800\\udc00\","
                    + "\"q\":\"\\ud83d\\ude00\",\"r\":\"ok\\ud800\"}");
    assertThat(text(o, "a")).isEqualTo("\uFFFDx");
    assertThat(text(o, "p")).isEqualTo("\uFFFD\uD800\uDC00");
    assertThat(text(o, "q")).isEqualTo("\uD83D\uDE00");
    assertThat(text(o, "r")).isEqualTo("ok\uFFFD");
    assertThat(o.get("\uFFFD")).isPresent();
    assertThat(o.get("\uDC00")).isEmpty();
  }

  @Test
  void pairedSurrogates_returnsTheSameStringWhenThereIsNothingToReplace() {
    String plain = "plain text, \u00e9 and \uD83D\uDE00";
    assertThat(Json.pairedSurrogates(plain)).isSameAs(plain);
  }

  private static String text(ObjectValue o, String key) {
    return ((StringValue) o.get(key).orElseThrow()).value();
  }

  @Test
  void parse_rejectsTrailingDataWithPosition() {
    assertThatThrownBy(() -> Json.parse("{\"a\": 1} x"))
        .isInstanceOf(Json.JsonException.class)
        .hasMessageContaining("line 1, column");
  }

  @Test
  void parse_namesLineAndColumnOfSyntaxErrors() {
    assertThatThrownBy(() -> Json.parse("{\n  \"a\": tru\n}"))
        .isInstanceOf(Json.JsonException.class)
        .hasMessageStartingWith("invalid JSON at line 2");
  }

  @Test
  void parse_rejectsEmptyDocument() {
    assertThatThrownBy(() -> Json.parse("  ")).hasMessageContaining("empty document");
  }

  @Test
  void write_sortsKeysAndWritesSetsAsArrays() {
    Value v =
        new ObjectValue.Builder()
            .put("z", SetValue.of(NumberValue.of(2), NumberValue.of(1)))
            .put("a", ArrayValue.of(StringValue.of("x"), NullValue.INSTANCE, BooleanValue.TRUE))
            .build();
    assertThat(Json.write(v)).isEqualTo("{\"a\":[\"x\",null,true],\"z\":[1,2]}");
  }

  @Test
  void write_roundTripsParsedDocuments() {
    String doc = "{\"a\":[1,2.5,{\"b\":\"c\\n\"}],\"d\":null}";
    assertThat(Json.write(Json.parse(doc))).isEqualTo(doc);
  }
}
