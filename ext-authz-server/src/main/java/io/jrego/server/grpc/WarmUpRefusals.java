package io.jrego.server.grpc;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPOutputStream;

/**
 * Made-up requests that take the request path's rarer branches, for {@link WarmUp} to run among the
 * ordinary ones: bodies jrego refuses (nested too deep, a number too big, broken JSON, too many
 * form or query parameters), numbers of 999 digits (16, and up to 300 in a message sent in the
 * frames of a client HTTP/2 flow control holds back) and one of 30,000, a chat as a bare gRPC
 * client sends it (no destination, time, principal or content-length), one from a caller with no
 * identity at all, bodies Envoy cut short, bytes that are not UTF-8, a 64 KiB body that spans many
 * HTTP/2 frames, an object of many keys, path parameters, a gzip bomb sent as raw bytes (1 KB, and
 * 64 KB that spans many frames), the start of a compressed body Envoy cut short (bytes that are not
 * text, in the text field), a chat in other scripts, and a message just over the server's size
 * limit (refused by gRPC's deframer over the wire).
 *
 * <p>Why: the JIT compiles the hot path from what it has seen, and a branch never taken is left
 * out, with a trap where it was. When the first request of a new kind arrived (in the fault matrix,
 * the first hostile request of a phase), the traps fired all along the path, in gRPC's deframer,
 * protobuf, Jackson, input mapping and the answer's type switch: replica A deoptimised 91 methods
 * and recompiled 110 in that second, and legitimate requests waited behind the interpreter and the
 * compiler (p99 126-146 ms in that second against 12 ms calm; load-tests/README.md, "Fault
 * matrix"). Having seen each kind once in the warm-up, the compiled code keeps those branches.
 */
final class WarmUpRefusals {

  private WarmUpRefusals() {}

  /** How many times the ordinary samples come before the rare ones, in each round. */
  static final int ORDINARY_ROUNDS = 5;

  /**
   * {@code ordinary} {@link #ORDINARY_ROUNDS} times, then each rare request once: the rare ones are
   * about a quarter of the warm-up's requests, and most are refused after a few bytes.
   */
  static List<CheckRequest> mixedInto(List<CheckRequest> ordinary, int oversized) {
    List<CheckRequest> out = new ArrayList<>();
    for (int i = 0; i < ORDINARY_ROUNDS; i++) {
      out.addAll(ordinary);
    }
    out.addAll(samples(ordinary.getFirst(), oversized));
    return out;
  }

  /**
   * The rare requests, each a variation of {@code chat} (a JSON POST with a caller identity); the
   * last is a chat of about {@code oversized} bytes.
   */
  static List<CheckRequest> samples(CheckRequest chat, int oversized) {
    return samples(chat, oversized, WarmUpSwitches.CURRENT);
  }

  /** {@link #samples(CheckRequest, int)}, the 64 KB gzip stream only if {@code switches} say so. */
  static List<CheckRequest> samples(CheckRequest chat, int oversized, WarmUpSwitches switches) {
    StringBuilder keys = new StringBuilder("{\"model\":\"warmup\"");
    for (int i = 0; i < 400; i++) {
      keys.append(",\"k").append(i).append("\":").append(i);
    }
    keys.append('}');
    StringBuilder form = new StringBuilder("a=0");
    StringBuilder query = new StringBuilder("/v1/models?a=0");
    // one over Go's limit, so refused whatever --max-form-params says (counted before decoding)
    for (int i = 1; i <= 10_000; i++) {
      form.append("&a=").append(i);
      query.append("&a=").append(i);
    }
    String big =
        "{\"model\":\"warmup\",\"messages\":[{\"role\":\"user\",\"content\":\""
            + "where is my order? ".repeat(64 * 1024 / 19)
            + "\"}]}";
    byte[] notUtf8 =
        "{\"model\":\"warmup\",\"messages\":[{\"role\":\"user\",\"content\":\"caf?\"}]}"
            .getBytes(StandardCharsets.UTF_8);
    notUtf8[indexOf(notUtf8, (byte) '?')] = (byte) 0xe9; // Latin-1 'é'
    List<CheckRequest> out = new ArrayList<>();
    out.addAll(
        List.of(
            body(chat, "application/json", manyFrames(oversized / 2)),
            body(chat, "application/json", big),
            body(chat, "application/json", keys.toString()),
            body(chat, "application/json", "[".repeat(1_001) + "]".repeat(1_001)),
            body(chat, "application/json", "{\"model\":\"warmup\",\"n\":1e100000000}"),
            body(chat, "application/json", MANY_DIGITS),
            body(chat, "application/json", EXPONENTS),
            bare(chat),
            anonymous(chat),
            body(chat, "application/json", "{\"model\":\"warmup\",\"messages\":[{\"role\""),
            rawBody(chat, "application/json", notUtf8),
            body(chat, "application/x-www-form-urlencoded", form.toString()),
            path(chat, "GET", query.toString()),
            path(chat, "POST", "/v1/chat/completions;x=1"),
            edit(
                chat,
                http ->
                    http.putHeaders(BODY_CUT_SHORT, "true").putHeaders("content-length", "100000")),
            edit(
                rawBody(chat, "application/json", GZIP_BOMB),
                http -> http.putHeaders("content-encoding", "gzip"))));
    if (switches.longGzip()) {
      out.add(
          edit(
              rawBody(chat, "application/json", LONG_GZIP),
              http -> http.putHeaders("content-encoding", "gzip")));
    }
    out.add(cutShortBinary(chat));
    out.add(body(chat, "application/json", NOT_LATIN_1));
    out.add(body(chat, "application/json", chatOfSize(oversized)));
    return List.copyOf(out);
  }

