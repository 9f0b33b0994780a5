package io.jrego.engine.builtins;

import static io.jrego.engine.builtins.operand.Operands.string;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.jrego.engine.builtins.gocompat.GoFormat;
import io.jrego.engine.builtins.operand.Operands;
import io.jrego.engine.builtins.regex.GlobIntersection;
import io.jrego.engine.builtins.regex.RegexLiterals;
import io.jrego.engine.builtins.regex.RegexSize;
import io.jrego.engine.builtins.spi.BoundedOutput;
import io.jrego.engine.builtins.spi.BuiltinContext;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.builtins.spi.BuiltinRegistry;
import io.jrego.engine.builtins.spi.Declaration;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code regex.*} builtins on RE2/J, which implements Go's RE2 syntax. Matching, splitting,
 * finding and replacing follow Go's regexp package (unanchored search; empty matches right after a
 * match are skipped; {@code $1}/{@code ${name}} expansion).
 */
final class Regex {

  /** Compiled patterns shared by all queries; cleared when full, as OPA's cache is bounded. */
  private static final int CACHE_MAX = 1000;

  private static final Map<String, Compiled> CACHE = new ConcurrentHashMap<>();

  /** A compiled pattern and the literals every match of it contains. */
  private record Compiled(Pattern pattern, RegexLiterals literals) {}

  private Regex() {}

  static void register(BuiltinRegistry r) {
    r.add(Declaration.of("re_match(string, string) => boolean").deprecated(), Regex::match);
    r.add(
        Declaration.of(
            "regex.find_all_string_submatch_n(pattern: string, value: string, "
                + "number: number) => output: array[array[string]]"),
        Regex::findAllSubmatch);
    r.add(
        Declaration.of(
            "regex.find_n(pattern: string, value: string, "
                + "number: number) => output: array[string]"),
        Regex::findN);
    r.add(
        Declaration.of("regex.globs_match(glob1: string, glob2: string) => result: boolean"),
        GlobIntersection::globsMatch);
    r.add(Declaration.of("regex.is_valid(pattern: string) => result: boolean"), Regex::isValid);
    r.add(
        Declaration.of("regex.match(pattern: string, value: string) => result: boolean"),
        Regex::match);
    r.add(
        Declaration.of(
            "regex.replace(s: string, pattern: string, " + "value: string) => output: string"),
        Regex::replace);
    r.add(
        Declaration.of("regex.split(pattern: string, value: string) => output: array[string]"),
        Regex::split);
    r.add(
        Declaration.of(
            "regex.template_match(template: string, value: string, "
                + "delimiter_start: string, delimiter_end: string) => result: boolean"),
        Regex::templateMatch);
  }

  /** The compiled pattern, from the shared cache. */
  static Pattern compile(String pattern) throws BuiltinException {
    return compiled(pattern).pattern();
  }

  private static Compiled compiled(String pattern) throws BuiltinException {
    Compiled c = CACHE.get(pattern);
    if (c != null) {
      return c;
    }
    RegexSize.check(pattern); // before RE2/J: it would build a nested repetition in full
    try {
      c = new Compiled(Pattern.compile(pattern), RegexLiterals.of(pattern));
    } catch (PatternSyntaxException e) {
      throw BuiltinException.error(e.getMessage());
    }
    if (CACHE.size() >= CACHE_MAX) {
      CACHE.clear();
    }
    CACHE.put(pattern, c);
    return c;
  }

  /** Whether {@code pattern} matches somewhere in {@code s}, as Go's regexp.MatchString. */
  static boolean matches(String pattern, String s) throws BuiltinException {
    Compiled c = compiled(pattern);
    // a text without a literal every match needs cannot match: skip the NFA
    return c.literals().mayMatch(s) && c.pattern().matcher(s).find();
  }

  private static Value isValid(Value[] a, BuiltinContext c) {
    if (!(a[0] instanceof StringValue s)) {
      return BooleanValue.FALSE;
    }
    try {
      compile(s.value());
      return BooleanValue.TRUE;
    } catch (BuiltinException e) {
      return BooleanValue.FALSE;
    }
  }

