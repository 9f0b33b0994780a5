package io.jrego.server.route;

import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One entry of a {@link RouteTable}: which requests it takes, and the decision that answers them.
 *
 * @param name names the route in metrics ({@code jrego_route_checks_total{route}}), decision logs
 *     ({@code labels.route}) and spans
 * @param bundle the bundle that owns {@code path}, if the route names one: a check is refused as
 *     {@code no_policy} while that bundle is not active, and decision logs list only its revision
 * @param path the decision path under {@code data}, such as {@code payments/authz/allow}
 * @param match which requests the route takes
 * @param processPath the root of the route's ext_proc phase rules ({@code <processPath>/request},
 *     {@code <processPath>/response}), such as {@code payments/process}; empty when the route takes
 *     no ext_proc stream
 */
public record Route(
    String name, Optional<String> bundle, String path, Match match, Optional<String> processPath) {

  public Route {
    Objects.requireNonNull(name);
    Objects.requireNonNull(bundle);
    Objects.requireNonNull(path);
    Objects.requireNonNull(match);
    // "payments.process", "/payments/process/" and "payments/process" name the same rules
    processPath = processPath.map(p -> p.replace('.', '/').replaceAll("^/+|/+$", ""));
  }

  /**
   * What a request must carry to take a route; every condition given must hold, and a match with no
   * condition takes every request. A SPIFFE ID pattern is exact, or ends in {@code /*} for every ID
   * under that path (not the path itself).
   *
   * @param spiffeId the request's caller ({@code input.spiffe.id}: the client's SVID, as the input
   *     mapper found it)
   * @param destinationSpiffeId the workload the request is for ({@code
   *     input.attributes.destination.principal}: in Istio, the SPIFFE ID of the sidecar's own
   *     workload, so one jrego can tell the workloads of a mesh apart without any Envoy change)
   * @param contextExtensions entries that Envoy's per-route {@code context_extensions} must hold
   *     ({@code input.attributes.contextExtensions}), each with exactly this value
   */
  public record Match(
      Optional<String> spiffeId,
      Optional<String> destinationSpiffeId,
      Map<String, String> contextExtensions) {

    /** The match that takes every request. */
    public static final Match ANY = new Match(Optional.empty(), Optional.empty(), Map.of());

    public Match {
      Objects.requireNonNull(spiffeId);
      Objects.requireNonNull(destinationSpiffeId);
      contextExtensions = Map.copyOf(contextExtensions);
    }

    /** Whether this match takes every request. */
    public boolean isAny() {
      return spiffeId.isEmpty() && destinationSpiffeId.isEmpty() && contextExtensions.isEmpty();
    }

    boolean matches(ObjectValue input) {
      if (spiffeId.isPresent() && !spiffeMatches(spiffeId.get(), callerId(input))) {
        return false;
      }
      if (destinationSpiffeId.isPresent()
          && !spiffeMatches(destinationSpiffeId.get(), destinationId(input))) {
        return false;
      }
      if (contextExtensions.isEmpty()) {
        return true;
      }
      ObjectValue ext = extensions(input);
      for (Map.Entry<String, String> e : contextExtensions.entrySet()) {
        if (!(ext.get(e.getKey()).orElse(null) instanceof StringValue s)
            || !s.value().equals(e.getValue())) {
          return false;
        }
      }
      return true;
    }

    private static boolean spiffeMatches(String pattern, String id) {
      if (id.isEmpty()) {
        return false;
      }
      if (pattern.endsWith("/*")) {
        String prefix = pattern.substring(0, pattern.length() - 1);
        return id.startsWith(prefix) && id.length() > prefix.length();
      }
      return pattern.equals(id);
    }
  }

  /** The caller's SPIFFE ID as the input mapper found it, empty when it has none. */
  static String callerId(ObjectValue input) {
    return input.get("spiffe").orElse(null) instanceof ObjectValue s
            && s.get("id").orElse(null) instanceof StringValue id
        ? id.value()
        : "";
  }

  /** The principal of the request's destination as Envoy sent it, empty when none. */
  static String destinationId(ObjectValue input) {
    return input.get("attributes").orElse(null) instanceof ObjectValue a
            && a.get("destination").orElse(null) instanceof ObjectValue d
            && d.get("principal").orElse(null) instanceof StringValue p
        ? p.value()
        : "";
  }

  /** Envoy's {@code context_extensions} in the input, empty when it sent none. */
  static ObjectValue extensions(ObjectValue input) {
    return input.get("attributes").orElse(null) instanceof ObjectValue a
            && a.get("contextExtensions").orElse(null) instanceof ObjectValue ext
        ? ext
        : ObjectValue.EMPTY;
  }
}
