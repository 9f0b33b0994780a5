package io.jrego.engine.builtins.yaml;

import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.NullValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a value as OPA's {@code yaml.marshal} does: the value as JSON, read back by Go's yaml
 * package and written in block style with two-space indents, sequences indented under their key,
 * keys in yaml.v3's natural order, and each string in the style libyaml's emitter picks (plain,
 * single-quoted, double-quoted or literal block).
 */
public final class YamlEmitter {

  private YamlEmitter() {}

  private static final int INDENT = 2;

  public static String marshal(Value v) {
    StringBuilder sb = new StringBuilder();
    Node n = node(v);
    if (n instanceof Scalar s) {
      writeScalar(sb, s.text, s.quoteable, 0, false);
    } else if (n.isEmpty()) {
      sb.append(n instanceof Mapping ? "{}" : "[]");
    } else {
      writeBlock(sb, n, 0, false);
      return sb.toString();
    }
    return sb.append('\n').toString();
  }

  private sealed interface Node permits Scalar, Sequence, Mapping {
    default boolean isEmpty() {
      return false;
    }
  }

  /** A scalar's text; {@code quoteable} when it is a string rather than a number, bool or null. */
  private record Scalar(String text, boolean quoteable) implements Node {}

  private record Sequence(List<Node> items) implements Node {
    @Override
    public boolean isEmpty() {
      return items.isEmpty();
    }
  }

  private record Mapping(Map<String, Node> entries) implements Node {
    @Override
    public boolean isEmpty() {
      return entries.isEmpty();
    }
  }

  /** The value as Go's yaml package sees it after the JSON round trip. */
  private static Node node(Value v) {
    return switch (v) {
      case NullValue n -> new Scalar("null", false);
      case BooleanValue b -> new Scalar(Boolean.toString(b.value()), false);
      case NumberValue n -> number(n.toString());
      case StringValue s -> new Scalar(s.value(), true);
      case ArrayValue a -> new Sequence(a.asList().stream().map(YamlEmitter::node).toList());
      case SetValue s -> new Sequence(s.elements().stream().map(YamlEmitter::node).toList());
      case ObjectValue o -> {
        Map<String, Node> m = new TreeMap<>(YamlEmitter::keyLess);
        o.forEach(
            (k, val) -> m.put(k instanceof StringValue s ? s.value() : k.toString(), node(val)));
        yield new Mapping(m);
      }
    };
  }

  /** A JSON number as yaml.v3 reads it (int, uint or float64) and writes it back. */
  private static Node number(String text) {
    BigInteger i = YamlScalars.goParseInt(text);
    if (i != null) {
      return new Scalar(i.toString(), false);
    }
    try {
      double d = Double.parseDouble(text);
      if (!Double.isInfinite(d)) {
        return new Scalar(YamlScalars.GoFloats.g(d), false);
      }
    } catch (NumberFormatException e) {
      // not a float either: yaml.v3 keeps it as a string, written plain
    }
    return new Scalar(text, false);
  }

  private static void indent(StringBuilder sb, int n) {
    sb.append(" ".repeat(n));
  }

  /**
   * Writes a non-empty collection at column {@code indent}; when {@code inline}, its first line
   * continues the current one (after a sequence's {@code "- "}).
   */
  private static void writeBlock(StringBuilder sb, Node n, int indent, boolean inline) {
    boolean first = true;
    if (n instanceof Mapping m) {
      for (Map.Entry<String, Node> e : m.entries.entrySet()) {
        if (!(first && inline)) {
          indent(sb, indent);
        }
        first = false;
        writeScalar(sb, e.getKey(), true, indent, true);
        sb.append(':');
        writeValue(sb, e.getValue(), indent + INDENT);
      }
    } else if (n instanceof Sequence s) {
      for (Node item : s.items) {
        if (!(first && inline)) {
          indent(sb, indent);
        }
        first = false;
        sb.append('-');
        if (item instanceof Scalar || item.isEmpty()) {
          writeValue(sb, item, indent + INDENT);
        } else {
          sb.append(' ');
          writeBlock(sb, item, indent + INDENT, true);
        }
      }
    }
  }

  /** Writes what follows a key's colon or a bare dash, through the end of the line(s). */
  private static void writeValue(StringBuilder sb, Node v, int indent) {
    if (v instanceof Scalar s) {
      sb.append(' ');
      writeScalar(sb, s.text, s.quoteable, indent, false);
      sb.append('\n');
    } else if (v.isEmpty()) {
      sb.append(v instanceof Mapping ? " {}\n" : " []\n");
    } else {
      sb.append('\n');
      writeBlock(sb, v, indent, false);
    }
  }

  // ---- scalar styles, after libyaml's analysis ----

