package io.jrego.server.decisionlog;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.Value;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Uploads to a real HTTP receiver on loopback (the JDK's HttpServer), as to OPA's log service. */
class UploadSinkTest {

  /** What the receiver got: one entry per request. */
  @SuppressWarnings("ArrayRecordComponent") // a test value, never compared
  record Received(long atNanos, String contentType, String contentEncoding, byte[] body) {}

  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final AtomicInteger failFirst = new AtomicInteger();
  private HttpServer server;

  private URI start(int failures) throws IOException {
    failFirst.set(failures);
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/logs",
        ex -> {
          byte[] body = ex.getRequestBody().readAllBytes();
          received.add(
              new Received(
                  System.nanoTime(),
                  ex.getRequestHeaders().getFirst("Content-Type"),
                  ex.getRequestHeaders().getFirst("Content-Encoding"),
                  body));
          int status = failFirst.getAndDecrement() > 0 ? 503 : 200;
          ex.sendResponseHeaders(status, -1);
          ex.close();
        });
    server.start();
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/logs");
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  @Test
  void gzipBatchesOfOpaEventsArriveWithinTheUploadLimit() throws Exception {
    URI url = start(0);
    PreparedPolicy p = Events.policy(Events.ALLOW);
    DecisionLogger logger =
        DecisionLogs.start(
            DecisionLogger.Config.defaults(Map.of("id", "i-1", "version", "test")),
            List.of("service:" + url),
            DecisionLogs.FileOptions.defaults(),
            new DecisionLogs.UploadOptions(
                2048,
                1 << 20,
                Duration.ofMillis(50),
                Duration.ofMillis(100),
                Duration.ofSeconds(5)),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    for (int i = 0; i < 300; i++) {
      logger.record(
          Events.event(p, "{\"user\":\"alice\",\"n\":" + i + ",\"pad\":\"" + noise(i, 40) + "\"}"));
    }
    logger.close(Duration.ofSeconds(30)); // what is not uploaded within it is dropped
    assertThat(received.size()).isGreaterThan(1);
    int events = 0;
    for (Received r : received) {
      assertThat(r.contentType()).isEqualTo("application/json");
      assertThat(r.contentEncoding()).isEqualTo("gzip");
      assertThat(r.body().length).isLessThanOrEqualTo(2048);
      ArrayValue batch = (ArrayValue) Json.parse(gunzip(r.body()));
      for (Value v : batch) {
        ObjectValue e = (ObjectValue) v;
        assertThat(e.get("decision_id")).isPresent();
        assertThat(e.get("labels").map(Json::write))
            .contains("{\"id\":\"i-1\",\"version\":\"test\"}");
        assertThat(e.get("level")).isEmpty(); // the console envelope is not uploaded
        events++;
      }
    }
    assertThat(events).isEqualTo(300);
    assertThat(logger.stats().uploads(true)).isEqualTo(received.size());
    assertThat(logger.stats().written()).isEqualTo(300);
  }

  @Test
  void failedUploadsBackOffExponentiallyAndKeepTheBatch() throws Exception {
    URI url = start(4);
    DecisionLogStats stats = new DecisionLogStats();
    UploadSink sink =
        new UploadSink(
            new UploadSink.Config(
                url,
                4096,
                1 << 20,
                Duration.ZERO,
                Duration.ofSeconds(2),
                Duration.ofMillis(40),
                Duration.ofSeconds(5)),
            stats,
            System.nanoTime());
    byte[] event = "{\"decision_id\":\"d-1\"}".getBytes(StandardCharsets.UTF_8);
    sink.write(ObjectValue.EMPTY, event);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (received.size() < 5 && System.nanoTime() < deadline) {
      sink.tick(System.nanoTime());
      Thread.sleep(2);
    }
    assertThat(received).hasSize(5);
    assertThat(stats.uploads(false)).isEqualTo(4);
    assertThat(stats.uploads(true)).isEqualTo(1);
    // the same batch each time, delivered at last
    for (Received r : received) {
      assertThat(gunzip(r.body())).isEqualTo("[{\"decision_id\":\"d-1\"}]");
    }
    // waits of 20-40, 40-80, 80-160, 160-320 ms (half fixed, half random): each at least half
    // the doubled base, so the gaps grow
    for (int i = 1; i < received.size(); i++) {
      long gapMs =
          TimeUnit.NANOSECONDS.toMillis(received.get(i).atNanos() - received.get(i - 1).atNanos());
      assertThat(gapMs).as("wait before attempt %d", i + 1).isGreaterThanOrEqualTo(20L << (i - 1));
    }
    sink.close(System.nanoTime());
    assertThat(stats.dropped("shutdown")).isZero();
  }

  @Test
  void aFullBufferDropsTheOldestBatchesAndCountsTheirEvents() throws Exception {
    URI url = start(Integer.MAX_VALUE);
    DecisionLogStats stats = new DecisionLogStats();
    UploadSink sink =
        new UploadSink(
            new UploadSink.Config(
                url,
                1024,
                4096,
                Duration.ofMillis(10),
                Duration.ofMillis(20),
                Duration.ofMillis(5),
                Duration.ofSeconds(5)),
            stats,
            System.nanoTime());
    int n = 400;
    for (int i = 0; i < n; i++) {
      sink.write(
          ObjectValue.EMPTY,
          ("{\"n\":" + i + ",\"pad\":\"" + noise(i, 200) + "\"}").getBytes(StandardCharsets.UTF_8));
      sink.tick(System.nanoTime());
      assertThat(stats.bufferBytes.get()).isLessThanOrEqualTo(4096);
    }
    // on a quiet machine the loop ends before the first upload is due: one tick past it, so at
    // least one upload is tried (and refused) whatever the timing
    sink.tick(System.nanoTime() + Duration.ofSeconds(1).toNanos());
    sink.close(System.nanoTime());
    long dropped = stats.dropped("buffer_size_limit_bytes_exceeded");
    assertThat(dropped).isPositive();
    assertThat(dropped + stats.dropped("shutdown")).isEqualTo(n);
    assertThat(stats.uploads(true)).isZero();
    assertThat(stats.uploads(false)).isPositive();
  }

  @Test
  void anEventLargerThanAnUploadIsDroppedAndCounted() throws Exception {
    URI url = start(0);
    DecisionLogStats stats = new DecisionLogStats();
    UploadSink sink =
        new UploadSink(
            new UploadSink.Config(
                url,
                1024,
                8192,
                Duration.ZERO,
                Duration.ZERO,
                Duration.ofMillis(5),
                Duration.ofSeconds(5)),
            stats,
            System.nanoTime());
    sink.write(ObjectValue.EMPTY, ("\"" + noise(1, 6000) + "\"").getBytes(StandardCharsets.UTF_8));
    sink.write(ObjectValue.EMPTY, "{\"small\":true}".getBytes(StandardCharsets.UTF_8));
    sink.tick(System.nanoTime());
    sink.close(System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
    assertThat(stats.dropped("event_too_large")).isEqualTo(1);
    assertThat(received).hasSize(1);
    assertThat(gunzip(received.get(0).body())).isEqualTo("[{\"small\":true}]");
  }

  /** Text that does not compress: the buffer limits are about compressed bytes. */
  private static String noise(int seed, int length) {
    Random r = new Random(seed);
    StringBuilder b = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      b.append((char) ('a' + r.nextInt(26)));
    }
    return b.toString();
  }

  private static String gunzip(byte[] body) throws IOException {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
