package io.jrego.engine.builtins;

import static io.jrego.engine.builtins.operand.Operands.string;

import io.jrego.engine.builtins.gocompat.GoFormat;
import io.jrego.engine.builtins.operand.Operands;
import io.jrego.engine.builtins.spi.BoundedOutput;
import io.jrego.engine.builtins.spi.BuiltinContext;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.builtins.spi.BuiltinRegistry;
import io.jrego.engine.builtins.spi.Declaration;
import io.jrego.engine.builtins.spi.TextSize;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * String builtins. Go strings are UTF-8 bytes and OPA counts positions in runes; here positions are
 * code points, which is the same for valid text.
 */
final class Strings {

  private Strings() {}

  static void register(BuiltinRegistry r) {
    r.add(
        Declaration.of(
                "concat(delimiter: string, collection: any<array[string], "
                    + "set[string]>) => output: string")
            .categories("strings"),
        Strings::concat);
    r.add(
        Declaration.of("contains(haystack: string, needle: string) => result: boolean")
            .categories("strings"),
        (a, c) -> BooleanValue.of(string(a[0], 1).contains(string(a[1], 2))));
    r.add(
        Declaration.of("endswith(search: string, base: string) => result: boolean")
            .categories("strings"),
        (a, c) -> BooleanValue.of(string(a[0], 1).endsWith(string(a[1], 2))));
    r.add(
        Declaration.of("format_int(number: number, base: number) => output: string")
            .categories("strings"),
        Strings::formatInt);
    r.add(
        Declaration.of("indexof(haystack: string, needle: string) => output: number")
            .categories("strings"),
        Strings::indexOf);
    r.add(
        Declaration.of("indexof_n(haystack: string, needle: string) => output: array[number]")
            .categories("strings"),
        Strings::indexOfN);
    r.add(
        Declaration.of("lower(x: string) => y: string").categories("strings"),
        (a, c) -> same(a[0], mapCase(string(a[0], 1), false)));
    r.add(
        Declaration.of("replace(x: string, old: string, new: string) => y: string")
            .categories("strings"),
        Strings::replace);
    r.add(
        Declaration.of("split(x: string, delimiter: string) => ys: array[string]")
            .categories("strings"),
        Strings::split);
    r.add(
        Declaration.of("sprintf(format: string, values: array[any]) => output: string")
            .categories("strings"),
        Strings::sprintf);
    r.add(
        Declaration.of("startswith(search: string, base: string) => result: boolean")
            .categories("strings"),
        (a, c) -> BooleanValue.of(string(a[0], 1).startsWith(string(a[1], 2))));
    r.add(
        Declaration.of(
                "strings.any_prefix_match(search: any<string, array[string], "
                    + "set[string]>, base: any<string, array[string], "
                    + "set[string]>) => result: boolean")
            .categories("strings"),
        (a, c) -> anyAffixMatch(a, false, c));
    r.add(
        Declaration.of(
                "strings.any_suffix_match(search: any<string, array[string], "
                    + "set[string]>, base: any<string, array[string], "
                    + "set[string]>) => result: boolean")
            .categories("strings"),
        (a, c) -> anyAffixMatch(a, true, c));
    r.add(
        Declaration.of("strings.count(search: string, substring: string) => output: number")
            .categories("strings"),
        Strings::count);
    r.add(
        Declaration.of(
            "strings.replace_n(patterns: object[string: string], "
                + "value: string) => output: string"),
        Strings::replaceN);
    r.add(
        Declaration.of("strings.reverse(x: string) => y: string").categories("strings"),
        (a, c) -> StringValue.of(reverse(string(a[0], 1))));
    r.add(
        Declaration.of(
                "strings.split_n(x: string, delimiter: string, "
                    + "n: number) => ys: array[string]")
            .categories("strings"),
        Strings::splitN);
    r.add(
        Declaration.of(
                "substring(value: string, offset: number, " + "length: number) => output: string")
            .categories("strings"),
        Strings::substring);
    r.add(
        Declaration.of("trim(value: string, cutset: string) => output: string")
            .categories("strings"),
        (a, c) -> same(a[0], trim(string(a[0], 1), string(a[1], 2), true, true)));
    r.add(
        Declaration.of("trim_left(value: string, cutset: string) => output: string")
            .categories("strings"),
        (a, c) -> same(a[0], trim(string(a[0], 1), string(a[1], 2), true, false)));
    r.add(
        Declaration.of("trim_prefix(value: string, prefix: string) => output: string")
            .categories("strings"),
        Strings::trimPrefix);
    r.add(
        Declaration.of("trim_right(value: string, cutset: string) => output: string")
            .categories("strings"),
        (a, c) -> same(a[0], trim(string(a[0], 1), string(a[1], 2), false, true)));
    r.add(
        Declaration.of("trim_space(value: string) => output: string").categories("strings"),
        (a, c) -> same(a[0], trimSpace(string(a[0], 1))));
    r.add(
        Declaration.of("trim_suffix(value: string, suffix: string) => output: string")
            .categories("strings"),
        Strings::trimSuffix);
    r.add(
        Declaration.of("upper(x: string) => y: string").categories("strings"),
        (a, c) -> same(a[0], mapCase(string(a[0], 1), true)));
  }

