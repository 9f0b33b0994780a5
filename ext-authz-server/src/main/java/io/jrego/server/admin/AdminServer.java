package io.jrego.server.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.server.policy.ActivePolicy;
import io.jrego.server.policy.PolicyHolder;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * The HTTP admin port: {@code /health} (200 while the process runs), {@code /ready} (200 with the
 * active revision once a policy is active and the server is neither warming up nor draining, else
 * 503; with no policy yet, {@code waiting_for_bundles} names the bundle sources still to bring
 * their first bundle) and {@code /metrics} (Prometheus text).
 */
public final class AdminServer implements AutoCloseable {

  private final HttpServer http;
  private final ExecutorService executor;

  private AdminServer(HttpServer http, ExecutorService executor) {
    this.http = http;
    this.executor = executor;
  }

  /**
   * Starts the admin server.
   *
   * @param address where to listen (port 0 picks a free one)
   * @param policies the active policy, for {@code /ready}
   * @param metrics what {@code /metrics} shows
   * @param warmingUp true until the Check server has warmed up and serves
   * @param draining true once the server is shutting down
   * @throws IOException if the address cannot be bound
   */
  public static AdminServer start(
      InetSocketAddress address,
      PolicyHolder policies,
      ServerMetrics metrics,
      BooleanSupplier warmingUp,
      BooleanSupplier draining)
      throws IOException {
    HttpServer http = HttpServer.create(address, 16);
    ExecutorService executor =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "jrego-admin");
              t.setDaemon(true);
              return t;
            });
    http.setExecutor(executor);
    http.createContext(
        "/health", ex -> respond(ex, 200, "application/json", "{\"status\":\"ok\"}"));
    http.createContext(
        "/ready",
        ex -> {
          Optional<ActivePolicy> p = policies.current();
          boolean isDraining = draining.getAsBoolean();
          if (p.isEmpty() || isDraining || warmingUp.getAsBoolean()) {
            String status =
                p.isEmpty() ? "no policy active" : isDraining ? "draining" : "warming up";
            ObjectValue body =
                ObjectValue.EMPTY.with(StringValue.of("status"), StringValue.of(status));
            List<String> awaited = p.isEmpty() ? metrics.awaitedBundles() : List.of();
            if (!awaited.isEmpty()) {
              body =
                  body.with(
                      StringValue.of("waiting_for_bundles"),
                      ArrayValue.of(awaited.stream().map(StringValue::of).toList()));
            }
            respond(
                ex,
                503,
                "application/json",
                Json.write(withSvid(withBundleError(body, metrics), metrics)));
            return;
          }
          ObjectValue body =
              new ObjectValue.Builder()
                  .put("status", StringValue.of("ready"))
                  .put("revision", StringValue.of(p.get().revision()))
                  .put("activated_at", StringValue.of(p.get().activatedAt().toString()))
                  .put("bundles", bundles(p.get(), metrics))
                  .build();
          respond(
              ex,
              200,
              "application/json",
              Json.write(withSvid(withBundleError(body, metrics), metrics)));
        });
    http.createContext(
        "/metrics",
        ex -> respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape()));
    http.start();
    return new AdminServer(http, executor);
  }

  /**
   * Adds the mTLS listener's SVID, when there is one: its source, SPIFFE ID and expiry, and why the
   * Workload API's stream is down while it is (the SVID before stays served, so jrego stays ready).
   */
  private static ObjectValue withSvid(ObjectValue body, ServerMetrics metrics) {
    Optional<ServerMetrics.SvidStatus> status = metrics.svidStatus();
    if (status.isEmpty()) {
      return body;
    }
    ServerMetrics.SvidStatus s = status.get();
    ObjectValue.Builder b = new ObjectValue.Builder();
    b.put("source", StringValue.of(s.source()));
    b.put("spiffe_id", StringValue.of(s.spiffeId()));
    s.notAfter().ifPresent(t -> b.put("expires_at", StringValue.of(t.toString())));
    s.streamError().ifPresent(e -> b.put("stream_error", StringValue.of(e)));
    s.streamErrorAt().ifPresent(t -> b.put("stream_error_at", StringValue.of(t.toString())));
    return body.with(StringValue.of("svid"), b.build());
  }

  /**
   * Adds why the latest bundle was refused (its reason and when), if it was: the active one is then
   * older.
   */
  private static ObjectValue withBundleError(ObjectValue body, ServerMetrics metrics) {
    return metrics
        .lastBundleError()
        .map(
            e ->
                body.with(StringValue.of("last_bundle_error"), StringValue.of(e.message()))
                    .with(StringValue.of("last_bundle_error_reason"), StringValue.of(e.reason()))
                    .with(
                        StringValue.of("last_bundle_error_at"), StringValue.of(e.at().toString())))
        .orElse(body);
  }

  /**
   * Each bundle's state: the active revision (absent while none of its versions has activated) and
   * why its latest version was refused, if it was.
   */
  private static ObjectValue bundles(ActivePolicy policy, ServerMetrics metrics) {
    Map<String, ServerMetrics.BundleError> errors = metrics.bundleErrors();
    Set<String> names = new LinkedHashSet<>(policy.bundles().keySet());
    names.addAll(new TreeSet<>(errors.keySet()));
    ObjectValue.Builder out = new ObjectValue.Builder();
    for (String name : names) {
      ObjectValue.Builder b = new ObjectValue.Builder();
      String revision = policy.bundles().get(name);
      if (revision != null) {
        b.put("revision", StringValue.of(revision));
      }
      ServerMetrics.BundleError e = errors.get(name);
      if (e != null) {
        b.put("last_error", StringValue.of(e.message()));
        b.put("last_error_reason", StringValue.of(e.reason()));
        b.put("last_error_at", StringValue.of(e.at().toString()));
      }
      out.put(name, b.build());
    }
    return out.build();
  }

  private static void respond(HttpExchange ex, int status, String type, String body)
      throws IOException {
    try (ex) {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("content-type", type);
      boolean head = ex.getRequestMethod().equals("HEAD");
      ex.sendResponseHeaders(status, head ? -1 : bytes.length);
      if (!head) {
        try (OutputStream out = ex.getResponseBody()) {
          out.write(bytes);
        }
      }
    }
  }

  /** The port listened on. */
  public int port() {
    return http.getAddress().getPort();
  }

  @Override
  public void close() {
    http.stop(0);
    executor.shutdownNow();
  }
}
