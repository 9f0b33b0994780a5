package io.jrego.server.decisionlog;

import io.jrego.engine.value.ObjectValue;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.GZIPOutputStream;

/**
 * Uploads events to an OPA-compatible decision log service as OPA does: {@code POST <url>} (such as
 * {@code http://collector:8080/logs}) with a gzip'd JSON array of events, {@code Content-Type:
 * application/json}, {@code Content-Encoding: gzip}, each body at most {@code uploadSizeLimit}
 * bytes. Batches wait in a buffer bounded in compressed bytes; when it is full the oldest batch is
 * dropped and its events counted. Uploads happen every {@code minDelay}..{@code maxDelay} (a random
 * point between them), after a failure (a non-2xx answer or no answer within the timeout) with
 * exponential back-off and jitter up to {@code maxDelay}; a failed batch stays at the head of the
 * buffer.
 */
final class UploadSink implements Sink {

  /**
   * How to upload.
   *
   * @param url where to POST batches, the service's URL and resource ({@code /logs} by default)
   * @param uploadSizeLimit the largest compressed body, OPA's {@code upload_size_limit_bytes}
   * @param bufferSizeLimit the most compressed bytes waiting, OPA's {@code buffer_size_limit_bytes}
   * @param minDelay the shortest wait between uploads
   * @param maxDelay the longest wait between uploads, and the longest back-off
   * @param minRetryDelay the first back-off after a failure
   * @param timeout how long one upload may take
   */
  record Config(
      URI url,
      int uploadSizeLimit,
      long bufferSizeLimit,
      Duration minDelay,
      Duration maxDelay,
      Duration minRetryDelay,
      Duration timeout) {
    Config {
      if (uploadSizeLimit < 1024) {
        throw new IllegalArgumentException(
            "decision log upload size limit must be at least 1024 bytes: " + uploadSizeLimit);
      }
      if (bufferSizeLimit < uploadSizeLimit) {
        throw new IllegalArgumentException(
            "decision log buffer ("
                + bufferSizeLimit
                + " bytes) must hold at least one upload ("
                + uploadSizeLimit
                + " bytes)");
      }
      if (minDelay.compareTo(maxDelay) > 0 || minDelay.isNegative()) {
        throw new IllegalArgumentException(
            "decision log upload delays must satisfy 0 <= min <= max: "
                + minDelay
                + ", "
                + maxDelay);
      }
    }
  }

  /** A compressed batch and how many events it holds. */
  private static final class Chunk {
    private final byte[] body;
    private final int events;

    Chunk(byte[] body, int events) {
      this.body = body;
      this.events = events;
    }

    byte[] body() {
      return body;
    }

    int events() {
      return events;
    }
  }

  /** How much JSON to gather before compressing: logs compress about ten to one. */
  private static final int COMPRESSION_GUESS = 8;

  private final Config config;
  private final DecisionLogStats stats;
  private final HttpClient client;
  private final ArrayDeque<Chunk> buffer = new ArrayDeque<>();
  private long bufferBytes;
  private final List<byte[]> pending = new ArrayList<>();
  private long pendingBytes;
  private long nextUpload;
  private int retries;

  UploadSink(Config config, DecisionLogStats stats, long nowNanos) {
    this.config = config;
    this.stats = stats;
    this.client = HttpClient.newBuilder().connectTimeout(config.timeout()).build();
    this.nextUpload = nowNanos + regularDelay();
  }

  @Override
  public void write(ObjectValue event, byte[] json) {
    if (pendingBytes + json.length + 1 > (long) config.uploadSizeLimit() * COMPRESSION_GUESS) {
      seal();
    }
    pending.add(json);
    pendingBytes += json.length + 1;
  }

  @Override
  public void tick(long nowNanos) {
    if (nowNanos - nextUpload < 0) {
      return;
    }
    seal();
    boolean ok = uploadAll(nowNanos + config.timeout().toNanos() * 4);
    if (ok) {
      retries = 0;
      nextUpload = System.nanoTime() + regularDelay();
    } else {
      nextUpload = System.nanoTime() + backoff(retries++);
    }
  }