  /**
   * {@code chat} asking, in {@link AuthorizationService#WARM_UP_FAILURE}, the warm-up copy whose
   * secret is {@code secret} to fail it {@code where} (a real service ignores the header).
   */
  static CheckRequest failing(
      CheckRequest chat, String secret, AuthorizationService.MadeUpFailure where) {
    return edit(
        chat, http -> http.putHeaders(AuthorizationService.WARM_UP_FAILURE, where.header(secret)));
  }

  /** {@code chat} failing in each of the places a real check fails at its deadline. */
  static List<CheckRequest> failing(CheckRequest chat, String secret) {
    List<CheckRequest> out = new ArrayList<>();
    for (AuthorizationService.MadeUpFailure where : AuthorizationService.MadeUpFailure.values()) {
      out.add(failing(chat, secret, where));
    }
    return List.copyOf(out);
  }

  /** The most {@link #manyFrames} makes: the fault matrix's 300 numbers of 999 digits. */
  static final int MANY_FRAMES_MAX = 300_000;

  /**
   * A chat with numbers of 999 digits, of about {@code bytes} bytes (at most {@link
   * #MANY_FRAMES_MAX}): a message the warm-up's client sends in the frames of one that HTTP/2 flow
   * control holds back ({@link LoopbackCalls#FLOW_CONTROLLED_FROM}). {@link #samples} asks for half
   * the server's message limit, so that it is read, not refused.
   */
  static String manyFrames(int bytes) {
    int numbers = Math.max(1, Math.min(bytes, MANY_FRAMES_MAX) / 1_000);
    return "{\"model\":\"warmup\",\"messages\":[],\"n\":["
        + String.join(",", Collections.nCopies(numbers, "9".repeat(999)))
        + "]}";
  }

  /**
   * Numbers with exponents, {@code 1e30000} among them (accepted), each exponent ended by another
   * character: a comma, a space, a bracket, a brace. Why: Jackson's byte parser tests the character
   * after an exponent's digits against '0' and then '9', and a comma or a space is below '0' where
   * a brace or a bracket is above '9'; the warm-up's exponents all ended at a brace, and in the
   * fault matrix's number phase (session 15's merged code, run 1302) the hostile {@code
   * {"model":1e100000000,"messages":[]}} trapped in {@code UTF8StreamJsonParser._parseFloat} (bci
   * 299) on both replicas at its first request.
   */
  static final String EXPONENTS =
      "{\"model\":\"warmup\",\"temperature\":1e30000,\"top_p\":[1E+2 ,2e-3],\"n\":4e0}";

  /**
   * A chat with 16 numbers of 999 digits, just under the 1,000-character limit: accepted, each read
   * as a {@code BigDecimal} of that length. Why: in the fault matrix's number phase (session 13)
   * the first 300-number request deoptimised {@code NumberValue.parse}, {@code BigDecimal}'s
   * constructor and {@code NumberValue.toString} on both replicas, and eight such checks on the
   * replica they went to ended at the deadline in the phase's first three seconds, holding check
   * threads (load-tests/README.md, "Fault matrix").
   */
  static final String MANY_DIGITS =
      "{\"model\":\"warmup\",\"messages\":[],\"n\":["
          + String.join(",", Collections.nCopies(16, "9".repeat(999)))
          + "]}";

