package io.jrego.server.process;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.RuleInfo;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.NullValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import io.jrego.server.envoy.InputMapper;
import io.jrego.server.policy.ActivePolicy;
import io.jrego.server.policy.PolicyFact;
import io.jrego.server.policy.PolicyHolder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.WeakHashMap;
import java.util.zip.CRC32C;

/**
 * Check's decision carried to the ext_proc stream of the same request, so that the request phase
 * reads {@code data.envoy.authz.allow} as Check decided it instead of evaluating it again.
 *
 * <p>Check writes it into its answer's dynamic metadata, which Envoy keeps under the ext_authz
 * filter's namespace ({@value #NAMESPACE}) and forwards to ext_proc when the ext_proc filter's
 * {@code metadata_options.forwarding_namespaces} names that namespace (the shipped {@code
 * envoy.yaml} does). The entry, under the key {@value #KEY}, holds:
 *
 * <ul>
 *   <li>{@code policy}: the {@link #token} of what decides Check's answer: a hash of the compiled
 *       policy's content (modules, data, the engine's version) and of how Check maps a request to
 *       input, the same on every jrego replica that serves the same bundles with the same options,
 *       so a stream on one replica uses a decision Check made on another;
 *   <li>{@code path}: the decision Check evaluated ({@code envoy/authz/allow});
 *   <li>{@code body_bytes} and {@code body_crc32c}: the length and CRC-32C of the body Check saw (0
 *       and 0 for none);
 *   <li>{@code decision}: the decision, as JSON.
 * </ul>
 *
 * <p>The stream uses it ({@link #mismatch}) only when all of these hold for the request it is
 * deciding: the same token (policy code, data and input options), the same decision path as this
 * server's Check, and the same body (ext_authz may have seen a part of it: {@code
 * allow_partial_message}, and Check then writes nothing). The rest of the input (headers,
 * addresses, identity) is Envoy's view of the same request in both. Else, or when it is absent, it
 * evaluates as it would without it. Check writes it only while its {@link Gate} is open (by default
 * once this process has served a stream Envoy forwarded ext_authz's namespace to, so a Check-only
 * deployment pays nothing), only for an answer that lets the request on (a denied request never
 * reaches ext_proc), only when the policy defines the stream's request rule, only without routes,
 * and only for a decision JSON carries unchanged (no set, no key other than a string, no lone
 * surrogate anywhere in it). The key is jrego's: a policy's own {@code dynamic_metadata} entry of
 * that name is dropped from Check's answer, and the entry is removed from the metadata the stream's
 * policy reads in {@code input}, so the input is the same with or without it.
 *
 * <p>The entry is trusted as Envoy's: dynamic metadata is written by Envoy's filters, never by a
 * client. An operator must not have a filter that copies client input into the ext_authz namespace
 * (a Lua filter, {@code header_to_metadata}) in front of ext_proc.
 */
public final class CheckedDecision {

  /** The dynamic metadata namespace Envoy keeps ext_authz's answers under. */
  public static final String NAMESPACE = "envoy.filters.http.ext_authz";

  /** The key jrego's entry has in {@link #NAMESPACE}. */
  public static final String KEY = "jrego_check";

  /** The header Envoy's ext_authz adds when the body it sent is cut at its limit. */
  static final String PARTIAL_BODY = "x-envoy-auth-partial-body";

  private static final String POLICY = "policy";
  private static final String PATH = "path";
  private static final String BODY_BYTES = "body_bytes";
  private static final String BODY_CRC = "body_crc32c";
  private static final String DECISION = "decision";

  private final String policy;
  private final String path;
  private final long bodyBytes;
  private final long bodyCrc;
  private final String decision;

  private CheckedDecision(
      String policy, String path, long bodyBytes, long bodyCrc, String decision) {
    this.policy = policy;
    this.path = path;
    this.bodyBytes = bodyBytes;
    this.bodyCrc = bodyCrc;
    this.decision = decision;
  }

  /** The decision path the entry was made at, as {@code envoy/authz/allow}. */
  public String path() {
    return path;
  }

  // ---- the policy's token -----------------------------------------------------------------

