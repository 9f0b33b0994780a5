package io.jrego.engine.bundle;

import io.jrego.engine.RegoVersion;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.NullValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * Reads a bundle from a folder laid out as OPA expects: {@code .manifest} at the top, {@code
 * *.rego} modules anywhere (tests included, as OPA loads them), and {@code data.json} / {@code
 * data.yaml} / {@code data.yml} files whose content is placed under {@code data} at their folder's
 * path ({@code a/b/data.json} becomes {@code data.a.b}).
 *
 * <p>Files and folders whose names start with {@code .} are skipped (the manifest aside), so a
 * Kubernetes ConfigMap mount, which holds {@code ..data} and {@code ..<timestamp>} copies of every
 * file beside symbolic links to them, loads each file once. Symbolic links to files are followed.
 */
public final class BundleLoader {

  private static final String MANIFEST = ".manifest";

  private BundleLoader() {}

  /**
   * Loads the bundle in {@code folder}.
   *
   * @throws BundleException naming the file at fault: unreadable, not UTF-8, invalid JSON or YAML,
   *     a data file that is not an object where one is needed, data that conflicts with other data
   *     or lies outside the manifest's roots, or a malformed manifest
   */
  public static Bundle load(Path folder) throws BundleException {
    if (!Files.isDirectory(folder)) {
      throw new BundleException(folder + ": not a folder");
    }
    Manifest manifest = readManifest(folder.resolve(MANIFEST));
    Map<String, String> modules = new TreeMap<>();
    Map<String, Path> dataFiles = new TreeMap<>();
    List<Path> files = listFiles(folder);
    for (Path file : files) {
      String rel = relative(folder, file);
      String name = file.getFileName().toString();
      if (name.endsWith(".rego")) {
        modules.put(rel, readUtf8(file));
      } else if (name.equals("data.json") || name.equals("data.yaml") || name.equals("data.yml")) {
        dataFiles.put(rel, file);
      }
    }
    ObjectValue data = ObjectValue.EMPTY;
    for (Map.Entry<String, Path> e : dataFiles.entrySet()) {
      Path file = e.getValue();
      List<String> at = parentSegments(e.getKey());
      Value doc =
          file.getFileName().toString().equals("data.json") ? readJson(file) : readYaml(file);
      if (at.isEmpty() && !(doc instanceof ObjectValue)) {
        throw new BundleException(
            file, "data at the bundle root must be an object, got " + doc.typeName());
      }
      checkRoots(file, manifest.roots(), at, doc);
      data = merge(file, data, at, doc);
    }
    return new Bundle(
        manifest.revision(),
        manifest.roots(),
        manifest.regoVersion(),
        modules,
        data,
        manifest.metadata());
  }

  private record Manifest(
      String revision,
      List<String> roots,
      Optional<RegoVersion> regoVersion,
      ObjectValue metadata) {}

