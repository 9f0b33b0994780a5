package io.jrego.loadtests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class FaultLoadTest {

  private static final FaultLoad.Kind ALLOWED =
      new FaultLoad.Kind("chat", 1, "gateway", "/v1/chat/completions", "{}", null);
  private static final FaultLoad.Kind DENIED =
      new FaultLoad.Kind("internal", 1, "gateway", "/v1/chat/completions", "{}", 403);

  @Test
  void failure_acceptsOnlyTheAnswerTheRequestMustGet() {
    assertThat(FaultLoad.failure(ALLOWED, 200, null)).isNull();
    assertThat(FaultLoad.failure(DENIED, 403, "deny")).isNull();
    assertThat(FaultLoad.failure(ALLOWED, 500, null)).isEqualTo("status-500");
    assertThat(FaultLoad.failure(ALLOWED, -1, null)).isEqualTo("error");
    assertThat(FaultLoad.failure(DENIED, 200, null)).isEqualTo("status-200");
  }

  @Test
  void failure_tellsEnvoyFailingClosedFromThePolicysDenial() {
    // Envoy's status_on_error is a 403 too, but without the policy's x-jrego-decision header
    assertThat(FaultLoad.failure(ALLOWED, 403, null)).isEqualTo("403-not-policy");
    assertThat(FaultLoad.failure(DENIED, 403, null)).isEqualTo("403-not-policy");
    assertThat(FaultLoad.failure(ALLOWED, 403, "deny")).isEqualTo("status-403");
  }

  @Test
  void phaseStats_json_givesSuccessRateAndPercentiles() throws Exception {
    FaultLoad.PhaseStats p = new FaultLoad.PhaseStats("calm", 0);
    for (int i = 1; i <= 98; i++) {
      p.record(TimeUnit.MILLISECONDS.toNanos(10L * i), TimeUnit.MILLISECONDS.toNanos(2), null);
    }
    // both slow ones due in the phase's third second
    p.record(
        TimeUnit.MILLISECONDS.toNanos(2100), TimeUnit.MILLISECONDS.toNanos(40), "403-not-policy");
    p.record(TimeUnit.MILLISECONDS.toNanos(2200), TimeUnit.MILLISECONDS.toNanos(400), "status-504");
    p.endNanos = TimeUnit.SECONDS.toNanos(20);
    JsonNode j = new ObjectMapper().readTree(p.json());
    assertThat(j.get("phase").asText()).isEqualTo("calm");
    assertThat(j.get("seconds").asDouble()).isEqualTo(20.0);
    assertThat(j.get("requests").asLong()).isEqualTo(100);
    assertThat(j.get("ok").asLong()).isEqualTo(98);
    assertThat(j.get("success").asDouble()).isEqualTo(0.98);
    assertThat(j.get("p50_ms").asDouble()).isBetween(1.99, 2.01);
    assertThat(j.get("p99_ms").asDouble()).isBetween(39.9, 40.1);
    assertThat(j.get("failures").get("status-504").asLong()).isEqualTo(1);
    assertThat(j.get("failures").get("403-not-policy").asLong()).isEqualTo(1);
    JsonNode bySecond = j.get("p99_ms_by_second");
    assertThat(bySecond.size()).isEqualTo(3);
    assertThat(bySecond.get(0).asDouble()).isBetween(1.99, 2.01);
    assertThat(bySecond.get(2).asDouble()).isBetween(395.0, 405.0);
    assertThat(j.get("failures_by_second").toString()).isEqualTo("[0,0,2]");
  }

  @Test
  void phaseStats_json_ofAnEmptyPhaseIsStillValid() throws Exception {
    JsonNode j = new ObjectMapper().readTree(new FaultLoad.PhaseStats("kill", 0).json());
    assertThat(j.get("requests").asLong()).isZero();
    assertThat(j.get("success").asDouble()).isZero();
  }

  @Test
  void mix_isMostlyAllowedAndItsBodiesAreAsLarge() {
    List<FaultLoad.Kind> mix = FaultLoad.mix();
    int all = mix.stream().mapToInt(FaultLoad.Kind::weight).sum();
    int allowed =
        mix.stream().filter(k -> k.denyCode() == null).mapToInt(FaultLoad.Kind::weight).sum();
    assertThat(allowed * 1.0 / all).isBetween(0.8, 0.9);
    int chat = mix.getFirst().body().getBytes(StandardCharsets.UTF_8).length;
    assertThat(chat).isBetween(1_800, 2_400);
  }

  @Test
  void hostilePayloads_collideInJavasHashAndStayUnderEnvoysLimits() {
    List<String> keys = HashFloodBenchmark.colliding(2_300);
    Set<Integer> hashes = new HashSet<>();
    keys.forEach(k -> hashes.add(k.hashCode()));
    assertThat(hashes).hasSize(1);
    HostilePayloads.Payloads hash = HostilePayloads.of("hash");
    // Envoy sends at most 64 KiB of body to ext_authz and takes at most 60 KiB of headers
    for (HostilePayloads.Http h : hash.http()) {
      int size = h.body() == null ? h.path().length() : h.body().size();
      assertThat(size).as(h.label()).isLessThan(h.body() == null ? 60 * 1024 : 64 * 1024);
    }
    assertThat(HostilePayloads.of("body").grpc().getFirst().request().getSerializedSize())
        .isLessThan(4 << 20);
    for (String cls : HostilePayloads.CLASSES) {
      HostilePayloads.Payloads p = HostilePayloads.of(cls);
      assertThat(p.http()).as(cls).isNotEmpty();
      assertThat(p.grpc()).as(cls).isNotEmpty();
    }
  }

  @Test
  void hostileLoad_sendsEachCheckRequestAsTheBytesSerializedOnce() throws Exception {
    CheckRequest r = HostilePayloads.of("body").grpc().getFirst().request();
    InputStream s = HostileLoad.CHECK.streamRequest(r.toByteArray());
    assertThat(s).isInstanceOf(KnownLength.class).isInstanceOf(Drainable.class);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThat(((Drainable) s).drainTo(out)).isEqualTo(r.getSerializedSize());
    assertThat(CheckRequest.parseFrom(out.toByteArray())).isEqualTo(r);
  }

  @Test
  void hostileLoad_summaryGivesTheClientsOwnCpu() throws Exception {
    Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    latency.recordValue(TimeUnit.MILLISECONDS.toNanos(5));
    JsonNode j =
        new ObjectMapper()
            .readTree(
                HostileLoad.summary(
                    "body",
                    20,
                    new ConcurrentHashMap<>(),
                    latency,
                    0,
                    1.25,
                    TimeUnit.MILLISECONDS.toNanos(250),
                    3));
    assertThat(j.get("client_cpu_s").asDouble()).isEqualTo(1.25);
    assertThat(j.get("sent").asLong()).isEqualTo(1);
    assertThat(j.get("send_late_max_ms").asDouble()).isEqualTo(250.0);
    assertThat(j.get("sends_late_100ms").asLong()).isEqualTo(3);
  }
}