  /**
   * The token of what decides Check's answer, as the entry carries it: a SHA-256 (its first 128
   * bits, in hex) of the compiled policy's {@link PreparedPolicy#contentDigest() content digest}
   * (modules, data, the engine's version) and of how Check maps a request to its input ({@code
   * input}). Two jrego replicas serving the same bundles with the same input options make the same
   * token, so a decision Check made on one is used by a stream on another; any change to a module,
   * to data or to those options makes another. A policy that has no digest gets a random token,
   * known to this process only.
   */
  public static String token(PreparedPolicy policy, InputMapper.Options input) {
    String content = policy.contentDigest().orElseGet(() -> randomToken(policy));
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
    sha.update((content + "\n" + input).getBytes(StandardCharsets.UTF_8));
    return HexFormat.of().formatHex(sha.digest(), 0, 16);
  }

  private static final Map<PreparedPolicy, String> RANDOM_TOKENS = new WeakHashMap<>();
  private static final SecureRandom RANDOM = new SecureRandom();

  private static String randomToken(PreparedPolicy policy) {
    synchronized (RANDOM_TOKENS) {
      return RANDOM_TOKENS.computeIfAbsent(
          policy,
          p -> {
            byte[] b = new byte[16];
            RANDOM.nextBytes(b);
            return "random " + HexFormat.of().formatHex(b);
          });
    }
  }

  // ---- when Check writes it ---------------------------------------------------------------

  /**
   * When Check writes the entry ({@code jrego serve --carry-check-decision}): {@link #AUTO} once
   * this process has served an ext_proc stream whose request phase found ext_authz's metadata
   * namespace forwarded (until then a Check-only deployment pays nothing for it), {@link #ALWAYS}
   * from the first Check, {@link #NEVER}.
   */
  public enum Carrying {
    AUTO,
    ALWAYS,
    NEVER;

    /** {@code auto}, {@code always} or {@code never}, in any case. */
    public static Carrying parse(String s) {
      for (Carrying c : values()) {
        if (c.name().equalsIgnoreCase(s.trim())) {
          return c;
        }
      }
      throw new IllegalArgumentException("expected auto, always or never, got '" + s + "'");
    }
  }

  /**
   * Whether Check writes the entry: one per server, shared by its Check service (which reads it)
   * and its ext_proc service (which opens it, {@link #forwarded()}). Thread-safe.
   */
  public static final class Gate {
    private final Carrying mode;
    private volatile boolean forwarded;

    public Gate(Carrying mode) {
      this.mode = Objects.requireNonNull(mode);
    }

    /** The configured mode. */
    public Carrying mode() {
      return mode;
    }

    /**
     * A stream's request phase found ext_authz's namespace in the metadata Envoy forwarded: Envoy
     * forwards what Check writes there, so an {@link Carrying#AUTO} gate opens.
     */
    public void forwarded() {
      if (!forwarded) {
        forwarded = true;
      }
    }

    /** Whether Check writes the entry now. */
    public boolean open() {
      return mode == Carrying.ALWAYS || (mode == Carrying.AUTO && forwarded);
    }
  }

  // ---- Check's side -----------------------------------------------------------------------

  /**
   * What Check adds to its answers: the entry, for a policy that defines the request rule under
   * {@code processPath}, while the {@link Gate} is open. One per Check service; thread-safe.
   */
  public static final class Writer {
    private final PolicyFact<Carried> carried;
    private final Gate gate;

    /**
     * Whether a policy defines the request rule and, if it does, its {@link #token}: computed for
     * each policy before it serves ({@link PolicyFact}), not by the first Check under it.
     */
    private record Carried(boolean request, String token) {}

    /**
     * @param policies the policies Check serves (the writer keeps what it needs of each in them)
     * @param processPath the root of the ext_proc phase rules, as {@code envoy/process}
     * @param input how this Check service maps requests to input (part of the {@link #token})
     * @param gate when to write
     */
    public Writer(PolicyHolder policies, String processPath, InputMapper.Options input, Gate gate) {
      Objects.requireNonNull(input);
      String requestRule = "data." + processPath.replace('/', '.') + ".request";
      this.gate = Objects.requireNonNull(gate);
      this.carried =
          policies.fact(
              "carried decision",
              p -> {
                boolean request = definesRequest(p.policy(), requestRule);
                return new Carried(request, request ? token(p.policy(), input) : null);
              });
    }

    private Writer(Writer w, Gate gate) {
      this.carried = w.carried;
      this.gate = gate;
    }

