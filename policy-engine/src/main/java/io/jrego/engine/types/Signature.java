package io.jrego.engine.types;

import io.jrego.engine.value.StringValue;
import java.util.ArrayList;
import java.util.List;

/**
 * A function's name and type, read from the notation OPA prints them in:
 *
 * <pre>{@code
 * concat(delimiter: string, collection: any<array[string], set[string]>) => output: string
 * print(any...)
 * time.now_ns() => now: number
 * }</pre>
 *
 * <p>Types are {@code any}, {@code any<T, ...>}, {@code null}, {@code boolean}, {@code number},
 * {@code string}, {@code array[T]}, {@code array<T, ...>} (fixed items, optionally followed by
 * {@code [T]}), {@code set[T]}, {@code object[K: V]} and {@code object<key: T, ...>} (optionally
 * followed by {@code [K: V]}). An argument or result may be named ({@code name: type}); the last
 * argument may end in {@code ...} (variadic). A malformed signature is a programming error and
 * throws {@link IllegalArgumentException} naming the position.
 *
 * @param name the function's name
 * @param type its arguments and result
 */
public record Signature(String name, Type.Fn type) {

  /** Reads a signature. */
  public static Signature parse(String text) {
    return new Reader(text).signature();
  }

  private static final class Reader {
    private final String s;
    private int pos;

    Reader(String s) {
      this.s = s;
    }

    Signature signature() {
      int open = s.indexOf('(');
      if (open <= 0) {
        throw error("expected name(");
      }
      String name = s.substring(0, open).strip();
      pos = open + 1;
      List<Type> args = new ArrayList<>();
      Type variadic = null;
      skipSpace();
      if (peek() != ')') {
        while (true) {
          Type a = param();
          if (s.startsWith("...", pos)) {
            pos += 3;
            variadic = a;
            skipSpace();
            expect(')');
            break;
          }
          args.add(a);
          skipSpace();
          if (peek() == ',') {
            pos++;
            continue;
          }
          expect(')');
          break;
        }
      } else {
        pos++;
      }
      skipSpace();
      Type result = null;
      if (s.startsWith("=>", pos)) {
        pos += 2;
        result = param();
      }
      skipSpace();
      if (pos != s.length()) {
        throw error("unexpected text");
      }
      return new Signature(name, new Type.Fn(args, result, variadic));
    }

    /** {@code [label:] type}: a label is whatever precedes a colon outside brackets. */
    private Type param() {
      skipSpace();
      int colon = labelEnd();
      if (colon < 0) {
        return type();
      }
      String label = s.substring(pos, colon).strip();
      pos = colon + 1;
      return new Type.Named(label, "", type());
    }

    private int labelEnd() {
      for (int i = pos; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c == ':') {
          return i;
        }
        if (c == '<' || c == '[' || c == ',' || c == ')' || c == '.') {
          return -1;
        }
      }
      return -1;
    }

    private Type type() {
      skipSpace();
      String word = word();
      return switch (word) {
        case "null" -> Types.NULL;
        case "boolean" -> Types.BOOLEAN;
        case "number" -> Types.NUMBER;
        case "string" -> Types.STRING;
        case "any" -> peek() == '<' ? anyOf() : Types.ANY;
        case "set" -> {
          if (peek() != '[') {
            yield new Type.SetOf(null);
          }
          pos++;
          Type of = type();
          expect(']');
          yield new Type.SetOf(of);
        }
        case "array" -> array();
        case "object" -> object();
        default -> throw error("unknown type '" + word + "'");
      };
    }

    private Type anyOf() {
      pos++;
      List<Type> of = list('>');
      return Types.anyOf(of);
    }

    private Type array() {
      List<Type> statics = List.of();
      Type dynamic = null;
      if (peek() == '<') {
        pos++;
        statics = list('>');
      }
      if (peek() == '[') {
        pos++;
        dynamic = type();
        expect(']');
      }
      return new Type.Arr(statics, dynamic);
    }

    private Type object() {
      List<Type.Prop> props = new ArrayList<>();
      Type.DynProp dynamic = null;
      if (peek() == '<') {
        pos++;
        while (true) {
          skipSpace();
          int colon = s.indexOf(':', pos);
          if (colon < 0) {
            throw error("expected key:");
          }
          String key = s.substring(pos, colon).strip();
          pos = colon + 1;
          props.add(new Type.Prop(StringValue.of(key), type()));
          skipSpace();
          if (peek() == ',') {
            pos++;
            continue;
          }
          expect('>');
          break;
        }
      }
      if (peek() == '[') {
        pos++;
        Type k = type();
        skipSpace();
        expect(':');
        Type v = type();
        expect(']');
        dynamic = new Type.DynProp(k, v);
      }
      return Types.object(props, dynamic);
    }

    private List<Type> list(char close) {
      List<Type> out = new ArrayList<>();
      while (true) {
        out.add(type());
        skipSpace();
        if (peek() == ',') {
          pos++;
          continue;
        }
        expect(close);
        return out;
      }
    }

    private String word() {
      int start = pos;
      while (pos < s.length() && Character.isLetter(s.charAt(pos))) {
        pos++;
      }
      return s.substring(start, pos);
    }

    private char peek() {
      return pos < s.length() ? s.charAt(pos) : 0;
    }

    private void expect(char c) {
      skipSpace();
      if (peek() != c) {
        throw error("expected '" + c + "'");
      }
      pos++;
    }

    private void skipSpace() {
      while (pos < s.length() && s.charAt(pos) == ' ') {
        pos++;
      }
    }

    private IllegalArgumentException error(String what) {
      return new IllegalArgumentException(
          "builtin signature \"" + s + "\" at column " + (pos + 1) + ": " + what);
    }
  }
}