  /** Returns the operand itself when the result is the same string, to avoid an allocation. */
  private static Value same(Value original, String result) {
    return ((StringValue) original).value().equals(result) ? original : StringValue.of(result);
  }

  private static Value concat(Value[] a, BuiltinContext c) throws BuiltinException {
    String sep = string(a[0], 1);
    if (!(a[1] instanceof ArrayValue) && !(a[1] instanceof SetValue)) {
      throw Operands.typeError(2, a[1], "set", "array");
    }
    List<String> parts = Operands.strings(a[1], 2);
    long length = (long) sep.length() * Math.max(0, parts.size() - 1);
    for (String p : parts) {
      length += p.length();
    }
    c.reserve(2 * length); // the parts may be one long string many times over
    return StringValue.of(String.join(sep, parts));
  }

  private static Value formatInt(Value[] a, BuiltinContext c) throws BuiltinException {
    NumberValue n = Operands.number(a[0], 1);
    NumberValue base = Operands.number(a[1], 2);
    int radix =
        switch (base.toString()) {
          case "2" -> 2;
          case "8" -> 8;
          case "10" -> 10;
          case "16" -> 16;
          default -> throw Operands.enumError(2, "2", "8", "10", "16");
        };
    // Fractions are truncated toward zero, as OPA does.
    BigInteger i = n.isSmall() ? BigInteger.valueOf(n.longValue()) : n.bigDecimal().toBigInteger();
    return StringValue.of(i.toString(radix));
  }

  private static Value indexOf(Value[] a, BuiltinContext c) throws BuiltinException {
    String s = string(a[0], 1);
    String search = string(a[1], 2);
    if (search.isEmpty()) {
      throw BuiltinException.error("empty search character");
    }
    int i = s.indexOf(search);
    return NumberValue.of(i < 0 ? -1 : s.codePointCount(0, i));
  }

  private static Value indexOfN(Value[] a, BuiltinContext c) throws BuiltinException {
    String s = string(a[0], 1);
    String search = string(a[1], 2);
    if (search.isEmpty()) {
      throw BuiltinException.error("empty search character");
    }
    ArrayValue.Builder out = new ArrayValue.Builder();
    int runes = 0;
    int last = 0;
    for (int i = s.indexOf(search); i >= 0; i = s.indexOf(search, s.offsetByCodePoints(i, 1))) {
      runes += s.codePointCount(last, i);
      last = i;
      out.add(NumberValue.of(runes));
    }
    return out.build();
  }

