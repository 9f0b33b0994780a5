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
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

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
  private static final StringValue PARSED_BODY = StringValue.of("parsed_body");
  private static final StringValue MESSAGES = StringValue.of("messages");
  private static final StringValue CONTENT = StringValue.of("content");
  private static final StringValue REDACTED_VALUE = StringValue.of(REDACTED);

  private final PiiScanner scanner = PiiScanner.standard();
  private final PiiOptions options;

  DefaultMask() {
    EnumSet<PiiType> types = EnumSet.allOf(PiiType.class);
    types.remove(PiiType.IP);
    options = PiiOptions.defaults().withTypes(types);
  }

  void apply(LogEvent event) throws MaskRule.InvalidMaskException {
    // what the bundle's mask rewrote, before this mask adds its own: the scan leaves it alone
    Set<String> bundleTouched = new HashSet<>(event.erased);
    bundleTouched.addAll(event.masked);
    for (String p : RAW_BODIES) {
      remove(event, p);
    }
    for (String h : CREDENTIAL_HEADERS) {
      redact(event, HEADERS + h);
    }
    Optional<Value> body = at(event.input, "parsed_body");
    if (body.isPresent() && body.get() instanceof ObjectValue) {
      for (String f : PROMPT_FIELDS) {
        redact(event, BODY + "/" + f);
      }
      redactMessageContents(event);
      redact(event, BODY + "/params/arguments");
      redact(event, BODY + "/params/messages");
    }
    if (event.input.isPresent()) {
      event.input =
          Optional.of(scan(event, bundleTouched, event.input.get(), new Pointer(null, "input")));
    }
    if (event.result.isPresent()) {
      event.result =
          Optional.of(scan(event, bundleTouched, event.result.get(), new Pointer(null, "result")));
    }
  }

  /**
   * Each {@code messages[i].content} becomes {@value #REDACTED} in one rewrite of the array (a mask
   * rule per message copied the whole input once per message), each listed in {@code masked} as a
   * rule's would be; contents the bundle's mask rewrote stay as it left them.
   */
  private static void redactMessageContents(LogEvent event) {
    // read again: the prompt fields above may have rewritten the body
    if (!(at(event.input, "parsed_body").orElse(null) instanceof ObjectValue body)
        || !(body.get("messages").orElse(null) instanceof ArrayValue messages)
        || event.touched(BODY + "/messages")) {
      return;
    }
    List<Value> out = null;
    for (int i = 0; i < messages.size(); i++) {
      String pointer = BODY + "/messages/" + i + "/content";
      if (messages.get(i) instanceof ObjectValue m
          && m.get("content").isPresent()
          && !event.touched(pointer)) {
        if (out == null) {
          out = new ArrayList<>(messages.asList());
        }
        out.set(i, m.with(CONTENT, REDACTED_VALUE));
        event.masked.add(pointer);
      }
    }
    if (out != null) {
      ObjectValue input = (ObjectValue) event.input.orElseThrow();
      event.input = Optional.of(input.with(PARSED_BODY, body.with(MESSAGES, ArrayValue.of(out))));
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

  /**
   * Where a value sits, built into a JSON pointer only when one is needed: a string that changed,
   * or a bundle mask that rewrote something (building every pointer was a large part of the cost).
   */
  private record Pointer(Pointer parent, String token) {
    @Override
    public String toString() {
      return parent == null ? "/" + token : parent + "/" + token;
    }
  }

  /** {@code node} with PII in its strings replaced; each changed string recorded. */
  private Value scan(LogEvent event, Set<String> bundleTouched, Value node, Pointer at) {
    switch (node) {
      case StringValue s -> {
        String masked = redactPii(s.value());
        if (masked.equals(s.value())) {
          return s;
        }
        String pointer = at.toString();
        if (!bundleTouched.isEmpty() && touched(bundleTouched, pointer)) {
          return s; // the bundle's mask put this value here: its choice wins
        }
        event.masked.add(pointer);
        return StringValue.of(masked);
      }
      case ObjectValue o -> {
        ObjectValue out = o;
        for (Value k : o.keys()) {
          String key = k instanceof StringValue ks ? ks.value() : Json.keyText(k);
          Value v = o.getOrNull(k);
          Value m = scan(event, bundleTouched, v, new Pointer(at, MaskRule.UrlPath.escape(key)));
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
          Value m = scan(event, bundleTouched, v, new Pointer(at, Integer.toString(i)));
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

  /** Whether {@code pointer} or a value around it is in {@code pointers}. */
  private static boolean touched(Set<String> pointers, String pointer) {
    for (String p = pointer; !p.isEmpty(); p = p.substring(0, p.lastIndexOf('/'))) {
      if (pointers.contains(p)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Strings seen without any finding, so that the values every event repeats (header values,
   * identities, model names, roles) are scanned once rather than per event. Only clean strings are
   * kept: nothing a log must not show stays in memory because of the cache. Bounded in count and
   * length, emptied when full; used by the logger's thread alone.
   */
  private final Set<String> clean = new HashSet<>();

  static final int CLEAN_CACHE_ENTRIES = 4096;
  static final int CLEAN_CACHE_MAX_CHARS = 256;

  private String redactPii(String text) {
    if (text.length() > MAX_SCAN_CHARS) {
      return REDACTED;
    }
    boolean cacheable = text.length() <= CLEAN_CACHE_MAX_CHARS;
    if (cacheable && clean.contains(text)) {
      return text;
    }
    PiiScanner.Result r = scanner.scan(text, options);
    if (r.truncated()) {
      return REDACTED;
    }
    if (r.findings().isEmpty()) {
      if (cacheable) {
        if (clean.size() >= CLEAN_CACHE_ENTRIES) {
          clean.clear();
        }
        clean.add(text);
      }
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