  /**
   * {@code chat} as a client other than Envoy sends it straight to the gRPC port: no destination,
   * no request time, no principal (no mTLS), and an {@code x-forwarded-client-cert} of its own.
   * Why: in the fault matrix (session 14, hash) the hostile gRPC client's first requests still
   * deoptimised protobuf's message builders (fields never absent before), {@code SpiffeId.parse}
   * and {@code InputMapper.spiffe} on the replica they went to.
   */
  private static CheckRequest bare(CheckRequest chat) {
    CheckRequest.Builder b = chat.toBuilder();
    AttributeContext.Builder attributes = b.getAttributesBuilder();
    attributes.clearDestination().getRequestBuilder().clearTime();
    attributes.getSourceBuilder().clearPrincipal();
    attributes
        .getRequestBuilder()
        .getHttpBuilder()
        .removeHeaders("content-length") // a body, but no header says its length (BodyParser)
        .putHeaders(
            "x-forwarded-client-cert",
            "By=spiffe://example.org/ns/a/sa/proxy;URI=spiffe://example.org/ns/a/sa/caller");
    return b.build();
  }

  /**
   * {@code chat} from a caller with no identity at all: no principal (Envoy's plaintext listener)
   * and no {@code x-forwarded-client-cert}. Why: in the fault matrix (session 15, hash) the first
   * hostile request through Envoy's plaintext listener deoptimised {@code InputMapper.spiffe},
   * which had only met callers with one or the other.
   */
  private static CheckRequest anonymous(CheckRequest chat) {
    CheckRequest.Builder b = chat.toBuilder();
    AttributeContext.Builder attributes = b.getAttributesBuilder();
    attributes.getSourceBuilder().clearPrincipal();
    attributes.getRequestBuilder().getHttpBuilder().removeHeaders("x-forwarded-client-cert");
    return b.build();
  }

  /** How many names {@link #newNames} sends: many more than any ordinary body has. */
  static final int NEW_NAMES = 2_048;

  /**
   * {@code chat} with a JSON object of {@link #NEW_NAMES} names of 20 to 28 bytes that differ with
   * {@code round}. Why: legitimate traffic sends the same few names in small objects, so the
   * compiled code that reads a body and builds its input had only seen those; the first hostile
   * body of thousands of new names (the fault matrix's hash phase) deoptimised it on the replica it
   * went to. Request bodies no longer go through Jackson's name table ({@code Json.parse} reads
   * them with a new string per name, so one caller's names cannot reach the next caller's parse),
   * but an object of thousands of new names, and its growth, is still a shape only hostile bodies
   * have. Each round of {@link WarmUpAfterReady} sends its own names.
   *
   * <p>The groups: each is 2, 3 or 4 quads of 4 bytes after its own 12-byte head, in order and with
   * each pair of neighbours swapped, so its names share a head and differ first at each quad from
   * the fourth to the second-to-last, for names of 5, 6 and 7 quads; a few names per group, as the
   * hostile names come in pairs. (This shape was chosen for Jackson's shared table, which hashes a
   * name's first three quads; bundle data is still read through it.)
   */
  static CheckRequest newNames(CheckRequest chat, int round) {
    StringBuilder b = new StringBuilder("{\"model\":\"warmup\"");
    int n = 0;
    for (int group = 0; n < NEW_NAMES; group++) {
      String head = String.format(Locale.ROOT, "w%02d_g%06d_", round % 100, group); // 12 bytes
      for (String tail : neighboursSwapped(QUADS.subList(0, 2 + group % 3))) {
        if (n++ < NEW_NAMES) {
          b.append(",\"").append(head).append(tail).append("\":1");
        }
      }
    }
    return body(chat, "application/json", b.append('}').toString());
  }

  /** The 4-byte quads the groups of {@link #newNames} put after their heads. */
  private static final List<String> QUADS = List.of("AaBb", "CcDd", "EeFf", "GgHh");

  /** {@code quads} joined in order, then once with each pair of neighbours swapped. */
  static List<String> neighboursSwapped(List<String> quads) {
    List<String> out = new ArrayList<>(List.of(String.join("", quads)));
    for (int i = 0; i + 1 < quads.size(); i++) {
      List<String> swapped = new ArrayList<>(quads);
      Collections.swap(swapped, i, i + 1);
      out.add(String.join("", swapped));
    }
    return out;
  }

  /**
   * A chat as people and SDKs write it, not as the load generators do: text outside Latin-1 (so
   * Java holds it as UTF-16, which every string method takes its other branch for), escapes,
   * indented JSON, a decimal number, and the longer OpenAI field names (Jackson reads names over 12
   * bytes by another path). A bundle's data takes the same parser paths when it is loaded at a
   * swap.
   */
  static final String NOT_LATIN_1 =
      "{\n  \"model\": \"warmup\",\n  \"temperature\": 0.7,\n  \"frequency_penalty\": 0,\n"
          + "  \"response_format\": {\"type\": \"text\"},\n  \"messages\": [\n"
          + "    {\"role\": \"user\", \"content\": \"\u6ce8\u6587\u306f\u3069\u3053\u3067\u3059\u304b"
          + "\uff1f\\n\\\"\u81f3\u6025\\\" \ud83d\ude42 \\u00bfd\u00f3nde est\u00e1?\"}\n  ]\n}\n";