  /** Go's unicode.ToLower/ToUpper applied rune by rune (simple case mapping). */
  static String mapCase(String s, boolean upper) {
    StringBuilder sb = null;
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      int mapped = upper ? Character.toUpperCase(cp) : Character.toLowerCase(cp);
      if (mapped != cp && sb == null) {
        sb = new StringBuilder(s.length()).append(s, 0, i);
      }
      if (sb != null) {
        sb.appendCodePoint(mapped);
      }
      i += Character.charCount(cp);
    }
    return sb == null ? s : sb.toString();
  }

  private static Value replace(Value[] a, BuiltinContext c) throws BuiltinException {
    String s = string(a[0], 1);
    String old = string(a[1], 2);
    String repl = string(a[2], 3);
    return same(a[0], replaceAll(s, List.of(old), List.of(repl), new BoundedOutput(c)));
  }

  private static Value replaceN(Value[] a, BuiltinContext c) throws BuiltinException {
    ObjectValue patterns = Operands.object(a[0], 1);
    String s = string(a[1], 2);
    List<String> olds = new ArrayList<>();
    List<String> news = new ArrayList<>();
    for (Value k : patterns.keys()) {
      if (!(k instanceof StringValue ks)) {
        throw Operands.failure(1, "non-string key found in pattern object");
      }
      if (!(patterns.getOrNull(k) instanceof StringValue vs)) {
        throw Operands.failure(1, "non-string value found in pattern object");
      }
      olds.add(ks.value());
      news.add(vs.value());
    }
    return StringValue.of(replaceAll(s, olds, news, new BoundedOutput(c)));
  }

  /**
   * Go's strings.Replacer: scanning left to right, at each position the first pattern (in argument
   * order) that matches is replaced; matches do not overlap. An empty pattern matches at every
   * position, including the end.
   */
  static String replaceAll(String s, List<String> olds, List<String> news, BoundedOutput bound) {
    if (olds.size() == 1 && !olds.get(0).isEmpty()) {
      String old = olds.get(0);
      long grow = news.get(0).length() - (long) old.length();
      if (grow > 0) {
        long count = 0;
        for (int i = s.indexOf(old); i >= 0; i = s.indexOf(old, i + old.length())) {
          count++;
        }
        bound.adding(0, s.length() + count * grow);
      }
      return s.replace(old, news.get(0));
    }
    StringBuilder sb = new StringBuilder(s.length());
    int i = 0;
    while (i <= s.length()) {
      bound.step(olds.size()); // patterns times positions: both may come from the request
      int match = -1;
      for (int p = 0; p < olds.size(); p++) {
        if (s.startsWith(olds.get(p), i)) {
          match = p;
          break;
        }
      }
      if (match >= 0) {
        bound.adding(sb.length(), news.get(match).length());
        sb.append(news.get(match));
        if (!olds.get(match).isEmpty()) {
          i += olds.get(match).length();
          continue;
        }
      }
      if (i == s.length()) {
        break;
      }
      int cp = s.codePointAt(i);
      sb.appendCodePoint(cp);
      i += Character.charCount(cp);
    }
    return sb.toString();
  }

  private static Value split(Value[] a, BuiltinContext c) throws BuiltinException {
    String s = string(a[0], 1);
    String d = string(a[1], 2);
    return toArray(splitGo(s, d, -1));
  }

  private static Value splitN(Value[] a, BuiltinContext c) throws BuiltinException {
    String s = string(a[0], 1);
    String d = string(a[1], 2);
    long n = Operands.integer(a[2], 3);
    if (n >= 0) {
      long limit = n >= Integer.MAX_VALUE ? -1 : n + 1;
      List<String> parts = splitGo(s, d, (int) limit);
      return toArray(parts.subList(0, (int) Math.min(n, parts.size())));
    }
    List<String> parts = splitGo(s, d, -1);
    long start = Math.max(parts.size() + n, 0);
    return toArray(parts.subList((int) start, parts.size()));
  }

  private static ArrayValue toArray(List<String> parts) {
    Value[] out = new Value[parts.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = StringValue.of(parts.get(i));
    }
    return ArrayValue.wrap(out);
  }

  /** Go's strings.SplitN: an empty separator splits into runes; limit &lt; 0 means all. */
  static List<String> splitGo(String s, String sep, int limit) {
    List<String> out = new ArrayList<>();
    if (limit == 0) {
      return out;
    }
    if (sep.isEmpty()) {
      int i = 0;
      while (i < s.length()) {
        if (limit > 0 && out.size() == limit - 1) {
          out.add(s.substring(i));
          return out;
        }
        int next = s.offsetByCodePoints(i, 1);
        out.add(s.substring(i, next));
        i = next;
      }
      return out;
    }
    int start = 0;
    while (limit < 0 || out.size() < limit - 1) {
      int i = s.indexOf(sep, start);
      if (i < 0) {
        break;
      }
      out.add(s.substring(start, i));
      start = i + sep.length();
    }
    out.add(s.substring(start));
    return out;
  }

  private static Value sprintf(Value[] a, BuiltinContext c) throws BuiltinException {
    String format = string(a[0], 1);
    ArrayValue args = Operands.array(a[1], 2);
    c.reserve(2 * TextSize.of(args, c.allocationLimit())); // composites print as their text
    return StringValue.of(GoFormat.sprintf(format, args, new BoundedOutput(c)));
  }

  private static Value anyAffixMatch(Value[] a, boolean suffix, BuiltinContext c)
      throws BuiltinException {
    List<String> search;
    switch (a[0]) {
      case StringValue s -> search = List.of(s.value());
      case ArrayValue x -> search = Operands.strings(x, 1);
      case SetValue x -> search = Operands.strings(x, 1);
      default -> throw Operands.typeError(1, a[0], "string", "set", "array");
    }
    List<String> bases;
    switch (a[1]) {
      case StringValue s -> bases = List.of(s.value());
      case ArrayValue x -> bases = Operands.strings(x, 2);
      case SetValue x -> bases = Operands.strings(x, 2);
      default -> throw Operands.typeError(2, a[1], "string", "set", "array");
    }
    for (String s : search) {
      c.checkpoint(bases.size()); // search times bases: both may come from the request
      for (String b : bases) {
        if (suffix ? s.endsWith(b) : s.startsWith(b)) {
          return BooleanValue.TRUE;
        }
      }
    }
    return BooleanValue.FALSE;
  }

  private static Value count(Value[] a, BuiltinContext c) throws BuiltinException {
    String s = string(a[0], 1);
    String sub = string(a[1], 2);
    if (sub.isEmpty()) {
      return NumberValue.of(Operands.runeCount(s) + 1L);
    }
    int n = 0;
    for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length())) {
      n++;
    }
    return NumberValue.of(n);
  }

  static String reverse(String s) {
    return new StringBuilder(s).reverse().toString();
  }

  private static Value substring(Value[] a, BuiltinContext c) throws BuiltinException {
    String s = string(a[0], 1);
    long start = Operands.integer(a[1], 2);
    long length = Operands.integer(a[2], 3);
    if (start < 0) {
      throw BuiltinException.error("negative offset");
    }
    int runes = Operands.runeCount(s);
    if (start >= runes) {
      return StringValue.EMPTY;
    }
    int from = s.offsetByCodePoints(0, (int) start);
    if (length < 0 || length >= runes - start) {
      return from == 0 ? a[0] : StringValue.of(s.substring(from));
    }
    return StringValue.of(s.substring(from, s.offsetByCodePoints(from, (int) length)));
  }

  /** Go's strings.Trim/TrimLeft/TrimRight: strips any code point in {@code cutset}. */
  static String trim(String s, String cutset, boolean left, boolean right) {
    int start = 0;
    int end = s.length();
    if (left) {
      while (start < end) {
        int cp = s.codePointAt(start);
        if (cutset.indexOf(cp) < 0) {
          break;
        }
        start += Character.charCount(cp);
      }
    }
    if (right) {
      while (end > start) {
        int cp = s.codePointBefore(end);
        if (cutset.indexOf(cp) < 0) {
          break;
        }
        end -= Character.charCount(cp);
      }
    }
    return s.substring(start, end);
  }

  private static Value trimPrefix(Value[] a, BuiltinContext c) throws BuiltinException {
    String s = string(a[0], 1);
    String p = string(a[1], 2);
    return s.startsWith(p) && !p.isEmpty() ? StringValue.of(s.substring(p.length())) : a[0];
  }

  private static Value trimSuffix(Value[] a, BuiltinContext c) throws BuiltinException {
    String s = string(a[0], 1);
    String p = string(a[1], 2);
    return s.endsWith(p) && !p.isEmpty()
        ? StringValue.of(s.substring(0, s.length() - p.length()))
        : a[0];
  }

  /** Go's unicode.IsSpace. */
  static boolean isGoSpace(int cp) {
    return switch (cp) {
      case '\t', '\n', 0x0B, '\f', '\r', ' ', 0x85, 0xA0 -> true;
      default -> cp > 0xFF && Character.isSpaceChar(cp);
    };
  }

  static String trimSpace(String s) {
    int start = 0;
    int end = s.length();
    while (start < end && isGoSpace(s.codePointAt(start))) {
      start += Character.charCount(s.codePointAt(start));
    }
    while (end > start && isGoSpace(s.codePointBefore(end))) {
      end -= Character.charCount(s.codePointBefore(end));
    }
    return s.substring(start, end);
  }
}
