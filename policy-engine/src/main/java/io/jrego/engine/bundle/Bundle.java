package io.jrego.engine.bundle;

import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.base.RegoVersion;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.Value;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A policy bundle as OPA defines it: Rego modules, a base data document and a manifest.
 *
 * @param revision the manifest's {@code revision}, empty when there is none
 * @param roots the manifest's {@code roots}: the paths under {@code data} the bundle owns; {@code
 *     [""]} (everything) when the manifest names none
 * @param regoVersion the manifest's {@code rego_version}, empty when it does not say (then the
 *     compiler's default, Rego v1, applies)
 * @param modules module path (relative to the bundle folder, {@code /}-separated) to source, in
 *     path order
 * @param data the base data document, always an object
 * @param metadata the manifest's {@code metadata}, an empty object when absent
 */
public record Bundle(
    String revision,
    List<String> roots,
    Optional<RegoVersion> regoVersion,
    Map<String, String> modules,
    ObjectValue data,
    ObjectValue metadata) {

  public Bundle {
    Objects.requireNonNull(revision);
    roots = List.copyOf(roots);
    Objects.requireNonNull(regoVersion);
    modules = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(modules));
    Objects.requireNonNull(data);
    Objects.requireNonNull(metadata);
  }

  /**
   * Compiles the bundle's modules with its data, composed as {@link Composition} composes every
   * bundle.
   *
   * @param options the engine's limits
   * @return the policy, ready to evaluate
   * @throws RegoException with every parse and compile error, each naming its module
   */
  public PreparedPolicy compile(EngineOptions options) throws RegoException {
    Composition composed = new Composition(RegoVersion.V1);
    try {
      composed.bundle("", this);
    } catch (BundleException e) {
      throw new AssertionError("one bundle's data conflicts with nothing", e);
    }
    return composed.builder(options).compile();
  }

  /** Looks a path such as {@code ai_gateway/models} up in the data document. */
  public Optional<Value> dataAt(String path) {
    Value cur = data;
    for (String seg : path.split("/", -1)) {
      if (seg.isEmpty()) {
        continue;
      }
      if (!(cur instanceof ObjectValue o)) {
        return Optional.empty();
      }
      Optional<Value> next = o.get(seg);
      if (next.isEmpty()) {
        return Optional.empty();
      }
      cur = next.get();
    }
    return Optional.of(cur);
  }
}
