package io.jrego.engine.value;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class ValuesTest {

  @Test
  void compare_ordersKindsAsOpa() {
    List<Value> shuffled =
        new ArrayList<>(
            List.of(
                SetValue.of(NumberValue.ONE),
                ObjectValue.EMPTY,
                ArrayValue.EMPTY,
                StringValue.of("a"),
                NumberValue.of(-5),
                BooleanValue.TRUE,
                BooleanValue.FALSE,
                NullValue.INSTANCE));
    Collections.reverse(shuffled);
    Collections.sort(shuffled);
    assertThat(shuffled)
        .extracting(Value::typeName)
        .containsExactly(
            "null", "boolean", "boolean", "number", "string", "array", "object", "set");
    assertThat(shuffled.get(1)).isEqualTo(BooleanValue.FALSE);
  }

  @Test
  void numbers_equalAcrossRepresentations() {
    NumberValue one = NumberValue.of(1);
    NumberValue oneDecimal = NumberValue.parse("1.0");
    NumberValue oneExp = NumberValue.parse("1e0");
    assertThat(oneDecimal).isEqualTo(one).hasSameHashCodeAs(one);
    assertThat(oneExp).isEqualTo(one).hasSameHashCodeAs(one);
    assertThat(oneDecimal.isInteger()).isTrue();
    assertThat(NumberValue.parse("1.5").isInteger()).isFalse();
    assertThat(NumberValue.parse("0.1").compareNumber(NumberValue.parse("0.10"))).isZero();
  }

  @Test
  void numbers_keepBigIntegersExact() {
    NumberValue big = NumberValue.parse("123456789012345678901234567890");
    assertThat(big.isSmall()).isFalse();
    assertThat(big.toString()).isEqualTo("123456789012345678901234567890");
    assertThat(big.asLong()).isEmpty();
    assertThat(big.compareNumber(NumberValue.of(Long.MAX_VALUE))).isPositive();
    assertThat(NumberValue.of(new BigDecimal("42"))).isSameAs(NumberValue.of(42));
  }

  @Test
  void strings_compareByCodePointNotUtf16() {
    // U+1F600 (a surrogate pair in UTF-16) sorts after U+FFFD, as in UTF-8 byte order.
    assertThat(Values.compareStrings("\uD83D\uDE00", "\uFFFD")).isPositive();
    assertThat(Values.compareStrings("a", "ab")).isNegative();
  }

  @Test
  void arrays_compareElementWiseThenByLength() {
    ArrayValue a = ArrayValue.of(NumberValue.of(1), NumberValue.of(2));
    ArrayValue b = ArrayValue.of(NumberValue.of(1), NumberValue.of(3));
    ArrayValue shorter = ArrayValue.of(NumberValue.of(1));
    assertThat(a.compareTo(b)).isNegative();
    assertThat(shorter.compareTo(a)).isNegative();
  }

  @Test
  void objects_iterateInKeyOrderAndCompareByKeysThenValues() {
    ObjectValue o =
        new ObjectValue.Builder()
            .put("b", NumberValue.of(2))
            .put("a", NumberValue.of(1))
            .put(NumberValue.of(3), NullValue.INSTANCE)
            .build();
    assertThat(o.keys())
        .containsExactly(NumberValue.of(3), StringValue.of("a"), StringValue.of("b"));
    ObjectValue smaller = ObjectValue.of(StringValue.of("a"), NumberValue.of(1));
    ObjectValue larger = ObjectValue.of(StringValue.of("a"), NumberValue.of(2));
    assertThat(smaller.compareTo(larger)).isNegative();
    assertThat(o.toString()).isEqualTo("{3: null, \"a\": 1, \"b\": 2}");
  }

  @Test
  void sets_areOrderedAndPrintAsRego() {
    SetValue s = SetValue.of(StringValue.of("b"), StringValue.of("a"), StringValue.of("a"));
    assertThat(s.size()).isEqualTo(2);
    assertThat(s.toString()).isEqualTo("{\"a\", \"b\"}");
    assertThat(SetValue.EMPTY.toString()).isEqualTo("set()");
    assertThat((Object) SetValue.of(NumberValue.of(1)))
        .isEqualTo(SetValue.of(NumberValue.parse("1.0")));
  }

  @Test
  void objects_ofDistinctAreTheObjectsBuiltEntryByEntry() {
    for (int pairs = 1; pairs <= 10; pairs++) {
      Value[] kv = new Value[2 * pairs];
      ObjectValue.Builder b = new ObjectValue.Builder();
      for (int k = 0; k < pairs; k++) {
        // keys of several kinds, given out of order
        kv[2 * k] = k % 3 == 0 ? NumberValue.of(pairs - k) : StringValue.of("key" + (pairs - k));
        kv[2 * k + 1] = k % 2 == 0 ? StringValue.of("v" + k) : ArrayValue.of(NumberValue.of(k));
        b.put(kv[2 * k], kv[2 * k + 1]);
      }
      ObjectValue built = b.build();
      ObjectValue compact = ObjectValue.ofDistinct(kv);
      assertThat(compact).isEqualTo(built).hasSameHashCodeAs(built);
      assertThat(built).isEqualTo(compact);
      assertThat(compact.keys()).isEqualTo(built.keys());
      assertThat(compact.toString()).isEqualTo(built.toString());
      assertThat(compact.compareTo(built)).isZero();
      for (int k = 0; k < pairs; k++) {
        assertThat(compact.getOrNull(kv[2 * k])).isEqualTo(kv[2 * k + 1]);
        // an equal key that is another instance (a number in another representation)
        Value copy =
            k % 3 == 0
                ? NumberValue.parse((pairs - k) + ".0")
                : StringValue.of(new String("key" + (pairs - k)));
        assertThat(compact.getOrNull(copy)).isEqualTo(kv[2 * k + 1]);
        assertThat(compact.containsKey(copy)).isTrue();
      }
      assertThat(compact.size()).isEqualTo(pairs);
      assertThat(compact.getOrNull(StringValue.of("absent"))).isNull();
      assertThat(compact.with(StringValue.of("x"), NullValue.INSTANCE))
          .isEqualTo(built.with(StringValue.of("x"), NullValue.INSTANCE));
    }
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                ObjectValue.ofDistinct(
                    StringValue.of("a"),
                    NullValue.INSTANCE,
                    StringValue.of("a"),
                    BooleanValue.TRUE))
        .isInstanceOf(IllegalArgumentException.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> ObjectValue.ofDistinct(StringValue.of("a")))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
