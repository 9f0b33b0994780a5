package io.jrego.engine.value;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;

/**
 * Reads and writes values as JSON. Reading keeps numbers exact and rejects trailing data; writing
 * sorts object keys, writes sets as arrays and non-string keys as their JSON text, as OPA does.
 */
public final class Json {

  private static final JsonFactory FACTORY =
      JsonFactory.builder()
          .enable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
          .streamReadConstraints(
              StreamReadConstraints.builder()
                  .maxNestingDepth(10_000)
                  .maxNumberLength(100_000)
                  .maxStringLength(Integer.MAX_VALUE)
                  .build())
          .build();

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
    try (JsonParser p = FACTORY.createParser(text)) {
      return parseDocument(p);
    } catch (JsonParseException e) {
      throw describe(e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Parses one JSON document from UTF-8 bytes.
   *
   * @throws JsonException if the bytes are not exactly one JSON value
   */
  public static Value parse(byte[] utf8) {
    try (JsonParser p = FACTORY.createParser(utf8)) {
      return parseDocument(p);
    } catch (JsonParseException e) {
      throw describe(e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Parses one JSON document from a stream (not closed).
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
    JsonLocation loc = e.getLocation();
    String msg = e.getOriginalMessage();
    int cut = msg.indexOf('\n');
    if (cut > 0) {
      msg = msg.substring(0, cut);
    }
    return new JsonException(
        "invalid JSON at line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ": " + msg,
        e);
  }

  private static Value parseDocument(JsonParser p) throws IOException {
    JsonToken t = p.nextToken();
    if (t == null) {
      throw new JsonException("invalid JSON: empty document", null);
    }
    Value v = read(p, t);
    JsonToken trailing = p.nextToken();
    if (trailing != null) {
      JsonLocation loc = p.currentTokenLocation();
      throw new JsonException(
          "invalid JSON at line "
              + loc.getLineNr()
              + ", column "
              + loc.getColumnNr()
              + ": data after the top-level value",
          null);
    }
    return v;
  }

  private static Value read(JsonParser p, JsonToken t) throws IOException {
    switch (t) {
      case START_OBJECT -> {
        ObjectValue.Builder b = new ObjectValue.Builder();
        for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
          String name = p.currentName();
          b.put(StringValue.of(name), read(p, p.nextToken()));
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
        return StringValue.of(p.getText());
      }
      case VALUE_NUMBER_INT -> {
        return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
            ? NumberValue.of(p.getBigIntegerValue())
            : NumberValue.of(p.getLongValue());
      }
      case VALUE_NUMBER_FLOAT -> {
        return NumberValue.literal(p.getText()); // keeps 1e2 and 2.50 as written, as OPA does
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
