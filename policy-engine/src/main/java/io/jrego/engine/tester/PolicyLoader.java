package io.jrego.engine.tester;

import io.jrego.engine.base.RegoVersion;
import io.jrego.engine.bundle.Bundle;
import io.jrego.engine.bundle.BundleException;
import io.jrego.engine.bundle.BundleLoader;
import io.jrego.engine.bundle.Composition;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.Value;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.stream.Stream;

/**
 * Loads policy files as {@code opa eval -d} and {@code opa test} do. A {@code .rego} file is a
 * module named by its path. A {@code .json}, {@code .yaml} or {@code .yml} file is data: given
 * directly it is merged at the root of {@code data}; found under a folder it is merged at the path
 * of its sub-folder relative to that folder ({@code dir/a/b/x.json} at {@code data.a.b}). A folder
 * holding a {@code .manifest} is a bundle, read by {@link BundleLoader} as {@code serve} reads it:
 * only files named {@code data.json}, {@code data.yaml} or {@code data.yml} are data there and the
 * manifest's {@code rego_version} applies to its modules; its roots are not enforced, as {@code opa
 * test} does not enforce them (bundles given with {@code -b} are checked against theirs). Names
 * starting with a dot are skipped (Kubernetes ConfigMap mounts hold {@code ..data} copies). A
 * {@code .tar.gz} or {@code .tgz} file is a bundle archive, read the same way. Everything is
 * composed by {@link Composition}, the one path {@code serve} and {@code build} compose bundles
 * with.
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
    Composition composed = new Composition(defaultVersion);
    for (Path p : paths) {
      if (Files.isRegularFile(p) && isArchive(p)) {
        addBundle(composed, p, () -> BundleLoader.load(p, BundleLoader.Options.defaults()));
      } else if (Files.isDirectory(p) && Files.isRegularFile(p.resolve(".manifest"))) {
        addFolderBundle(composed, p, ignored);
      } else if (Files.isDirectory(p)) {
        loadFolder(p, ignored, composed);
      } else if (Files.isRegularFile(p)) {
        loadFile(p, List.of(), composed);
      } else {
        throw new PolicyLoadException(p + ": no such file or directory");
      }
    }
    for (Path p : bundles) {
      if (!Files.exists(p)) {
        throw new PolicyLoadException(p + ": no such file or directory");
      }
      addBundle(composed, p, () -> BundleLoader.load(p, bundleOptions));
    }
    return new LoadedPolicy(composed.modules(), composed.versions(), composed.data());
  }

  private static boolean isArchive(Path p) {
    String name = p.getFileName().toString();
    return name.endsWith(".tar.gz") || name.endsWith(".tgz");
  }

  /** A bundle folder or archive, read by the one bundle reader (limits, roots, manifest). */
  private static void addBundle(Composition composed, Path p, BundleRead read)
      throws PolicyLoadException {
    try {
      composed.bundle(p.normalize().toString(), read.get());
    } catch (BundleException e) {
      throw new PolicyLoadException(e.getMessage(), e);
    }
  }

  /** Reading a bundle, whose failure becomes the loader's. */
  @FunctionalInterface
  private interface BundleRead {
    Bundle get() throws BundleException;
  }

  /**
   * A folder holding a {@code .manifest}, read by the bundle reader as {@code serve} reads it (only
   * {@code data.json}/{@code .yaml}/{@code .yml} are data; the manifest's {@code rego_version}),
   * less the files {@code --ignore} leaves out, and with OPA's leniency for {@code -d} and {@code
   * test}: its roots are not enforced, so neither its test packages nor another folder's roots
   * conflict.
   */
  private static void addFolderBundle(Composition composed, Path root, List<PathMatcher> ignored)
      throws PolicyLoadException {
    try {
      BundleLoader.Options options = BundleLoader.Options.defaults();
      SortedMap<String, byte[]> files = BundleLoader.readFiles(root, options.limits());
      files.keySet().removeIf(rel -> ignored(Path.of(rel), ignored));
      Bundle bundle = BundleLoader.fromFolderFilesIgnoringRoots(root.toString(), files, options);
      RegoVersion version = bundle.regoVersion().orElse(composed.defaultVersion());
      String name = root.normalize().toString();
      for (Map.Entry<String, String> m : bundle.modules().entrySet()) {
        composed.module(
            name.isEmpty() ? m.getKey() : name + "/" + m.getKey(), m.getValue(), version);
      }
      composed.data(root.toString(), List.of(), bundle.data());
    } catch (BundleException e) {
      throw new PolicyLoadException(e.getMessage(), e);
    }
  }

  private static void loadFolder(Path root, List<PathMatcher> ignored, Composition composed)
      throws PolicyLoadException {
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
      loadFile(f, dirs, composed);
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

  private static void loadFile(Path f, List<String> dirs, Composition composed)
      throws PolicyLoadException {
    String name = f.getFileName().toString();
    boolean yaml = name.endsWith(".yaml") || name.endsWith(".yml");
    if (name.endsWith(".rego")) {
      // ./a.rego is a.rego, as OPA names it
      composed.module(f.normalize().toString(), read(f));
    } else if (name.endsWith(".json") || yaml) {
      Value doc;
      try {
        doc = yaml ? Yaml.parse(read(f)) : Json.parse(read(f));
      } catch (RuntimeException e) {
        throw new PolicyLoadException(f + ": " + e.getMessage(), e);
      }
      try {
        composed.data(f.toString(), dirs, doc);
      } catch (BundleException e) {
        throw new PolicyLoadException(e.getMessage(), e);
      }
    }
  }

  private static String read(Path f) throws PolicyLoadException {
    try {
      return Files.readString(f, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new PolicyLoadException(f + ": " + e.getMessage(), e);
    }
  }
}
