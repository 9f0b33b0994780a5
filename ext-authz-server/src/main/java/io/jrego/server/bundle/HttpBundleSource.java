package io.jrego.server.bundle;

import io.jrego.engine.ModuleCache;
import io.jrego.engine.bundle.Bundle;
import io.jrego.engine.bundle.BundleException;
import io.jrego.engine.bundle.BundleLoader;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;

/**
 * A bundle served over HTTP(S), polled as OPA's bundle service protocol does: {@code GET} with
 * {@code If-None-Match: <last ETag>}; {@code 304} means unchanged, {@code 200} brings a new
 * tarball. Polls are spaced by a random delay between the minimum and maximum, so a fleet does not
 * poll in step. A server that sends no ETag (or a new one for the same bytes) answers every poll
 * with the whole tarball: a body whose files are the same as the last one read is taken as
 * unchanged, so a refused version is reported once, not on every poll, until it changes.
 */
public final class HttpBundleSource implements BundleSource {

  /**
   * How to reach the bundle service.
   *
   * @param minDelay shortest wait between polls
   * @param maxDelay longest wait between polls
   * @param timeout the deadline of one whole download: connect, headers and body
   * @param bearerToken sent as {@code Authorization: Bearer}, if present
   * @param tls the TLS context (client certificate, trusted CAs), if not the JDK default
   */
  public record HttpOptions(
      Duration minDelay,
      Duration maxDelay,
      Duration timeout,
      Optional<String> bearerToken,
      Optional<SSLContext> tls) {
    public HttpOptions {
      if (minDelay.isNegative() || maxDelay.compareTo(minDelay) < 0) {
        throw new IllegalArgumentException("bundle polling: need 0 <= min delay <= max delay");
      }
      Objects.requireNonNull(timeout);
      Objects.requireNonNull(bearerToken);
      Objects.requireNonNull(tls);
    }
  }

  private final URI url;
  private final BundleLoader.Options options;
  private final HttpOptions http;
  private final HttpClient client;
  private volatile String etag = "";
  // the last body read: its files' digest, or why it could not be unpacked; only the poller sets it
  private String seen = "";

  public HttpBundleSource(URI url, BundleLoader.Options options, HttpOptions http) {
    this.url = Objects.requireNonNull(url);
    this.options = Objects.requireNonNull(options);
    this.http = Objects.requireNonNull(http);
    HttpClient.Builder b =
        HttpClient.newBuilder()
            .connectTimeout(http.timeout())
            .followRedirects(HttpClient.Redirect.NORMAL);
    http.tls().ifPresent(b::sslContext);
    this.client = b.build();
  }

  @Override
  public String name() {
    return url.toString();
  }

  /** The ETag of the last bundle fetched, empty before. */
  public String etag() {
    return etag;
  }

  /**
   * Fetches the bundle if it changed. The whole download (connect, headers, body) has one deadline,
   * the configured timeout: a server that sends headers and then drips the body is cut off, and the
   * next poll still happens. The body is unpacked as it streams in; the ETag is remembered only
   * once the body was read to its end, so a failed download is fetched again next time, while a
   * bundle that was read and refused is reported once: the server answers 304 to its ETag, and
   * without one the same files (or the same unreadable tarball) are taken as unchanged.
   */
  @Override
  public Optional<Bundle> poll(ModuleCache modules) throws BundleSourceException {
    Duration timeout = http.timeout();
    long deadline = System.nanoTime() + timeout.toNanos();
    HttpRequest.Builder req = HttpRequest.newBuilder(url).timeout(timeout).GET();
    if (!etag.isEmpty()) {
      req.header("If-None-Match", etag);
    }
    http.bearerToken().ifPresent(t -> req.header("Authorization", "Bearer " + t));
    CompletableFuture<HttpResponse<InputStream>> pending =
        client.sendAsync(req.build(), HttpResponse.BodyHandlers.ofInputStream());
    HttpResponse<InputStream> resp;
    try {
      resp = pending.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      pending.cancel(true);
      throw new BundleSourceException(
          BundleSourceException.FETCH, url + ": no response within " + text(timeout));
    } catch (ExecutionException e) {
      throw new BundleSourceException(
          BundleSourceException.FETCH, url + ": cannot fetch: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      pending.cancel(true);
      Thread.currentThread().interrupt();
      throw new BundleSourceException(BundleSourceException.FETCH, url + ": interrupted");
    }
    SortedMap<String, byte[]> files;
    Tracked body = new Tracked(resp.body());
    ScheduledFuture<?> cutoff =
        DEADLINES.schedule(body::expire, deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
    try (body) {
      if (resp.statusCode() == 304) {
        return Optional.empty();
      }
      if (resp.statusCode() != 200) {
        throw new BundleSourceException(
            BundleSourceException.FETCH, url + ": HTTP " + resp.statusCode());
      }
      files = BundleLoader.readArchive(url.toString(), body, options.limits());
    } catch (BundleException e) {
      if (body.expired()) {
        throw new BundleSourceException(
            BundleSourceException.FETCH,
            url + ": the download did not finish within " + text(timeout) + " (--bundle-timeout)");
      }
      if (body.failure() != null) {
        throw new BundleSourceException(
            BundleSourceException.FETCH, url + ": cannot fetch: " + body.failure(), e);
      }
      etag = resp.headers().firstValue("ETag").orElse(""); // read, and refused: report it once
      if (!changed("unreadable: " + e.getMessage())) {
        return Optional.empty();
      }
      throw BundleSourceException.refused(e);
    } catch (IOException e) {
      throw new BundleSourceException(BundleSourceException.FETCH, url + ": cannot fetch: " + e, e);
    } finally {
      cutoff.cancel(false);
    }
    etag = resp.headers().firstValue("ETag").orElse("");
    if (!changed(BundleDigest.of(files))) {
      return Optional.empty();
    }
    return BundleFiles.load(url.toString(), true, files, options, modules);
  }

  /** Remembers {@code body} as the last one read; false if it is the same as the one before. */
  private boolean changed(String body) {
    if (body.equals(seen)) {
      return false;
    }
    seen = body;
    return true;
  }

  /** {@code 30s} or {@code 500ms}, as the option is written. */
  private static String text(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
  }

  /** Closes the response bodies of downloads past their deadline. */
  private static final ScheduledExecutorService DEADLINES =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "jrego-bundle-deadline");
            t.setDaemon(true);
            return t;
          });

  /** A response body that remembers whether it failed, or was closed at its deadline. */
  private static final class Tracked extends FilterInputStream {
    private volatile boolean expired;
    private volatile IOException failure;

    Tracked(InputStream in) {
      super(in);
    }

    void expire() {
      expired = true;
      try {
        in.close(); // unblocks a read waiting for the next chunk
      } catch (IOException e) {
        // closing at the deadline: nothing more to do
      }
    }

    boolean expired() {
      return expired;
    }

    IOException failure() {
      return failure;
    }

    @Override
    public int read() throws IOException {
      try {
        return in.read();
      } catch (IOException e) {
        failure = e;
        throw e;
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return in.read(b, off, len);
      } catch (IOException e) {
        failure = e;
        throw e;
      }
    }
  }

  @Override
  public Duration nextDelay() {
    long min = http.minDelay().toMillis();
    long max = http.maxDelay().toMillis();
    return Duration.ofMillis(max > min ? ThreadLocalRandom.current().nextLong(min, max + 1) : min);
  }
}
