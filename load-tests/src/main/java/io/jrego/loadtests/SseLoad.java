package io.jrego.loadtests;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * SSE streams through Envoy for the ext_proc load test, one at a time: per stream the time to the
 * response headers, to the first body byte and to the last, and the bytes received. Several targets
 * (the same Envoy configuration with and without ext_proc) are measured in one JVM, their streams
 * interleaved in an order that rotates and goes through every order of the targets ({@link
 * #place}), so drift of the machine, and what one stream leaves behind for the next, falls on all
 * alike. Prints one JSON line per target with the medians and the 90th percentiles: MB/s (bytes
 * over the time from the first body byte to the last) and milliseconds, and each stream's MB/s and
 * first byte in the order measured, and the wall-clock bounds of the measured rounds ({@code
 * t0_ms}, {@code t1_ms}). Besides the first body byte, the first answer text: the first byte of a
 * non-empty {@code "content"} string (the role chunk's empty one does not count), which a filter
 * that holds text back delays even where it lets the first bytes through.
 *
 * <p>With {@code -Dsse.pace.ms=N} the measured streams (not the warm-up's) ask the upstream for N
 * ms between events ({@code x-sse-pace-ms}, {@link ChatUpstream}): a model's pace instead of a
 * flood, for the first byte and the first text as a caller of a real model sees them, and the
 * per-token delay: for each event of the upstream that carries answer text, the time from its
 * writing (the upstream's {@code : t=} stamp) to the moment the client has received all answer text
 * up to the end of that event's, wherever a filter put it ({@link TokenDelays}); its percentiles
 * over every such event of every measured stream ({@code token_delay_ms_p50}, ...); and each
 * character's delay, from its event's writing to its read ({@code char_delay_ms_p50}, ...): a
 * filter holding an event's last word back delays that event's whole text by the first reading, its
 * last word's characters by the second.
 *
 * <p>The WARMUP_STREAMS unmeasured rounds before them run in {@code -Dwarm.windows} windows
 * (default 1); each window prints one line per target with its number ({@code window}), its
 * streams' median first byte and MB/s, and its bounds, so the caller can see the servers' CPU per
 * round settle.
 *
 * <pre>
 * java -cp load-tests/target/benchmarks.jar io.jrego.loadtests.SseLoad BODY_FILE CERT KEY CA \
 *   STREAMS EVENTS WARMUP_STREAMS NAME=URL...
 * </pre>
 *
 * {@code load-tests/extproc.py} runs it with Envoy, jrego and {@link ChatUpstream}.
 */
public final class SseLoad {

  private SseLoad() {}

  public static void main(String[] args) throws Exception {
    byte[] body = Files.readAllBytes(Path.of(args[0]));
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .sslContext(HttpLoad.tls(Path.of(args[1]), Path.of(args[2]), Path.of(args[3])))
            .build();
    int streams = Integer.parseInt(args[4]);
    String events = args[5];
    int warm = Integer.parseInt(args[6]);
    Map<String, URI> targets = new LinkedHashMap<>();
    for (int i = 7; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      targets.put(args[i].substring(0, eq), URI.create(args[i].substring(eq + 1)));
    }
    List<String> names = new ArrayList<>(targets.keySet());
    long pace = Long.getLong("sse.pace.ms", 0);
    int windows = Math.max(1, Math.min(warm, Integer.getInteger("warm.windows", 1)));
    int done = 0;
    for (int w = 0; w < windows && warm > 0; w++) {
      int n = (warm - done) / (windows - w);
      long t0 = System.currentTimeMillis();
      Map<String, double[][]> window = rounds(client, targets, names, body, events, 0, done, n);
      long t1 = System.currentTimeMillis();
      done += n;
      int number = w;
      window.forEach(
          (name, r) ->
              System.out.println(
                  String.format(
                      Locale.ROOT,
                      "{\"target\":\"%s\",\"window\":%d,\"streams\":%d,"
                          + "\"first_byte_ms_p50\":%.2f,\"mb_per_s_all\":%.2f,"
                          + "\"t0_ms\":%d,\"t1_ms\":%d}",
                      name,
                      number,
                      r.length,
                      pct(column(r, 1), 50),
                      allStreams(r),
                      t0,
                      t1)));
      System.out.flush();
    }
    long t0 = System.currentTimeMillis();
    Map<String, double[][]> results =
        rounds(client, targets, names, body, events, pace, 0, streams);
    long t1 = System.currentTimeMillis();
    results.forEach(
        (name, r) -> {
          String json = summary(name, r);
          System.out.println(
              json.substring(0, json.length() - 1) + ",\"t0_ms\":" + t0 + ",\"t1_ms\":" + t1 + "}");
        });
  }

  /**
   * {@code n} rounds, one stream to each target a round, numbered from {@code from} and ordered by
   * {@link #place}: per target, each stream's figures ({@link #one}).
   */
  private static Map<String, double[][]> rounds(
      HttpClient client,
      Map<String, URI> targets,
      List<String> names,
      byte[] body,
      String events,
      long pace,
      int from,
      int n)
      throws Exception {
    Map<String, double[][]> results = new LinkedHashMap<>();
    for (String name : names) {
      results.put(name, new double[n][]);
    }
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < names.size(); k++) {
        String name = names.get(place(i + from, k, names.size()));
        results.get(name)[i] = one(client, targets.get(name), body, events, pace);
      }
    }
    return results;
  }

  /**
   * The target measured {@code k}-th in round {@code round} of {@code n} targets: rounds go in
   * blocks of {@code n}, each block one order of the targets (every order there is, in turn, the
   * given one first), rotated one place further each round of the block. Every {@code n} rounds
   * each target has had every place once, and over the orders each comes right after every other
   * one, so what a stream leaves behind (its server's collections and compilations, a busier Envoy)
   * does not fall on one neighbour only, nor the machine's drift on one place.
   */
  static int place(int round, int k, int n) {
    int factorial = 1;
    for (int i = 2; i <= n; i++) {
      factorial *= i;
    }
    // the order number (round / n) of the n! orders, read as a Lehmer code
    int code = (round / n) % factorial;
    List<Integer> left = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      left.add(i);
    }
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      factorial /= n - i;
      order[i] = left.remove(code / factorial);
      code %= factorial;
    }
    return order[(k + round) % n];
  }

  private static double[] column(double[][] runs, int i) {
    double[] v = new double[runs.length];
    for (int k = 0; k < runs.length; k++) {
      v[k] = runs[k][i];
    }
    return v;
  }

  /** Every stream's bytes over their summed time from first to last body byte, in MB/s. */
  private static double allStreams(double[][] runs) {
    double bytes = 0;
    double ms = 0;
    for (double[] r : runs) {
      bytes += r[3];
      ms += r[2] - r[1];
    }
    return bytes / 1e6 / (ms / 1e3);
  }

  private static String summary(String name, double[][] runs) {
    int n = runs.length;
    double[] headers = new double[n];
    double[] first = new double[n];
    double[] mbps = new double[n];
    double[] text = new double[n];
    long bytes = 0;
    int ok = 0;
    for (int i = 0; i < n; i++) {
      double[] r = runs[i];
      headers[i] = r[0];
      first[i] = r[1];
      mbps[i] = r[3] / 1e6 / ((r[2] - r[1]) / 1e3);
      text[i] = r[5];
      bytes = (long) r[3];
      ok += r[4] == 200 ? 1 : 0;
    }
    List<Double> tokenDelays = new ArrayList<>();
    List<Double> charDelays = new ArrayList<>();
    for (double[] r : runs) {
      int events = r.length > 6 ? (int) r[6] : 0;
      for (int i = 7; i < r.length; i++) {
        (i < 7 + events ? tokenDelays : charDelays).add(r[i]);
      }
    }
    String tokens = delays("token", tokenDelays) + delays("char", charDelays);
    return String.format(
        Locale.ROOT,
        "{\"target\":\"%s\",\"streams\":%d,\"ok\":%d,\"bytes_per_stream\":%d,"
            + "\"headers_ms_p50\":%.2f,\"headers_ms_p90\":%.2f,\"first_byte_ms_p50\":%.2f,"
            + "\"first_byte_ms_p90\":%.2f,\"mb_per_s_p50\":%.2f,\"mb_per_s_p10\":%.2f,"
            + "\"mb_per_s_p90\":%.2f,\"first_text_ms_p50\":%.2f,\"first_text_ms_p90\":%.2f,"
            + "\"mb_per_s\":%s,\"first_byte_ms\":%s,\"first_text_ms\":%s%s}",
        name,
        n,
        ok,
        bytes,
        pct(headers, 50),
        pct(headers, 90),
        pct(first, 50),
        pct(first, 90),
        pct(mbps, 50),
        pct(mbps, 10),
        pct(mbps, 90),
        pct(text, 50),
        pct(text, 90),
        list(mbps),
        list(first),
        list(text),
        tokens);
  }

  /**
   * [ms to headers, ms to first body byte, ms to last byte, bytes, status, ms to first answer text
   * (-1: none)].
   */
  private static double[] one(HttpClient client, URI url, byte[] body, String events, long pace)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(url)
            .header("content-type", "application/json")
            .header("x-sse-events", events)
            .timeout(Duration.ofSeconds(60))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (pace > 0) {
      b.header("x-sse-pace-ms", Long.toString(pace));
    }
    HttpRequest req = b.build();
    long t0 = System.nanoTime();
    HttpResponse<InputStream> r = client.send(req, HttpResponse.BodyHandlers.ofInputStream());
    long th = System.nanoTime();
    long tf = 0;
    long tt = 0;
    long n = 0;
    byte[] buf = new byte[64 * 1024];
    FirstText text = new FirstText();
    TokenDelays tokens =
        pace > 0 ? new TokenDelays(ChatUpstream.stream(Integer.parseInt(events))) : null;
    try (InputStream in = r.body()) {
      int k;
      while ((k = in.read(buf)) >= 0) {
        if (k > 0 && tf == 0) {
          tf = System.nanoTime();
        }
        if (tokens != null && k > 0) {
          tokens.read(buf, k, ChatUpstream.micros());
        }
        if (tt == 0 && text.found(buf, k)) {
          tt = System.nanoTime();
        }
        n += k;
      }
    }
    long tl = System.nanoTime();
    double[] delays = tokens == null ? new double[0] : tokens.delays();
    double[] chars = tokens == null ? new double[0] : tokens.charDelays();
    double[] out = new double[7 + delays.length + chars.length];
    out[0] = (th - t0) / 1e6;
    out[1] = (tf - t0) / 1e6;
    out[2] = (tl - t0) / 1e6;
    out[3] = n;
    out[4] = r.statusCode();
    out[5] = tt == 0 ? -1 : (tt - t0) / 1e6;
    out[6] = delays.length;
    System.arraycopy(delays, 0, out, 7, delays.length);
    System.arraycopy(chars, 0, out, 7 + delays.length, chars.length);
    return out;
  }

  /**
   * The per-token delay of one paced stream: reads the stream's events as they arrive and, for each
   * upstream event with answer text, the time from its {@code : t=} stamp to the read that brought
   * the last of the answer text up to its end (text a filter held back arrives in a later event;
   * events are never dropped, so the k-th stamp read is the k-th event written). The upstream's
   * text is known from {@link ChatUpstream#stream}; a redacted value changes the counts, so the
   * streams measured carry none (24 events).
   */
  static final class TokenDelays {
    private final int[] ends; // answer text up to the end of each upstream event, in chars
    private final boolean[] hasText;
    private final List<Long> stamps = new ArrayList<>();
    private final List<Double> delays = new ArrayList<>();
    private final List<Double> charDelays = new ArrayList<>();
    private int charEvent; // the upstream event the next character received was written in
    private final java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();
    private long received;
    private int next;

    TokenDelays(List<byte[]> upstream) {
      ends = new int[upstream.size()];
      hasText = new boolean[upstream.size()];
      int total = 0;
      for (int i = 0; i < upstream.size(); i++) {
        String e = new String(upstream.get(i), StandardCharsets.UTF_8);
        int len = 0;
        for (String line : e.split("\n", -1)) {
          len += textLength(line);
        }
        total += len;
        ends[i] = total;
        hasText[i] = len > 0;
      }
    }

    /** Takes the next bytes read, {@code now} the wall clock in microseconds. */
    void read(byte[] buf, int len, long now) {
      pending.write(buf, 0, len);
      byte[] all = pending.toByteArray();
      int from = 0;
      for (int i = 0; i + 1 < all.length; i++) {
        if (all[i] == '\n' && all[i + 1] == '\n') {
          block(new String(all, from, i + 2 - from, StandardCharsets.UTF_8), now);
          from = i + 2;
          i++;
        }
      }
      pending.reset();
      pending.write(all, from, all.length - from);
    }

    private void block(String block, long now) {
      for (String line : block.split("\n", -1)) {
        String l = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
        if (l.startsWith(": t=")) {
          stamps.add(Long.parseLong(l.substring(4).strip()));
        } else {
          int t = textLength(l);
          for (long c = received; c < received + t; c++) {
            while (charEvent < ends.length - 1 && ends[charEvent] <= c) {
              charEvent++;
            }
            if (charEvent < stamps.size()) {
              charDelays.add((now - stamps.get(charEvent)) / 1e3);
            }
          }
          received += t;
        }
      }
      while (next < stamps.size()
          && next < ends.length
          && (!hasText[next] || ends[next] <= received)) {
        if (hasText[next]) {
          delays.add((now - stamps.get(next)) / 1e3);
        }
        next++;
      }
    }

    /** Each character's delay: from its upstream event's writing to its read, in ms. */
    double[] charDelays() {
      double[] d = new double[charDelays.size()];
      for (int i = 0; i < d.length; i++) {
        d[i] = charDelays.get(i);
      }
      return d;
    }

    /** The delays taken, in ms. */
    double[] delays() {
      double[] d = new double[delays.size()];
      for (int i = 0; i < d.length; i++) {
        d[i] = delays.get(i);
      }
      return d;
    }

    /** The length of the {@code "content"} string of a {@code data:} line, in chars (0: none). */
    static int textLength(String line) {
      if (!line.startsWith("data:")) {
        return 0;
      }
      int k = line.indexOf("\"content\":\"");
      if (k < 0) {
        return 0;
      }
      int n = 0;
      for (int i = k + 11; i < line.length(); i++) {
        char c = line.charAt(i);
        if (c == '"') {
          return n;
        }
        if (c == '\\') {
          i += line.charAt(i + 1) == 'u' ? 5 : 1;
        }
        n++;
      }
      return n;
    }
  }

  /**
   * Finds the first non-empty {@code "content":"} string in a stream read in pieces (the key may be
   * split across two reads).
   */
  static final class FirstText {
    private static final byte[] KEY = "\"content\":\"".getBytes(StandardCharsets.US_ASCII);
    private int matched; // bytes of KEY matched at the end of what was read so far

    /** Whether the first answer text begins in {@code buf[0..len)}. */
    boolean found(byte[] buf, int len) {
      for (int i = 0; i < len; i++) {
        byte c = buf[i];
        if (matched == KEY.length) {
          if (c != '"') {
            return true;
          }
          matched = 0;
        }
        if (c == KEY[matched]) {
          matched++;
        } else {
          matched = c == KEY[0] ? 1 : 0;
        }
      }
      return false;
    }
  }

  /** {@code ,"NAME_delays":n,"NAME_delay_ms_p50":...} for the delays taken, or nothing. */
  private static String delays(String name, List<Double> delays) {
    if (delays.isEmpty()) {
      return "";
    }
    double[] d = new double[delays.size()];
    double sum = 0;
    for (int i = 0; i < d.length; i++) {
      d[i] = delays.get(i);
      sum += d[i];
    }
    return String.format(
        Locale.ROOT,
        ",\"%s_delays\":%d,\"%s_delay_ms_p50\":%.2f,\"%s_delay_ms_p90\":%.2f,"
            + "\"%s_delay_ms_p99\":%.2f,\"%s_delay_ms_mean\":%.2f",
        name,
        d.length,
        name,
        pct(d, 50),
        name,
        pct(d, 90),
        name,
        pct(d, 99),
        name,
        sum / d.length);
  }

  /** Each stream's figure, in the order measured: drift and outliers show in the JSON. */
  private static String list(double[] v) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < v.length; i++) {
      b.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.2f", v[i]));
    }
    return b.append(']').toString();
  }

  private static double pct(double[] v, double p) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[Math.min(s.length - 1, (int) Math.floor(p / 100 * s.length))];
  }
}
