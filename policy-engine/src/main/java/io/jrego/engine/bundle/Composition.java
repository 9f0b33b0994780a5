package io.jrego.engine.bundle;

import io.jrego.engine.Rego;
import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.base.RegoVersion;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.Value;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Bundles, loose modules and data files composed into what one policy compiles from: the one path
 * that {@code serve}, {@code eval} ({@code -d}, {@code -b}), {@code build} and {@code test} all
 * take, so the same files give the same documents in each.
 *
 * <p>Modules keep their file names (a bundle's prefixed by the name it is added under) and their
 * Rego version (the bundle manifest's {@code rego_version}, else the default). Data merges object
 * by object; a value defined twice is an error naming the file, never silently replaced. Two
 * bundles whose manifest roots overlap are refused, as OPA refuses them.
 *
 * <p>Not thread-safe: compose on one thread, then compile.
 */
public final class Composition {

  private final RegoVersion defaultVersion;
  private final Map<String, String> modules = new LinkedHashMap<>();
  private final Map<String, RegoVersion> versions = new HashMap<>();
  private final Map<String, List<String>> roots = new LinkedHashMap<>();
  private ObjectValue data = ObjectValue.EMPTY;

  /**
   * An empty composition.
   *
   * @param defaultVersion the Rego version of modules no manifest says otherwise about
   */
  public Composition(RegoVersion defaultVersion) {
    this.defaultVersion = defaultVersion;
  }

  /**
   * Adds a bundle: its modules, named {@code name + "/" + path} (the path alone when {@code name}
   * is empty), and its data.
   *
   * @param name the bundle's name (its folder, archive or source), for module names and messages
   * @throws BundleException if its roots overlap an added bundle's, or its data conflicts with data
   *     already added
   */
  public Composition bundle(String name, Bundle bundle) throws BundleException {
    checkDisjoint(name, bundle.roots());
    roots.put(name, bundle.roots());
    RegoVersion version = bundle.regoVersion().orElse(defaultVersion);
    for (Map.Entry<String, String> m : bundle.modules().entrySet()) {
      module(name.isEmpty() ? m.getKey() : name + "/" + m.getKey(), m.getValue(), version);
    }
    return data(name, List.of(), bundle.data());
  }

  /** Adds a module; a later module of the same name replaces it. */
  public Composition module(String file, String source, RegoVersion version) {
    modules.put(file, source);
    versions.put(file, version);
    return this;
  }

  /** Adds a module in the default Rego version. */
  public Composition module(String file, String source) {
    return module(file, source, defaultVersion);
  }

  /**
   * Merges {@code doc} into the data at {@code at} ({@code ["a", "b"]} for {@code data.a.b}).
   *
   * @param file where {@code doc} came from, for messages
   * @throws BundleException if {@code doc} is placed at the root and is no object, or a value it
   *     holds is already defined
   */
  public Composition data(String file, List<String> at, Value doc) throws BundleException {
    if (at.isEmpty() && !(doc instanceof ObjectValue)) {
      throw new BundleException(file + ": data at the root must be an object");
    }
    data = BundleLoader.merge(file, data, at, doc);
    return this;
  }

  /** The Rego version of modules no manifest says otherwise about. */
  public RegoVersion defaultVersion() {
    return defaultVersion;
  }

  /** Module sources by file name, in the order added. */
  public Map<String, String> modules() {
    return Collections.unmodifiableMap(modules);
  }

  /** Each module's Rego version. */
  public Map<String, RegoVersion> versions() {
    return Collections.unmodifiableMap(versions);
  }

  /** The base data document. */
  public ObjectValue data() {
    return data;
  }

  /** A builder holding these modules and data, ready for {@link Rego.Builder#compile()}. */
  public Rego.Builder builder(EngineOptions options) {
    Rego.Builder b = Rego.builder().options(options).data(data);
    modules.forEach((file, src) -> b.module(file, src, versions.get(file)));
    return b;
  }

  private void checkDisjoint(String name, List<String> mine) throws BundleException {
    List<String> overlaps = new ArrayList<>();
    roots.forEach(
        (other, theirs) -> {
          for (String a : theirs) {
            for (String b : mine) {
              if (overlaps.isEmpty() && overlap(a, b)) {
                overlaps.add(
                    "bundles "
                        + other
                        + " and "
                        + name
                        + " have overlapping roots '"
                        + a
                        + "' and '"
                        + b
                        + "'");
              }
            }
          }
        });
    if (!overlaps.isEmpty()) {
      throw new BundleException(overlaps.getFirst());
    }
  }

  private static boolean overlap(String a, String b) {
    return a.isEmpty()
        || b.isEmpty()
        || a.equals(b)
        || a.startsWith(b + "/")
        || b.startsWith(a + "/");
  }
}
