package io.jrego.loadtests;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.HdrHistogram.Histogram;

/**
 * HTTP load through Envoy for the ext_proc load test: requests start on a fixed schedule ({@code
 * rate} per second, open loop) and each latency is measured from when the request was due, so a
 * stall is charged to every request it delays (no coordinated omission). HTTPS with a client
 * certificate, so Envoy's mTLS listener gives the caller its SPIFFE identity.
 *
 * <p>Several targets (e.g. the same Envoy configuration with no filter, with ext_authz, with
 * ext_authz and ext_proc) are measured in one JVM, interleaved: each is warmed up, then for each
 * round and each rate every target gets one phase, in an order that rotates from round to round, so
 * drift of the machine falls on all of them alike. Prints one JSON line per phase: target, round,
 * rate, requests, p50/p90/p99/p99.9 in microseconds, status codes.
 *
 * <pre>
 * java -cp load-tests/target/benchmarks.jar io.jrego.loadtests.HttpLoad BODY_FILE CERT KEY CA \
 *   RATES SECONDS WARMUP_SECONDS ROUNDS NAME=URL...
 * </pre>
 *
 * RATES is comma-separated (e.g. {@code 500,1000,2000}); the warm-up runs each target for
 * WARMUP_SECONDS at {@code -Dwarm.rate} (default: the highest rate), in {@code -Dwarm.windows}
 * windows (default 1) interleaved across the targets, each printed as a phase with {@code
 * "warmup"}: its window's number. With {@code -Dmeasure.from} (ms since the epoch) the warm-up goes
 * on in one more window, interleaved, until then, and the first measured phase starts no earlier.
 * {@code load-tests/extproc.py} runs it with Envoy, jrego and {@link ChatUpstream}.
 */
public final class HttpLoad {

  private HttpLoad() {}

  public static void main(String[] args) throws Exception {
    byte[] body = Files.readAllBytes(Path.of(args[0]));
    SSLContext tls = tls(Path.of(args[1]), Path.of(args[2]), Path.of(args[3]));
    double[] rates = Arrays.stream(args[4].split(",")).mapToDouble(Double::parseDouble).toArray();
    double seconds = Double.parseDouble(args[5]);
    double warm = Double.parseDouble(args[6]);
    int rounds = Integer.parseInt(args[7]);
    Map<String, URI> targets = new LinkedHashMap<>();
    for (int i = 8; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      targets.put(args[i].substring(0, eq), URI.create(args[i].substring(eq + 1)));
    }
    // one client per target: connections to one Envoy are never reused for another
    Map<String, HttpClient> clients = new LinkedHashMap<>();
    for (String name : targets.keySet()) {
      clients.put(
          name,
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .sslContext(tls)
              .connectTimeout(Duration.ofSeconds(5))
              .build());
    }
    double warmRate =
        Double.parseDouble(
            System.getProperty(
                "warm.rate", String.valueOf(Arrays.stream(rates).max().orElseThrow())));
    int windows = Integer.getInteger("warm.windows", 1);
    List<String> names = new ArrayList<>(targets.keySet());
    // the warm-up in windows, the targets interleaved as in the rounds: each window is printed
    // (with "warmup": its number) so the caller can see the servers' CPU per request settle
    for (int w = 0; w < windows && warm > 0; w++) {
      for (String name : names) {
        String json = run(clients.get(name), targets.get(name), body, warmRate, warm / windows);
        System.out.println(
            "{\"target\":\"" + name + "\",\"warmup\":" + w + "," + json.substring(1));
        System.out.flush();
      }
    }
    // -Dmeasure.from (ms since the epoch): the warm-up goes on, one more window interleaved as the
    // others, until then, so that nothing measured overlaps the servers' own warm-up rounds after
    // ready (extproc.py --measure-after)
    long from = Long.getLong("measure.from", 0L);
    long left = from - System.currentTimeMillis();
    if (left > 0 && warm > 0) {
      double each = left / 1000.0 / names.size();
      for (String name : names) {
        String json = run(clients.get(name), targets.get(name), body, warmRate, each);
        System.out.println(
            "{\"target\":\"" + name + "\",\"warmup\":" + windows + "," + json.substring(1));
        System.out.flush();
      }
    }
    while (System.currentTimeMillis() < from) {
      Thread.sleep(Math.max(1, from - System.currentTimeMillis()));
    }
    for (int round = 0; round < rounds; round++) {
      for (double rate : rates) {
        for (int k = 0; k < names.size(); k++) {
          String name = names.get((k + round) % names.size());
          String json = run(clients.get(name), targets.get(name), body, rate, seconds);
          System.out.println(
              "{\"target\":\"" + name + "\",\"round\":" + round + "," + json.substring(1));
          System.out.flush();
        }
      }
    }
  }

