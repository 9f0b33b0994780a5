package io.jrego.engine.value;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/**
 * Reads and writes values as JSON. Reading keeps numbers exact and rejects trailing data; writing
 * sorts object keys, writes sets as arrays and non-string keys as their JSON text, as OPA does.
 *
 * <p>Reading refuses, with a {@link JsonException} naming line and column, what would make later
 * work on the value unbounded: nesting deeper than {@link #MAX_DEPTH} (every walk of a value, from
 * hashing to {@code json.marshal}, recurses once per level, and a thread's stack is fixed), a
 * number longer than {@link #MAX_NUMBER_LENGTH} characters (exact parsing and printing grow faster
 * than its length), and a number OPA calls "number too big" ({@link NumberValue#tooBig}).
 */
public final class Json {

  /**
   * The deepest nesting of arrays and objects read. Go's decoder (OPA's) allows 10,000; on a JVM
   * thread's fixed stack that many levels overflow in some walks of the value, depending on how
   * much of the code is compiled yet, so jrego stops at a depth every walk survives even cold.
   */
  public static final int MAX_DEPTH = 1_000;

  /** The longest number literal read, in characters (Jackson's own default). */
  public static final int MAX_NUMBER_LENGTH = 1_000;

  /**
   * Object names are not interned ({@link JsonFactory.Feature#INTERN_FIELD_NAMES}, on by default in
   * Jackson 2, off in Jackson 3): interning puts every new name a caller sends into the JVM's
   * string table and Jackson's shared {@code InternCache}, which clears itself each time it holds
   * 280 names. A body of thousands of new names did both on a check thread, and the first such body
   * set off traps in compiled code (the fault matrix's hash phase, session 16). Only documents read
   * from a stream ({@link #parse(InputStream)}: files and resources read once) share names in this
   * factory's symbol table; a caller's documents are read by {@link #BODIES}, which shares none,
   * and a bundle's data by a factory of its own per document.
   */
  private static final JsonFactory FACTORY = factory().build();

