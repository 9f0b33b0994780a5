package io.jrego.server.budget;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Reads the token usage an upstream reports, to settle a reservation with.
 *
 * <p>Whole JSON bodies: OpenAI chat completions, completions and embeddings ({@code
 * usage.prompt_tokens}, {@code completion_tokens}, {@code total_tokens}), OpenAI responses ({@code
 * usage.input_tokens}, {@code output_tokens}, {@code total_tokens}) and Anthropic messages ({@code
 * usage.input_tokens}, {@code output_tokens}, {@code cache_creation_input_tokens}, {@code
 * cache_read_input_tokens}). Server-sent events ({@link Stream}): OpenAI's last chunk with {@code
 * usage} (sent when the request asked for {@code stream_options.include_usage}, see {@link
 * #withIncludeUsage}), the responses API's {@code response.completed} event ({@code
 * response.usage}), and Anthropic's {@code message_start} ({@code message.usage}) and {@code
 * message_delta} ({@code usage}, cumulative) events.
 */
public final class UsageParser {

  private static final ObjectMapper JSON = new ObjectMapper();

  private UsageParser() {}

  /** The usage in a whole JSON response body, empty if it reports none or is not JSON. */
  public static Optional<TokenUsage> fromJson(byte[] body) {
    try {
      return fromNode(JSON.readTree(body));
    } catch (java.io.IOException e) {
      return Optional.empty();
    }
  }

  private static Optional<TokenUsage> fromNode(JsonNode root) {
    if (root == null || !root.isObject()) {
      return Optional.empty();
    }
    JsonNode usage = root.get("usage");
    if (usage == null || !usage.isObject()) {
      JsonNode inner = root.has("response") ? root.get("response") : root.get("message");
      usage = inner != null && inner.isObject() ? inner.get("usage") : null;
    }
    if (usage == null || !usage.isObject()) {
      return Optional.empty();
    }
    long input =
        first(usage, "prompt_tokens", "input_tokens")
            + count(usage, "cache_creation_input_tokens")
            + count(usage, "cache_read_input_tokens");
    long output = first(usage, "completion_tokens", "output_tokens");
    long total = count(usage, "total_tokens");
    return Optional.of(new TokenUsage(input, output, Math.max(total, input + output)));
  }

  private static long first(JsonNode usage, String a, String b) {
    return usage.has(a) ? count(usage, a) : count(usage, b);
  }

  private static long count(JsonNode usage, String field) {
    JsonNode n = usage.get(field);
    return n != null && n.canConvertToExactIntegral() && n.asLong() > 0 ? n.asLong() : 0;
  }

  /**
   * A request body with {@code stream_options.include_usage: true} added, when it streams ({@code
   * "stream": true}) without asking for usage; empty when nothing needs changing (or the body is
   * not a JSON object, or its {@code stream_options} is neither an object nor null). For OpenAI's
   * chat completions and completions, whose streams report usage only when asked.
   *
   * <p>The body is spliced, not re-serialised: every byte but the added member (or the replaced
   * {@code false} or {@code null}) stays as the client sent it.
   */
  public static Optional<byte[]> withIncludeUsage(byte[] requestBody) {
    Splice at;
    try (JsonParser p = JSON.getFactory().createParser(requestBody)) {
      at = findUsageSplice(p);
    } catch (java.io.IOException e) {
      return Optional.empty();
    }
    if (at == null) {
      return Optional.empty();
    }
    byte[] insert = at.text().getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[requestBody.length - at.removed() + insert.length];
    System.arraycopy(requestBody, 0, out, 0, at.offset());
    System.arraycopy(insert, 0, out, at.offset(), insert.length);
    System.arraycopy(
        requestBody,
        at.offset() + at.removed(),
        out,
        at.offset() + insert.length,
        requestBody.length - at.offset() - at.removed());
    return Optional.of(out);
  }

  /** Replace {@code removed} bytes at {@code offset} by {@code text}. */
  private record Splice(int offset, int removed, String text) {}

