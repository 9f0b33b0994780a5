package io.jrego.server.decisionlog;

import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.Rego;
import io.jrego.engine.RegoException;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.Value;
import io.jrego.server.observe.DecisionEvent;
import io.jrego.server.observe.TraceContext;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Test helpers: policies, events, and a logger whose console output can be read back. */
final class Events {

  static final String ALLOW =
      """
      package envoy.authz

      default allow := false

      allow if input.user == "alice"
      """;

  private Events() {}

  static PreparedPolicy policy(String... modules) throws RegoException {
    Rego.Builder b = Rego.builder();
    for (int i = 0; i < modules.length; i++) {
      b.module("m" + i + ".rego", modules[i]);
    }
    return b.compile();
  }

  /** An event for {@code inputJson} decided by {@code policy} at envoy/authz/allow. */
  static DecisionEvent event(PreparedPolicy policy, String inputJson) throws RegoException {
    Value input = Json.parse(inputJson);
    Optional<Value> result = policy.evaluate("envoy/authz/allow", input);
    return new DecisionEvent(
        "ext_authz",
        "check",
        "4b9f0c7e-1d2a-4c3b-9e8f-0a1b2c3d4e5f",
        "envoy/authz/allow",
        Optional.of(input),
        result,
        Optional.empty(),
        "allow",
        "policy",
        false,
        Optional.of(new DecisionEvent.Bundle("bundles/main", "rev-7", policy)),
        Instant.parse("2026-12-05T03:40:12.120450Z"),
        new DecisionEvent.Timings(1500, 2500, 9000),
        TraceContext.parse("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", ""),
        "",
        "");
  }

  /** A logger writing to the console only, and what it wrote. */
  static final class Console implements AutoCloseable {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final DecisionLogger logger;

    Console(DecisionLogger.Config config) throws Exception {
      logger =
          DecisionLogs.start(
              config,
              List.of("console"),
              DecisionLogs.FileOptions.defaults(),
              DecisionLogs.UploadOptions.defaults(),
              new PrintStream(bytes, true, StandardCharsets.UTF_8));
    }

    Console(boolean defaultMask) throws Exception {
      this(
          new DecisionLogger.Config(
              Map.of("id", "i-1", "version", "test"),
              defaultMask,
              100,
              "system/log/mask",
              "system/log/drop",
              Duration.ofMillis(500)));
    }

    /** Logs the events, stops the logger and returns the lines it wrote, parsed. */
    List<Value> log(DecisionEvent... events) {
      for (DecisionEvent e : events) {
        logger.record(e);
      }
      logger.close(Duration.ofSeconds(5));
      List<Value> out = new ArrayList<>();
      for (String line : bytes.toString(StandardCharsets.UTF_8).split("\n", -1)) {
        if (!line.isBlank()) {
          out.add(Json.parse(line));
        }
      }
      return out;
    }

    @Override
    public void close() {
      logger.close(Duration.ofSeconds(5));
    }
  }
}