  private enum Style {
    PLAIN,
    SINGLE,
    DOUBLE,
    LITERAL
  }

  private static void writeScalar(
      StringBuilder sb, String s, boolean quoteable, int indent, boolean simpleKey) {
    if (!quoteable) {
      sb.append(s);
      return;
    }
    switch (style(s, simpleKey)) {
      case PLAIN -> sb.append(s);
      case SINGLE -> sb.append('\'').append(s.replace("'", "''")).append('\'');
      case DOUBLE -> doubleQuoted(sb, s);
      case LITERAL -> literal(sb, s, indent);
    }
  }

  /** yaml.v3's requested style narrowed by what libyaml's emitter allows for the text. */
  private static Style style(String s, boolean simpleKey) {
    Style want;
    if (s.contains("\n")) {
      want = Style.LITERAL;
    } else if (resolvesToString(s)) {
      want = Style.PLAIN;
    } else {
      want = Style.DOUBLE;
    }
    Analysis a = analyze(s);
    if (want == Style.PLAIN) {
      if (!a.blockPlainAllowed || (s.isEmpty() && simpleKey)) {
        want = Style.SINGLE;
      }
    }
    if (want == Style.SINGLE && !a.singleQuotedAllowed) {
      want = Style.DOUBLE;
    }
    if (want == Style.LITERAL && (!a.blockAllowed || simpleKey)) {
      want = Style.DOUBLE;
    }
    return want;
  }

  /** Whether Go's resolver reads {@code s} back as a string, so it may be written plain. */
  private static boolean resolvesToString(String s) {
    switch (s) {
      case "y",
          "Y",
          "yes",
          "Yes",
          "YES",
          "n",
          "N",
          "no",
          "No",
          "NO",
          "on",
          "On",
          "ON",
          "off",
          "Off",
          "OFF" -> {
        return false;
      }
      default -> {}
    }
    if (s.matches("[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\\.[0-9_]*)?")) {
      return false; // a YAML 1.1 base-60 float
    }
    if (YamlScalars.isTimestamp(s)) {
      return false;
    }
    if (s.equals("<<")) {
      return true;
    }
    try {
      return YamlScalars.resolvePlain(s) instanceof StringValue;
    } catch (BuiltinException e) {
      return false; // .inf, .nan: floats
    }
  }

  private record Analysis(
      boolean blockPlainAllowed, boolean singleQuotedAllowed, boolean blockAllowed) {}

  private static boolean isBreak(int c) {
    return c == '\r' || c == '\n' || c == 0x2028 || c == 0x2029;
  }

  private static boolean isBlankz(int c) {
    return c == ' ' || c == '\t' || isBreak(c) || c == -1;
  }

  /** libyaml's printable set (with unicode output on). */
  private static boolean isPrintable(int c) {
    return c == 0x0A
        || (c >= 0x20 && c <= 0x7E)
        || c == 0x85
        || (c >= 0xA0 && c <= 0xD7FF)
        || (c >= 0xE000 && c <= 0xFFFD && c != 0xFEFF);
  }

  private static Analysis analyze(String s) {
    if (s.isEmpty()) {
      return new Analysis(true, true, false);
    }
    int[] cp = s.codePoints().toArray();
    boolean blockIndicators = s.startsWith("---") || s.startsWith("...");
    boolean leadingSpace = false;
    boolean leadingBreak = false;
    boolean trailingSpace = false;
    boolean trailingBreak = false;
    boolean breakSpace = false;
    boolean spaceBreak = false;
    boolean previousSpace = false;
    boolean previousBreak = false;
    boolean lineBreaks = false;
    boolean special = false;
    boolean tabs = false;
    boolean precededByWhitespace = true;
    for (int i = 0; i < cp.length; i++) {
      int c = cp[i];
      boolean followedByWhitespace = isBlankz(i + 1 < cp.length ? cp[i + 1] : -1);
      boolean first = i == 0;
      boolean last = i == cp.length - 1;
      if (first) {
        if ("#,[]{}&*!|>'\"%@`".indexOf(c) >= 0) {
          blockIndicators = true;
        }
        if ((c == '?' || c == ':') && followedByWhitespace) {
          blockIndicators = true;
        }
        if (c == '-' && followedByWhitespace) {
          blockIndicators = true;
        }
      } else {
        if (c == ':' && followedByWhitespace) {
          blockIndicators = true;
        }
        if (c == '#' && precededByWhitespace) {
          blockIndicators = true;
        }
      }
      if (c == '\t') {
        tabs = true;
      } else if (!isPrintable(c)) {
        special = true;
      }
      if (isBreak(c)) {
        lineBreaks = true;
      }
      if (c == ' ') {
        leadingSpace |= first;
        trailingSpace |= last;
        breakSpace |= previousBreak;
        previousSpace = true;
        previousBreak = false;
      } else if (isBreak(c)) {
        leadingBreak |= first;
        trailingBreak |= last;
        spaceBreak |= previousSpace;
        previousBreak = true;
        previousSpace = false;
      } else {
        previousSpace = false;
        previousBreak = false;
      }
      precededByWhitespace = isBlankz(c);
    }
    boolean plain = !(leadingSpace || leadingBreak || trailingSpace || trailingBreak);
    boolean single = true;
    boolean block = !trailingSpace;
    if (breakSpace) {
      plain = false;
      single = false;
    }
    if (spaceBreak || special) {
      plain = false;
      single = false;
      block = false;
    }
    if (tabs) {
      // yaml.v3 keeps tabs out of plain and single-quoted scalars but allows them in blocks.
      plain = false;
      single = false;
    }
    if (lineBreaks || blockIndicators) {
      plain = false;
    }
    return new Analysis(plain, single, block);
  }

