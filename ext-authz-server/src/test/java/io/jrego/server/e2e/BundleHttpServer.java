package io.jrego.server.e2e;

import com.sun.net.httpserver.HttpServer;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.jrego.engine.bundle.BundleWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A bundle service on loopback, as OPA's bundle protocol expects: {@code GET /bundles/...} answers
 * the current tarball with its ETag, or 304 when {@code If-None-Match} names that ETag.
 */
final class BundleHttpServer implements AutoCloseable {

  /** One version of the served bundle (a class, not a record: it holds an array). */
  private static final class Version {
    private final byte[] tarball;
    private final String etag;
    private final Duration drip; // zero: send at once; else one byte each this long

    Version(byte[] tarball, String etag, Duration drip) {
      this.tarball = tarball;
      this.etag = etag;
      this.drip = drip;
    }

    byte[] tarball() {
      return tarball;
    }

    String etag() {
      return etag;
    }
  }

  private final HttpServer http;
  private final ExecutorService pool = Executors.newCachedThreadPool();
  private final AtomicReference<Version> current = new AtomicReference<>();
  private final AtomicInteger fetches = new AtomicInteger();
  private final AtomicInteger notModified = new AtomicInteger();

  BundleHttpServer() throws IOException {
    http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    http.createContext(
        "/bundles/",
        ex -> {
          try (ex) {
            Version v = current.get();
            if (v == null) {
              ex.sendResponseHeaders(404, -1);
              return;
            }
            if (v.etag().equals(ex.getRequestHeaders().getFirst("If-None-Match"))) {
              notModified.incrementAndGet();
              ex.sendResponseHeaders(304, -1);
              return;
            }
            fetches.incrementAndGet();
            ex.getResponseHeaders().set("ETag", v.etag());
            ex.getResponseHeaders().set("Content-Type", "application/gzip");
            ex.sendResponseHeaders(200, v.tarball().length);
            try (OutputStream out = ex.getResponseBody()) {
              if (v.drip.isZero()) {
                out.write(v.tarball());
              } else {
                drip(out, v);
              }
            }
          }
        });
    http.setExecutor(pool); // a dripping answer must not hold up the next request
    http.start();
  }

  /** Sends one byte at a time, at most for {@link #DRIP_LIMIT}, until the client goes away. */
  private static void drip(OutputStream out, Version v) throws IOException {
    long deadline = System.nanoTime() + DRIP_LIMIT.toNanos();
    for (int i = 0; i < v.tarball().length && System.nanoTime() < deadline; i++) {
      out.write(v.tarball()[i]);
      out.flush();
      try {
        Thread.sleep(v.drip.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** The longest a dripping answer goes on, so a test cannot leave it running. */
  private static final Duration DRIP_LIMIT = Duration.ofSeconds(60);

  /** Serves {@code files} as a tarball from now on, under ETag {@code "etag"}. */
  void serve(SortedMap<String, byte[]> files, String etag) {
    serveBytes(BundleWriter.toBytes(files), etag);
  }

  /** Serves {@code tarball} as it is from now on, under ETag {@code "etag"}. */
  void serveBytes(byte[] tarball, String etag) {
    current.set(new Version(tarball, "\"" + etag + "\"", Duration.ZERO));
  }

  /**
   * Serves {@code files} from now on with the whole length announced and then one byte every {@code
   * perByte}: the slow-drip server of issue 14.
   */
  void serveDripping(SortedMap<String, byte[]> files, String etag, Duration perByte) {
    current.set(new Version(BundleWriter.toBytes(files), "\"" + etag + "\"", perByte));
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + http.getAddress().getPort() + "/bundles/authz.tar.gz");
  }

  /** 200 answers so far (bundles actually downloaded). */
  int fetches() {
    return fetches.get();
  }

  /** 304 answers so far. */
  int notModified() {
    return notModified.get();
  }

  /**
   * A bundle rooted at {@code envoy/authz} whose decision allows and injects the revision twice:
   * {@code x-revision} from the module and {@code x-data-revision} from data, so an answer mixing
   * two revisions would show two different values.
   */
  static SortedMap<String, byte[]> revision(String rev) {
    return bundle(
        rev,
        "package envoy.authz\n\n"
            + "allow := {\"allowed\": true, \"headers\": {\"x-revision\": \""
            + rev
            + "\", \"x-data-revision\": data.envoy.authz.rev}}\n");
  }

  /**
   * The {@code x-revision} an allowed answer from a {@link #revision} bundle carries, or "none".
   */
  static String revisionHeader(CheckResponse r) {
    for (HeaderValueOption h : r.getOkResponse().getHeadersList()) {
      if (h.getHeader().getKey().equals("x-revision")) {
        return h.getHeader().getValue();
      }
    }
    return "none";
  }

  /** A bundle with revision {@code rev}, the given module and data {@code {"rev": rev}}. */
  static SortedMap<String, byte[]> bundle(String rev, String rego) {
    SortedMap<String, byte[]> m = new TreeMap<>();
    m.put(
        ".manifest",
        ("{\"revision\":\"" + rev + "\",\"roots\":[\"envoy/authz\"]}")
            .getBytes(StandardCharsets.UTF_8));
    m.put("envoy/authz/policy.rego", rego.getBytes(StandardCharsets.UTF_8));
    m.put("envoy/authz/data.json", ("{\"rev\":\"" + rev + "\"}").getBytes(StandardCharsets.UTF_8));
    return m;
  }

  @Override
  public void close() {
    http.stop(0);
    pool.shutdownNow();
  }
}
