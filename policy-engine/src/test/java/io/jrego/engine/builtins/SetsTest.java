package io.jrego.engine.builtins;

import static io.jrego.engine.builtins.OpaCase.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import org.junit.jupiter.api.Test;

class SetsTest {

  private static SetValue set(long... xs) {
    Value[] vs = new Value[xs.length];
    for (int i = 0; i < xs.length; i++) {
      vs[i] = NumberValue.of(xs[i]);
    }
    return SetValue.of(vs);
  }

  @Test
  void andOrMinus_areIntersectionUnionDifference() throws Exception {
    assertThat(call("and", set(1, 2, 3), set(2, 3, 4))).isEqualTo(set(2, 3));
    assertThat(call("or", set(1, 2), set(2, 4))).isEqualTo(set(1, 2, 4));
    assertThat(call("minus", set(1, 2, 3), set(2))).isEqualTo(set(1, 3));
    assertThat(call("set_diff", set(1, 2, 3), set(2))).isEqualTo(set(1, 3));
  }

  @Test
  void intersectionAndUnion_foldASetOfSets() throws Exception {
    assertThat(call("intersection", SetValue.of(set(1, 2, 3), set(2, 3), set(3, 9))))
        .isEqualTo(set(3));
    assertThat(call("intersection", SetValue.EMPTY)).isEqualTo(SetValue.EMPTY);
    assertThat(call("union", SetValue.of(set(1), set(2), set()))).isEqualTo(set(1, 2));
  }

  @Test
  void intersection_rejectsNonSetMembers() {
    assertThatThrownBy(() -> call("union", SetValue.of(set(1), NumberValue.of(2))))
        .hasMessage("operand 1 must be set but got number");
    assertThatThrownBy(() -> call("and", set(1), ArrayValue.of(NumberValue.ONE)))
        .hasMessage("operand 2 must be set but got array");
  }

  @Test
  void setsAsOperands_sortConcatAndCount() throws Exception {
    SetValue s = SetValue.of(StringValue.of("b"), StringValue.of("a"));
    assertThat(call("sort", s)).isEqualTo(ArrayValue.of(StringValue.of("a"), StringValue.of("b")));
    assertThat(call("concat", StringValue.of(","), s)).isEqualTo(StringValue.of("a,b"));
    assertThat(call("count", s)).isEqualTo(NumberValue.of(2));
    assertThat(call("sum", set(1, 2, 3))).isEqualTo(NumberValue.of(6));
    assertThat(call("max", set(1, 5, 3))).isEqualTo(NumberValue.of(5));
    assertThat(call("object.subset", ArrayValue.of(NumberValue.ONE, NumberValue.of(2)), set(2)))
        .isEqualTo(io.jrego.engine.value.BooleanValue.TRUE);
  }
}
