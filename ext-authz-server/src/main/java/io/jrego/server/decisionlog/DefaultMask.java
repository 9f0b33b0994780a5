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
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
  private static final StringValue CONTENT = StringValue.of("content");
  private static final StringValue REDACTED_VALUE = StringValue.of(REDACTED);

  /**
   * The fixed edits of rules 1-3 as a tree of the input's keys, parsed once: walking it rewrites
   * each object on the way once, and visits the edits in the order they are recorded (raw bodies,
   * credential headers, prompt fields, message contents, MCP fields).
   */
  private static final Edit EDITS = edits();

  private final PiiScanner scanner = PiiScanner.standard();
  private final PiiOptions options;

  DefaultMask() {
    EnumSet<PiiType> types = EnumSet.allOf(PiiType.class);
    types.remove(PiiType.IP);
    options = PiiOptions.defaults().withTypes(types);
  }

  void apply(LogEvent event) {
    // what the bundle's mask rewrote, before this mask adds its own: the scan leaves it alone
    Set<String> bundleTouched = new HashSet<>(event.erased);
    bundleTouched.addAll(event.masked);
    if (event.input.isPresent()) {
      Value input = rewrite(event, EDITS, event.input.get());
      event.input = Optional.of(scan(event, bundleTouched, input, new Pointer(null, "input")));
    }
    if (event.result.isPresent()) {
      event.result =
          Optional.of(scan(event, bundleTouched, event.result.get(), new Pointer(null, "result")));
    }
  }

  /** What the mask does to the value at a key of the input. */
  private enum Action {
    /** Walk into it (an object) for the edits below. */
    DESCEND,
    /** Remove it (recorded in {@code erased}). */
    REMOVE,
    /** Replace it with {@value #REDACTED} (recorded in {@code masked}). */
    REDACT,
    /** Replace each {@code content} of the messages in it (an array). */
    MESSAGES
  }

  /** A node of the edit tree: the action at its key, and the edits under it in order. */
  private record Edit(String pointer, Action action, Map<StringValue, Edit> children) {
    Edit child(String key, Action action) {
      return children.computeIfAbsent(
          StringValue.of(key), k -> new Edit(pointer + "/" + key, action, new LinkedHashMap<>()));
    }
  }

  private static Edit edits() {
    Edit input = new Edit("/input", Action.DESCEND, new LinkedHashMap<>());
    Edit http =
        input
            .child("attributes", Action.DESCEND)
            .child("request", Action.DESCEND)
            .child("http", Action.DESCEND);
    http.child("body", Action.REMOVE);
    http.child("raw_body", Action.REMOVE);
    Edit headers = http.child("headers", Action.DESCEND);
    CREDENTIAL_HEADERS.forEach(h -> headers.child(h, Action.REDACT));
    Edit body = input.child("parsed_body", Action.DESCEND);
    PROMPT_FIELDS.forEach(f -> body.child(f, Action.REDACT));
    body.child("messages", Action.MESSAGES);
    Edit params = body.child("params", Action.DESCEND);
    params.child("arguments", Action.REDACT);
    params.child("messages", Action.REDACT);
    return input;
  }

  /**
   * {@code node} with the edits under {@code edit} applied, each object on the way rebuilt once; a
   * value the bundle's mask already removed or replaced (or one inside it) stays as it left it.
   */
  private static Value rewrite(LogEvent event, Edit edit, Value node) {
    if (!(node instanceof ObjectValue o)) {
      return node;
    }
    Map<Value, Value> changes = null; // key to its new value, null where removed
    for (Map.Entry<StringValue, Edit> e : edit.children().entrySet()) {
      Value v = o.getOrNull(e.getKey());
      if (v == null) {
        continue;
      }
      Edit child = e.getValue();
      Value out = v;
      switch (child.action()) {
        case DESCEND -> out = rewrite(event, child, v);
        case REMOVE -> {
          if (!event.touched(child.pointer())) {
            event.erased.add(child.pointer());
            out = null;
          }
        }
        case REDACT -> {
          if (!event.touched(child.pointer())) {
            event.masked.add(child.pointer());
            out = REDACTED_VALUE;
          }
        }
        case MESSAGES -> out = messageContents(event, child.pointer(), v);
      }
      if (out != v) {
        if (changes == null) {
          changes = new HashMap<>();
        }
        changes.put(e.getKey(), out);
      }
    }
    if (changes == null) {
      return o;
    }
    ObjectValue.Builder b = new ObjectValue.Builder();
    Map<Value, Value> c = changes;
    o.forEach(
        (k, v) -> {
          if (!c.containsKey(k)) {
            b.put(k, v);
          } else if (c.get(k) != null) {
            b.put(k, c.get(k));
          }
        });
    return b.build();
  }

  /**
   * Each {@code messages[i].content} becomes {@value #REDACTED} in one rewrite of the array, each
   * listed in {@code masked} as a rule's would be; contents the bundle's mask rewrote stay as it
   * left them.
   */
  private static Value messageContents(LogEvent event, String pointer, Value node) {
    if (!(node instanceof ArrayValue messages) || event.touched(pointer)) {
      return node;
    }
    List<Value> out = null;
    for (int i = 0; i < messages.size(); i++) {
      if (messages.get(i) instanceof ObjectValue m && m.getOrNull(CONTENT) != null) {
        String at = pointer + "/" + i + "/content";
        if (event.touched(at)) {
          continue;
        }
        if (out == null) {
          out = new ArrayList<>(messages.asList());
        }
        out.set(i, m.with(CONTENT, REDACTED_VALUE));
        event.masked.add(at);
      }
    }
    return out == null ? messages : ArrayValue.of(out);
  }

  /**
   * Where a value sits, built into a JSON pointer only when one is needed: a string that changed,
   * or a bundle mask that rewrote something (building every pointer was a large part of the cost).
   */
  private record Pointer(Pointer parent, String key, int index) {
    Pointer(Pointer parent, String key) {
      this(parent, key, -1);
    }

    Pointer(Pointer parent, int index) {
      this(parent, null, index);
    }

    @Override
    public String toString() {
      // object keys are written escaped as OPA's mask paths are (an index needs no escaping)
      String token = key == null ? Integer.toString(index) : MaskRule.UrlPath.escape(key);
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
          Value m = scan(event, bundleTouched, v, new Pointer(at, key));
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
          Value m = scan(event, bundleTouched, v, new Pointer(at, i));
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
