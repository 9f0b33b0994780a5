package io.jrego.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.PreparedPolicy;
import io.jrego.server.grpc.FakePolicy;
import io.jrego.server.policy.ActivePolicy;
import io.jrego.server.policy.PolicyHolder;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class AdminServerTest {

  private static final PreparedPolicy NONE = FakePolicy.empty();

  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private HttpResponse<String> get(AdminServer admin, String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.port() + path))
            .timeout(Duration.ofSeconds(5))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void endpoints_reportHealthReadinessAndMetrics() throws Exception {
    PolicyHolder policies = new PolicyHolder();
    ServerMetrics metrics = new ServerMetrics();
    policies.onActivate(metrics::activated);
    AtomicBoolean warmingUp = new AtomicBoolean(true);
    AtomicBoolean draining = new AtomicBoolean();
    try (AdminServer admin =
        AdminServer.start(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
            policies,
            metrics,
            warmingUp::get,
            draining::get)) {
      assertThat(get(admin, "/health").statusCode()).isEqualTo(200);
      HttpResponse<String> notReady = get(admin, "/ready");
      assertThat(notReady.statusCode()).isEqualTo(503);
      assertThat(notReady.body()).contains("no policy active");

      policies.activate(
          ActivePolicy.oneBundle(NONE, "rev-7", "test", Instant.ofEpochSecond(1_767_225_600)));
      HttpResponse<String> warming = get(admin, "/ready");
      assertThat(warming.statusCode()).isEqualTo(503);
      assertThat(warming.body()).contains("warming up");

      warmingUp.set(false);
      HttpResponse<String> ready = get(admin, "/ready");
      assertThat(ready.statusCode()).isEqualTo(200);
      assertThat(ready.body()).contains("\"revision\":\"rev-7\"");

      metrics.check("ext_authz", "check", "allow", "policy", 1_000_000);
      metrics.evaluation("ext_authz", "check", 500_000);
      String text = get(admin, "/metrics").body();
      assertThat(text)
          .contains("jrego_bundle_info{revision=\"rev-7\"} 1")
          .contains("jrego_bundle_activation_timestamp_seconds 1.7672256E9")
          .contains(
              "jrego_checks_total{phase=\"check\",reason=\"policy\",result=\"allow\",service=\"ext_authz\"} 1.0")
          .contains("jrego_check_duration_seconds_count{phase=\"check\",service=\"ext_authz\"} 1")
          .contains("jrego_eval_duration_seconds_count{phase=\"check\",service=\"ext_authz\"} 1");

      policies.activate(ActivePolicy.oneBundle(NONE, "rev-8", "test", Instant.now()));
      assertThat(get(admin, "/metrics").body())
          .contains("jrego_bundle_info{revision=\"rev-8\"} 1")
          .doesNotContain("revision=\"rev-7\"");

      draining.set(true);
      HttpResponse<String> drainingReady = get(admin, "/ready");
      assertThat(drainingReady.statusCode()).isEqualTo(503);
      assertThat(drainingReady.body()).contains("draining");
    }
  }

  @Test
  void ready_showsTheSvid_andWhyTheWorkloadApiStreamIsDown() throws Exception {
    PolicyHolder policies = new PolicyHolder();
    ServerMetrics metrics = new ServerMetrics();
    policies.activate(ActivePolicy.oneBundle(NONE, "rev-1", "test", Instant.now()));
    try (AdminServer admin =
        AdminServer.start(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
            policies,
            metrics,
            () -> false,
            () -> false)) {
      assertThat(get(admin, "/ready").body()).doesNotContain("svid");

      metrics.svidSource("workload_api");
      metrics.svidServed("spiffe://td/jrego", Instant.parse("2026-12-06T00:00:00Z"));
      metrics.svidStreamUp();
      assertThat(get(admin, "/ready").body())
          .contains(
              "\"svid\":{\"expires_at\":\"2026-12-06T00:00:00Z\",\"source\":\"workload_api\","
                  + "\"spiffe_id\":\"spiffe://td/jrego\"}");

      metrics.svidStreamDown(
          "unix:///a.sock: the stream broke", Instant.parse("2026-12-05T10:00:00Z"));
      HttpResponse<String> down = get(admin, "/ready");
      assertThat(down.statusCode()).as("the SVID in hand is still served").isEqualTo(200);
      assertThat(down.body())
          .contains("\"stream_error\":\"unix:///a.sock: the stream broke\"")
          .contains("\"stream_error_at\":\"2026-12-05T10:00:00Z\"");
      assertThat(metrics.scrape())
          .contains("jrego_svid_stream_failures_total 1.0")
          .contains("jrego_svid_stream_up 0.0");

      metrics.svidStreamUp();
      assertThat(get(admin, "/ready").body()).doesNotContain("stream_error");
    }
  }
}