  /**
   * What Envoy sends for a compressed body larger than its buffer: the first bytes, cut short, in
   * the text field, with each byte that is not UTF-8 made a {@code '!'} (Envoy's sanitising of gRPC
   * strings). The fault matrix's gzip bomb through Envoy arrives so, with a few byte pairs that
   * happen to be UTF-8 read as characters outside Latin-1 ({@link #NOT_LATIN_1} brings those).
   */
  private static CheckRequest cutShortBinary(CheckRequest chat) {
    String text = new String(GZIP_BOMB, StandardCharsets.UTF_8).replace('\ufffd', '!');
    return edit(
        chat,
        http ->
            http.putHeaders("content-type", "application/json")
                .putHeaders("content-encoding", "gzip")
                .putHeaders("content-length", String.valueOf(64 * GZIP_BOMB.length))
                .putHeaders(BODY_CUT_SHORT, "true")
                .setBody(text)
                .setSize(GZIP_BOMB.length));
  }

  private static final String BODY_CUT_SHORT = "x-envoy-auth-partial-body";

  /** 1 MiB of zeros, gzipped: about a kilobyte that claims to be JSON. */
  private static final byte[] GZIP_BOMB = gzipOfZeros(1 << 20);

  /**
   * {@link #GZIP_BOMB} 64 times over (a gzip stream of as many members, about 64 KB), sent as raw
   * bytes. Why: the fault matrix's gzip bomb sent as {@code raw_body} (400 KB) runs {@code
   * BodyParser.parseJson}'s failure path, the UTF-8 checks, the replacement of bytes that are not
   * UTF-8 and Base64 over a long array, and gRPC's reading over many frames: with only the 1 KB
   * bomb in the warm-up, their loops had never run long enough to be compiled (on-stack
   * replacement), and body's first second deoptimised 27-33 methods there (load-tests/README.md,
   * "Session 9 rounds"). Repeating the small bomb costs nothing at start-up, where compressing 64
   * MiB of zeros would.
   */
  static final byte[] LONG_GZIP = repeated(GZIP_BOMB, 64);

  private static byte[] repeated(byte[] bytes, int times) {
    byte[] out = new byte[bytes.length * times];
    for (int i = 0; i < times; i++) {
      System.arraycopy(bytes, 0, out, i * bytes.length, bytes.length);
    }
    return out;
  }

  private static byte[] gzipOfZeros(int bytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(new byte[bytes]);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static String chatOfSize(int bytes) {
    String head = "{\"model\":\"warmup\",\"messages\":[{\"role\":\"user\",\"content\":\"";
    String tail = "\"}]}";
    String words = "where is my order? ";
    return head + words.repeat((bytes - head.length() - tail.length()) / words.length() + 1) + tail;
  }

  private interface HttpEdit {
    void apply(AttributeContext.HttpRequest.Builder http);
  }

  private static CheckRequest edit(CheckRequest base, HttpEdit edit) {
    CheckRequest.Builder b = base.toBuilder();
    edit.apply(b.getAttributesBuilder().getRequestBuilder().getHttpBuilder());
    return b.build();
  }

  private static CheckRequest body(CheckRequest base, String contentType, String body) {
    return edit(
        base,
        http ->
            http.putHeaders("content-type", contentType)
                .putHeaders(
                    "content-length", String.valueOf(body.getBytes(StandardCharsets.UTF_8).length))
                .setBody(body)
                .setSize(body.length()));
  }

  private static CheckRequest rawBody(CheckRequest base, String contentType, byte[] body) {
    return edit(
        base,
        http ->
            http.putHeaders("content-type", contentType)
                .putHeaders("content-length", String.valueOf(body.length))
                .clearBody()
                .setRawBody(ByteString.copyFrom(body))
                .setSize(body.length));
  }

  private static CheckRequest path(CheckRequest base, String method, String path) {
    return edit(
        base,
        http ->
            http.setMethod(method)
                .setPath(path)
                .putHeaders(":method", method)
                .putHeaders(":path", path)
                .removeHeaders("content-type")
                .removeHeaders("content-length")
                .clearBody()
                .setSize(0));
  }

  private static int indexOf(byte[] bytes, byte b) {
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    throw new IllegalArgumentException("no " + (char) b);
  }
}
