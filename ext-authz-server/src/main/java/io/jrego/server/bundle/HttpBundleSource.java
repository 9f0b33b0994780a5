package io.jrego.server.bundle;

import io.jrego.engine.bundle.Bundle;
import io.jrego.engine.bundle.BundleException;
import io.jrego.engine.bundle.BundleLoader;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import javax.net.ssl.SSLContext;

/**
 * A bundle served over HTTP(S), polled as OPA's bundle service protocol does: {@code GET} with
 * {@code If-None-Match: <last ETag>}; {@code 304} means unchanged, {@code 200} brings a new
 * tarball. Polls are spaced by a random delay between the minimum and maximum, so a fleet does not
 * poll in step.
 */
public final class HttpBundleSource implements BundleSource {

  /**
   * How to reach the bundle service.
   *
   * @param minDelay shortest wait between polls
   * @param maxDelay longest wait between polls
   * @param timeout connect and request timeout
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

  @Override
  public Optional<Bundle> poll() throws BundleSourceException {
    HttpRequest.Builder req = HttpRequest.newBuilder(url).timeout(http.timeout()).GET();
    if (!etag.isEmpty()) {
      req.header("If-None-Match", etag);
    }
    http.bearerToken().ifPresent(t -> req.header("Authorization", "Bearer " + t));
    HttpResponse<InputStream> resp;
    try {
      resp = client.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      throw new BundleSourceException(url + ": cannot fetch: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BundleSourceException(url + ": interrupted");
    }
    try (InputStream body = resp.body()) {
      if (resp.statusCode() == 304) {
        return Optional.empty();
      }
      if (resp.statusCode() != 200) {
        throw new BundleSourceException(url + ": HTTP " + resp.statusCode());
      }
      long max = options.limits().maxTotalBytes();
      byte[] bytes = body.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
      if (bytes.length > max) {
        throw new BundleSourceException(url + ": the bundle exceeds " + max + " bytes");
      }
      // remembered before reading, so a bad version is reported once, not at every poll
      etag = resp.headers().firstValue("ETag").orElse("");
      return Optional.of(BundleLoader.read(url.toString(), bytes, options));
    } catch (IOException e) {
      throw new BundleSourceException(url + ": cannot fetch: " + e, e);
    } catch (BundleException e) {
      throw new BundleSourceException(e.getMessage(), e);
    }
  }

  @Override
  public Duration nextDelay() {
    long min = http.minDelay().toMillis();
    long max = http.maxDelay().toMillis();
    return Duration.ofMillis(max > min ? ThreadLocalRandom.current().nextLong(min, max + 1) : min);
  }
}
