package io.jrego.engine.value;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jrego.engine.base.AllocationMeter;
import java.math.BigDecimal;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The code shapes changed so that a bundle swap's reading and compiling do not set off traps in the
 * checks' compiled code (fault matrix, cpu-policy, session 18) answer as before: JSON floats read
 * without the digits-only test, zeros tested after the range, a meter without a limit tested
 * without a branch on it.
 */
class SwapTrapShapesTest {

  @Test
  void decimalLiteral_isLiteralForEveryFloatJsonCanWrite() {
    Random r = new Random(14);
    for (int i = 0; i < 5_000; i++) {
      StringBuilder sb = new StringBuilder();
      if (r.nextBoolean()) {
        sb.append('-');
      }
      sb.append(r.nextInt(4) == 0 ? "0" : Long.toString(1 + r.nextInt(1_000_000)));
      boolean fraction = r.nextBoolean();
      if (fraction) {
        sb.append('.').append(Integer.toString(r.nextInt(100_000)));
      }
      if (!fraction || r.nextBoolean()) {
        sb.append("eE".charAt(r.nextInt(2)));
        if (r.nextBoolean()) {
          sb.append("+-".charAt(r.nextInt(2)));
        }
        sb.append(r.nextInt(400));
      }
      String text = sb.toString();
      NumberValue expected = NumberValue.literal(text);
      NumberValue read = NumberValue.decimalLiteral(text);
      assertThat(read).as(text).isEqualTo(expected);
      assertThat(read.toString()).as(text).isEqualTo(expected.toString()).isEqualTo(text);
      assertThat(Json.parse("[" + text + "]")).as(text).isEqualTo(ArrayValue.of(expected));
    }
    // any other text gives the same number, only without the fast path
    for (String text : new String[] {"0", "-7", "123456789012345678", "1234567890123456789012"}) {
      assertThat(NumberValue.decimalLiteral(text)).as(text).isEqualTo(NumberValue.literal(text));
    }
    assertThatThrownBy(() -> NumberValue.decimalLiteral("1.x"))
        .isInstanceOf(NumberFormatException.class);
  }

  @Test
  void tooBig_zeroIsNeverTooBigWhateverItsExponent() {
    for (String zero : new String[] {"0", "-0", "0.0", "0.000", "0e100000000", "0e-100000000"}) {
      assertThat(NumberValue.tooBig(new BigDecimal(zero))).as(zero).isFalse();
    }
    assertThat(NumberValue.tooBig(new BigDecimal("1e30103"))).isTrue();
    assertThat(NumberValue.tooBig(new BigDecimal("5.004e-30104"))).isTrue();
  }

  @Test
  void allocationMeter_withoutALimitIsNeverExceededAndWithOneIs() {
    AllocationMeter unlimited = AllocationMeter.start(Long.MAX_VALUE);
    assertThat(unlimited.exceeded(0)).isFalse();
    assertThat(unlimited.exceeded(Long.MAX_VALUE / 2)).isFalse();
    AllocationMeter tight = AllocationMeter.start(1_000);
    assertThat(tight.exceeded(0)).isFalse();
    assertThat(tight.exceeded(1_001)).isTrue();
    if (AllocationMeter.supported()) {
      byte[][] keep = new byte[8][];
      for (int i = 0; i < keep.length; i++) {
        keep[i] = new byte[1_024];
      }
      assertThat(keep[7]).hasSize(1_024);
      assertThat(tight.exceeded(0)).isTrue();
      assertThat(unlimited.exceeded(0)).isFalse();
    }
  }
}