  private static void doubleQuoted(StringBuilder sb, String s) {
    sb.append('"');
    s.codePoints()
        .forEach(
            c -> {
              switch (c) {
                case 0 -> sb.append("\\0");
                case 7 -> sb.append("\\a");
                case 8 -> sb.append("\\b");
                case 9 -> sb.append("\\t");
                case 0x0A -> sb.append("\\n");
                case 0x0B -> sb.append("\\v");
                case 0x0C -> sb.append("\\f");
                case 0x0D -> sb.append("\\r");
                case 0x1B -> sb.append("\\e");
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case 0x85 -> sb.append("\\N");
                case 0xA0 -> sb.append("\\_");
                case 0x2028 -> sb.append("\\L");
                case 0x2029 -> sb.append("\\P");
                default -> {
                  if (isPrintable(c)) {
                    sb.appendCodePoint(c);
                  } else if (c <= 0xFF) {
                    sb.append(String.format("\\x%02X", c));
                  } else if (c <= 0xFFFF) {
                    sb.append(String.format("\\u%04X", c));
                  } else {
                    sb.append(String.format("\\U%08X", c));
                  }
                }
              }
            });
    sb.append('"');
  }

  /** A literal block scalar with libyaml's indentation and chomping indicators. */
  private static void literal(StringBuilder sb, String s, int indent) {
    sb.append('|');
    if (s.charAt(0) == ' ' || s.charAt(0) == '\n') {
      sb.append(INDENT);
    }
    if (!s.endsWith("\n")) {
      sb.append('-');
    } else if (s.length() == 1 || s.charAt(s.length() - 2) == '\n') {
      sb.append('+');
    }
    List<String> lines = new ArrayList<>(List.of(s.split("\n", -1)));
    if (s.endsWith("\n")) {
      lines.remove(lines.size() - 1);
    }
    int col = Math.max(indent, INDENT);
    for (int i = 0; i < lines.size(); i++) {
      sb.append('\n');
      if (!lines.get(i).isEmpty()) {
        indent(sb, col);
        sb.append(lines.get(i));
      }
    }
    if (s.endsWith("\n") && lines.isEmpty()) {
      sb.append('\n');
    }
  }

  /** yaml.v3's key order: runs of digits compare as numbers, letters before other characters. */
  static int keyLess(String a, String b) {
    if (a.equals(b)) {
      return 0;
    }
    return less(a, b) ? -1 : 1;
  }

  private static boolean less(String as, String bs) {
    int[] a = as.codePoints().toArray();
    int[] b = bs.codePoints().toArray();
    boolean digits = false;
    for (int i = 0; i < a.length && i < b.length; i++) {
      if (a[i] == b[i]) {
        digits = Character.isDigit(a[i]);
        continue;
      }
      boolean al = Character.isLetter(a[i]);
      boolean bl = Character.isLetter(b[i]);
      if (al && bl) {
        return a[i] < b[i];
      }
      if (al || bl) {
        return digits ? al : bl;
      }
      long an = 0;
      long bn = 0;
      if (a[i] == '0' || b[i] == '0') {
        for (int j = i - 1; j >= 0 && Character.isDigit(a[j]); j--) {
          if (a[j] != '0') {
            an = 1;
            bn = 1;
            break;
          }
        }
      }
      int ai = i;
      for (; ai < a.length && Character.isDigit(a[ai]); ai++) {
        an = an * 10 + (a[ai] - '0');
      }
      int bi = i;
      for (; bi < b.length && Character.isDigit(b[bi]); bi++) {
        bn = bn * 10 + (b[bi] - '0');
      }
      if (an != bn) {
        return an < bn;
      }
      if (ai != bi) {
        return ai < bi;
      }
      return a[i] < b[i];
    }
    return a.length < b.length;
  }
}
