package io.jrego.server.decisionlog;

import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.NullValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One entry of a {@code system.log.mask} decision, applied as OPA's decision logger applies it: a
 * JSON pointer string removes the value there (recorded in {@code erased}); an object {@code {"op":
 * "upsert", "path": ..., "value": ...}} sets it, creating missing objects on the way (recorded in
 * {@code masked}); {@code "op": "remove"} is the string form. The path starts with {@code /input},
 * {@code /result} or {@code /nd_builtin_cache}; {@code /input} alone removes or replaces the whole
 * input. A path that leads nowhere (a missing key, an index out of range, a scalar on the way) is
 * skipped and not recorded. As OPA, each segment is looked up in its URL-path-escaped form, so a
 * key that escaping changes (one with a space or a slash) cannot be masked.
 */
record MaskRule(Op op, String root, List<String> parts, Value value) {

  enum Op {
    REMOVE,
    UPSERT
  }

  /** A mask decision that cannot be applied; OPA then logs nothing for the event. */
  static final class InvalidMaskException extends Exception {
    private static final long serialVersionUID = 1L;

    InvalidMaskException(String message) {
      super(message);
    }
  }

  /** The rules of a mask decision: a set or array of pointers and upsert objects. */
  static List<MaskRule> parseAll(Value decision) throws InvalidMaskException {
    List<Value> items =
        switch (decision) {
          case SetValue s -> s.elements();
          case ArrayValue a -> a.asList();
          default ->
              throw new InvalidMaskException(
                  "unexpected rule format " + decision + " (" + decision.typeName() + ")");
        };
    List<MaskRule> rules = new ArrayList<>(items.size());
    for (Value item : items) {
      rules.add(parse(item));
    }
    return rules;
  }

  static MaskRule parse(Value item) throws InvalidMaskException {
    return switch (item) {
      case StringValue s -> of(Op.REMOVE, s.value(), NullValue.INSTANCE);
      case ObjectValue o -> {
        Op op = Op.REMOVE;
        Optional<Value> opValue = o.get("op");
        if (opValue.isPresent()) {
          op =
              switch (opValue.get() instanceof StringValue s ? s.value() : "") {
                case "remove" -> Op.REMOVE;
                case "upsert" -> Op.UPSERT;
                case "" -> throw new InvalidMaskException("invalid \"op\" value: " + opValue.get());
                default ->
                    throw new InvalidMaskException(
                        "mask op is not supported: " + ((StringValue) opValue.get()).value());
              };
        }
        Optional<Value> path = o.get("path");
        String p = "";
        if (path.isPresent()) {
          if (!(path.get() instanceof StringValue s) || s.value().isEmpty()) {
            throw new InvalidMaskException("invalid \"path\" value: " + path.get());
          }
          p = s.value();
        }
        yield of(op, p, o.get("value").orElse(NullValue.INSTANCE));
      }
      default ->
          throw new InvalidMaskException(
              "invalid mask rule format encountered: " + item.typeName());
    };
  }

  static MaskRule of(Op op, String path, Value value) throws InvalidMaskException {
    if (path.isEmpty()) {
      throw new InvalidMaskException("mask must be non-empty");
    }
    if (!path.startsWith("/")) {
      throw new InvalidMaskException("mask must be slash-prefixed");
    }
    String[] raw = path.substring(1).split("/", -1);
    if (!List.of("input", "result", "nd_builtin_cache").contains(raw[0])) {
      throw new InvalidMaskException("mask prefix not allowed: " + raw[0]);
    }
    List<String> parts = new ArrayList<>(raw.length - 1);
    for (int i = 1; i < raw.length; i++) {
      if (!UrlPath.isValidEscaped(raw[i])) {
        throw new InvalidMaskException("invalid URL escape in mask path " + path);
      }
      parts.add(UrlPath.escape(raw[i]));
    }
    return new MaskRule(op, raw[0], List.copyOf(parts), value);
  }

  /** The path as OPA records it in {@code erased} or {@code masked}. */
  String pointer() {
    return parts.isEmpty() ? "/" + root : "/" + root + "/" + String.join("/", parts);
  }

