package io.jrego.engine.tester;

import io.jrego.engine.base.RegoVersion;
import io.jrego.engine.bundle.Bundle;
import io.jrego.engine.bundle.BundleException;
import io.jrego.engine.bundle.BundleLoader;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Loads policy files as {@code opa eval -d} and {@code opa test} do. A {@code .rego} file is a
 * module named by its path. A {@code .json}, {@code .yaml} or {@code .yml} file is data: given
 * directly it is merged at the root of {@code data}; found under a folder it is merged at the path
 * of its sub-folder relative to that folder ({@code dir/a/b/x.json} at {@code data.a.b}). A folder
 * holding a {@code .manifest} is a bundle: only files named {@code data.json} or {@code data.yaml}
 * are data there, and the manifest's {@code rego_version} applies to its modules. Names starting
 * with a dot are skipped (Kubernetes ConfigMap mounts hold {@code ..data} copies). A {@code
 * .tar.gz} or {@code .tgz} file is a bundle archive, read by {@link BundleLoader} (with its limits
 * and checks) and merged like a bundle folder.
 */
public final class PolicyLoader {

  private PolicyLoader() {}

  /**
   * Loads every path in order.
   *
   * @param defaultVersion the Rego version of modules no manifest says otherwise about
   * @throws PolicyLoadException when a path is missing or a file cannot be read or merged
   */
  public static LoadedPolicy load(List<Path> paths, RegoVersion defaultVersion)
      throws PolicyLoadException {
    return load(paths, List.of(), defaultVersion);
  }

  /**
   * Loads every path in order, then every bundle, as {@code opa eval -d ... -b ...} does.
   *
   * @param bundles bundle folders or archives, each read by {@link BundleLoader} (manifest roots
   *     checked, only {@code data.json}/{@code data.yaml} files are data) even without a manifest
   * @param defaultVersion the Rego version of modules no manifest says otherwise about
   * @throws PolicyLoadException when a path is missing, a file cannot be read or merged, or a
   *     bundle is refused
   */
  public static LoadedPolicy load(List<Path> paths, List<Path> bundles, RegoVersion defaultVersion)
      throws PolicyLoadException {
    return load(paths, bundles, defaultVersion, List.of(), BundleLoader.Options.defaults());
  }

  /**
   * Loads as {@link #load(List, List, RegoVersion)} does, with two choices of {@code opa eval} and
   * {@code opa test}.
   *
   * @param ignore glob patterns (such as {@code *.yaml} or {@code .*}) matched against the name
   *     alone of every file and folder inside the given folders, which are left out, as {@code opa
   *     test --ignore} does; the paths named themselves are always loaded
   * @param bundleOptions how {@code bundles} are read: limits, and the key their signatures must
   *     verify with, as {@code opa eval -b --verification-key} does
   * @throws PolicyLoadException when a path is missing, a file cannot be read or merged, a bundle
   *     is refused (a signature that does not verify included), or a pattern is not a valid glob
   */
  public static LoadedPolicy load(
      List<Path> paths,
      List<Path> bundles,
      RegoVersion defaultVersion,
      List<String> ignore,
      BundleLoader.Options bundleOptions)
      throws PolicyLoadException {
    List<PathMatcher> ignored = new ArrayList<>();
    for (String pattern : ignore) {
      try {
        ignored.add(FileSystems.getDefault().getPathMatcher("glob:" + pattern));
      } catch (IllegalArgumentException e) {
        throw new PolicyLoadException("--ignore " + pattern + ": " + e.getMessage(), e);
      }
    }
    Map<String, String> modules = new LinkedHashMap<>();
    Map<String, RegoVersion> versions = new HashMap<>();
    Map<Value, Value> data = new LinkedHashMap<>();
    for (Path p : paths) {
      if (Files.isRegularFile(p) && isArchive(p)) {
        loadBundle(p, BundleLoader.Options.defaults(), defaultVersion, modules, versions, data);
      } else if (Files.isDirectory(p)) {
        loadFolder(p, defaultVersion, ignored, modules, versions, data);
      } else if (Files.isRegularFile(p)) {
        loadFile(p, List.of(), false, defaultVersion, modules, versions, data);
      } else {
        throw new PolicyLoadException(p + ": no such file or directory");
      }
    }
    for (Path p : bundles) {
      if (!Files.exists(p)) {
        throw new PolicyLoadException(p + ": no such file or directory");
      }
      loadBundle(p, bundleOptions, defaultVersion, modules, versions, data);
    }
    return new LoadedPolicy(modules, versions, toObject(data));
  }

  private static boolean isArchive(Path p) {
    String name = p.getFileName().toString();
    return name.endsWith(".tar.gz") || name.endsWith(".tgz");
  }

  /** A bundle folder or archive, through the one bundle reader (limits, roots, manifest). */
  private static void loadBundle(
      Path p,
      BundleLoader.Options options,
      RegoVersion defaultVersion,
      Map<String, String> modules,
      Map<String, RegoVersion> versions,
      Map<Value, Value> data)
      throws PolicyLoadException {
    Bundle bundle;
    try {
      bundle = BundleLoader.load(p, options);
    } catch (BundleException e) {
      throw new PolicyLoadException(e.getMessage(), e);
    }
    RegoVersion version = bundle.regoVersion().orElse(defaultVersion);
    for (Map.Entry<String, String> m : bundle.modules().entrySet()) {
      String name = p + "/" + m.getKey();
      modules.put(name, m.getValue());
      versions.put(name, version);
    }
    merge(data, List.of(), bundle.data(), p);
  }

