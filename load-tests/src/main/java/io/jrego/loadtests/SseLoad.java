package io.jrego.loadtests;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;

/**
 * SSE streams through Envoy for the ext_proc load test, one after another: per stream the time to
 * the response headers, to the first body byte and to the last, and the bytes received. Prints one
 * JSON line with the medians and the 90th percentiles: MB/s (bytes over the time from the first
 * body byte to the last) and milliseconds.
 *
 * <pre>
 * java -cp load-tests/target/benchmarks.jar io.jrego.loadtests.SseLoad URL BODY_FILE STREAMS \
 *   EVENTS CERT KEY CA [WARMUP_STREAMS]
 * </pre>
 */
public final class SseLoad {

  private SseLoad() {}

  public static void main(String[] args) throws Exception {
    URI url = URI.create(args[0]);
    byte[] body = Files.readAllBytes(Path.of(args[1]));
    int streams = Integer.parseInt(args[2]);
    String events = args[3];
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .sslContext(HttpLoad.tls(Path.of(args[4]), Path.of(args[5]), Path.of(args[6])))
            .build();
    int warm = args.length > 7 ? Integer.parseInt(args[7]) : 0;
    for (int i = 0; i < warm; i++) {
      one(client, url, body, events);
    }
    double[] headers = new double[streams];
    double[] first = new double[streams];
    double[] mbps = new double[streams];
    long bytes = 0;
    int codeOk = 0;
    for (int i = 0; i < streams; i++) {
      double[] r = one(client, url, body, events);
      headers[i] = r[0];
      first[i] = r[1];
      mbps[i] = r[3] / 1e6 / ((r[2] - r[1]) / 1e3);
      bytes = (long) r[3];
      codeOk += r[4] == 200 ? 1 : 0;
    }
    System.out.printf(
        Locale.ROOT,
        "{\"streams\":%d,\"ok\":%d,\"bytes_per_stream\":%d,\"headers_ms_p50\":%.2f,"
            + "\"headers_ms_p90\":%.2f,\"first_byte_ms_p50\":%.2f,\"first_byte_ms_p90\":%.2f,"
            + "\"mb_per_s_p50\":%.2f,\"mb_per_s_p10\":%.2f}%n",
        streams,
        codeOk,
        bytes,
        pct(headers, 50),
        pct(headers, 90),
        pct(first, 50),
        pct(first, 90),
        pct(mbps, 50),
        pct(mbps, 10));
  }

  /** [ms to headers, ms to first body byte, ms to last byte, bytes, status]. */
  private static double[] one(HttpClient client, URI url, byte[] body, String events)
      throws Exception {
    HttpRequest req =
        HttpRequest.newBuilder(url)
            .header("content-type", "application/json")
            .header("x-sse-events", events)
            .timeout(Duration.ofSeconds(60))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
    long t0 = System.nanoTime();
    HttpResponse<InputStream> r = client.send(req, HttpResponse.BodyHandlers.ofInputStream());
    long th = System.nanoTime();
    long tf = 0;
    long n = 0;
    byte[] buf = new byte[64 * 1024];
    try (InputStream in = r.body()) {
      int k;
      while ((k = in.read(buf)) >= 0) {
        if (k > 0 && tf == 0) {
          tf = System.nanoTime();
        }
        n += k;
      }
    }
    long tl = System.nanoTime();
    return new double[] {(th - t0) / 1e6, (tf - t0) / 1e6, (tl - t0) / 1e6, n, r.statusCode()};
  }

  private static double pct(double[] v, double p) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[Math.min(s.length - 1, (int) Math.floor(p / 100 * s.length))];
  }
}
