package io.jrego.server.process;

import static io.jrego.server.process.ProcessStreamTest.headers;
import static io.jrego.server.process.ProcessStreamTest.requestHeaders;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.service.ext_proc.v3.ImmediateResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.server.JregoServer;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.body.Redactions;
import io.jrego.server.decide.Outcome;
import io.jrego.server.envoy.CheckException;
import io.jrego.server.envoy.PhaseDecision;
import io.jrego.server.envoy.Reason;
import io.jrego.server.grpc.AuthorizationService;
import io.jrego.server.grpc.ExternalProcessorService;
import io.jrego.server.policy.PolicyHolder;
import io.jrego.server.route.Route;
import io.jrego.server.route.RouteTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ext_proc streams routed per workload, without sockets: each stream is answered by the phase rules
 * of the route its request headers take, and one no route takes is refused as Check refuses it.
 */
class ProcessRoutingTest {

  private static final RouteTable ROUTES =
      RouteTable.of(
          List.of(
              new Route(
                  "payments",
                  Optional.empty(),
                  "payments/authz/allow",
                  new Route.Match(
                      Optional.of("spiffe://td/ns/payments/*"), Optional.empty(), Map.of()),
                  Optional.of("payments.process")),
              new Route(
                  "checkonly",
                  Optional.empty(),
                  "envoy/authz/allow",
                  new Route.Match(
                      Optional.of("spiffe://td/ns/checkonly/*"), Optional.empty(), Map.of()),
                  Optional.empty()),
              new Route(
                  "search",
                  Optional.empty(),
                  "search/authz/allow",
                  new Route.Match(
                      Optional.empty(), Optional.of("spiffe://td/ns/search/*"), Map.of()),
                  Optional.of("/search/process/"))));

  @TempDir Path dir;

  private ProcessStreamTest.Stream stream(AuthorizationService.Config check) throws Exception {
    Path bundle = Files.createDirectories(dir.resolve("bundle"));
    for (String pkg : List.of("payments", "search", "envoy")) {
      Files.writeString(
          bundle.resolve(pkg + ".rego"),
          "package "
              + pkg
              + ".process\n\nrequest := {\"allowed\": true, \"headers\": {\"x-route\": \""
              + pkg
              + "\"}}\n");
    }
    PolicyHolder policies = new PolicyHolder();
    policies.activate(JregoServer.load(bundle));
    return new ProcessStreamTest.Stream(
        new ExternalProcessorService(
            policies,
            new ServerMetrics(),
            check.withEvalTimeout(Duration.ofSeconds(5)),
            ExternalProcessorService.Config.defaults()));
  }

  private static ProcessingRequest headersFrom(Map<String, String> attributes) {
    Struct.Builder attrs = Struct.newBuilder();
    attributes.forEach((k, v) -> attrs.putFields(k, Value.newBuilder().setStringValue(v).build()));
    return requestHeaders(BodySendMode.NONE, true, "application/json").toBuilder()
        .putAttributes("envoy.filters.http.ext_proc", attrs.build())
        .build();
  }

  private static String routedBy(ProcessingResponse r) {
    assertThat(r.hasRequestHeaders()).as("answer %s", r).isTrue();
    return headers(r.getRequestHeaders().getResponse().getHeaderMutation().getSetHeadersList())
        .get("x-route");
  }

  @Test
  void eachStreamIsAnsweredByTheProcessRulesOfItsRoute() throws Exception {
    AuthorizationService.Config check = AuthorizationService.Config.defaults().withRoutes(ROUTES);
    ProcessStreamTest.Stream caller = stream(check);
    caller.send(
        headersFrom(
            Map.of("connection.uri_san_peer_certificate", "spiffe://td/ns/payments/sa/app")));
    assertThat(routedBy(caller.only())).isEqualTo("payments");

    ProcessStreamTest.Stream destination = stream(check);
    destination.send(
        headersFrom(
            Map.of("connection.uri_san_local_certificate", "spiffe://td/ns/search/sa/api")));
    assertThat(routedBy(destination.only())).isEqualTo("search");
  }

  @Test
  void aStreamNoProcessRouteTakesIsRefusedNeverAnsweredByTheDefaultRules() throws Exception {
    AuthorizationService.Config check = AuthorizationService.Config.defaults().withRoutes(ROUTES);
    for (Map<String, String> attributes :
        List.of(
            Map.<String, String>of(),
            // a route without process_path takes Check requests only
            Map.of("connection.uri_san_peer_certificate", "spiffe://td/ns/checkonly/sa/x"),
            Map.of("connection.uri_san_peer_certificate", "spiffe://td/ns/paymentsx/sa/app"))) {
      ProcessStreamTest.Stream s = stream(check);
      s.send(headersFrom(attributes));
      ImmediateResponse r = s.only().getImmediateResponse();
      assertThat(r.getStatus().getCodeValue()).as("%s", attributes).isEqualTo(403);
      assertThat(headers(r.getHeaders().getSetHeadersList()))
          .containsEntry("x-jrego-error", "unknown_workload");
      assertThat(r.getBody().toStringUtf8()).contains("unknown_workload");
    }
  }

