package io.jrego.server.budget;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.jrego.engine.builtins.ai.TokenCounter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Counts the answer text of a server-sent-event stream as it passes and ends the stream at a bound:
 * the cut-off of a budget whose policy says {@code on_overshoot: "cut"}. Socket-free; one per
 * response, not thread-safe.
 *
 * <p>The stream is passed on whole events at a time (a piece's unfinished last event waits for the
 * next piece). Each event's generated text is counted with the policy's tokenizer ({@link
 * TokenCounter}: a model or encoding name, or the documented estimate for other models): OpenAI
 * chat chunks' {@code delta.content}, {@code delta.refusal}, {@code delta.reasoning_content} and
 * {@code delta.tool_calls[].function.arguments}, completions' {@code text}, the responses API's
 * {@code *.delta} events' {@code delta}, Anthropic's {@code content_block_delta} ({@code
 * delta.text}, {@code thinking}, {@code partial_json}). The usage chunk comes last in these streams
 * (if at all), so the count is the only measure while the answer flows. The first event that would
 * take the count past {@code limit} is not passed on: in its place goes {@link #errorEvent} and the
 * stream ends. Each event is counted on its own, so a word split over two events may count a token
 * more than the model's own tokenizer does; the count errs high, never low.
 *
 * <p>An event longer than {@link #MAX_EVENT} bytes without its end is cut as well: it cannot be
 * counted before the caller would see it.
 */
public final class StreamCutter {

  /** The longest event held while its end is awaited. */
  public static final int MAX_EVENT = 1 << 20;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final long limit;
  private final String tokenizer;
  private final ByteArrayOutputStream held = new ByteArrayOutputStream();
  private long counted;
  private boolean cut;

  /**
   * A cutter that lets at most {@code limit} tokens of answer text through.
   *
   * @param tokenizer a model name ({@code gpt-4o-mini}) or encoding ({@code o200k_base}) that
   *     {@link TokenCounter} knows; any other name counts with its estimate
   */
  public StreamCutter(long limit, String tokenizer) {
    if (limit < 0) {
      throw new IllegalArgumentException("limit must be >= 0: " + limit);
    }
    this.limit = limit;
    this.tokenizer = Objects.requireNonNull(tokenizer);
  }

  /**
   * What to send on for a piece of the stream.
   *
   * @param bytes the whole events that fit, then (when {@code cut}) the error event
   * @param cut whether the stream ends here
   */
  public record Out(ByteString bytes, boolean cut) {}

  /** The next piece of the stream; after a cut, nothing passes. */
  public Out push(byte[] piece) {
    if (cut) {
      return new Out(ByteString.EMPTY, true);
    }
    held.writeBytes(piece);
    byte[] all = held.toByteArray();
    ByteArrayOutputStream out = new ByteArrayOutputStream(all.length + 256);
    int from = 0;
    int end;
    while ((end = eventEnd(all, from)) > 0) {
      long n = tokens(all, from, end);
      if (counted + n > limit) {
        return cutHere(out);
      }
      counted += n;
      out.write(all, from, end - from);
      from = end;
    }
    held.reset();
    held.write(all, from, all.length - from);
    if (held.size() > MAX_EVENT) {
      return cutHere(out);
    }
    return new Out(ByteString.copyFrom(out.toByteArray()), false);
  }

  /** The end of the stream: what is held (an event without its blank line) passes as it is. */
  public Out finish() {
    if (cut) {
      return new Out(ByteString.EMPTY, true);
    }
    byte[] rest = held.toByteArray();
    held.reset();
    long n = tokens(rest, 0, rest.length);
    if (counted + n > limit) {
      return cutHere(new ByteArrayOutputStream());
    }
    counted += n;
    return new Out(ByteString.copyFrom(rest), false);
  }

  /** Tokens of answer text passed on so far. */
  public long counted() {
    return counted;
  }

  /** Whether the stream was cut. */
  public boolean isCut() {
    return cut;
  }

  private Out cutHere(ByteArrayOutputStream out) {
    cut = true;
    held.reset();
    out.writeBytes(errorEvent(limit));
    return new Out(ByteString.copyFrom(out.toByteArray()), true);
  }

  /**
   * The event that ends a cut stream: an SSE {@code error} event whose data is an error object, as
   * OpenAI's and Anthropic's client libraries read a stream's errors ({@code type:
   * budget_exceeded}).
   */
  public static byte[] errorEvent(long limit) {
    return ("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"budget_exceeded\","
            + "\"code\":\"budget_exceeded\",\"message\":\"the answer reached its token budget ("
            + limit
            + " tokens) and was cut off\"}}\n\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  /** The end of the event starting at {@code from} (after its blank line), or -1. */
  private static int eventEnd(byte[] b, int from) {
    for (int i = from; i < b.length; i++) {
      if (b[i] != '\n') {
        continue;
      }
      if (i + 1 < b.length && b[i + 1] == '\n') {
        return i + 2;
      }
      if (i + 2 < b.length && b[i + 1] == '\r' && b[i + 2] == '\n') {
        return i + 3;
      }
    }
    return -1;
  }

  /** The tokens of the answer text in the event {@code b[from, end)}. */
  private long tokens(byte[] b, int from, int end) {
    StringBuilder data = new StringBuilder();
    String event = new String(b, from, end - from, StandardCharsets.UTF_8);
    for (String line : event.split("\r?\n", -1)) {
      if (line.startsWith("data:")) {
        if (!data.isEmpty()) {
          data.append('\n');
        }
        data.append(line.substring(line.startsWith("data: ") ? 6 : 5));
      }
    }
    String d = data.toString().strip();
    if (!d.startsWith("{")) {
      return 0; // [DONE], comments, keep-alives
    }
    JsonNode root;
    try {
      root = JSON.readTree(d);
    } catch (IOException e) {
      return 0; // not JSON: no answer text a model API sends
    }
    StringBuilder text = new StringBuilder();
    JsonNode choices = root.path("choices");
    if (choices.isArray()) {
      for (JsonNode c : choices) {
        JsonNode delta = c.path("delta");
        append(text, delta.path("content"));
        append(text, delta.path("refusal"));
        append(text, delta.path("reasoning_content"));
        for (JsonNode call : delta.path("tool_calls")) {
          append(text, call.path("function").path("arguments"));
        }
        append(text, c.path("text"));
      }
    }
    JsonNode delta = root.path("delta");
    if (delta.isTextual()) {
      append(text, delta); // the responses API's *.delta events
    } else if (delta.isObject()) {
      append(text, delta.path("text")); // Anthropic's content_block_delta
      append(text, delta.path("thinking"));
      append(text, delta.path("partial_json"));
    }
    return text.isEmpty() ? 0 : TokenCounter.standard().count(text.toString(), tokenizer);
  }

  private static void append(StringBuilder text, JsonNode n) {
    if (n.isTextual()) {
      text.append(n.asText());
    }
  }
}
