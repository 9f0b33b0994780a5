package io.jrego.server.observe;

import java.util.Objects;

/**
 * A request's W3C trace context ({@code traceparent} and {@code tracestate}, as Envoy forwards
 * them), and the span jrego made for the decision, if it made one.
 *
 * @param traceId 32 lower-case hex digits, empty when the request carried no valid {@code
 *     traceparent}
 * @param parentSpanId the caller's span, 16 hex digits, empty with {@link #traceId}
 * @param sampled the {@code traceparent}'s sampled flag
 * @param state the tracestate header, empty when absent
 * @param spanId jrego's span for the decision, empty when tracing is off
 */
public record TraceContext(
    String traceId, String parentSpanId, boolean sampled, String state, String spanId) {

  private static final TraceContext NONE = new TraceContext("", "", false, "", "");

  public TraceContext {
    Objects.requireNonNull(traceId);
    Objects.requireNonNull(parentSpanId);
    Objects.requireNonNull(state);
    Objects.requireNonNull(spanId);
  }

  /** No trace context. */
  public static TraceContext none() {
    return NONE;
  }

  /**
   * The context in a {@code traceparent} header ({@code 00-<trace-id>-<parent-id>-<flags>}) and its
   * tracestate header. A missing or malformed header, or the all-zero ids the W3C recommendation
   * declares invalid, give {@link #none()}: a request is never refused for its trace headers.
   * Versions above 00 are read as 00 (the recommendation's forward compatibility).
   */
  public static TraceContext parse(String traceparentHeader, String tracestateHeader) {
    if (traceparentHeader == null || traceparentHeader.length() < 55) {
      return NONE;
    }
    String p = traceparentHeader.strip();
    if (p.length() < 55
        || p.charAt(2) != '-'
        || p.charAt(35) != '-'
        || p.charAt(52) != '-'
        || (p.length() > 55 && (p.startsWith("00") || p.charAt(55) != '-'))) {
      return NONE;
    }
    String version = p.substring(0, 2);
    String traceId = p.substring(3, 35);
    String parent = p.substring(36, 52);
    String flags = p.substring(53, 55);
    if (!isHex(version)
        || "ff".equals(version)
        || !isHex(traceId)
        || !isHex(parent)
        || !isHex(flags)
        || isZero(traceId)
        || isZero(parent)) {
      return NONE;
    }
    boolean sampled = (Integer.parseInt(flags, 16) & 1) == 1;
    String state = tracestateHeader == null ? "" : tracestateHeader.strip();
    return new TraceContext(traceId, parent, sampled, state, "");
  }

  /** Whether the request carried a valid trace context. */
  public boolean isPresent() {
    return !traceId.isEmpty();
  }

  /** This context with jrego's own span. */
  public TraceContext withSpan(String traceId, String spanId) {
    return new TraceContext(traceId, parentSpanId, sampled, state, spanId);
  }

  /** The span to name in a decision log: jrego's own, else the caller's. */
  public String logSpanId() {
    return spanId.isEmpty() ? parentSpanId : spanId;
  }

  private static boolean isHex(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }

  private static boolean isZero(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) != '0') {
        return false;
      }
    }
    return true;
  }
}
