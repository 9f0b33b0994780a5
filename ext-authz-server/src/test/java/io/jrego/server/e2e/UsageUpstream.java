package io.jrego.server.e2e;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An OpenAI-style model behind Envoy that reports token usage as OpenAI does, and remembers what it
 * reported, so a test can compare the budget's settled total with it.
 *
 * <p>The request's headers say what to answer: {@code x-usage-prompt} and {@code
 * x-usage-completion} the usage to report (default 10 and 20). A body with {@code "stream": true}
 * gets an SSE stream of chat chunks whose usage chunk comes only when the body asks for {@code
 * "include_usage": true}, as OpenAI's; else a JSON chat completion with {@code usage}. {@code
 * x-hang: true} streams one chunk and then waits (at most 30 s) for {@link #release()}: a stream
 * the client can leave mid-way. {@code x-stream-words: N} streams N one-word chunks (default 5),
 * {@code x-word-pause-ms} apart (default 1), counting in {@link #wordsWritten} those written before
 * the connection closed and, once it stops writing them, in {@link #longAnswersEnded}: a long
 * answer to cut off. While {@link #hold()} is on, every request waits at arrival until {@link
 * #release()}. Each request runs on its own virtual thread, so held requests do not queue others.
 */
final class UsageUpstream implements AutoCloseable {

  /** What one answer reported. */
  record Reported(long total, boolean streamed) {}

  private final HttpServer server;
  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
  final ConcurrentLinkedQueue<Reported> reported = new ConcurrentLinkedQueue<>();
  final ConcurrentLinkedQueue<String> bodies = new ConcurrentLinkedQueue<>();
  final AtomicInteger arrived = new AtomicInteger();
  final AtomicInteger wordsWritten = new AtomicInteger();
  final AtomicInteger longAnswersEnded = new AtomicInteger();
  private volatile CountDownLatch gate = new CountDownLatch(0);
  private final CountDownLatch hang = new CountDownLatch(1);

  UsageUpstream() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 512);
    server.setExecutor(threads);
    server.createContext(
        "/",
        ex -> {
          try (ex) {
            answer(ex);
          } catch (IOException | RuntimeException e) {
            // the client went away: nothing to answer
          }
        });
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  /** From now on requests wait at arrival until {@link #release()}. */
  void hold() {
    gate = new CountDownLatch(1);
  }

  /** Lets held requests and hanging streams go on. */
  void release() {
    gate.countDown();
    hang.countDown();
  }

  private void answer(HttpExchange ex) throws IOException {
    String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    bodies.add(body);
    arrived.incrementAndGet();
    CountDownLatch held = gate;
    await(held);
    long prompt = header(ex, "x-usage-prompt").map(Long::parseLong).orElse(10L);
    long completion = header(ex, "x-usage-completion").map(Long::parseLong).orElse(20L);
    String usage =
        "{\"prompt_tokens\":"
            + prompt
            + ",\"completion_tokens\":"
            + completion
            + ",\"total_tokens\":"
            + (prompt + completion)
            + "}";
    String compact = body.replace(" ", "");
    if (!compact.contains("\"stream\":true")) {
      byte[] out =
          ("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,"
                  + "\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},"
                  + "\"finish_reason\":\"stop\"}],\"usage\":"
                  + usage
                  + "}")
              .getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("content-type", "application/json");
      ex.sendResponseHeaders(200, out.length);
      ex.getResponseBody().write(out);
      reported.add(new Reported(prompt + completion, false));
      return;
    }
    ex.getResponseHeaders().set("content-type", "text/event-stream");
    ex.sendResponseHeaders(200, 0);
    OutputStream out = ex.getResponseBody();
    event(out, "{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}");
    if (header(ex, "x-hang").isPresent()) {
      event(out, "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"partial\"}}]}");
      await(hang);
      return;
    }
    int words = header(ex, "x-stream-words").map(Integer::parseInt).orElse(5);
    long pause = header(ex, "x-word-pause-ms").map(Long::parseLong).orElse(1L);
    try {
      for (int i = 0; i < words; i++) {
        event(out, "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"word" + i + " \"}}]}");
        if (words > 5) {
          wordsWritten.set(i + 1);
          pause(pause);
        }
      }
    } finally {
      if (words > 5) {
        longAnswersEnded.incrementAndGet();
      }
    }
    event(out, "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}");
    boolean include = compact.contains("\"include_usage\":true");
    if (include) {
      event(out, "{\"choices\":[],\"usage\":" + usage + "}");
      reported.add(new Reported(prompt + completion, true));
    }
    out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static void event(OutputStream out, String json) throws IOException {
    out.write(("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Optional<String> header(HttpExchange ex, String name) {
    return Optional.ofNullable(ex.getRequestHeaders().getFirst(name));
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("held for 30 s without a release");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The sum of the totals reported so far. */
  long reportedTotal() {
    return reported.stream().mapToLong(Reported::total).sum();
  }

  @Override
  public void close() {
    release();
    server.stop(0);
    threads.shutdownNow();
  }
}
