package io.jrego.engine.builtins.spi;

import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;

/**
 * About how many characters a value's JSON or Rego text takes, counted without building it. A value
 * may hold one long string a thousand times (a thousand references cost little), so its text can be
 * far larger than the memory it holds: builtins that print values ({@code json.marshal}, {@code
 * yaml.marshal}, {@code sprintf}) reserve this much first. Counting stops once past {@code cap}, so
 * it costs no more than the limit it checks.
 */
public final class TextSize {

  private TextSize() {}

  /** The estimate, or a number above {@code cap} as soon as it is known to exceed it. */
  public static long of(Value v, long cap) {
    return switch (v) {
      case StringValue s -> s.value().length() + 2L;
      case NumberValue n -> 24;
      case ArrayValue a -> {
        long total = 2;
        for (int i = 0; i < a.size() && total <= cap; i++) {
          total += 1 + of(a.get(i), cap - total);
        }
        yield total;
      }
      case SetValue s -> {
        long total = 2;
        for (Value e : s) {
          total += 1 + of(e, cap - total);
          if (total > cap) {
            break;
          }
        }
        yield total;
      }
      case ObjectValue o -> {
        long total = 2;
        for (Value k : o.keys()) {
          total += 2 + of(k, cap - total) + of(o.getOrNull(k), cap - total);
          if (total > cap) {
            break;
          }
        }
        yield total;
      }
      default -> 5; // null, true, false
    };
  }
}
