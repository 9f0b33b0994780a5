package io.jrego.server.envoy;

import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import java.util.Map;
import java.util.Optional;

/**
 * Turns Envoy's {@link CheckRequest} into the {@code input} document, exactly as OPA-Envoy builds
 * it ({@code attributes}, {@code version}, {@code parsed_path}, {@code parsed_query}, {@code
 * parsed_body}, {@code truncated_body}, {@code source_principal}), plus jrego's {@code spiffe}
 * object: the caller's SPIFFE ID from {@code attributes.source.principal} ({@code from:
 * "peer_certificate"}) or, when the proxy is trusted, from the {@code URI=} of the {@code
 * x-forwarded-client-cert} header ({@code from: "xfcc"}); absent without a valid SPIFFE ID.
 *
 * <p>Thread-safe and stateless apart from its options.
 */
public final class InputMapper {

  /**
   * What the mapping does beyond the fixed OPA-Envoy shape.
   *
   * @param skipRequestBodyParse leave out {@code parsed_body} and {@code truncated_body}
   *     (OPA-Envoy's {@code skip-request-body-parse})
   * @param trustXfcc take the caller's SPIFFE ID from the {@code x-forwarded-client-cert} header
   *     when the peer certificate gives none; only safe when the proxy sanitises that header
   * @param maxParams the most {@code &}-separated parameters a query string or form body may have,
   *     counted before either is decoded; more are refused with a 400 naming the limit. At most
   *     {@link #GO_MAX_PARAMS}, OPA-Envoy's own limit (Go's {@code net/url}).
   */
  public record Options(boolean skipRequestBodyParse, boolean trustXfcc, int maxParams) {

    /** OPA-Envoy's limit on parameters: Go's {@code net/url} refuses more (since Go 1.24.12). */
    public static final int GO_MAX_PARAMS = UrlDecoding.MAX_PARAMS;

    /**
     * {@code jrego serve}'s limit on parameters, as Jetty's {@code maxFormKeys} and Tomcat's {@code
     * maxParameterCount}: no form a person fills in comes near it, and a flood of names costs one
     * scan.
     */
    public static final int DEFAULT_MAX_PARAMS = 1_000;

    /** Checks the limit is within 1 and {@link #GO_MAX_PARAMS}. */
    public Options {
      if (maxParams < 1 || maxParams > GO_MAX_PARAMS) {
        throw new IllegalArgumentException(
            "the parameter limit must be 1 to " + GO_MAX_PARAMS + ", got " + maxParams);
      }
    }

    /** Parse bodies, don't trust XFCC, OPA-Envoy's limit on parameters. */
    public static Options defaults() {
      return new Options(false, false, GO_MAX_PARAMS);
    }

    /** These options, leaving request bodies unparsed when {@code skip}. */
    public Options withSkipRequestBodyParse(boolean skip) {
      return new Options(skip, trustXfcc, maxParams);
    }

    /**
     * These options, trusting Envoy's {@code x-forwarded-client-cert} header when {@code trust}.
     */
    public Options withTrustXfcc(boolean trust) {
      return new Options(skipRequestBodyParse, trust, maxParams);
    }
  }

  // The document's keys, made once (a value's hash is keyed, and not free)
  private static final StringValue ATTRIBUTES = StringValue.of("attributes");
  private static final StringValue VERSION_KEY = StringValue.of("version");
  private static final StringValue PARSED_PATH = StringValue.of("parsed_path");
  private static final StringValue PARSED_QUERY = StringValue.of("parsed_query");
  private static final StringValue PARSED_BODY = StringValue.of("parsed_body");
  private static final StringValue TRUNCATED_BODY = StringValue.of("truncated_body");
  private static final StringValue SOURCE_PRINCIPAL = StringValue.of("source_principal");
  private static final StringValue SPIFFE = StringValue.of("spiffe");

  private static final ObjectValue VERSION =
      new ObjectValue.Builder()
          .put("ext_authz", StringValue.of("v3"))
          .put("encoding", StringValue.of("protojson"))
          .build();

  private final Options options;

  public InputMapper(Options options) {
    this.options = options;
  }

  /**
   * Builds the input document.
   *
   * @throws CheckException with {@link Reason#REQUEST_PARSE_ERROR} when the path, query or body
   *     cannot be parsed; its message is what OPA-Envoy answers in the 400 body
   */
  public ObjectValue map(CheckRequest request) throws CheckException {
    return map(request, Long.MAX_VALUE);
  }

  /**
   * Builds the input document, giving up once {@code deadline} (a {@link System#nanoTime()}
   * instant: the check's budget, shared with the evaluation) has passed.
   *
   * @throws CheckException with {@link Reason#REQUEST_PARSE_ERROR} as {@link #map(CheckRequest)},
   *     or with {@link Reason#TIMEOUT} when the deadline passes between two of its steps
   */
  public ObjectValue map(CheckRequest request, long deadline) throws CheckException {
    AttributeContext attrs = request.getAttributes();
    AttributeContext.HttpRequest http = attrs.getRequest().getHttp();
    ObjectValue.Builder input = new ObjectValue.Builder();
    if (request.hasAttributes()) {
      input.put(ATTRIBUTES, ProtoValues.message(attrs));
    }
    input.put(VERSION_KEY, VERSION);
    checkDeadline(deadline, "attributes");
    String path = http.getPath();
    int q = path.indexOf('?');
    Map<String, String> headers = http.getHeadersMap();
    try {
      input.put(PARSED_PATH, UrlDecoding.parsedPath(q < 0 ? path : path.substring(0, q)));
      input.put(
          PARSED_QUERY,
          UrlDecoding.parseQuery(
              q < 0 ? "" : path.substring(q + 1), options.maxParams(), "query string"));
      checkDeadline(deadline, "path and query");
      if (!options.skipRequestBodyParse()) {
        BodyParser.Parsed body =
            BodyParser.parse(headers, http.getBody(), http.getRawBody(), options.maxParams());
        input.put(PARSED_BODY, body.body());
        input.put(TRUNCATED_BODY, body.truncated());
        checkDeadline(deadline, "body");
      }
    } catch (UrlDecoding.DecodingException e) {
      throw new CheckException(Reason.REQUEST_PARSE_ERROR, e.getMessage(), e);
    }
    String principal = attrs.getSource().getPrincipal();
    if (!principal.isEmpty()) {
      input.put(SOURCE_PRINCIPAL, StringValue.of(principal));
    }
    spiffe(principal, headers).ifPresent(s -> input.put(SPIFFE, s));
    return input.build();
  }

  private static void checkDeadline(long deadline, String step) throws CheckException {
    if (System.nanoTime() > deadline) {
      throw new CheckException(
          Reason.TIMEOUT, "the check's deadline passed while mapping the request (" + step + ")");
    }
  }

  private Optional<ObjectValue> spiffe(String principal, Map<String, String> headers) {
    Optional<SpiffeId> fromPeer = SpiffeId.parse(principal);
    if (fromPeer.isPresent()) {
      return Optional.of(fromPeer.get().toValue("peer_certificate"));
    }
    if (!options.trustXfcc()) {
      return Optional.empty();
    }
    String xfcc = headers.get("x-forwarded-client-cert");
    if (xfcc == null) {
      return Optional.empty();
    }
    return SpiffeId.xfccUri(xfcc).flatMap(SpiffeId::parse).map(id -> id.toValue("xfcc"));
  }
}
