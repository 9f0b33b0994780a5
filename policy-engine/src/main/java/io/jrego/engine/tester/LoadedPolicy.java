package io.jrego.engine.tester;

import io.jrego.engine.Rego;
import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.base.RegoVersion;
import io.jrego.engine.value.Value;
import java.util.Map;

/**
 * What {@link PolicyLoader} read: modules by file name, each with its Rego version, and the base
 * {@code data} document assembled from the data files.
 *
 * @param modules module sources by file name, in load order
 * @param versions the Rego version of each module
 * @param data the base document, an object
 */
public record LoadedPolicy(
    Map<String, String> modules, Map<String, RegoVersion> versions, Value data) {

  public LoadedPolicy {
    modules = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(modules));
    versions = Map.copyOf(versions);
  }

  /** A builder holding these modules and data, ready for {@link Rego.Builder#compile()}. */
  public Rego.Builder builder(EngineOptions options) {
    Rego.Builder b = Rego.builder().options(options).data(data);
    modules.forEach(
        (file, src) -> b.module(file, src, versions.getOrDefault(file, RegoVersion.V1)));
    return b;
  }
}
