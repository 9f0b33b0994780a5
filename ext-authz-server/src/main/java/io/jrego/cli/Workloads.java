package io.jrego.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.jrego.server.route.Route;
import io.jrego.server.route.RouteTable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Policy per workload, from the {@code bundles} and {@code routes} sections of {@code serve}'s
 * config file: named bundles, each with its own source and signature key, and the routes that pick
 * a bundle's decision per request by the caller's SPIFFE ID or Envoy's {@code context_extensions}.
 * Everything is checked when read; a mistake names the file, the entry and the key.
 *
 * @param bundles the named bundles, in the order written
 * @param routes the routing table, empty when the file has no {@code routes}
 */
record Workloads(Map<String, NamedBundle> bundles, Optional<RouteTable> routes) {

  /** The config file's keys read here rather than as option values. */
  static final Set<String> SECTIONS = Set.of("bundles", "routes");

  /** No named bundles and no routes: what a config without the sections means. */
  static final Workloads NONE = new Workloads(Map.of(), Optional.empty());

  /**
   * One entry of {@code bundles}.
   *
   * @param name the key it is written under
   * @param resource a folder, a {@code .tar.gz} or an http(s) URL, as {@code --bundle} takes
   * @param keyFile its own verification key (a PEM file or the HMAC secret's bytes)
   * @param secretEnv or its HMAC secret from this environment variable
   * @param keyId the key's id
   * @param algorithm the key's algorithm
   * @param scope the scope its signatures must carry
   */
  record NamedBundle(
      String name,
      String resource,
      Optional<Path> keyFile,
      Optional<String> secretEnv,
      String keyId,
      String algorithm,
      String scope) {

    /** Whether this bundle has a verification key of its own (else {@code --verification-*}). */
    boolean verifies() {
      return keyFile.isPresent() || secretEnv.isPresent();
    }
  }

  private static final Set<String> BUNDLE_KEYS =
      Set.of(
          "resource",
          "verification-key",
          "verification-secret-env",
          "verification-key-id",
          "verification-alg",
          "verification-scope");
  private static final Set<String> ROUTE_KEYS =
      Set.of("name", "bundle", "path", "match", "process-path");
  private static final Set<String> MATCH_KEYS =
      Set.of("spiffe-id", "destination-spiffe-id", "context-extensions");

