package io.jrego.server.decisionlog;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Makes a {@link DecisionLogger} from the server's options: the sinks ({@code console}, {@code
 * file:PATH}, {@code service:URL}), the file rotation and the upload buffer.
 */
public final class DecisionLogs {

  private DecisionLogs() {}

  /**
   * The file sink's rotation.
   *
   * @param maxBytes the size at which the file is rotated
   * @param maxFiles how many rotated files are kept
   */
  public record FileOptions(long maxBytes, int maxFiles) {
    /** 100 MiB files, five kept. */
    public static FileOptions defaults() {
      return new FileOptions(100L << 20, 5);
    }
  }

  /**
   * The upload sink's batching.
   *
   * @param uploadSizeLimit the largest compressed upload, OPA's {@code upload_size_limit_bytes}
   * @param bufferSizeLimit the most compressed bytes held for upload
   * @param minDelay the shortest wait between uploads
   * @param maxDelay the longest, and the longest back-off after failures
   * @param timeout how long one upload request may take
   */
  public record UploadOptions(
      int uploadSizeLimit,
      long bufferSizeLimit,
      Duration minDelay,
      Duration maxDelay,
      Duration timeout) {
    /** OPA's 32 KiB uploads, a 10 MiB buffer, uploads every 1-5 s, 10 s per request. */
    public static UploadOptions defaults() {
      return new UploadOptions(
          32_768, 10L << 20, Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(10));
    }
  }

  /**
   * A started logger writing to {@code targets}.
   *
   * @param targets each {@code console}, {@code file:PATH} or {@code service:URL} (the full URL
   *     batches are posted to, such as {@code http://collector:8080/logs})
   * @param stdout where {@code console} writes
   * @throws IllegalArgumentException for a target of another form, naming it
   * @throws IOException when a log file cannot be opened
   */
  public static DecisionLogger start(
      DecisionLogger.Config config,
      List<String> targets,
      FileOptions file,
      UploadOptions upload,
      PrintStream stdout)
      throws IOException {
    Objects.requireNonNull(stdout);
    DecisionLogStats stats = new DecisionLogStats();
    List<Sink> sinks = new ArrayList<>();
    try {
      for (String t : targets) {
        sinks.add(sink(t, file, upload, stdout, stats));
      }
    } catch (IOException | RuntimeException e) {
      for (Sink s : sinks) {
        try {
          s.close();
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw e;
    }
    return new DecisionLogger(config, sinks, stats);
  }

  private static Sink sink(
      String target,
      FileOptions file,
      UploadOptions upload,
      PrintStream stdout,
      DecisionLogStats stats)
      throws IOException {
    if (target.equals("console")) {
      return new ConsoleSink(stdout, Clock.systemUTC());
    }
    if (target.startsWith("file:") && target.length() > "file:".length()) {
      return new FileSink(
          Path.of(target.substring("file:".length())), file.maxBytes(), file.maxFiles());
    }
    if (target.startsWith("service:")) {
      URI url;
      try {
        url = URI.create(target.substring("service:".length()));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "--decision-log " + target + ": not a URL: " + e.getMessage(), e);
      }
      boolean web = "http".equals(url.getScheme()) || "https".equals(url.getScheme());
      if (!web || url.getHost() == null) {
        throw new IllegalArgumentException(
            "--decision-log " + target + ": the service URL must be http(s)://host[:port]/path");
      }
      return new UploadSink(
          new UploadSink.Config(
              url,
              upload.uploadSizeLimit(),
              upload.bufferSizeLimit(),
              upload.minDelay(),
              upload.maxDelay(),
              Duration.ofMillis(100),
              upload.timeout()),
          stats,
          System.nanoTime());
    }
    throw new IllegalArgumentException(
        "--decision-log must be console, file:PATH or service:URL, got " + target);
  }
}
