package io.jrego.server.decisionlog;

import io.jrego.engine.builtins.ai.PiiOptions;
import io.jrego.engine.builtins.ai.PiiScanner;
import io.jrego.engine.builtins.ai.PiiType;
import io.jrego.engine.builtins.ai.Redactor;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;

/**
 * The mask jrego applies to every event unless the bundle turns it off, so that an audit trail does
 * not become the leak: prompts, credentials and detected PII never reach a log in clear. Applied
 * after the bundle's {@code system.log.mask}, and never to a value that mask already removed or
 * replaced (the bundle's choice wins). Each change is recorded in {@code erased} or {@code masked}
 * as a bundle rule's would be.
 *
 * <ol>
 *   <li>Raw bodies are removed: {@code /input/attributes/request/http/body} and {@code raw_body}
 *       (the parsed body stays, masked as below).
 *   <li>Credential headers ({@code authorization}, {@code proxy-authorization}, {@code cookie},
 *       {@code x-api-key}, {@code api-key}, {@code x-goog-api-key}) become {@value #REDACTED}.
 *   <li>Prompt text in {@code /input/parsed_body} becomes {@value #REDACTED}: each {@code
 *       messages[i].content} (chat), {@code prompt}, {@code input}, {@code instructions}, {@code
 *       system}, {@code suffix} (completions, responses, embeddings, Anthropic), {@code contents}
 *       (Gemini), {@code query} and {@code documents} (RAG and rerank), and MCP's {@code
 *       params.arguments} ({@code tools/call}) and {@code params.messages} (sampling).
 *   <li>Every other string in {@code input} and {@code result} is scanned with jrego's PII and
 *       secrets scanner (every type but IP addresses, which an audit trail needs) and each finding
 *       replaced by its type, {@code <EMAIL>}, {@code <CARD>}. A string longer than {@value
 *       #MAX_SCAN_CHARS} characters, or with more findings than the scanner reports, is replaced
 *       whole.
 * </ol>
 */
final class DefaultMask {

  static final String REDACTED = "[REDACTED]";
  static final int MAX_SCAN_CHARS = 65_536;

  private static final List<String> RAW_BODIES =
      List.of("/input/attributes/request/http/body", "/input/attributes/request/http/raw_body");
  private static final List<String> CREDENTIAL_HEADERS =
      List.of(
          "authorization",
          "proxy-authorization",
          "cookie",
          "x-api-key",
          "api-key",
          "x-goog-api-key");
  private static final List<String> PROMPT_FIELDS =
      List.of(
          "prompt", "input", "instructions", "system", "suffix", "contents", "query", "documents");
  private static final String HEADERS = "/input/attributes/request/http/headers/";
  private static final String BODY = "/input/parsed_body";

  private final PiiScanner scanner = PiiScanner.standard();
  private final PiiOptions options;

  DefaultMask() {
    EnumSet<PiiType> types = EnumSet.allOf(PiiType.class);
    types.remove(PiiType.IP);
    options = PiiOptions.defaults().withTypes(types);
  }

  void apply(LogEvent event) throws MaskRule.InvalidMaskException {
    for (String p : RAW_BODIES) {
      remove(event, p);
    }
    for (String h : CREDENTIAL_HEADERS) {
      redact(event, HEADERS + h);
    }
    Optional<Value> body = at(event.input, "parsed_body");
    if (body.isPresent() && body.get() instanceof ObjectValue o) {
      for (String f : PROMPT_FIELDS) {
        redact(event, BODY + "/" + f);
      }
      if (o.get("messages").orElse(null) instanceof ArrayValue messages) {
        for (int i = 0; i < messages.size(); i++) {
          redact(event, BODY + "/messages/" + i + "/content");
        }
      }
      redact(event, BODY + "/params/arguments");
      redact(event, BODY + "/params/messages");
    }
    if (event.input.isPresent()) {
      event.input = Optional.of(scan(event, event.input.get(), "/input"));
    }
    if (event.result.isPresent()) {
      event.result = Optional.of(scan(event, event.result.get(), "/result"));
    }
  }

  private static void remove(LogEvent event, String pointer) throws MaskRule.InvalidMaskException {
    if (!event.touched(pointer)) {
      MaskRule.of(MaskRule.Op.REMOVE, pointer, StringValue.EMPTY).apply(event);
    }
  }

  /** Replaces the value at {@code pointer}, if there is one and the bundle left it alone. */
  private static void redact(LogEvent event, String pointer) throws MaskRule.InvalidMaskException {
    if (event.touched(pointer) || !exists(event, pointer)) {
      return;
    }
    MaskRule.of(MaskRule.Op.UPSERT, pointer, StringValue.of(REDACTED)).apply(event);
  }

  private static boolean exists(LogEvent event, String pointer) {
    String[] parts = pointer.substring("/input/".length()).split("/", -1);
    Optional<Value> node = event.input;
    for (String p : parts) {
      node = node.flatMap(n -> child(n, p));
    }
    return node.isPresent();
  }

  private static Optional<Value> at(Optional<Value> root, String key) {
    return root.flatMap(r -> child(r, key));
  }

  private static Optional<Value> child(Value node, String key) {
    if (node instanceof ObjectValue o) {
      return o.get(key);
    }
    if (node instanceof ArrayValue a
        && !key.isEmpty()
        && key.chars().allMatch(Character::isDigit)
        && key.length() < 10) {
      int i = Integer.parseInt(key);
      return i < a.size() ? Optional.of(a.get(i)) : Optional.empty();
    }
    return Optional.empty();
  }

  /** {@code node} with PII in its strings replaced; each changed string recorded. */
  private Value scan(LogEvent event, Value node, String pointer) {
    switch (node) {
      case StringValue s -> {
        if (event.touched(pointer)) {
          return s;
        }
        String masked = redactPii(s.value());
        if (masked.equals(s.value())) {
          return s;
        }
        event.masked.add(pointer);
        return StringValue.of(masked);
      }
      case ObjectValue o -> {
        ObjectValue out = o;
        for (Value k : o.keys()) {
          String key = k instanceof StringValue ks ? ks.value() : Json.keyText(k);
          Value v = o.getOrNull(k);
          Value m = scan(event, v, pointer + "/" + MaskRule.UrlPath.escape(key));
          if (m != v) {
            out = out.with(k, m);
          }
        }
        return out;
      }
      case ArrayValue a -> {
        List<Value> l = null;
        for (int i = 0; i < a.size(); i++) {
          Value v = a.get(i);
          Value m = scan(event, v, pointer + "/" + i);
          if (m != v) {
            if (l == null) {
              l = new ArrayList<>(a.asList());
            }
            l.set(i, m);
          }
        }
        return l == null ? a : ArrayValue.of(l);
      }
      default -> {
        return node;
      }
    }
  }

  private String redactPii(String text) {
    if (text.length() > MAX_SCAN_CHARS) {
      return REDACTED;
    }
    PiiScanner.Result r = scanner.scan(text, options);
    if (r.truncated()) {
      return REDACTED;
    }
    if (r.findings().isEmpty()) {
      return text;
    }
    return new Redactor(new Redactor.Options(Redactor.Mode.TYPE, REDACTED))
        .redact(text, r.findings())
        .text();
  }

  /** Object keys that are not strings (Rego allows them) are named by their JSON text. */
  private static final class Json {
    private Json() {}

    static String keyText(Value k) {
      return io.jrego.engine.value.Json.write(k);
    }
  }
}