  private static Value match(Value[] a, BuiltinContext c) throws BuiltinException {
    String pattern = string(a[0], 1);
    String s = string(a[1], 2);
    return BooleanValue.of(matches(pattern, s));
  }

  /**
   * Go's allMatches: up to {@code n} (all when negative) non-overlapping matches, each as group
   * start/end pairs (-1 for groups that did not take part).
   */
  static List<int[]> allMatches(Pattern p, String s, int n) {
    List<int[]> out = new ArrayList<>();
    Matcher m = p.matcher(s);
    int groups = m.groupCount();
    int pos = 0;
    int prevEnd = -1;
    while ((n < 0 || out.size() < n) && pos <= s.length()) {
      if (!m.find(pos)) {
        break;
      }
      boolean accept = true;
      if (m.end() == pos) {
        // An empty match where the search began: skip it right after a match, then move on.
        if (m.start() == prevEnd) {
          accept = false;
        }
        pos += pos < s.length() ? Character.charCount(s.codePointAt(pos)) : 1;
      } else {
        pos = m.end();
      }
      prevEnd = m.end();
      if (accept) {
        int[] idx = new int[2 * (groups + 1)];
        for (int g = 0; g <= groups; g++) {
          idx[2 * g] = m.start(g);
          idx[2 * g + 1] = m.end(g);
        }
        out.add(idx);
      }
    }
    return out;
  }

  private static Value findN(Value[] a, BuiltinContext c) throws BuiltinException {
    String pattern = string(a[0], 1);
    String s = string(a[1], 2);
    int n = Operands.clampedInt(a[2], 3);
    ArrayValue.Builder b = new ArrayValue.Builder();
    for (int[] m : allMatches(compile(pattern), s, n)) {
      b.add(StringValue.of(s.substring(m[0], m[1])));
    }
    return b.build();
  }

  private static Value findAllSubmatch(Value[] a, BuiltinContext c) throws BuiltinException {
    String pattern = string(a[0], 1);
    String s = string(a[1], 2);
    int n = Operands.clampedInt(a[2], 3);
    ArrayValue.Builder outer = new ArrayValue.Builder();
    for (int[] m : allMatches(compile(pattern), s, n)) {
      Value[] inner = new Value[m.length / 2];
      for (int g = 0; g < inner.length; g++) {
        inner[g] =
            m[2 * g] < 0 ? StringValue.EMPTY : StringValue.of(s.substring(m[2 * g], m[2 * g + 1]));
      }
      outer.add(ArrayValue.wrap(inner));
    }
    return outer.build();
  }

  private static Value split(Value[] a, BuiltinContext c) throws BuiltinException {
    String pattern = string(a[0], 1);
    String s = string(a[1], 2);
    Pattern p = compile(pattern);
    if (!pattern.isEmpty() && s.isEmpty()) {
      return ArrayValue.of(StringValue.EMPTY);
    }
    ArrayValue.Builder b = new ArrayValue.Builder();
    int beg = 0;
    int end = 0;
    for (int[] m : allMatches(p, s, -1)) {
      end = m[0];
      if (m[1] != 0) {
        b.add(StringValue.of(s.substring(beg, end)));
      }
      beg = m[1];
    }
    if (end != s.length()) {
      b.add(StringValue.of(s.substring(beg)));
    }
    return b.build();
  }

  private static Value replace(Value[] a, BuiltinContext c) throws BuiltinException {
    String s = string(a[0], 1);
    String pattern = string(a[1], 2);
    String template = string(a[2], 3);
    Pattern p = compile(pattern);
    List<int[]> matches = allMatches(p, s, -1);
    if (matches.isEmpty()) {
      return a[0];
    }
    Map<String, Integer> names = p.namedGroups();
    StringBuilder sb = new StringBuilder(s.length());
    int last = 0;
    BoundedOutput bound = new BoundedOutput(c);
    for (int[] m : matches) {
      // each $ in the template may insert the whole match
      bound.adding(sb.length(), m[0] - last + (long) template.length() * Math.max(1, m[1] - m[0]));
      sb.append(s, last, m[0]);
      expand(sb, template, s, m, names);
      last = m[1];
    }
    sb.append(s, last, s.length());
    return StringValue.of(sb.toString());
  }

