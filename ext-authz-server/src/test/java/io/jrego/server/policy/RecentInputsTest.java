package io.jrego.server.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RecentInputsTest {

  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final RecentInputs recent = new RecentInputs(now::get, Duration.ofMillis(100));

  private static ObjectValue input(String json) {
    return (ObjectValue) Json.parse(json);
  }

  @Test
  void dueOncePerIntervalSoTheCheckPathKeepsAFewInputsASecond() {
    assertThat(recent.due()).isTrue();
    assertThat(recent.due()).isFalse();
    now.addAndGet(Duration.ofMillis(99).toNanos());
    assertThat(recent.due()).isFalse();
    now.addAndGet(Duration.ofMillis(1).toNanos());
    assertThat(recent.due()).isTrue();
    assertThat(recent.due()).isFalse();
  }

  @Test
  void dueAtTheFirstCheck() {
    assertThat(new RecentInputs().due()).isTrue();
  }

  @Test
  void snapshotGivesBackEqualInputsNewestFirstThenTheWarmUps() {
    String nested =
        "{\"attributes\":{\"request\":{\"http\":{\"headers\":{\"x\":\"\\u00e9\\ufffd\"},"
            + "\"parsed_body\":{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
            + "\"temperature\":0.25,\"n\":1e3,\"stream\":false,\"stop\":null}}}}}";
    recent.offer(input("{\"n\": 1}"));
    recent.offer(input(nested));
    recent.offerWarmUp(input("{\"n\": -1}"));

    assertThat(recent.snapshot())
        .containsExactly(input(nested), input("{\"n\": 1}"), input("{\"n\": -1}"));
  }

  @Test
  void eachRingKeepsTheLastCapacityInputs() {
    for (int i = 0; i < RecentInputs.CAPACITY + 8; i++) {
      recent.offer(input("{\"n\": " + i + "}"));
    }
    assertThat(recent.snapshot())
        .hasSize(RecentInputs.CAPACITY)
        .first()
        .isEqualTo(input("{\"n\": " + (RecentInputs.CAPACITY + 7) + "}"));
    assertThat(recent.snapshot().getLast()).isEqualTo(input("{\"n\": 8}"));
  }

  @Test
  void aKeptInputIsOneByteArrayNotTheValueTree() {
    ObjectValue kept = input("{\"n\": 1}");
    recent.offer(kept);
    // a copy read back from its JSON, not the object the check built and may still be using
    assertThat(recent.snapshot()).singleElement().isEqualTo(kept).isNotSameAs(kept);
  }
}
