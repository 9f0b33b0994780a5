package io.jrego.cli;

import io.jrego.server.decisionlog.DecisionLogger;
import io.jrego.server.decisionlog.DecisionLogs;
import io.jrego.server.observe.DecisionRecorder;
import io.jrego.server.tracing.Tracing;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import picocli.CommandLine.Option;

/** {@code jrego serve}'s decision log and tracing options. */
final class ObservabilityOptions {

  @Option(
      names = "--decision-log",
      paramLabel = "SINK",
      description =
          "Log every decision in OPA's format to console (standard error, as OPA), file:PATH"
              + " (rotated) or service:URL (gzip'd batches POSTed to an OPA-compatible decision"
              + " log service, e.g. service:http://collector:8080/logs). Repeatable; none by"
              + " default.")
  List<String> decisionLog = new ArrayList<>();

  @Option(
      names = "--decision-log-label",
      paramLabel = "KEY=VALUE",
      description = "A label added to every event's labels (beside id and version). Repeatable.")
  List<String> labels = new ArrayList<>();

  @Option(
      names = "--decision-log-default-mask",
      defaultValue = "true",
      arity = "1",
      paramLabel = "BOOL",
      description =
          "Mask prompts, credentials and detected PII in decision logs unless the bundle's"
              + " system.log.default_mask is false.")
  boolean defaultMask;

  @Option(
      names = "--decision-log-queue",
      defaultValue = "10000",
      paramLabel = "N",
      description = "Events waiting for the logger's thread before new ones are dropped.")
  int queue;

  @Option(
      names = "--decision-log-file-max-bytes",
      defaultValue = "104857600",
      paramLabel = "BYTES",
      description = "Size at which file:PATH is rotated.")
  long fileMaxBytes;

  @Option(
      names = "--decision-log-file-max-files",
      defaultValue = "5",
      paramLabel = "N",
      description = "Rotated files kept (PATH.1 .. PATH.N).")
  int fileMaxFiles;

  @Option(
      names = "--decision-log-upload-size-limit",
      defaultValue = "32768",
      paramLabel = "BYTES",
      description = "Largest gzip'd upload (OPA's upload_size_limit_bytes).")
  int uploadSizeLimit;

  @Option(
      names = "--decision-log-buffer-size-limit",
      defaultValue = "10485760",
      paramLabel = "BYTES",
      description =
          "Most gzip'd bytes held for upload; when full the oldest batch is dropped and counted.")
  long bufferSizeLimit;

  @Option(
      names = "--decision-log-min-delay",
      defaultValue = "1s",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "Shortest wait between uploads.")
  Duration minDelay;

  @Option(
      names = "--decision-log-max-delay",
      defaultValue = "5s",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "Longest wait between uploads, and the longest back-off after failures.")
  Duration maxDelay;

  @Option(
      names = "--otlp-endpoint",
      paramLabel = "URL",
      description =
          "Export a span per decision over OTLP/HTTP to this URL, e.g."
              + " http://collector:4318/v1/traces; no tracing by default.")
  String otlpEndpoint;

  @Option(
      names = "--trace-sample-ratio",
      defaultValue = "1.0",
      paramLabel = "RATIO",
      description = "Share of traces sampled when the request's traceparent carries no decision.")
  double sampleRatio;

  /** Running loggers and tracers, closed at shutdown. */
  record Started(
      DecisionRecorder recorder, Optional<DecisionLogger> logger, Optional<Tracing> tracing) {
    void close(Duration grace) {
      tracing.ifPresent(t -> t.close(grace));
      logger.ifPresent(l -> l.close(grace));
    }
  }

  /**
   * Starts what the options ask for.
   *
   * @throws IllegalArgumentException for an option value that does not parse, naming it
   */
  Started start(String version, PrintStream console) throws IOException {
    Optional<DecisionLogger> logger = Optional.empty();
    if (!decisionLog.isEmpty()) {
      Map<String, String> l = new LinkedHashMap<>();
      l.put("id", UUID.randomUUID().toString());
      l.put("version", version);
      for (String kv : labels) {
        int eq = kv.indexOf('=');
        if (eq <= 0) {
          throw new IllegalArgumentException("--decision-log-label must be KEY=VALUE, got " + kv);
        }
        l.put(kv.substring(0, eq), kv.substring(eq + 1));
      }
      DecisionLogger.Config defaults = DecisionLogger.Config.defaults(l);
      logger =
          Optional.of(
              DecisionLogs.start(
                  new DecisionLogger.Config(
                      l,
                      defaultMask,
                      queue,
                      defaults.maskPath(),
                      defaults.dropPath(),
                      defaults.ruleTimeout()),
                  decisionLog,
                  new DecisionLogs.FileOptions(fileMaxBytes, fileMaxFiles),
                  new DecisionLogs.UploadOptions(
                      uploadSizeLimit, bufferSizeLimit, minDelay, maxDelay, Duration.ofSeconds(10)),
                  console));
    }
    Optional<Tracing> tracing = Optional.empty();
    if (otlpEndpoint != null && !otlpEndpoint.isBlank()) {
      URI endpoint;
      try {
        endpoint = URI.create(otlpEndpoint);
      } catch (IllegalArgumentException e) {
        logger.ifPresent(DecisionLogger::close);
        throw new IllegalArgumentException("--otlp-endpoint: " + e.getMessage(), e);
      }
      try {
        tracing =
            Optional.of(
                Tracing.start(
                    new Tracing.Config(endpoint, "jrego", sampleRatio, Duration.ofSeconds(10))));
      } catch (IllegalArgumentException e) {
        logger.ifPresent(DecisionLogger::close);
        throw e;
      }
    }
    DecisionRecorder log = logger.<DecisionRecorder>map(x -> x).orElse(DecisionRecorder.none());
    DecisionRecorder recorder =
        tracing.isPresent() ? DecisionRecorder.traced(tracing.get(), log) : log;
    return new Started(recorder, logger, tracing);
  }
}