  /**
   * The factory of every document but a bundle's data and files ({@link #parse(String)}, {@link
   * #parse(Reader)}, {@link #parse(byte[])}: request bodies, {@code json.unmarshal}, a token's
   * claims): object names are read as new strings ({@link
   * JsonFactory.Feature#CANONICALIZE_FIELD_NAMES} off), never looked up in or added to the symbol
   * table that every document of a factory shares. With the table, what a caller's name cost, and
   * whether a body was read at all, depended on what other callers had sent:
   *
   * <ul>
   *   <li>a body of many new names whose hashes collide in Jackson's table (1,000 names of 32
   *       bytes, 39 KB) was refused by Jackson's defence against a flood ({@link
   *       JsonFactory.Feature#FAIL_ON_SYMBOL_HASH_OVERFLOW}: "Spill-over slots in symbol table ...
   *       suspect a DoS attack") with about half of the table's seeds (taken from the clock at
   *       start), or failed inside the table ({@code ArrayIndexOutOfBoundsException}: a check's
   *       internal error); with some of the others it was read into the shared table, and then
   *       another caller's ordinary body of 50 new names was refused or failed so. OPA reads them
   *       all;
   *   <li>the fault matrix's hash phase (1,700 to 40,000 new names per body) filled the table until
   *       look-ups went past its primary slots, and Jackson's table code took branches no ordinary
   *       body takes ({@code ByteQuadsCanonicalizer._findSecondary}, {@code _verifyLongName}, its
   *       add and rehash paths), each a trap in the checks' compiled parser at a hostile phase's
   *       first body, however the warm-up tried to reach them.
   * </ul>
   *
   * Without the table every name takes the one path, and a document reads the same whatever came
   * before it. Values are the same; a key's string is not shared between documents ({@link
   * StringValue#ofKey} shares the recurring ones).
   */
  private static final JsonFactory BODIES =
      factory().disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES).build();

  private static JsonFactoryBuilder factory() {
    return new JsonFactoryBuilder()
        .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
        .enable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
        .streamReadConstraints(
            StreamReadConstraints.builder()
                .maxNestingDepth(MAX_DEPTH)
                .maxNumberLength(MAX_NUMBER_LENGTH)
                .maxStringLength(Integer.MAX_VALUE)
                .build());
  }

  private Json() {}

  /** Thrown when a document is not valid JSON; the message names the line and column. */
  public static final class JsonException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    JsonException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * Parses one JSON document.
   *
   * @throws JsonException if the text is not exactly one JSON value
   */
  public static Value parse(String text) {
    return parseWith(() -> BODIES.createParser(text));
  }

  /**
   * Parses one JSON document from characters read as the parser needs them (not closed): a document
   * that fails early is not read further. Line and column as for {@link #parse(String)}.
   *
   * @throws JsonException if the characters are not exactly one JSON value
   */
  public static Value parse(Reader in) {
    return parseWith(() -> BODIES.createParser(in));
  }

  /**
   * Parses one JSON document from UTF-8 bytes: no name is kept for another document ({@link
   * #BODIES}). The document is read from its characters, decoded at once. Bytes that are not
   * well-formed UTF-8, and a document that is not valid JSON, are read by Jackson's byte parser as
   * before (the bundle loader's), so that they read and are refused as before, in the same words
   * (its line and column count bytes); it gets a name table of its own, kept for no other document,
   * and a failure inside that table is a refusal, not an internal error.
   *
   * @throws JsonException if the bytes are not exactly one JSON value
   */
  public static Value parse(byte[] utf8) {
    notOtherEncoding(utf8);
    CharBuffer chars = decoded(utf8);
    JsonException refused = null;
    if (chars != null) {
      try {
        return parseWith(
            () -> BODIES.createParser(chars.array(), chars.arrayOffset(), chars.remaining()));
      } catch (JsonException e) {
        refused = e; // said again below by the byte parser, in its words
      }
    }
    try {
      // through the bundle loader's loop, not read's: read's compiled loops know one parser class
      // (the char parser's), and a refused body's second reading with another took them out
      // (Json.read's array loop, the fault matrix's number phase, session 20)
      return parseCounted(factory().build(), utf8, () -> false);
    } catch (IndexOutOfBoundsException | IllegalStateException e) {
      // Jackson's name table failing inside on names that collide (jackson-core issues 207, 547,
      // 548 were such failures; 2.20 still throws ArrayIndexOutOfBoundsException on some floods)
      throw refused != null
          ? refused
          : new JsonException("invalid JSON: names the parser's table could not hold", e);
    }
  }

  /** {@code utf8} decoded, or null when it is not well-formed UTF-8. */
  private static CharBuffer decoded(byte[] utf8) {
    try {
      return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(utf8));
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  /**
   * How many values {@link #parse(byte[], BooleanSupplier)} reads between two questions to its
   * {@code stop}; a string counts as one value more for each {@value #CHARS_PER_VALUE} characters.
   */
  static final int VALUES_PER_STOP = 256;

  /** A string's characters that count as one value between two questions to {@code stop}. */
  static final int CHARS_PER_VALUE = 64;

  /** Thrown by {@link #parse(byte[], BooleanSupplier)} when its {@code stop} answered true. */
  public static final class Stopped extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Stopped() {
      super("stopped while parsing", null, false, false);
    }
  }

  /**
   * Parses one JSON document from UTF-8 bytes as {@link #parse(byte[])} does (the same values, the
   * same errors), asking {@code stop} once every {@link #VALUES_PER_STOP} values and before a long
   * string is copied out of the parser: a caller that meters what parsing allocates ends a document
   * whose values would fill the heap within a few kilobytes of its limit (a single string, within
   * what its characters take).
   *
   * <p>The parser reads the byte array, as it reads a check's body: over an {@link InputStream}
   * Jackson's parser takes branches the byte-array parser never does (refilling, closing and
   * recycling its buffer), and a bundle's data read through a stream threw out the compiled parser
   * that every check runs (the fault matrix's cpu-policy swap, session 17). The values are read by
   * a loop of their own, so that asking {@code stop} leaves the checks' loop ({@code read}) as it
   * is.
   *
   * @throws Stopped as soon as {@code stop} answers true
   * @throws JsonException if the bytes are not exactly one JSON value
   */
  public static Value parse(byte[] utf8, BooleanSupplier stop) {
    notOtherEncoding(utf8);
    // a table of its own: what Jackson's byte parser accepts in a name depended on what the shared
    // table held (a name with bytes that are not UTF-8 was refused on its own and read once the
    // table had been through other documents: JsonFuzzTest, session 20)
    return parseCounted(factory().build(), utf8, stop);
  }

  private static Value parseCounted(JsonFactory factory, byte[] utf8, BooleanSupplier stop) {
    Counted counted = new Counted(stop);
    try (JsonParser p = factory.createParser(utf8)) {
      try {
        JsonToken t = p.nextToken();
        if (t == null) {
          throw new JsonException("invalid JSON: empty document", null);
        }
        Value v = counted.read(p, t);
        if (p.nextToken() != null) {
          throw at(p.currentTokenLocation(), "data after the top-level value", null);
        }
        return v;
      } catch (StreamConstraintsException e) {
        throw describe(e, p.currentLocation());
      }
    } catch (JsonParseException e) {
      throw describe(e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The reading loop of {@link #parse(byte[], BooleanSupplier)}: arrays and objects as {@code read}
   * builds them, every other value by {@code read} itself, and {@code stop} asked on the way.
   */
  private static final class Counted {
    private final BooleanSupplier stop;
    private int untilAsked = VALUES_PER_STOP;

    Counted(BooleanSupplier stop) {
      this.stop = stop;
    }

    /** Counts {@code values} and asks {@code stop} once their count reaches the next question. */
    private void count(int values) {
      untilAsked -= values;
      if (untilAsked <= 0) {
        untilAsked = VALUES_PER_STOP;
        if (stop.getAsBoolean()) {
          throw new Stopped();
        }
      }
    }

    Value read(JsonParser p, JsonToken t) throws IOException {
      switch (t) {
        case START_OBJECT -> {
          count(1);
          ObjectValue.Builder b = new ObjectValue.Builder();
          for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
            String name = pairedSurrogates(p.currentName());
            b.put(StringValue.ofKey(name), read(p, p.nextToken()));
          }
          return b.build();
        }
        case START_ARRAY -> {
          count(1);
          ArrayValue.Builder b = new ArrayValue.Builder();
          for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
            b.add(read(p, e));
          }
          return b.build();
        }
        case VALUE_STRING -> {
          count(1 + p.getTextLength() / CHARS_PER_VALUE); // before the string is made
          return Json.read(p, t);
        }
        default -> {
          count(1);
          return Json.read(p, t);
        }
      }
    }
  }

  /** Opens a parser over one document's source. */
  @FunctionalInterface
  private interface ParserSource {
    JsonParser open() throws IOException;
  }

  /** Parses the one document {@code source} opens, with this class's errors. */
  private static Value parseWith(ParserSource source) {
    try (JsonParser p = source.open()) {
      return parseDocument(p);
    } catch (JsonParseException e) {
      throw describe(e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Refuses what Jackson would read as UTF-16 or UTF-32 (a NUL byte among the first four, or a
   * UTF-16 byte-order mark): JSON from outside is UTF-8, as for Go's decoder, and in UTF-8 neither
   * can start a document. Jackson would otherwise decode it and fail with an I/O error instead.
   */
  private static void notOtherEncoding(byte[] in) {
    boolean bom =
        in.length >= 2
            && ((in[0] == (byte) 0xfe && in[1] == (byte) 0xff)
                || (in[0] == (byte) 0xff && in[1] == (byte) 0xfe));
    boolean nul = false;
    for (int i = 0; i < Math.min(4, in.length); i++) {
      nul |= in[i] == 0;
    }
    if (bom || nul) {
      throw new JsonException(
          "invalid JSON at line 1, column 1: not UTF-8 ("
              + (bom ? "a UTF-16 byte-order mark" : "a NUL byte")
              + " where the document starts)",
          null);
    }
  }

  /**
   * Parses one JSON document from a stream (not closed). For files and resources read once; the
   * server's entries parse byte arrays ({@link #parse(byte[])}, {@link #parse(byte[],
   * BooleanSupplier)}), whose compiled parser a stream's would retrain.
   *
   * @throws JsonException if the stream is not exactly one JSON value
   * @throws IOException if reading fails
   */
  public static Value parse(InputStream in) throws IOException {
    try (JsonParser p = FACTORY.createParser(in)) {
      return parseDocument(p);
    } catch (JsonParseException e) {
      throw describe(e);
    }
  }

  private static JsonException describe(JsonParseException e) {
    String msg = e.getOriginalMessage();
    int cut = msg.indexOf('\n');
    if (cut > 0) {
      msg = msg.substring(0, cut);
    }
    return at(e.getLocation(), msg, e);
  }

  /** A limit of {@link #FACTORY}'s constraints, said in our words rather than Jackson's. */
  private static JsonException describe(StreamConstraintsException e, JsonLocation where) {
    String msg = e.getOriginalMessage();
    if (msg.contains("nesting depth")) {
      msg = "nested deeper than " + MAX_DEPTH + " levels";
    } else if (msg.contains("Number value length")) {
      msg = "number longer than " + MAX_NUMBER_LENGTH + " characters";
    }
    return at(where, msg, e);
  }

  private static JsonException at(JsonLocation loc, String msg, Throwable cause) {
    return new JsonException(
        "invalid JSON at line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ": " + msg,
        cause);
  }

  private static Value parseDocument(JsonParser p) throws IOException {
    try {
      return readDocument(p);
    } catch (StreamConstraintsException e) {
      throw describe(e, p.currentLocation());
    }
  }

  private static Value readDocument(JsonParser p) throws IOException {
    JsonToken t = p.nextToken();
    if (t == null) {
      throw new JsonException("invalid JSON: empty document", null);
    }
    Value v = read(p, t);
    JsonToken trailing = p.nextToken();
    if (trailing != null) {
      throw at(p.currentTokenLocation(), "data after the top-level value", null);
    }
    return v;
  }

  /**
   * {@code text} with every surrogate that is not half of a pair replaced by U+FFFD, as Go's JSON
   * decoder (OPA's) reads a lone surrogate written as an escape (U+D800 to U+DFFF without its
   * partner); Jackson keeps it as a lone {@code char}, which no UTF-8 encoding of the value can
   * hold. {@code text} itself when it has none, as nearly every string has.
   */
  static String pairedSurrogates(String text) {
    int n = text.length();
    int i = lonely(text, 0);
    if (i == n) {
      return text;
    }
    StringBuilder out = new StringBuilder(n);
    int from = 0;
    while (i < n) {
      out.append(text, from, i).append('\uFFFD');
      from = i + 1;
      i = lonely(text, from);
    }
    return out.append(text, from, n).toString();
  }

  /**
   * Where the first surrogate at or after {@code i} that is not half of a pair is; the length if
   * none.
   */
  private static int lonely(String text, int i) {
    int n = text.length();
    while (i < n) {
      char c = text.charAt(i);
      if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c)
            && i + 1 < n
            && Character.isLowSurrogate(text.charAt(i + 1))) {
          i += 2;
          continue;
        }
        return i;
      }
      i++;
    }
    return n;
  }

  private static Value read(JsonParser p, JsonToken t) throws IOException {
    switch (t) {
      case START_OBJECT -> {
        ObjectValue.Builder b = new ObjectValue.Builder();
        for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
          String name = pairedSurrogates(p.currentName());
          b.put(StringValue.ofKey(name), read(p, p.nextToken()));
        }
        return b.build();
      }
      case START_ARRAY -> {
        ArrayValue.Builder b = new ArrayValue.Builder();
        for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
          b.add(read(p, e));
        }
        return b.build();
      }
      case VALUE_STRING -> {
        return StringValue.of(pairedSurrogates(p.getText()));
      }
      case VALUE_NUMBER_INT -> {
        // beyond a long: kept as its digits until a policy needs its value (NumberValue.ofDigits)
        return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
            ? NumberValue.ofDigits(p.getText())
            : NumberValue.of(p.getLongValue());
      }
      case VALUE_NUMBER_FLOAT -> {
        // the text's length, not the parser's getTextLength: the bundle loader's reading
        // (Counted) asks getTextLength of strings, and where the checks' compiled copy had seen
        // floats only, a swap's first string threw it out (fault matrix, cpu-policy, session 18)
        String text = p.getText();
        if (text.length() > MAX_NUMBER_LENGTH) { // Jackson checks integers only
          throw at(
              p.currentTokenLocation(),
              "number longer than " + MAX_NUMBER_LENGTH + " characters",
              null);
        }
        NumberValue n;
        try {
          // keeps 1e2 and 2.50 as written, as OPA does; a JSON float always has a '.' or an
          // exponent, so it skips the digits-only test that a Rego module's integers take
          n = NumberValue.decimalLiteral(text);
        } catch (NumberFormatException e) {
          n = null; // Jackson checked the syntax: only an exponent beyond an int gets here
        }
        if (n == null || NumberValue.tooBig(n.bigDecimal())) {
          throw at(
              p.currentTokenLocation(),
              "number too big: " + (text.length() > 40 ? text.substring(0, 40) + "..." : text),
              null);
        }
        return n;
      }
      case VALUE_TRUE -> {
        return BooleanValue.TRUE;
      }
      case VALUE_FALSE -> {
        return BooleanValue.FALSE;
      }
      case VALUE_NULL -> {
        return NullValue.INSTANCE;
      }
      default -> throw new JsonException("invalid JSON: unexpected " + t, null);
    }
  }

  /** Writes {@code v} as compact JSON. */
  public static String write(Value v) {
    StringWriter w = new StringWriter();
    write(v, w, false);
    return w.toString();
  }

  /** Writes {@code v} as JSON indented by two spaces. */
  public static String writePretty(Value v) {
    StringWriter w = new StringWriter();
    write(v, w, true);
    return w.toString();
  }

  /** Writes {@code v} as JSON to {@code out} (not closed). */
  public static void write(Value v, Writer out, boolean pretty) {
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      if (pretty) {
        g.useDefaultPrettyPrinter();
      }
      write(g, v);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes {@code v} as compact UTF-8 JSON bytes. */
  public static byte[] writeBytes(Value v) {
    return write(v).getBytes(StandardCharsets.UTF_8);
  }

  private static void write(JsonGenerator g, Value v) throws IOException {
    switch (v) {
      case NullValue n -> g.writeNull();
      case BooleanValue b -> g.writeBoolean(b.value());
      case NumberValue n -> g.writeNumber(n.toString());
      case StringValue s -> g.writeString(s.value());
      case ArrayValue a -> {
        g.writeStartArray();
        for (int i = 0; i < a.size(); i++) {
          write(g, a.get(i));
        }
        g.writeEndArray();
      }
      case SetValue s -> {
        g.writeStartArray();
        for (Value e : s.sortedElements()) {
          write(g, e);
        }
        g.writeEndArray();
      }
      case ObjectValue o -> {
        g.writeStartObject();
        for (Value k : o.sorted()) {
          g.writeFieldName(k instanceof StringValue s ? s.value() : write(k));
          write(g, o.getOrNull(k));
        }
        g.writeEndObject();
      }
    }
  }
}
