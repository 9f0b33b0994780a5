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
import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
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
 *   <li>{@code policy}: a random token of the compiled policy Check evaluated, made when this jrego
 *       first saw that policy: another activation (a bundle swap between Check and the stream) or
 *       another jrego process never has the same one;
 *   <li>{@code path}: the decision Check evaluated ({@code envoy/authz/allow});
 *   <li>{@code body_bytes} and {@code body_crc32c}: the length and CRC-32C of the body Check saw (0
 *       and 0 for none);
 *   <li>{@code decision}: the decision, as JSON.
 * </ul>
 *
 * <p>The stream uses it ({@link #mismatch}) only when all of these hold for the request it is
 * deciding: the same compiled policy, the same decision path as this server's Check, and the same
 * body (ext_authz may have seen a part of it: {@code allow_partial_message}, and Check then writes
 * nothing). Else, or when it is absent, it evaluates as it would without it. Check writes it only
 * for an answer that lets the request on (a denied request never reaches ext_proc), only when the
 * policy defines the stream's request rule, only without routes, and only for a decision JSON
 * carries unchanged (no set, no key other than a string anywhere in it). The key is jrego's: a
 * policy's own {@code dynamic_metadata} entry of that name is dropped from Check's answer, and the
 * entry is removed from the metadata the stream's policy reads in {@code input}, so the input is
 * the same with or without it.
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

  private record Token(PreparedPolicy policy, String token) {}

  private static final Map<PreparedPolicy, String> TOKENS = new WeakHashMap<>();
  private static final SecureRandom RANDOM = new SecureRandom();
  private static volatile Token last = new Token(null, "");

  /** The random token of a compiled policy, the same for every call in this process. */
  @SuppressWarnings("ReferenceEquality") // one compiled policy, by identity
  static String token(PreparedPolicy policy) {
    Token t = last;
    if (t.policy() == policy) {
      return t.token();
    }
    String token;
    synchronized (TOKENS) {
      token =
          TOKENS.computeIfAbsent(
              policy,
              p -> {
                byte[] b = new byte[16];
                RANDOM.nextBytes(b);
                return HexFormat.of().formatHex(b);
              });
    }
    last = new Token(policy, token);
    return token;
  }

  // ---- Check's side -----------------------------------------------------------------------

  /**
   * What Check adds to its answers: the entry, for a policy that defines the request rule under
   * {@code processPath}. One per Check service; thread-safe.
   */
  public static final class Writer {
    private final String requestRule;
    private volatile Defines defines = new Defines(null, false);

    private record Defines(PreparedPolicy policy, boolean request) {}

    /**
     * @param processPath the root of the ext_proc phase rules, as {@code envoy/process}
     */
    public Writer(String processPath) {
      this.requestRule = "data." + processPath.replace('/', '.') + ".request";
    }

    @SuppressWarnings("ReferenceEquality") // one compiled policy, by identity
    private boolean definesRequest(PreparedPolicy policy) {
      Defines d = defines;
      if (d.policy() != policy) {
        boolean request = false;
        for (RuleInfo rule : policy.rules()) {
          if (rule.path().equals(requestRule) || rule.path().startsWith(requestRule + ".")) {
            request = true;
            break;
          }
        }
        d = new Defines(policy, request);
        defines = d;
      }
      return d.request();
    }

    /**
     * {@code response} with the entry for {@code decision}, evaluated at {@code path} of {@code
     * policy} for {@code request}; or without it when it cannot be carried (see the class comment),
     * or {@code path} is null (routes: each route has its own decision); a policy's own entry of
     * that key is always dropped.
     */
    public CheckResponse attach(
        CheckResponse response,
        PreparedPolicy policy,
        String path,
        Value decision,
        CheckRequest request) {
      boolean ok = response.getStatus().getCode() == 0 && response.hasOkResponse();
      Struct metadata = response.getDynamicMetadata();
      AttributeContext.HttpRequest http = request.getAttributes().getRequest().getHttp();
      if (path == null
          || !ok
          || !definesRequest(policy)
          || "true".equalsIgnoreCase(http.getHeadersOrDefault(PARTIAL_BODY, ""))
          || !carriesUnchanged(decision)) {
        return metadata.containsFields(KEY)
            ? response.toBuilder()
                .setDynamicMetadata(metadata.toBuilder().removeFields(KEY))
                .build()
            : response;
      }
      ByteString body = http.getRawBody().isEmpty() ? http.getBodyBytes() : http.getRawBody();
      Struct entry =
          Struct.newBuilder()
              .putFields(POLICY, string(token(policy)))
              .putFields(PATH, string(path))
              .putFields(BODY_BYTES, number(body.size()))
              .putFields(BODY_CRC, number(crc(body)))
              .putFields(DECISION, string(Json.write(decision)))
              .build();
      return response.toBuilder()
          .setDynamicMetadata(
              metadata.toBuilder()
                  .putFields(
                      KEY, com.google.protobuf.Value.newBuilder().setStructValue(entry).build()))
          .build();
    }
  }

  /** Whether JSON holds {@code v} as it is: no set and no key other than a string anywhere. */
  static boolean carriesUnchanged(Value v) {
    switch (v) {
      case SetValue s -> {
        return false;
      }
      case ObjectValue o -> {
        for (Value k : o.keys()) {
          if (!(k instanceof StringValue) || !carriesUnchanged(o.getOrNull(k))) {
            return false;
          }
        }
        return true;
      }
      case ArrayValue a -> {
        for (Value e : a.asList()) {
          if (!carriesUnchanged(e)) {
            return false;
          }
        }
        return true;
      }
      default -> {
        return true;
      }
    }
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
    /** No entry: ext_proc without ext_authz, or Check wrote none. */
    record Absent() implements Found {}

    /** An entry that cannot be read; {@code why} names the field. */
    record Malformed(String why) implements Found {}

    /** An entry. */
    record Entry(CheckedDecision decision) implements Found {}
  }

  private static final Found ABSENT = new Found.Absent();

  /** Reads the entry in the metadata Envoy forwarded to the stream. */
  public static Found read(Metadata metadata) {
    Struct ns = metadata.getFilterMetadataMap().get(NAMESPACE);
    if (ns == null || !ns.containsFields(KEY)) {
      return ABSENT;
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
   * Why the entry does not apply to a stream deciding {@code body} with {@code policy} at the
   * decision {@code path}, as a counter label ({@code policy_changed}, {@code path_differs}, {@code
   * body_differs}); empty when it applies.
   */
  public Optional<String> mismatch(PreparedPolicy policy, String path, ByteString body) {
    if (!this.policy.equals(token(policy))) {
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

  /** Whether {@code response} carries an entry (for tests and the benchmark's checks). */
  public static boolean carried(CheckResponse response) {
    return response.getDynamicMetadata().containsFields(KEY);
  }
}