  private static void loadFolder(
      Path root,
      RegoVersion defaultVersion,
      List<PathMatcher> ignored,
      Map<String, String> modules,
      Map<String, RegoVersion> versions,
      Map<Value, Value> data)
      throws PolicyLoadException {
    Path manifest = root.resolve(".manifest");
    boolean bundle = Files.isRegularFile(manifest);
    RegoVersion version = bundle ? manifestVersion(manifest, defaultVersion) : defaultVersion;
    List<Path> files;
    try (Stream<Path> walk = Files.walk(root)) {
      files =
          walk.filter(Files::isRegularFile)
              .filter(f -> !hidden(root.relativize(f)) && !ignored(root.relativize(f), ignored))
              .sorted()
              .toList();
    } catch (IOException e) {
      throw new PolicyLoadException(root + ": " + e.getMessage(), e);
    }
    for (Path f : files) {
      Path rel = root.relativize(f);
      List<String> dirs = new ArrayList<>();
      for (int i = 0; i < rel.getNameCount() - 1; i++) {
        dirs.add(rel.getName(i).toString());
      }
      loadFile(f, dirs, bundle, version, modules, versions, data);
    }
  }

  /** Whether a folder on the way to the file, or the file itself, has an ignored name. */
  private static boolean ignored(Path rel, List<PathMatcher> ignored) {
    for (Path part : rel) {
      for (PathMatcher m : ignored) {
        if (m.matches(part)) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean hidden(Path rel) {
    for (Path part : rel) {
      if (part.toString().startsWith(".")) {
        return true;
      }
    }
    return false;
  }

  private static void loadFile(
      Path f,
      List<String> dirs,
      boolean bundle,
      RegoVersion version,
      Map<String, String> modules,
      Map<String, RegoVersion> versions,
      Map<Value, Value> data)
      throws PolicyLoadException {
    String name = f.getFileName().toString();
    boolean yaml = name.endsWith(".yaml") || name.endsWith(".yml");
    if (name.endsWith(".rego")) {
      String file = f.normalize().toString(); // ./a.rego is a.rego, as OPA names it
      modules.put(file, read(f));
      versions.put(file, version);
    } else if (name.endsWith(".json") || yaml) {
      if (bundle && !name.equals("data.json") && !name.equals("data.yaml")) {
        return;
      }
      Value doc;
      try {
        doc = yaml ? Yaml.parse(read(f)) : Json.parse(read(f));
      } catch (RuntimeException e) {
        throw new PolicyLoadException(f + ": " + e.getMessage(), e);
      }
      if (dirs.isEmpty() && !(doc instanceof ObjectValue)) {
        throw new PolicyLoadException(f + ": data at the root must be an object");
      }
      merge(data, dirs, doc, f);
    }
  }

  private static String read(Path f) throws PolicyLoadException {
    try {
      return Files.readString(f, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new PolicyLoadException(f + ": " + e.getMessage(), e);
    }
  }

  private static RegoVersion manifestVersion(Path manifest, RegoVersion fallback)
      throws PolicyLoadException {
    Value m;
    try {
      m = Json.parse(read(manifest));
    } catch (RuntimeException e) {
      throw new PolicyLoadException(manifest + ": " + e.getMessage(), e);
    }
    if (m instanceof ObjectValue o && o.get("rego_version").orElse(null) instanceof NumberValue n) {
      return n.isInteger() && n.longValue() == 0 ? RegoVersion.V0 : RegoVersion.V1;
    }
    return fallback;
  }

  /** Merges {@code doc} into {@code data} at {@code path}; objects merge key by key. */
  private static void merge(Map<Value, Value> data, List<String> path, Value doc, Path file)
      throws PolicyLoadException {
    Value placed = doc;
    for (int i = path.size() - 1; i >= 0; i--) {
      placed = ObjectValue.of(StringValue.of(path.get(i)), placed);
    }
    if (!(placed instanceof ObjectValue o)) {
      throw new PolicyLoadException(file + ": data at the root must be an object");
    }
    for (Value k : o.keys()) {
      Value existing = data.get(k);
      Value incoming = o.getOrNull(k);
      data.put(k, existing == null ? incoming : mergeValues(existing, incoming, keyName(k), file));
    }
  }

  private static Value mergeValues(Value a, Value b, String at, Path file)
      throws PolicyLoadException {
    if (a instanceof ObjectValue oa && b instanceof ObjectValue ob) {
      ObjectValue out = oa;
      for (Value k : ob.keys()) {
        Value existing = oa.getOrNull(k);
        Value incoming = ob.getOrNull(k);
        out =
            out.with(
                k,
                existing == null
                    ? incoming
                    : mergeValues(existing, incoming, at + "." + keyName(k), file));
      }
      return out;
    }
    throw new PolicyLoadException(file + ": merge error: data." + at + " is already defined");
  }

  private static String keyName(Value k) {
    return k instanceof StringValue s ? s.value() : k.toString();
  }

  private static ObjectValue toObject(Map<Value, Value> data) {
    return ObjectValue.of(data);
  }
}