  private static Manifest readManifest(Path file) throws BundleException {
    if (!Files.isRegularFile(file)) {
      return new Manifest("", List.of(""), Optional.empty(), ObjectValue.EMPTY);
    }
    if (!(readJson(file) instanceof ObjectValue m)) {
      throw new BundleException(file, "the manifest must be a JSON object");
    }
    String revision = "";
    Value rev = m.getOrNull(StringValue.of("revision"));
    if (rev != null) {
      if (!(rev instanceof StringValue s)) {
        throw new BundleException(file, "revision must be a string, got " + rev.typeName());
      }
      revision = s.value();
    }
    List<String> roots = List.of("");
    Value r = m.getOrNull(StringValue.of("roots"));
    if (r != null) {
      if (!(r instanceof ArrayValue a)) {
        throw new BundleException(file, "roots must be an array of strings, got " + r.typeName());
      }
      List<String> list = new ArrayList<>();
      for (Value v : a) {
        if (!(v instanceof StringValue s)) {
          throw new BundleException(
              file, "roots must be an array of strings, found " + v.typeName());
        }
        list.add(trimSlashes(s.value()));
      }
      roots = List.copyOf(list);
    }
    Optional<RegoVersion> regoVersion = Optional.empty();
    Value rv = m.getOrNull(StringValue.of("rego_version"));
    if (rv != null) {
      if (!(rv instanceof NumberValue n) || n.asInt().isEmpty()) {
        throw new BundleException(file, "rego_version must be 0 or 1, got " + rv);
      }
      regoVersion =
          switch (n.asInt().get()) {
            case 0 -> Optional.of(RegoVersion.V0);
            case 1 -> Optional.of(RegoVersion.V1);
            default -> throw new BundleException(file, "rego_version must be 0 or 1, got " + rv);
          };
    }
    ObjectValue metadata = ObjectValue.EMPTY;
    Value md = m.getOrNull(StringValue.of("metadata"));
    if (md != null) {
      if (!(md instanceof ObjectValue o)) {
        throw new BundleException(file, "metadata must be an object, got " + md.typeName());
      }
      metadata = o;
    }
    return new Manifest(revision, roots, regoVersion, metadata);
  }

  private static List<Path> listFiles(Path folder) throws BundleException {
    List<Path> out = new ArrayList<>();
    try (Stream<Path> entries = Files.list(folder)) {
      for (Path p : entries.sorted().toList()) {
        if (p.getFileName().toString().startsWith(".")) {
          continue;
        }
        if (Files.isDirectory(p)) {
          out.addAll(listFiles(p));
        } else if (Files.isRegularFile(p)) {
          out.add(p);
        }
      }
    } catch (IOException | UncheckedIOException e) {
      throw new BundleException(folder, "cannot list the folder", e);
    }
    return out;
  }

  private static String relative(Path folder, Path file) {
    StringBuilder sb = new StringBuilder();
    for (Path part : folder.relativize(file)) {
      if (!sb.isEmpty()) {
        sb.append('/');
      }
      sb.append(part);
    }
    return sb.toString();
  }

  private static List<String> parentSegments(String rel) {
    int cut = rel.lastIndexOf('/');
    return cut < 0 ? List.of() : List.of(rel.substring(0, cut).split("/"));
  }

  private static String trimSlashes(String s) {
    int from = 0;
    int to = s.length();
    while (from < to && s.charAt(from) == '/') {
      from++;
    }
    while (to > from && s.charAt(to - 1) == '/') {
      to--;
    }
    return s.substring(from, to);
  }

  private static String readUtf8(Path file) throws BundleException {
    try {
      byte[] bytes = Files.readAllBytes(file);
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new BundleException(file, "not valid UTF-8", e);
    } catch (IOException e) {
      throw new BundleException(file, "cannot read: " + e.getMessage(), e);
    }
  }

  private static Value readJson(Path file) throws BundleException {
    String text = readUtf8(file);
    try {
      return Json.parse(text);
    } catch (Json.JsonException e) {
      throw new BundleException(file, e.getMessage(), e);
    }
  }

  private static Value readYaml(Path file) throws BundleException {
    String text = readUtf8(file);
    try {
      Object doc =
          new Load(LoadSettings.builder().setLabel(file.toString()).build()).loadFromString(text);
      return fromYaml(file, doc);
    } catch (YamlEngineException e) {
      throw new BundleException(file, "invalid YAML: " + e.getMessage(), e);
    }
  }