    /**
     * This writer for a warm-up's made-up checks: it writes whenever this one may at all (not
     * {@link Carrying#NEVER}), so the warm-up trains the writing before the first stream opens the
     * gate.
     */
    public Writer forWarmUp() {
      return new Writer(
          this, new Gate(gate.mode() == Carrying.NEVER ? Carrying.NEVER : Carrying.ALWAYS));
    }

    private static boolean definesRequest(PreparedPolicy policy, String requestRule) {
      for (RuleInfo rule : policy.rules()) {
        if (rule.path().equals(requestRule) || rule.path().startsWith(requestRule + ".")) {
          return true;
        }
      }
      return false;
    }

    /**
     * {@code response} with the entry for {@code decision}, evaluated at {@code path} of {@code
     * policy} for {@code request}; or without it when the gate is closed, when it cannot be carried
     * (see the class comment), or {@code path} is null (routes: each route has its own decision); a
     * policy's own entry of that key is always dropped.
     */
    public CheckResponse attach(
        CheckResponse response,
        ActivePolicy policy,
        String path,
        Value decision,
        CheckRequest request) {
      String json = null;
      Carried known = null;
      if (gate.open() && path != null && response.getStatus().getCode() == 0) {
        AttributeContext.HttpRequest http = request.getAttributes().getRequest().getHttp();
        known = carried.of(policy);
        if (response.hasOkResponse()
            && known.request()
            && !"true".equalsIgnoreCase(http.getHeadersOrDefault(PARTIAL_BODY, ""))) {
          StringBuilder out = new StringBuilder(256);
          if (writeJson(decision, out)) {
            json = out.toString();
          }
        }
      }
      Struct metadata = response.getDynamicMetadata();
      if (json == null) {
        return metadata.containsFields(KEY)
            ? response.toBuilder()
                .setDynamicMetadata(metadata.toBuilder().removeFields(KEY))
                .build()
            : response;
      }
      AttributeContext.HttpRequest http = request.getAttributes().getRequest().getHttp();
      long bytes;
      long crc;
      if (http.getRawBody().isEmpty()) {
        CRC32C c = new CRC32C();
        bytes = utf8(http.getBody(), c);
        crc = c.getValue();
      } else {
        bytes = http.getRawBody().size();
        crc = crc(http.getRawBody());
      }
      Struct entry =
          Struct.newBuilder()
              .putFields(POLICY, string(known.token()))
              .putFields(PATH, string(path))
              .putFields(BODY_BYTES, number(bytes))
              .putFields(BODY_CRC, number(crc))
              .putFields(DECISION, string(json))
              .build();
      return response.toBuilder()
          .setDynamicMetadata(
              metadata.toBuilder()
                  .putFields(
                      KEY, com.google.protobuf.Value.newBuilder().setStructValue(entry).build()))
          .build();
    }
  }