  @Test
  void withoutProcessRoutes_streamsKeepTheServersProcessPath() throws Exception {
    RouteTable checkOnly =
        RouteTable.of(
            List.of(
                new Route(
                    "payments",
                    Optional.empty(),
                    "payments/authz/allow",
                    new Route.Match(
                        Optional.of("spiffe://td/ns/payments/*"), Optional.empty(), Map.of()),
                    Optional.empty())));
    ProcessStreamTest.Stream s =
        stream(AuthorizationService.Config.defaults().withRoutes(checkOnly));
    s.send(headersFrom(Map.of()));
    assertThat(routedBy(s.only())).isEqualTo("envoy");
  }

  @Test
  void withRoutes_aStreamThatSkipsItsRequestHeadersIsRefused_neverPassedUnchecked()
      throws Exception {
    AuthorizationService.Config check = AuthorizationService.Config.defaults().withRoutes(ROUTES);
    for (ProcessingRequest first :
        List.of(
            ProcessStreamTest.requestBody("{\"a\":1}", true),
            ProcessStreamTest.responseHeaders("application/json", false))) {
      ProcessStreamTest.Stream s = stream(check);
      s.send(first);
      // failed as --on-error says (by default the stream fails: Envoy refuses the request)
      assertThat(s.out()).as("%s", first).isEmpty();
      assertThat(s.failed()).as("%s", first).isNotNull();
      assertThat(s.failed().getDescription())
          .startsWith("unknown_workload: ")
          .contains("request_header_mode: SEND");
    }
  }

  @Test
  void withoutRoutes_aStreamThatSkipsItsRequestHeadersIsProcessedAsBefore() throws Exception {
    ProcessStreamTest.Stream s = stream(AuthorizationService.Config.defaults());
    s.send(ProcessStreamTest.responseHeaders("application/json", true));
    assertThat(s.only().hasImmediateResponse()).isFalse();
  }

  @Test
  void aRoutedStreamMapsItsRequestOnce_andARefusedOneOnlyForItsRefusal() {
    AtomicInteger builds = new AtomicInteger();
    List<String> routedBy = new ArrayList<>();
    PhaseRunner runner =
        new PhaseRunner() {
          @Override
          public boolean routed() {
            return true;
          }

          @Override
          public Optional<Outcome<PhaseDecision>> route(ObjectValue identity, Input input) {
            routedBy.add(Json.write(identity));
            return Optional.empty();
          }

          @Override
          public boolean hasPolicy() {
            return true;
          }

          @Override
          public boolean defines(Phase phase) {
            return phase == Phase.REQUEST;
          }

          @Override
          public Outcome<PhaseDecision> run(Phase phase, Input input) {
            try {
              input.build(Long.MAX_VALUE);
              builds.incrementAndGet();
            } catch (CheckException e) {
              throw new AssertionError(e);
            }
            return new Outcome.Failed<>(new CheckException(Reason.EVAL_ERROR, "counted"), "-");
          }

          @Override
          public void failed(Phase phase, CheckException error) {}

          @Override
          public void found(Phase phase, List<Redactions.Hit> hits) {}
        };
    ProcessStream stream =
        new ProcessStream(
            runner,
            ProcessStream.Config.defaults(),
            new ProcessStream.Sink() {
              @Override
              public void send(ProcessingResponse response) {}

              @Override
              public void fail(io.grpc.Status status) {}
            },
            Optional.empty());
    stream.onMessage(
        requestHeaders(BodySendMode.BUFFERED, false, "application/json").toBuilder()
            .putAttributes(
                "envoy.filters.http.ext_proc",
                Struct.newBuilder()
                    .putFields(
                        "connection.uri_san_peer_certificate",
                        Value.newBuilder().setStringValue("spiffe://td/ns/payments/sa/app").build())
                    .build())
            .build());
    stream.onMessage(ProcessStreamTest.requestBody("{\"model\":\"m\"}", true));
    assertThat(routedBy).singleElement().asString().contains("spiffe://td/ns/payments/sa/app");
    assertThat(builds).hasValue(1);
  }
}