  static String run(HttpClient client, URI url, byte[] body, double rate, double seconds)
      throws InterruptedException {
    Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(30), 3);
    Map<Integer, AtomicLong> codes = new ConcurrentHashMap<>();
    AtomicLong errors = new AtomicLong();
    long total = Math.round(rate * seconds);
    Semaphore outstanding = new Semaphore(20_000);
    CountDownLatch done = new CountDownLatch((int) total);
    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
    long wallStart = System.currentTimeMillis() + 50;
    double interval = 1e9 / rate;
    for (long i = 0; i < total; i++) {
      long due = start + Math.round(i * interval);
      long wait;
      while ((wait = due - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
      outstanding.acquire();
      HttpRequest req =
          HttpRequest.newBuilder(url)
              .header("content-type", "application/json")
              .timeout(Duration.ofSeconds(10))
              .POST(HttpRequest.BodyPublishers.ofByteArray(body))
              .build();
      // the outcome is recorded by the callback; the future itself is not needed
      var unused =
          client
              .sendAsync(req, HttpResponse.BodyHandlers.discarding())
              .whenComplete(
                  (r, e) -> {
                    long latency = System.nanoTime() - due;
                    synchronized (h) {
                      h.recordValue(Math.min(latency, h.getHighestTrackableValue()));
                    }
                    if (e != null) {
                      errors.incrementAndGet();
                    } else {
                      codes
                          .computeIfAbsent(r.statusCode(), k -> new AtomicLong())
                          .incrementAndGet();
                    }
                    outstanding.release();
                    done.countDown();
                  });
    }
    done.await(60, TimeUnit.SECONDS);
    double took = (System.nanoTime() - start) / 1e9;
    long wallEnd = System.currentTimeMillis();
    Map<String, Long> c = new TreeMap<>();
    codes.forEach((k, v) -> c.put(String.valueOf(k), v.get()));
    if (errors.get() > 0) {
      c.put("error", errors.get());
    }
    StringBuilder cs = new StringBuilder();
    c.forEach(
        (k, v) -> cs.append(cs.isEmpty() ? "" : ",").append('"').append(k).append("\":").append(v));
    return String.format(
        java.util.Locale.ROOT,
        "{\"rate\":%.0f,\"requests\":%d,\"rps\":%.1f,\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f,"
            + "\"p999_us\":%.1f,\"max_us\":%.1f,\"codes\":{%s},\"t0_ms\":%d,\"t1_ms\":%d}",
        rate,
        h.getTotalCount(),
        h.getTotalCount() / took,
        h.getValueAtPercentile(50) / 1e3,
        h.getValueAtPercentile(90) / 1e3,
        h.getValueAtPercentile(99) / 1e3,
        h.getValueAtPercentile(99.9) / 1e3,
        h.getMaxValue() / 1e3,
        cs,
        wallStart,
        wallEnd);
  }

  /** TLS with a client certificate and key (PKCS#8 PEM, as make-certs.sh writes) and a CA. */
  static SSLContext tls(Path cert, Path key, Path ca) throws IOException, GeneralSecurityException {
    CertificateFactory cf = CertificateFactory.getInstance("X.509");
    List<Certificate> chain = new ArrayList<>();
    try (InputStream in = Files.newInputStream(cert)) {
      chain.addAll(cf.generateCertificates(in));
    }
    String pem = Files.readString(key, StandardCharsets.US_ASCII);
    String b64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(Base64.getDecoder().decode(b64));
    PrivateKey pk;
    try {
      pk = KeyFactory.getInstance("RSA").generatePrivate(spec);
    } catch (GeneralSecurityException e) {
      pk = KeyFactory.getInstance("EC").generatePrivate(spec);
    }
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry("client", pk, new char[0], chain.toArray(new Certificate[0]));
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, new char[0]);
    KeyStore ts = KeyStore.getInstance("PKCS12");
    ts.load(null, null);
    try (InputStream in = new ByteArrayInputStream(Files.readAllBytes(ca))) {
      ts.setCertificateEntry("ca", cf.generateCertificate(in));
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ts);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return ctx;
  }
}