  /**
   * Adds {@code s}'s UTF-8 bytes (as the proto string Envoy sent is encoded: a lone surrogate as
   * {@code ?}) to {@code crc} without making them into one array; returns how many there were.
   */
  static long utf8(String s, CRC32C crc) {
    byte[] buf = new byte[512];
    int n = 0;
    long total = 0;
    int len = s.length();
    for (int i = 0; i < len; i++) {
      if (n > buf.length - 4) {
        crc.update(buf, 0, n);
        total += n;
        n = 0;
      }
      char ch = s.charAt(i);
      if (ch < 0x80) {
        buf[n++] = (byte) ch;
      } else if (ch < 0x800) {
        buf[n++] = (byte) (0xC0 | (ch >> 6));
        buf[n++] = (byte) (0x80 | (ch & 0x3F));
      } else if (Character.isSurrogate(ch)) {
        int cp;
        if (Character.isHighSurrogate(ch)
            && i + 1 < len
            && Character.isLowSurrogate(s.charAt(i + 1))) {
          cp = Character.toCodePoint(ch, s.charAt(++i));
          buf[n++] = (byte) (0xF0 | (cp >> 18));
          buf[n++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
          buf[n++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
          buf[n++] = (byte) (0x80 | (cp & 0x3F));
        } else {
          buf[n++] = (byte) '?';
        }
      } else {
        buf[n++] = (byte) (0xE0 | (ch >> 12));
        buf[n++] = (byte) (0x80 | ((ch >> 6) & 0x3F));
        buf[n++] = (byte) (0x80 | (ch & 0x3F));
      }
    }
    crc.update(buf, 0, n);
    return total + n;
  }

  /**
   * Writes {@code v} as compact JSON to {@code out}; false, having written part of it, when JSON
   * cannot hold it as it is (a set, a key other than a string, or a lone surrogate, which the
   * reader would turn into U+FFFD, anywhere in it). Keys in the object's own order: the reader
   * parses them back into the same object. Unlike {@code body.JsonText}'s writer, which escapes a
   * lone surrogate because a body must still be written, this one refuses: a decision that would
   * not read back as itself is not carried.
   */
  static boolean writeJson(Value v, StringBuilder out) {
    switch (v) {
      case StringValue s -> {
        return quote(s.value(), out);
      }
      case ObjectValue o -> {
        out.append('{');
        boolean first = true;
        for (Map.Entry<Value, Value> e : o.asMap().entrySet()) {
          if (!(e.getKey() instanceof StringValue k)) {
            return false;
          }
          if (!first) {
            out.append(',');
          }
          first = false;
          if (!quote(k.value(), out)) {
            return false;
          }
          out.append(':');
          if (!writeJson(e.getValue(), out)) {
            return false;
          }
        }
        out.append('}');
      }
      case ArrayValue a -> {
        out.append('[');
        for (int i = 0; i < a.size(); i++) {
          if (i > 0) {
            out.append(',');
          }
          if (!writeJson(a.get(i), out)) {
            return false;
          }
        }
        out.append(']');
      }
      case SetValue s -> {
        return false;
      }
      case NullValue n -> out.append("null");
      case BooleanValue b -> out.append(b.value());
      case NumberValue n -> out.append(n.toString());
    }
    return true;
  }

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  /** Writes {@code s} as a JSON string; false for a lone surrogate, which JSON cannot carry. */
  private static boolean quote(String s, StringBuilder out) {
    out.append('"');
    int len = s.length();
    int from = 0;
    for (int i = 0; i < len; i++) {
      char c = s.charAt(i);
      if (c >= 0x20 && c != '"' && c != '\\') {
        if (Character.isSurrogate(c)) {
          if (!Character.isHighSurrogate(c)
              || i + 1 == len
              || !Character.isLowSurrogate(s.charAt(i + 1))) {
            return false;
          }
          i++;
        }
        continue;
      }
      out.append(s, from, i);
      from = i + 1;
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> out.append("\\u00").append(HEX[(c >> 4) & 0xF]).append(HEX[c & 0xF]);
      }
    }
    out.append(s, from, len).append('"');
    return true;
  }

  static long crc(ByteString body) {
    CRC32C c = new CRC32C();
    for (java.nio.ByteBuffer b : body.asReadOnlyByteBufferList()) {
      c.update(b);
    }
    return c.getValue();
  }

  private static com.google.protobuf.Value string(String s) {
    return com.google.protobuf.Value.newBuilder().setStringValue(s).build();
  }

  private static com.google.protobuf.Value number(long n) {
    return com.google.protobuf.Value.newBuilder().setNumberValue((double) n).build();
  }

  // ---- the stream's side ------------------------------------------------------------------

  /**
   * What a stream's metadata holds under {@link #KEY}: nothing, an entry, or one that is not what
   * Check writes (named, to be logged and counted).
   */
  public sealed interface Found {
    /**
     * No entry: ext_proc without ext_authz, or Check wrote none; {@code forwarded} when ext_authz's
     * namespace was there (Envoy forwards it).
     */
    record Absent(boolean forwarded) implements Found {}

    /** An entry that cannot be read; {@code why} names the field. */
    record Malformed(String why) implements Found {}

    /** An entry. */
    record Entry(CheckedDecision decision) implements Found {}
  }

  private static final Found ABSENT = new Found.Absent(false);
  private static final Found FORWARDED = new Found.Absent(true);

  /** Reads the entry in the metadata Envoy forwarded to the stream. */
  public static Found read(Metadata metadata) {
    Struct ns = metadata.getFilterMetadataMap().get(NAMESPACE);
    if (ns == null) {
      return ABSENT;
    }
    if (!ns.containsFields(KEY)) {
      return FORWARDED;
    }
    com.google.protobuf.Value v = ns.getFieldsOrThrow(KEY);
    if (!v.hasStructValue()) {
      return new Found.Malformed(KEY + " is not an object");
    }
    Map<String, com.google.protobuf.Value> f = v.getStructValue().getFieldsMap();
    for (String key : List.of(POLICY, PATH, DECISION)) {
      com.google.protobuf.Value s = f.get(key);
      if (s == null || !s.hasStringValue()) {
        return new Found.Malformed(KEY + "." + key + " is not a string");
      }
    }
    for (String key : List.of(BODY_BYTES, BODY_CRC)) {
      com.google.protobuf.Value n = f.get(key);
      if (n == null
          || !n.hasNumberValue()
          || n.getNumberValue() < 0
          || n.getNumberValue() != Math.rint(n.getNumberValue())) {
        return new Found.Malformed(KEY + "." + key + " is not a whole number");
      }
    }
    return new Found.Entry(
        new CheckedDecision(
            f.get(POLICY).getStringValue(),
            f.get(PATH).getStringValue(),
            (long) f.get(BODY_BYTES).getNumberValue(),
            (long) f.get(BODY_CRC).getNumberValue(),
            f.get(DECISION).getStringValue()));
  }

  /** {@code metadata} without jrego's entry: what the stream's input is built from. */
  public static Metadata without(Metadata metadata) {
    Struct ns = metadata.getFilterMetadataMap().get(NAMESPACE);
    if (ns == null || !ns.containsFields(KEY)) {
      return metadata;
    }
    return metadata.toBuilder()
        .putFilterMetadata(NAMESPACE, ns.toBuilder().removeFields(KEY).build())
        .build();
  }

  /**
   * Why the entry does not apply to a stream deciding {@code body} with the policy whose {@link
   * #token} is {@code token} at the decision {@code path}, as a counter label ({@code
   * policy_changed}, {@code path_differs}, {@code body_differs}); empty when it applies.
   */
  public Optional<String> mismatch(String token, String path, ByteString body) {
    if (!this.policy.equals(token)) {
      return Optional.of("policy_changed");
    }
    if (!this.path.equals(path)) {
      return Optional.of("path_differs");
    }
    if (bodyBytes != body.size() || bodyCrc != crc(body)) {
      return Optional.of("body_differs");
    }
    return Optional.empty();
  }

  /**
   * The decision, as the value the policy computed.
   *
   * @throws IllegalArgumentException when it is not JSON
   */
  public Value decision() {
    return Json.parse(decision);
  }

  /** The decision path's keys under {@code data}. */
  public List<String> pathKeys() {
    List<String> keys =
        Arrays.asList(path.replace('.', '/').replaceAll("^/+|/+$", "").split("/", -1));
    return keys.size() > 1 && keys.get(0).equals("data") ? keys.subList(1, keys.size()) : keys;
  }

  /**
   * ext_authz's namespace as Envoy forwards it with an entry Check wrote under a policy no server
   * serves (its token is no policy's): a stream that reads it evaluates again ({@code
   * policy_changed}), as the first streams after a swap do with the entries Check wrote under the
   * policy before. For the warm-up's rounds after ready, so that the compiled stream path has taken
   * that way before a swap takes it under load (fault matrix, session 19 and 20: {@code mismatch@8}
   * and the evaluation's options, on check threads, in cpu-policy's first seconds).
   */
  public static Metadata staleEntryForWarmUp() {
    Struct entry =
        Struct.newBuilder()
            .putFields(POLICY, string("warm-up: made by no policy this server serves"))
            .putFields(PATH, string("envoy/authz/allow"))
            .putFields(BODY_BYTES, number(0))
            .putFields(BODY_CRC, number(0))
            .putFields(DECISION, string("true"))
            .build();
    return Metadata.newBuilder()
        .putFilterMetadata(
            NAMESPACE,
            Struct.newBuilder()
                .putFields(
                    KEY, com.google.protobuf.Value.newBuilder().setStructValue(entry).build())
                .build())
        .build();
  }

  /** Whether {@code response} carries an entry (for tests and the benchmark's checks). */
  public static boolean carried(CheckResponse response) {
    return response.getDynamicMetadata().containsFields(KEY);
  }
}
