package io.jrego.engine.value;

/**
 * A Rego value: JSON plus sets. Values are immutable and safe to share between threads.
 *
 * <p>Values are totally ordered as OPA orders them: {@code null < boolean < number < string < array
 * < object < set}, and within a kind by content (numbers numerically, strings by code point, arrays
 * and objects and sets element by element). Equality follows the same rules, so {@code 1} equals
 * {@code 1.0}, and {@link Object#hashCode()} is consistent with it.
 */
public sealed interface Value extends Comparable<Value>
    permits NullValue, BooleanValue, NumberValue, StringValue, ArrayValue, ObjectValue, SetValue {

  /** The kind's position in OPA's ordering of kinds; lower sorts first. */
  int kindOrder();

  /**
   * The name OPA's {@code type_name} builtin gives this kind: {@code null}, {@code boolean}, {@code
   * number}, {@code string}, {@code array}, {@code object} or {@code set}.
   */
  String typeName();

  @Override
  default int compareTo(Value other) {
    return Values.compare(this, other);
  }

  /**
   * Rego's literal syntax for this value, as OPA prints terms: strings quoted, sets as {@code {1,
   * 2}} and the empty set as {@code set()}.
   */
  @Override
  String toString();
}