  /** Applies this rule to {@code event}; false when it was skipped (nothing there). */
  boolean apply(LogEvent event) {
    Optional<Value> target =
        switch (root) {
          case "input" -> event.input;
          case "result" -> event.result;
          default -> Optional.empty(); // jrego has no non-deterministic builtin cache
        };
    if (target.isEmpty()) {
      return false;
    }
    Optional<Value> changed;
    if (op == Op.REMOVE) {
      changed = parts.isEmpty() ? Optional.empty() : remove(target.get(), 0);
      if (!parts.isEmpty() && changed.isEmpty()) {
        return false;
      }
      set(event, changed);
      event.erased.add(pointer());
    } else {
      if (parts.isEmpty()) {
        changed = Optional.of(value);
      } else {
        if (!(target.get() instanceof ObjectValue)) {
          return false;
        }
        changed = upsert(target.get(), 0);
        if (changed.isEmpty()) {
          return false;
        }
      }
      set(event, changed);
      event.masked.add(pointer());
    }
    return true;
  }

  private void set(LogEvent event, Optional<Value> v) {
    if ("input".equals(root)) {
      event.input = v;
    } else {
      event.result = v;
    }
  }

  /** {@code node} without the value at {@code parts[i..]}, empty when there is none. */
  private Optional<Value> remove(Value node, int i) {
    String key = parts.get(i);
    boolean last = i == parts.size() - 1;
    switch (node) {
      case ObjectValue o -> {
        StringValue k = StringValue.of(key);
        Optional<Value> child = o.get(k);
        if (child.isEmpty()) {
          return Optional.empty();
        }
        if (last) {
          return Optional.of(o.without(k));
        }
        return remove(child.get(), i + 1).map(c -> o.with(k, c));
      }
      case ArrayValue a -> {
        int index = index(key, a.size());
        if (index < 0) {
          return Optional.empty();
        }
        if (last) {
          // OPA removes an array element only through the array's parent
          if (i == 0) {
            return Optional.empty();
          }
          List<Value> l = new ArrayList<>(a.asList());
          l.remove(index);
          return Optional.of(ArrayValue.of(l));
        }
        return remove(a.get(index), i + 1).map(c -> replace(a, index, c));
      }
      default -> {
        return Optional.empty();
      }
    }
  }

  /** {@code node} with {@link #value} at {@code parts[i..]}, empty when the path is blocked. */
  private Optional<Value> upsert(Value node, int i) {
    String key = parts.get(i);
    boolean last = i == parts.size() - 1;
    switch (node) {
      case ObjectValue o -> {
        StringValue k = StringValue.of(key);
        if (last) {
          return Optional.of(o.with(k, value));
        }
        Value child = o.get(k).orElse(ObjectValue.EMPTY);
        return upsert(child, i + 1).map(c -> o.with(k, c));
      }
      case ArrayValue a -> {
        int index = index(key, a.size());
        if (index < 0) {
          return Optional.empty();
        }
        if (last) {
          return Optional.of(replace(a, index, value));
        }
        return upsert(a.get(index), i + 1).map(c -> replace(a, index, c));
      }
      default -> {
        return Optional.empty();
      }
    }
  }

  private static ArrayValue replace(ArrayValue a, int index, Value v) {
    List<Value> l = new ArrayList<>(a.asList());
    l.set(index, v);
    return ArrayValue.of(l);
  }

  /** The index {@code key} names in an array of {@code size}, or -1. */
  private static int index(String key, int size) {
    if (key.isEmpty() || key.length() > 9) {
      return -1;
    }
    for (int j = 0; j < key.length(); j++) {
      if (!Character.isDigit(key.charAt(j))) {
        return -1;
      }
    }
    int n = Integer.parseInt(key);
    return n < size ? n : -1;
  }

  /** Go's {@code url.PathEscape} and {@code url.PathUnescape} validity, as OPA uses them. */
  static final class UrlPath {
    private UrlPath() {}

    static boolean isValidEscaped(String s) {
      for (int i = 0; i < s.length(); i++) {
        if (s.charAt(i) == '%') {
          if (i + 2 >= s.length() || !isHex(s.charAt(i + 1)) || !isHex(s.charAt(i + 2))) {
            return false;
          }
          i += 2;
        }
      }
      return true;
    }

    static String escape(String s) {
      StringBuilder b = null;
      byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
      for (int i = 0; i < bytes.length; i++) {
        int c = bytes[i] & 0xff;
        if (keep(c)) {
          if (b != null) {
            b.append((char) c);
          }
          continue;
        }
        if (b == null) {
          b = new StringBuilder(new String(bytes, 0, i, StandardCharsets.UTF_8));
        }
        b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)));
        b.append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
      return b == null ? s : b.toString();
    }

    private static boolean keep(int c) {
      return (c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || "-_.~$&+:=@".indexOf(c) >= 0;
    }

    private static boolean isHex(char c) {
      return Character.digit(c, 16) >= 0;
    }
  }
}
