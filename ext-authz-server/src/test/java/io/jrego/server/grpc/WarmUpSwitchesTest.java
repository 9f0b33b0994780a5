package io.jrego.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The warm-up's switches: each property turns its own part on or off, and nothing else. */
class WarmUpSwitchesTest {

  @Test
  void withoutPropertiesEveryPartIsAsDefault() {
    assertThat(WarmUpSwitches.from(new Properties())).isEqualTo(WarmUpSwitches.DEFAULTS);
  }

  @Test
  void eachPropertyTurnsItsOwnPartOffOrOnAndNoOther() {
    Properties allOff = props(WarmUpSwitches.LONG_GZIP, "false");
    allOff.setProperty(WarmUpSwitches.COVER, "FALSE");
    allOff.setProperty(WarmUpSwitches.AFTER_READY, " false ");
    assertThat(WarmUpSwitches.from(allOff)).isEqualTo(WarmUpSwitches.NONE);

    Properties allOn = props(WarmUpSwitches.LONG_GZIP, "true");
    allOn.setProperty(WarmUpSwitches.COVER, "TRUE");
    allOn.setProperty(WarmUpSwitches.AFTER_READY, "true");
    assertThat(WarmUpSwitches.from(allOn)).isEqualTo(WarmUpSwitches.ALL);

    WarmUpSwitches d = WarmUpSwitches.DEFAULTS;
    assertThat(WarmUpSwitches.from(props(WarmUpSwitches.LONG_GZIP, String.valueOf(!d.longGzip()))))
        .isEqualTo(new WarmUpSwitches(!d.longGzip(), d.cover(), d.afterReady()));
    assertThat(WarmUpSwitches.from(props(WarmUpSwitches.COVER, String.valueOf(!d.cover()))))
        .isEqualTo(new WarmUpSwitches(d.longGzip(), !d.cover(), d.afterReady()));
    assertThat(
            WarmUpSwitches.from(props(WarmUpSwitches.AFTER_READY, String.valueOf(!d.afterReady()))))
        .isEqualTo(new WarmUpSwitches(d.longGzip(), d.cover(), !d.afterReady()));
  }

  @Test
  void aValueThatIsNotABooleanLeavesTheDefault() {
    Properties p = props(WarmUpSwitches.AFTER_READY, "no");
    p.setProperty(WarmUpSwitches.COVER, "1");
    assertThat(WarmUpSwitches.from(p)).isEqualTo(WarmUpSwitches.DEFAULTS);
  }

  @Test
  void theRoundsAfterReadyAreOffByDefaultWhereTheJitStopsAtC1() {
    List<String> c1 = List.of("-Xss512k", "-XX:TieredStopAtLevel=1");
    assertThat(WarmUpSwitches.from(new Properties(), c1))
        .isEqualTo(new WarmUpSwitches(false, false, false));
    assertThat(WarmUpSwitches.from(props(WarmUpSwitches.AFTER_READY, "true"), c1).afterReady())
        .isTrue();
    assertThat(WarmUpSwitches.from(new Properties(), List.of("-Xmx64m")))
        .isEqualTo(WarmUpSwitches.DEFAULTS);
  }

  @Test
  void c1OnlyReadsTheLastStopLevelAndTieredCompilation() {
    assertThat(WarmUpSwitches.c1Only(List.of())).isFalse();
    assertThat(WarmUpSwitches.c1Only(List.of("-XX:TieredStopAtLevel=1"))).isTrue();
    assertThat(WarmUpSwitches.c1Only(List.of("-XX:TieredStopAtLevel=3"))).isTrue();
    assertThat(WarmUpSwitches.c1Only(List.of("-XX:TieredStopAtLevel=4"))).isFalse();
    assertThat(WarmUpSwitches.c1Only(List.of("-XX:TieredStopAtLevel=1", "-XX:TieredStopAtLevel=4")))
        .isFalse();
    // without tiered compilation the JVM compiles with C2 alone, whatever the stop level says
    assertThat(WarmUpSwitches.c1Only(List.of("-XX:TieredStopAtLevel=1", "-XX:-TieredCompilation")))
        .isFalse();
    assertThat(WarmUpSwitches.c1Only(List.of("-XX:TieredStopAtLevel=x"))).isFalse();
  }

  private static Properties props(String name, String value) {
    Properties p = new Properties();
    p.setProperty(name, value);
    return p;
  }
}