  /** Where the member goes, or null when nothing is to change; reads the whole body. */
  private static Splice findUsageSplice(JsonParser p) throws java.io.IOException {
    if (p.nextToken() != JsonToken.START_OBJECT) {
      return null;
    }
    boolean stream = false;
    Splice options = null; // what stream_options needs, once seen
    boolean optionsSeen = false;
    int rootEnd = -1;
    for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
      if (t == JsonToken.END_OBJECT) {
        rootEnd = offset(p);
        break;
      }
      String name = p.currentName();
      JsonToken v = p.nextToken();
      switch (name) {
        case "stream" -> stream = v == JsonToken.VALUE_TRUE;
        case "stream_options" -> {
          optionsSeen = true;
          options = optionsSplice(p, v);
        }
        default -> p.skipChildren();
      }
    }
    if (rootEnd < 0 || p.nextToken() != null || !stream) {
      return null; // not one JSON object, or not streaming
    }
    if (!optionsSeen) {
      return new Splice(rootEnd, 0, ",\"stream_options\":{\"include_usage\":true}");
    }
    return options;
  }

  /** What a {@code stream_options} value needs; the parser is left after it. */
  private static Splice optionsSplice(JsonParser p, JsonToken v) throws java.io.IOException {
    if (v == JsonToken.VALUE_NULL) {
      return new Splice(offset(p), 4, "{\"include_usage\":true}");
    }
    if (v != JsonToken.START_OBJECT) {
      p.skipChildren();
      return null; // a value of another type: the upstream will say what is wrong with it
    }
    boolean empty = true;
    Splice include = null;
    boolean includeSeen = false;
    for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
      empty = false;
      String name = p.currentName();
      JsonToken value = p.nextToken();
      if (name.equals("include_usage")) {
        includeSeen = true;
        include =
            value == JsonToken.VALUE_TRUE
                ? null
                : value == JsonToken.VALUE_FALSE || value == JsonToken.VALUE_NULL
                    ? new Splice(offset(p), value == JsonToken.VALUE_FALSE ? 5 : 4, "true")
                    : null;
      }
      p.skipChildren();
    }
    if (includeSeen) {
      return include;
    }
    return new Splice(offset(p), 0, (empty ? "" : ",") + "\"include_usage\":true");
  }

  private static int offset(JsonParser p) {
    return Math.toIntExact(p.currentTokenLocation().getByteOffset());
  }

  /**
   * The usage of a server-sent event stream, fed as its bytes arrive in chunks of any size. Lines
   * longer than {@link #MAX_LINE} bytes are skipped (usage events are small). Not thread-safe: one
   * per stream.
   */
  public static final class Stream {

    /** The longest {@code data:} line read. */
    public static final int MAX_LINE = 1 << 20;

    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private boolean skipping;
    private TokenUsage usage;

    /** Reads the next bytes of the stream. */
    public void feed(byte[] chunk, int offset, int length) {
      for (int i = offset; i < offset + length; i++) {
        byte b = chunk[i];
        if (b == '\n') {
          if (!skipping) {
            line(line.toByteArray());
          }
          line.reset();
          skipping = false;
        } else if (!skipping) {
          if (line.size() >= MAX_LINE) {
            skipping = true;
            line.reset();
          } else {
            line.write(b);
          }
        }
      }
    }

    /** Reads the next bytes of the stream. */
    public void feed(byte[] chunk) {
      feed(chunk, 0, chunk.length);
    }

    /** The usage reported so far (merged over events), empty if none yet. */
    public Optional<TokenUsage> usage() {
      return Optional.ofNullable(usage);
    }

    private void line(byte[] bytes) {
      int n = bytes.length;
      if (n > 0 && bytes[n - 1] == '\r') {
        n--;
      }
      if (n < 5
          || bytes[0] != 'd'
          || bytes[1] != 'a'
          || bytes[2] != 't'
          || bytes[3] != 'a'
          || bytes[4] != ':') {
        return;
      }
      String data = new String(bytes, 5, n - 5, StandardCharsets.UTF_8).strip();
      if (!data.startsWith("{") || !data.contains("\"usage\"")) {
        return;
      }
      try {
        fromNode(JSON.readTree(data)).ifPresent(u -> usage = usage == null ? u : usage.merge(u));
      } catch (java.io.IOException e) {
        // not JSON: a data line that merely mentions usage
      }
    }
  }
}