  /** Go's Regexp.Expand: {@code $n}, {@code ${n}}, {@code $name}, {@code ${name}}, {@code $$}. */
  static void expand(
      StringBuilder sb, String template, String src, int[] match, Map<String, Integer> names) {
    int i = 0;
    int n = template.length();
    while (i < n) {
      int dollar = template.indexOf('$', i);
      if (dollar < 0) {
        sb.append(template, i, n);
        return;
      }
      sb.append(template, i, dollar);
      i = dollar + 1;
      if (i < n && template.charAt(i) == '$') {
        sb.append('$');
        i++;
        continue;
      }
      boolean brace = i < n && template.charAt(i) == '{';
      int start = brace ? i + 1 : i;
      int j = start;
      while (j < n) {
        int cp = template.codePointAt(j);
        if (!Character.isLetterOrDigit(cp) && cp != '_') {
          break;
        }
        j += Character.charCount(cp);
      }
      if (j == start || (brace && (j >= n || template.charAt(j) != '}'))) {
        sb.append('$'); // malformed: the dollar is literal text
        continue;
      }
      String name = template.substring(start, j);
      i = brace ? j + 1 : j;
      int group = groupNumber(name);
      if (group < 0) {
        Integer g = names.get(name);
        group = g == null ? -1 : g;
      }
      if (group >= 0 && 2 * group + 1 < match.length && match[2 * group] >= 0) {
        sb.append(src, match[2 * group], match[2 * group + 1]);
      }
    }
  }

  private static int groupNumber(String name) {
    if (name.length() > 1 && name.charAt(0) == '0') {
      return -1;
    }
    int num = 0;
    for (int k = 0; k < name.length(); k++) {
      char ch = name.charAt(k);
      if (ch < '0' || ch > '9' || num >= 100_000_000) {
        return -1;
      }
      num = num * 10 + (ch - '0');
    }
    return num;
  }

  private static Value templateMatch(Value[] a, BuiltinContext c) throws BuiltinException {
    String template = string(a[0], 1);
    String s = string(a[1], 2);
    String start = string(a[2], 3);
    String end = string(a[3], 4);
    int startLen = start.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    int endLen = end.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    if (startLen != 1) {
      throw BuiltinException.error(
          "start delimiter has to be exactly one character long but is " + startLen + " long");
    }
    if (endLen != 1) {
      // OPA reports the start delimiter's length here too.
      throw BuiltinException.error(
          "end delimiter has to be exactly one character long but is " + startLen + " long");
    }
    String pattern = templatePattern(template, start.charAt(0), end.charAt(0));
    return BooleanValue.of(compile(pattern).matcher(s).find());
  }

  /** OPA's generateRegexTemplate: literal text quoted, delimited parts as groups, anchored. */
  private static String templatePattern(String tpl, char open, char close) throws BuiltinException {
    List<Integer> idxs = new ArrayList<>();
    int level = 0;
    int idx = 0;
    for (int i = 0; i < tpl.length(); i++) {
      char ch = tpl.charAt(i);
      if (ch == open) {
        if (++level == 1) {
          idx = i;
        }
      } else if (ch == close) {
        if (--level == 0) {
          idxs.add(idx);
          idxs.add(i + 1);
        } else if (level < 0) {
          throw BuiltinException.error("unbalanced braces in " + GoFormat.quote(tpl, false));
        }
      }
    }
    if (level != 0) {
      throw BuiltinException.error("unbalanced braces in " + GoFormat.quote(tpl, false));
    }
    StringBuilder sb = new StringBuilder("^");
    int end = 0;
    for (int i = 0; i < idxs.size(); i += 2) {
      String raw = tpl.substring(end, idxs.get(i));
      end = idxs.get(i + 1);
      String part = tpl.substring(idxs.get(i) + 1, end - 1);
      compile("^" + part + "$");
      sb.append(Pattern.quote(raw)).append('(').append(part).append(')');
    }
    sb.append(Pattern.quote(tpl.substring(end))).append('$');
    return sb.toString();
  }
}
