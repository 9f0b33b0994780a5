package io.jrego.engine.builtins;

import static io.jrego.engine.builtins.operand.Operands.string;

import com.google.re2j.Pattern;
import io.jrego.engine.builtins.operand.Operands;
import io.jrego.engine.builtins.spi.BuiltinContext;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.builtins.spi.BuiltinRegistry;
import io.jrego.engine.builtins.spi.Declaration;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.NullValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code glob.match} and {@code glob.quote_meta} with the gobwas/glob syntax OPA uses: {@code *}
 * (no separators), {@code **} (anything), {@code ?}, {@code [abc]}, {@code [a-z]}, {@code [!...]},
 * {@code {a,b}} and {@code \} escapes. Separators default to {@code .} for an empty array; {@code
 * null} means none. Globs are translated to anchored RE2 patterns and cached.
 */
final class Glob {

  private static final int CACHE_MAX = 1000;
  private static final Map<String, Pattern> CACHE = new ConcurrentHashMap<>();

  private Glob() {}

  static void register(BuiltinRegistry r) {
    r.add(
        Declaration.of(
            "glob.match(pattern: string, delimiters: any<null, array[string]>, "
                + "match: string) => result: boolean"),
        Glob::match);
    r.add(
        Declaration.of("glob.quote_meta(pattern: string) => output: string"),
        (a, c) -> StringValue.of(quoteMeta(string(a[0], 1))));
  }

  static String quoteMeta(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 4);
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if ("*?\\[]{}".indexOf(ch) >= 0) {
        sb.append('\\');
      }
      sb.append(ch);
    }
    return sb.toString();
  }

  private static Value match(Value[] a, BuiltinContext c) throws BuiltinException {
    String pattern = string(a[0], 1);
    String separators;
    switch (a[1]) {
      case NullValue n -> separators = "";
      case ArrayValue arr -> {
        StringBuilder sb = new StringBuilder();
        for (Value v : arr) {
          if (!(v instanceof StringValue s)) {
            throw Operands.elementError(2, arr, v, "string");
          }
          if (s.value().codePointCount(0, s.value().length()) != 1) {
            throw Operands.elementError(2, arr, v, "rune");
          }
          sb.append(s.value());
        }
        separators = arr.isEmpty() ? "." : sb.toString();
      }
      default -> throw Operands.typeError(2, a[1], "array", "null");
    }
    String s = string(a[2], 3);
    String key = pattern + "\u0000" + separators;
    Pattern p = CACHE.get(key);
    if (p == null) {
      p = Pattern.compile(new Translator(pattern, separators).translate());
      if (CACHE.size() >= CACHE_MAX) {
        CACHE.clear();
      }
      CACHE.put(key, p);
    }
    return BooleanValue.of(p.matches(s));
  }

  /** Translates one glob to an RE2 pattern, following gobwas/glob's lexer. */
  private static final class Translator {
    private final String glob;
    private final String notSep;
    private final String anyRun;
    private int pos;
    private int terms;

    Translator(String glob, String separators) {
      this.glob = glob;
      if (separators.isEmpty()) {
        notSep = ".";
      } else {
        StringBuilder sb = new StringBuilder("[^");
        separators.codePoints().forEach(cp -> sb.append(escape(cp)));
        notSep = sb.append(']').toString();
      }
      anyRun = notSep + "*";
    }

    private static String escape(int cp) {
      return String.format("\\x{%x}", cp);
    }

    private BuiltinException error(String reason) {
      return BuiltinException.error("glob: syntax error at " + pos + ": " + reason);
    }

    String translate() throws BuiltinException {
      StringBuilder out = new StringBuilder("(?s)^");
      while (pos < glob.length()) {
        char ch = glob.charAt(pos);
        if (ch == '{') {
          pos++;
          terms++;
          out.append("(?:");
        } else if (ch == ',' && terms > 0) {
          pos++;
          out.append('|');
        } else if (ch == '}' && terms > 0) {
          pos++;
          terms--;
          out.append(')');
        } else if (ch == '[') {
          pos++;
          out.append(range());
        } else if (ch == '?') {
          pos++;
          out.append(notSep);
        } else if (ch == '*') {
          pos++;
          if (pos < glob.length() && glob.charAt(pos) == '*') {
            pos++;
            out.append(".*");
          } else {
            out.append(anyRun);
          }
        } else {
          out.append(Pattern.quote(text(terms > 0 ? "?*[{}," : "?*[{")));
        }
      }
      if (terms > 0) {
        throw error("unclosed `{`");
      }
      return out.append('$').toString();
    }

    private String text(String breakers) throws BuiltinException {
      StringBuilder sb = new StringBuilder();
      boolean escaped = false;
      while (pos < glob.length()) {
        char ch = glob.charAt(pos);
        if (!escaped) {
          if (ch == '\\') {
            escaped = true;
            pos++;
            continue;
          }
          if (breakers.indexOf(ch) >= 0) {
            break;
          }
        }
        escaped = false;
        sb.append(ch);
        pos++;
      }
      if (escaped) {
        throw error("trailing backslash");
      }
      return sb.toString();
    }

    private String range() throws BuiltinException {
      StringBuilder cls = new StringBuilder("[");
      if (pos < glob.length() && glob.charAt(pos) == '!') {
        cls.append('^');
        pos++;
      }
      if (pos >= glob.length()) {
        throw error("unexpected end of input");
      }
      int lo = glob.codePointAt(pos);
      int after = pos + Character.charCount(lo);
      if (after < glob.length() && glob.charAt(after) == '-') {
        pos = after + 1;
        if (pos >= glob.length()) {
          throw error("unexpected end of input");
        }
        int hi = glob.codePointAt(pos);
        pos += Character.charCount(hi);
        if (pos >= glob.length()) {
          throw error("unexpected end of input");
        }
        if (hi < lo) {
          throw error("range hi character is less than lo");
        }
        cls.append(escape(lo)).append('-').append(escape(hi));
      } else {
        String items = text("]");
        if (items.isEmpty()) {
          throw error("unexpected end of input");
        }
        items.codePoints().forEach(cp -> cls.append(escape(cp)));
      }
      if (pos >= glob.length()) {
        throw error("unexpected end of input");
      }
      if (glob.charAt(pos) != ']') {
        throw error("expected close range character");
      }
      pos++;
      return cls.append(']').toString();
    }
  }
}