  private static Value fromYaml(Path file, Object o) throws BundleException {
    if (o == null) {
      return NullValue.INSTANCE;
    }
    if (o instanceof String s) {
      return StringValue.of(s);
    }
    if (o instanceof Boolean b) {
      return BooleanValue.of(b);
    }
    if (o instanceof Integer || o instanceof Long) {
      return NumberValue.of(((Number) o).longValue());
    }
    if (o instanceof BigInteger bi) {
      return NumberValue.of(bi);
    }
    if (o instanceof Double || o instanceof Float) {
      double d = ((Number) o).doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        throw new BundleException(file, "numbers must be finite, got " + d);
      }
      return NumberValue.of(d);
    }
    if (o instanceof List<?> list) {
      ArrayValue.Builder b = new ArrayValue.Builder(list.size());
      for (Object e : list) {
        b.add(fromYaml(file, e));
      }
      return b.build();
    }
    if (o instanceof Map<?, ?> map) {
      ObjectValue.Builder b = new ObjectValue.Builder();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        b.put(String.valueOf(e.getKey()), fromYaml(file, e.getValue()));
      }
      return b.build();
    }
    throw new BundleException(
        file, "unsupported YAML value of type " + o.getClass().getSimpleName());
  }

  /**
   * Checks that data placed at {@code at} lies under one of the roots, as OPA does on activation.
   */
  private static void checkRoots(Path file, List<String> roots, List<String> at, Value doc)
      throws BundleException {
    String path = String.join("/", at);
    if (covered(roots, path)) {
      return;
    }
    if (above(roots, path) && doc instanceof ObjectValue o) {
      for (Value k : o.keys()) {
        List<String> child = new ArrayList<>(at);
        child.add(k instanceof StringValue s ? s.value() : k.toString());
        checkRoots(file, roots, child, o.getOrNull(k));
      }
      return;
    }
    throw new BundleException(
        file,
        "data at path "
            + (path.isEmpty() ? "/" : path)
            + " is outside the manifest roots "
            + roots);
  }

  private static boolean covered(List<String> roots, String path) {
    for (String r : roots) {
      if (r.isEmpty() || path.equals(r) || path.startsWith(r + "/")) {
        return true;
      }
    }
    return false;
  }

  private static boolean above(List<String> roots, String path) {
    for (String r : roots) {
      if (path.isEmpty() || r.startsWith(path + "/")) {
        return true;
      }
    }
    return false;
  }

  private static ObjectValue merge(Path file, ObjectValue base, List<String> at, Value doc)
      throws BundleException {
    if (at.isEmpty()) {
      return mergeObjects(file, base, (ObjectValue) doc, "");
    }
    StringValue key = StringValue.of(at.get(0));
    Value existing = base.getOrNull(key);
    List<String> rest = at.subList(1, at.size());
    if (rest.isEmpty()) {
      if (existing == null) {
        return base.with(key, doc);
      }
      if (existing instanceof ObjectValue eo && doc instanceof ObjectValue d) {
        return base.with(key, mergeObjects(file, eo, d, at.get(0)));
      }
      throw new BundleException(
          file, "data at " + String.join("/", at) + " conflicts with other data");
    }
    ObjectValue inner = existing == null ? ObjectValue.EMPTY : asObject(file, existing, at.get(0));
    return base.with(key, merge(file, inner, rest, doc));
  }

  private static ObjectValue asObject(Path file, Value v, String path) throws BundleException {
    if (v instanceof ObjectValue o) {
      return o;
    }
    throw new BundleException(file, "data at " + path + " conflicts with other data");
  }

  private static ObjectValue mergeObjects(Path file, ObjectValue a, ObjectValue b, String path)
      throws BundleException {
    ObjectValue out = a;
    for (Value k : b.keys()) {
      Value bv = b.getOrNull(k);
      Value av = out.getOrNull(k);
      String kp = (path.isEmpty() ? "" : path + "/") + (k instanceof StringValue s ? s.value() : k);
      if (av == null) {
        out = out.with(k, bv);
      } else if (av instanceof ObjectValue ao && bv instanceof ObjectValue bo) {
        out = out.with(k, mergeObjects(file, ao, bo, kp));
      } else {
        throw new BundleException(file, "data at " + kp + " conflicts with other data");
      }
    }
    return out;
  }
}
