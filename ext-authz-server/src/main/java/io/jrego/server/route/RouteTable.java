package io.jrego.server.route;

import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which decision answers a request, chosen per request by the caller's SPIFFE ID or Envoy's
 * per-route {@code context_extensions}: one jrego serving several workloads, each with its own
 * bundle and decision path. Routes are tried in order; the first whose {@link Route.Match} holds
 * takes the request. A request no route takes gets no decision at all: it is refused ({@code
 * unknown_workload}), never answered by another workload's policy. Immutable and thread-safe.
 */
public final class RouteTable {

  private final List<Route> routes;
  private final boolean routing;

  private RouteTable(List<Route> routes, boolean routing) {
    this.routes = List.copyOf(routes);
    this.routing = routing;
  }

  /**
   * A table of configured routes.
   *
   * @throws IllegalArgumentException if it is empty, two routes share a name, or a route comes
   *     after one that takes every request (it could never be taken)
   */
  public static RouteTable of(List<Route> routes) {
    if (routes.isEmpty()) {
      throw new IllegalArgumentException("routes: at least one route is needed");
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < routes.size(); i++) {
      Route r = routes.get(i);
      if (!names.add(r.name())) {
        throw new IllegalArgumentException(
            "routes[" + i + "]: the name " + r.name() + " is used twice");
      }
      if (r.match().isAny() && i < routes.size() - 1) {
        throw new IllegalArgumentException(
            "routes["
                + (i + 1)
                + "] ("
                + routes.get(i + 1).name()
                + ") can never be taken: routes["
                + i
                + "] ("
                + r.name()
                + ") has no match and takes every request");
      }
    }
    return new RouteTable(routes, true);
  }

  /** No routing: every request is answered by {@code path} (the server's {@code --path}). */
  public static RouteTable single(String path) {
    return new RouteTable(
        List.of(new Route("", Optional.empty(), path, Route.Match.ANY, Optional.empty())), false);
  }

  /** Whether routes were configured (else every request takes the one {@code --path}). */
  public boolean routing() {
    return routing;
  }

  /** The routes, in the order they are tried. */
  public List<Route> routes() {
    return routes;
  }

  /**
   * The table that routes ext_proc streams: the routes that name a {@code process_path}, in order,
   * each with that path as its {@link Route#path()}. Empty when no route names one (then ext_proc
   * is not routed and evaluates the server's {@code --process-path}).
   */
  public Optional<RouteTable> forProcess() {
    if (!routing) {
      return Optional.empty();
    }
    List<Route> process = new ArrayList<>();
    for (Route r : routes) {
      r.processPath()
          .ifPresent(
              p -> process.add(new Route(r.name(), r.bundle(), p, r.match(), r.processPath())));
    }
    return process.isEmpty() ? Optional.empty() : Optional.of(new RouteTable(process, true));
  }

  /** The route that takes a request with this input document, empty when none does. */
  public Optional<Route> select(ObjectValue input) {
    for (Route r : routes) {
      if (r.match().matches(input)) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }

  /**
   * Why no route took a request with this input: the caller's SPIFFE ID and context extensions it
   * carried, for the refusal's message.
   */
  public static String describeUnrouted(ObjectValue input) {
    String id = Route.callerId(input);
    String destination = Route.destinationId(input);
    return "no route takes this request (caller "
        + (id.isEmpty() ? "without a SPIFFE ID" : id)
        + (destination.isEmpty() ? "" : ", destination " + destination)
        + ", context_extensions "
        + Json.write(Route.extensions(input))
        + ")";
  }
}
