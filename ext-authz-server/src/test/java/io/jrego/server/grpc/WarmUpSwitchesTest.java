package io.jrego.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The warm-up's switches: on unless a property says {@code false}. */
class WarmUpSwitchesTest {

  @Test
  void everyPartIsOnWithoutProperties() {
    assertThat(WarmUpSwitches.from(new Properties())).isEqualTo(WarmUpSwitches.ALL);
  }

  @Test
  void eachPropertyTurnsOffItsOwnPartOnly() {
    assertThat(WarmUpSwitches.from(props(WarmUpSwitches.LONG_GZIP, "false")))
        .isEqualTo(new WarmUpSwitches(false, true, true));
    assertThat(WarmUpSwitches.from(props(WarmUpSwitches.COVER, "FALSE")))
        .isEqualTo(new WarmUpSwitches(true, false, true));
    assertThat(WarmUpSwitches.from(props(WarmUpSwitches.AFTER_READY, " false ")))
        .isEqualTo(new WarmUpSwitches(true, true, false));
  }

  @Test
  void aValueThatIsNotABooleanLeavesTheDefault() {
    assertThat(WarmUpSwitches.from(props(WarmUpSwitches.AFTER_READY, "no")))
        .isEqualTo(WarmUpSwitches.ALL);
    assertThat(WarmUpSwitches.from(props(WarmUpSwitches.AFTER_READY, "true")))
        .isEqualTo(WarmUpSwitches.ALL);
  }

  private static Properties props(String name, String value) {
    Properties p = new Properties();
    p.setProperty(name, value);
    return p;
  }
}