  /**
   * The sections of {@code file}, {@link #NONE} without a file.
   *
   * @throws IOException if the file cannot be read
   * @throws IllegalArgumentException naming the entry and key that is wrong
   */
  static Workloads read(Optional<Path> file) throws IOException {
    if (file.isEmpty()) {
      return NONE;
    }
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(file.get().toFile());
    } catch (IOException e) {
      throw new IOException("config " + file.get() + ": " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      return NONE; // ConfigDefaults reports a file that is not a mapping
    }
    String where = "config " + file.get() + ": ";
    try {
      Map<String, NamedBundle> bundles = bundles(root.get("bundles"));
      Optional<RouteTable> routes =
          root.has("routes") ? Optional.of(routes(root.get("routes"), bundles)) : Optional.empty();
      return new Workloads(bundles, routes);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + e.getMessage(), e);
    }
  }

  private static Map<String, NamedBundle> bundles(JsonNode node) {
    Map<String, NamedBundle> out = new LinkedHashMap<>();
    if (node == null || node.isNull()) {
      return out;
    }
    if (!node.isObject()) {
      throw new IllegalArgumentException(
          "bundles must map bundle names to {resource: ...}, got " + kind(node));
    }
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      String name = e.getKey();
      String at = "bundles." + name;
      if (name.isBlank() || name.contains(",") || name.contains("=")) {
        throw new IllegalArgumentException(
            at + ": a bundle name must not be empty nor hold ',' or '='");
      }
      Map<String, String> v = scalars(e.getValue(), at, BUNDLE_KEYS);
      String resource = v.get("resource");
      if (resource == null || resource.isBlank()) {
        throw new IllegalArgumentException(
            at + ".resource is required: a folder, a .tar.gz file or an http(s) URL");
      }
      out.put(
          name,
          new NamedBundle(
              name,
              resource,
              Optional.ofNullable(v.get("verification-key")).map(Path::of),
              Optional.ofNullable(v.get("verification-secret-env")),
              v.getOrDefault("verification-key-id", "default"),
              v.getOrDefault("verification-alg", "RS256"),
              v.getOrDefault("verification-scope", "")));
    }
    return out;
  }

  private static RouteTable routes(JsonNode node, Map<String, NamedBundle> bundles) {
    if (!node.isArray() || node.isEmpty()) {
      throw new IllegalArgumentException(
          "routes must be a list of {name, path, bundle, match}, got " + kind(node));
    }
    List<Route> routes = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      String at = "routes[" + i + "]";
      JsonNode r = node.get(i);
      if (!r.isObject()) {
        throw new IllegalArgumentException(at + " must be a mapping, got " + kind(r));
      }
      for (Map.Entry<String, JsonNode> e : r.properties()) {
        String key = e.getKey().replace('_', '-');
        if (!ROUTE_KEYS.contains(key)) {
          throw new IllegalArgumentException(
              at
                  + ": unknown key "
                  + e.getKey()
                  + " (known: name, path, bundle, match, process_path)");
        }
      }
      String name = text(r, "name", at);
      at = at + " (" + name + ")";
      String path = text(r, "path", at);
      Optional<String> bundle = Optional.empty();
      if (r.has("bundle")) {
        String b = text(r, "bundle", at);
        if (!bundles.containsKey(b)) {
          throw new IllegalArgumentException(
              at
                  + ".bundle: no bundle named "
                  + b
                  + (bundles.isEmpty()
                      ? " (the config has no bundles section)"
                      : " (bundles: " + String.join(", ", bundles.keySet()) + ")"));
        }
        bundle = Optional.of(b);
      }
      Optional<String> processPath =
          r.has("process_path") || r.has("process-path")
              ? Optional.of(text(r, r.has("process_path") ? "process_path" : "process-path", at))
              : Optional.empty();
      routes.add(new Route(name, bundle, path, match(r.get("match"), at + ".match"), processPath));
    }
    return RouteTable.of(routes);
  }

  private static Route.Match match(JsonNode node, String at) {
    if (node == null || node.isNull()) {
      return Route.Match.ANY;
    }
    if (!node.isObject() || node.isEmpty()) {
      throw new IllegalArgumentException(
          at
              + " must hold spiffe_id, destination_spiffe_id or context_extensions (leave match"
              + " out to take every request), got "
              + kind(node));
    }
    Optional<String> spiffe = Optional.empty();
    Optional<String> destination = Optional.empty();
    Map<String, String> ext = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      String key = e.getKey().replace('_', '-');
      if (!MATCH_KEYS.contains(key)) {
        throw new IllegalArgumentException(
            at
                + ": unknown key "
                + e.getKey()
                + " (known: spiffe_id, destination_spiffe_id, context_extensions)");
      }
      if (key.equals("spiffe-id") || key.equals("destination-spiffe-id")) {
        String field = e.getKey();
        String id = e.getValue().isTextual() ? e.getValue().asText() : "";
        if (!id.startsWith("spiffe://")
            || id.length() <= "spiffe://".length()
            || id.equals("spiffe:///*")) {
          throw new IllegalArgumentException(
              at
                  + "."
                  + field
                  + " must be a SPIFFE ID (spiffe://trust-domain/path, or ending in /*"
                  + " for every ID under a path), got "
                  + e.getValue());
        }
        if (id.indexOf('*') >= 0 && (!id.endsWith("/*") || id.indexOf('*') != id.length() - 1)) {
          throw new IllegalArgumentException(
              at + "." + field + ": '*' may only be the last path segment, got " + id);
        }
        if (key.equals("spiffe-id")) {
          spiffe = Optional.of(id);
        } else {
          destination = Optional.of(id);
        }
      } else {
        JsonNode m = e.getValue();
        if (!m.isObject() || m.isEmpty()) {
          throw new IllegalArgumentException(
              at + ".context_extensions must map keys to values, got " + kind(m));
        }
        for (Map.Entry<String, JsonNode> x : m.properties()) {
          if (!x.getValue().isValueNode() || x.getValue().isNull()) {
            throw new IllegalArgumentException(
                at + ".context_extensions." + x.getKey() + " must be a string");
          }
          ext.put(x.getKey(), x.getValue().asText());
        }
      }
    }
    return new Route.Match(spiffe, destination, ext);
  }

  private static Map<String, String> scalars(JsonNode node, String at, Set<String> known) {
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException(at + " must be a mapping, got " + kind(node));
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      String key = e.getKey().replace('_', '-');
      if (!known.contains(key)) {
        throw new IllegalArgumentException(
            at
                + ": unknown key "
                + e.getKey()
                + " (known: "
                + String.join(", ", sorted(known))
                + ")");
      }
      if (!e.getValue().isValueNode() || e.getValue().isNull()) {
        throw new IllegalArgumentException(at + "." + e.getKey() + " must be a single value");
      }
      out.put(key, e.getValue().asText());
    }
    return out;
  }

  private static String text(JsonNode r, String key, String at) {
    JsonNode v = r.get(key);
    if (v == null || !v.isTextual() || v.asText().isBlank()) {
      throw new IllegalArgumentException(at + "." + key + " is required (a non-empty string)");
    }
    return v.asText();
  }

  private static List<String> sorted(Set<String> s) {
    return s.stream().sorted().toList();
  }

  private static String kind(JsonNode n) {
    return n == null || n.isNull()
        ? "nothing"
        : n.isContainerNode()
            ? n.getNodeType().name().toLowerCase(java.util.Locale.ROOT)
            : n.toString();
  }
}