  /** Uploads buffered batches in order until one fails; whether none failed. */
  private boolean uploadAll(long deadlineNanos) {
    while (!buffer.isEmpty()) {
      if (System.nanoTime() - deadlineNanos > 0) {
        return true; // the rest waits for the next tick
      }
      Chunk c = buffer.peekFirst();
      if (!post(c.body())) {
        return false;
      }
      buffer.removeFirst();
      bufferBytes -= c.body().length;
      stats.bufferBytes.set(bufferBytes);
    }
    return true;
  }

  private boolean post(byte[] body) {
    HttpRequest request =
        HttpRequest.newBuilder(config.url())
            .timeout(config.timeout())
            .header("Content-Type", "application/json")
            .header("Content-Encoding", "gzip")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
    try {
      HttpResponse<Void> r = client.send(request, HttpResponse.BodyHandlers.discarding());
      boolean ok = r.statusCode() >= 200 && r.statusCode() < 300;
      stats.upload(ok);
      return ok;
    } catch (IOException e) {
      stats.upload(false);
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stats.upload(false);
      return false;
    }
  }

  /** Compresses the pending events into batches within the upload size limit, and buffers them. */
  private void seal() {
    if (pending.isEmpty()) {
      return;
    }
    List<byte[]> events = new ArrayList<>(pending);
    pending.clear();
    pendingBytes = 0;
    compress(events);
  }

  private void compress(List<byte[]> events) {
    byte[] body = gzipArray(events);
    if (body.length <= config.uploadSizeLimit()) {
      push(new Chunk(body, events.size()));
    } else if (events.size() == 1) {
      stats.dropped("event_too_large", 1);
    } else {
      int half = events.size() / 2;
      compress(events.subList(0, half));
      compress(events.subList(half, events.size()));
    }
  }

  private void push(Chunk c) {
    while (!buffer.isEmpty() && bufferBytes + c.body().length > config.bufferSizeLimit()) {
      Chunk old = buffer.removeFirst();
      bufferBytes -= old.body().length;
      stats.dropped("buffer_size_limit_bytes_exceeded", old.events());
    }
    buffer.addLast(c);
    bufferBytes += c.body().length;
    stats.bufferBytes.set(bufferBytes);
  }

  static byte[] gzipArray(List<byte[]> events) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(bytes, 8192)) {
      gz.write('[');
      for (int i = 0; i < events.size(); i++) {
        if (i > 0) {
          gz.write(',');
        }
        gz.write(events.get(i));
      }
      gz.write(']');
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private long regularDelay() {
    long min = config.minDelay().toNanos();
    long max = config.maxDelay().toNanos();
    return min == max ? min : ThreadLocalRandom.current().nextLong(min, max + 1);
  }

  /** Exponential back-off with jitter: half the doubled delay fixed, half random. */
  private long backoff(int retry) {
    long base = config.minRetryDelay().toNanos() << Math.min(retry, 30);
    long capped = Math.max(0, Math.min(base, config.maxDelay().toNanos()));
    long half = capped / 2;
    return half + (half == 0 ? 0 : ThreadLocalRandom.current().nextLong(half + 1));
  }

  /** Events waiting, sealed or not. */
  int waitingEvents() {
    int n = pending.size();
    for (Chunk c : buffer) {
      n += c.events();
    }
    return n;
  }

  @Override
  public void close(long deadlineNanos) {
    seal();
    while (!buffer.isEmpty() && System.nanoTime() - deadlineNanos < 0) {
      Chunk c = buffer.peekFirst();
      if (!post(c.body())) {
        break;
      }
      buffer.removeFirst();
      bufferBytes -= c.body().length;
    }
    int lost = waitingEvents();
    if (lost > 0) {
      stats.dropped("shutdown", lost);
    }
    buffer.clear();
    bufferBytes = 0;
    stats.bufferBytes.set(0);
  }
}
