package io.jrego.server.budget;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
   * not a JSON object, or its {@code stream_options} is not an object). For OpenAI's chat
   * completions and completions, whose streams report usage only when asked.
   */
  public static Optional<byte[]> withIncludeUsage(byte[] requestBody) {
    JsonNode root;
    try {
      root = JSON.readTree(requestBody);
    } catch (java.io.IOException e) {
      return Optional.empty();
    }
    if (!(root instanceof ObjectNode o) || !o.path("stream").asBoolean(false)) {
      return Optional.empty();
    }
    JsonNode options = o.get("stream_options");
    if (options != null && !options.isObject() && !options.isNull()) {
      return Optional.empty();
    }
    if (options instanceof ObjectNode so) {
      if (so.path("include_usage").asBoolean(false)) {
        return Optional.empty();
      }
      so.put("include_usage", true);
    } else {
      o.putObject("stream_options").put("include_usage", true);
    }
    try {
      return Optional.of(JSON.writeValueAsBytes(o));
    } catch (JacksonException e) {
      return Optional.empty();
    }
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
