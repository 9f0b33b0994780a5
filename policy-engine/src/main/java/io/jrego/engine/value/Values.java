package io.jrego.engine.value;

/** Ordering and printing shared by all values. */
public final class Values {

  private Values() {}

  /**
   * OPA's total order over values: by kind first ({@code null < boolean < number < string < array <
   * object < set}), then by content.
   */
  public static int compare(Value a, Value b) {
    if (a == b) {
      return 0;
    }
    int ka = a.kindOrder();
    int kb = b.kindOrder();
    if (ka != kb) {
      return Integer.compare(ka, kb);
    }
    return switch (a) {
      case NullValue n -> 0;
      case BooleanValue x -> Boolean.compare(x.value(), ((BooleanValue) b).value());
      case NumberValue x -> x.compareNumber((NumberValue) b);
      case StringValue x -> compareStrings(x.value(), ((StringValue) b).value());
      case ArrayValue x -> compareArrays(x, (ArrayValue) b);
      case ObjectValue x -> compareObjects(x, (ObjectValue) b);
      case SetValue x -> compareSorted(x.sortedElements(), ((SetValue) b).sortedElements());
    };
  }

  /** Compares strings by Unicode code point, which is the order of their UTF-8 bytes. */
  public static int compareStrings(String a, String b) {
    int n = Math.min(a.length(), b.length());
    for (int i = 0; i < n; i++) {
      char ca = a.charAt(i);
      char cb = b.charAt(i);
      if (ca != cb) {
        boolean sa = Character.isSurrogate(ca);
        boolean sb = Character.isSurrogate(cb);
        if (sa != sb) {
          // A surrogate encodes a code point above U+FFFF, which sorts after any BMP char.
          return sa ? 1 : -1;
        }
        return Character.compare(ca, cb);
      }
    }
    return Integer.compare(a.length(), b.length());
  }

  private static int compareArrays(ArrayValue a, ArrayValue b) {
    int n = Math.min(a.size(), b.size());
    for (int i = 0; i < n; i++) {
      int c = compare(a.get(i), b.get(i));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.size(), b.size());
  }

  private static int compareSorted(Value[] a, Value[] b) {
    int n = Math.min(a.length, b.length);
    for (int i = 0; i < n; i++) {
      int c = compare(a[i], b[i]);
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.length, b.length);
  }

  private static int compareObjects(ObjectValue a, ObjectValue b) {
    Value[] ka = a.sorted();
    Value[] kb = b.sorted();
    int n = Math.min(ka.length, kb.length);
    for (int i = 0; i < n; i++) {
      int c = compare(ka[i], kb[i]);
      if (c != 0) {
        return c;
      }
      c = compare(a.getOrNull(ka[i]), b.getOrNull(kb[i]));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(ka.length, kb.length);
  }

  /** Quotes {@code s} as a JSON string literal (which is also a Rego string literal). */
  public static String quote(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> {
          if (c < 0x20 || c == 0x7f) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }

  /** Whether {@code v} is {@code true} (the only value that makes a Rego expression succeed). */
  public static boolean isTrue(Value v) {
    return v == BooleanValue.TRUE;
  }
}
