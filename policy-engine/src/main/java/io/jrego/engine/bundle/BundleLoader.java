package io.jrego.engine.bundle;

import io.jrego.engine.ModuleCache;
import io.jrego.engine.base.AllocationMeter;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.base.RegoVersion;
import io.jrego.engine.parser.Parser;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.NullValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.io.IOException;
import java.io.InputStream;
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
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * Reads a bundle as OPA lays it out, from a folder or a gzip-compressed tarball: {@code .manifest}
 * at the top, {@code *.rego} modules anywhere (tests included, as OPA loads them), and {@code
 * data.json} / {@code data.yaml} / {@code data.yml} files whose content is placed under {@code
 * data} at their folder's path ({@code a/b/data.json} becomes {@code data.a.b}). Data and module
 * packages must lie under the manifest's roots. With a {@link VerificationConfig} the bundle's
 * {@code .signatures.json} must verify and cover exactly its files.
 *
 * <p>In a folder, files and folders whose names start with {@code .} are skipped (the manifest and
 * signatures aside), so a Kubernetes ConfigMap mount, which holds {@code ..data} and {@code
 * ..<timestamp>} copies of every file beside symbolic links to them, loads each file once. Symbolic
 * links to files are followed there; in an archive, links are refused (see {@link TarReader}).
 */
public final class BundleLoader {

  static final String MANIFEST = ".manifest";
  static final String SIGNATURES = ".signatures.json";

  private BundleLoader() {}

  /**
   * How a bundle is read.
   *
   * @param limits size and count limits
   * @param verification the key to check {@code .signatures.json} with; empty to not check
   * @param modules where the modules whose packages are checked against the manifest's roots are
   *     parsed, so that the compile that follows finds them parsed and a module unchanged since the
   *     last load is not parsed again ({@link ModuleCache}); empty to parse each on its own
   */
  public record Options(
      BundleLimits limits,
      Optional<VerificationConfig> verification,
      Optional<ModuleCache> modules) {
    public Options {
      java.util.Objects.requireNonNull(limits);
      java.util.Objects.requireNonNull(verification);
      java.util.Objects.requireNonNull(modules);
    }

    /** Limits and verification, each module parsed on its own. */
    public Options(BundleLimits limits, Optional<VerificationConfig> verification) {
      this(limits, verification, Optional.empty());
    }

    /** Default limits, no verification. */
    public static Options defaults() {
      return new Options(BundleLimits.defaults(), Optional.empty());
    }

    /** These options, parsing through {@code cache}. */
    public Options withModules(ModuleCache cache) {
      return new Options(limits, verification, Optional.of(cache));
    }
  }

  /**
   * Loads the bundle at {@code path}, a folder or a {@code .tar.gz} file, with default limits and
   * no signature check.
   *
   * @throws BundleException naming the file at fault: unreadable, not UTF-8, invalid JSON or YAML,
   *     a data file that is not an object where one is needed, data that conflicts with other data
   *     or lies outside the manifest's roots, or a malformed manifest
   */
  public static Bundle load(Path path) throws BundleException {
    return load(path, Options.defaults());
  }

  /**
   * Loads the bundle at {@code path}, a folder or a gzip-compressed tarball.
   *
   * @throws BundleException naming the file at fault (see {@link #load(Path)}), an archive entry
   *     that is refused, or a signature that does not verify
   */
  public static Bundle load(Path path, Options options) throws BundleException {
    AllocationMeter meter = loadMeter(options);
    if (Files.isDirectory(path)) {
      return parse(
          path.toString(), false, readFolder(path, options.limits()), options, meter, true);
    }
    return parse(path.toString(), true, readArchive(path, options.limits()), options, meter, true);
  }

  /**
   * Reads a bundle from the bytes of a gzip-compressed tarball.
   *
   * @param source where it came from, for messages
   */
  public static Bundle read(String source, byte[] archive, Options options) throws BundleException {
    return read(source, new java.io.ByteArrayInputStream(archive), options);
  }

  /**
   * Reads a bundle from a gzip-compressed tarball as it streams in (not closed): the compressed
   * bytes are never held, and the limits apply while reading.
   *
   * @param source where it came from, for messages
   * @throws BundleException as {@link #load(Path, Options)}, or when the stream fails
   */
  public static Bundle read(String source, InputStream archive, Options options)
      throws BundleException {
    AllocationMeter meter = loadMeter(options);
    return parse(
        source, true, TarReader.read(source, archive, options.limits()), options, meter, true);
  }

  /**
   * The raw files of a bundle folder or archive: bundle-relative {@code /}-separated path to
   * content, in path order, {@code .manifest} and {@code .signatures.json} included. What {@code
   * jrego build} and {@code jrego sign} work on.
   */
  public static SortedMap<String, byte[]> readFiles(Path path, BundleLimits limits)
      throws BundleException {
    return Files.isDirectory(path) ? readFolder(path, limits) : readArchive(path, limits);
  }

  /**
   * The raw files of a gzip-compressed tarball as it streams in (not closed), within {@code
   * limits}; see {@link #readFiles}.
   *
   * @param source where it comes from, for messages
   */
  public static SortedMap<String, byte[]> readArchive(
      String source, InputStream archive, BundleLimits limits) throws BundleException {
    return TarReader.read(source, archive, limits);
  }

  private static SortedMap<String, byte[]> readArchive(Path file, BundleLimits limits)
      throws BundleException {
    if (!Files.isRegularFile(file)) {
      throw new BundleException(file + ": not a folder or a bundle file");
    }
    try (InputStream in = Files.newInputStream(file)) {
      return TarReader.read(file.toString(), in, limits);
    } catch (IOException e) {
      throw new BundleException(file + ": " + "cannot read: " + e.getMessage(), e);
    }
  }

  private static SortedMap<String, byte[]> readFolder(Path folder, BundleLimits limits)
      throws BundleException {
    SortedMap<String, byte[]> out = new TreeMap<>();
    long total = 0;
    List<Path> files = new ArrayList<>();
    for (String special : List.of(MANIFEST, SIGNATURES)) {
      if (Files.isRegularFile(folder.resolve(special))) {
        files.add(folder.resolve(special));
      }
    }
    files.addAll(listFiles(folder));
    for (Path file : files) {
      if (out.size() >= limits.maxFiles()) {
        throw BundleException.limit(file + ": " + "more than " + limits.maxFiles() + " files");
      }
      try {
        long size = Files.size(file);
        if (size > limits.maxFileBytes()) {
          throw BundleException.limit(
              file
                  + ": "
                  + size
                  + " bytes exceeds the limit of "
                  + limits.maxFileBytes()
                  + " bytes");
        }
        total += size;
        if (total > limits.maxTotalBytes()) {
          throw BundleException.limit(
              file + ": " + "the bundle exceeds the limit of " + limits.maxTotalBytes() + " bytes");
        }
        out.put(relative(folder, file), Files.readAllBytes(file));
      } catch (IOException e) {
        throw new BundleException(file + ": " + "cannot read: " + e.getMessage(), e);
      }
    }
    return out;
  }

  /**
   * Parses raw bundle files (see {@link #readFiles}) into a bundle, verifying signatures if the
   * options say so.
   *
   * @param source the folder or archive name, for messages
   * @param archive whether {@code source} is an archive (messages then name {@code source!/entry})
   */
  public static Bundle fromFiles(
      String source, boolean archive, SortedMap<String, byte[]> files, Options options)
      throws BundleException {
    return parse(source, archive, files, options, loadMeter(options), true);
  }

  /**
   * Reads a folder's files as {@code opa eval -d} and {@code opa test} read a folder holding a
   * {@code .manifest}: as {@link #fromFiles} does, but the manifest's roots are not enforced (OPA
   * loads such a folder's tests, whose packages are often outside the roots, without looking at
   * them).
   *
   * @param source the folder, for messages
   */
  public static Bundle fromFolderFilesIgnoringRoots(
      String source, SortedMap<String, byte[]> files, Options options) throws BundleException {
    return parse(source, false, files, options, loadMeter(options), false);
  }

  /** A meter counting from now: a load is rare, so one counter read up front is nothing. */
  private static AllocationMeter loadMeter(Options options) {
    AllocationMeter meter = AllocationMeter.start(options.limits().maxLoadBytes());
    meter.allocated();
    return meter;
  }

  private static Bundle parse(
      String source,
      boolean archive,
      SortedMap<String, byte[]> files,
      Options options,
      AllocationMeter meter,
      boolean enforceRoots)
      throws BundleException {
    java.util.function.Function<String, String> display =
        rel -> archive ? source + "!/" + rel : Path.of(source).resolve(rel).toString();
    BundleLimits limits = options.limits();
    if (options.verification().isPresent()) {
      try {
        BundleSignatures.verify(source, files, options.verification().get());
      } catch (BundleException e) {
        throw e.asSignature();
      }
    }
    long regoBytes = 0;
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      if (f.getKey().endsWith(".rego") && !hiddenPath(f.getKey())) {
        regoBytes += f.getValue().length;
      }
    }
    if (regoBytes > limits.maxModuleBytes()) {
      throw BundleException.limit(
          source
              + ": "
              + regoBytes
              + " bytes of Rego exceed the limit of "
              + limits.maxModuleBytes()
              + " bytes (compiling takes about 50 times the source in the heap; the limit is"
              + " 1/256 of the heap)");
    }
    Manifest manifest =
        files.containsKey(MANIFEST)
            ? readManifest(display.apply(MANIFEST), files.get(MANIFEST))
            : new Manifest("", List.of(""), Optional.empty(), ObjectValue.EMPTY);
    Map<String, String> modules = new TreeMap<>();
    Map<String, String> dataFiles = new TreeMap<>();
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      String rel = f.getKey();
      if (hiddenPath(rel)) {
        continue;
      }
      String name = rel.substring(rel.lastIndexOf('/') + 1);
      if (name.endsWith(".rego")) {
        String src = utf8(display.apply(rel), f.getValue());
        if (enforceRoots) {
          checkModuleRoots(display.apply(rel), rel, src, manifest, options.modules());
        }
        checkMemory(display.apply(rel), meter);
        modules.put(rel, src);
      } else if (name.equals("data.json") || name.equals("data.yaml") || name.equals("data.yml")) {
        dataFiles.put(rel, name);
      }
    }
    ObjectValue data = ObjectValue.EMPTY;
    for (Map.Entry<String, String> e : dataFiles.entrySet()) {
      String file = display.apply(e.getKey());
      byte[] bytes = files.get(e.getKey());
      List<String> at = parentSegments(e.getKey());
      Value doc =
          e.getValue().equals("data.json")
              ? readJson(file, bytes, limits.maxDepth(), meter)
              : readYaml(file, bytes, limits.maxDepth(), meter);
      if (at.isEmpty() && !(doc instanceof ObjectValue)) {
        throw new BundleException(
            file + ": data at the bundle root must be an object, got " + doc.typeName());
      }
      if (enforceRoots) {
        checkRoots(file, manifest.roots(), at, doc);
      }
      data = merge(file, data, at, doc);
      checkMemory(file, meter);
    }
    return new Bundle(
        manifest.revision(),
        manifest.roots(),
        manifest.regoVersion(),
        modules,
        data,
        manifest.metadata());
  }

  private static boolean hiddenPath(String rel) {
    for (String seg : rel.split("/", -1)) {
      if (seg.startsWith(".")) {
        return true;
      }
    }
    return false;
  }

  /**
   * A module's package must lie under a root, as OPA checks: {@code data.a.b} needs root a or a/b.
   */
  private static void checkModuleRoots(
      String file, String rel, String src, Manifest manifest, Optional<ModuleCache> modules)
      throws BundleException {
    if (manifest.roots().contains("")) {
      return;
    }
    // parsed as a one-bundle compile names it (by its path in the bundle) and in its version, so
    // that such a compile through the same cache finds it parsed (Composition, Bundle#compile)
    RegoVersion version = manifest.regoVersion().orElse(RegoVersion.V1);
    List<String> pkg;
    try {
      pkg =
          modules.isPresent()
              ? modules.get().packageOf(rel, src, version)
              : Parser.parseModule(rel, src, version).packagePath();
    } catch (RegoException e) {
      return; // compiling reports the parse errors with their locations
    }
    if (!covered(manifest.roots(), String.join("/", pkg))) {
      throw new BundleException(
          file
              + ": manifest roots "
              + manifest.roots()
              + " do not permit 'package "
              + String.join(".", pkg)
              + "' in module '"
              + rel
              + "'");
    }
  }

  private record Manifest(
      String revision,
      List<String> roots,
      Optional<RegoVersion> regoVersion,
      ObjectValue metadata) {}

  private static Manifest readManifest(String file, byte[] bytes) throws BundleException {
    if (!(readJson(file, bytes) instanceof ObjectValue m)) {
      throw new BundleException(file + ": the manifest must be a JSON object");
    }
    String revision = "";
    Value rev = m.getOrNull(StringValue.of("revision"));
    if (rev != null) {
      if (!(rev instanceof StringValue s)) {
        throw new BundleException(file + ": " + "revision must be a string, got " + rev.typeName());
      }
      revision = s.value();
    }
    List<String> roots = List.of("");
    Value r = m.getOrNull(StringValue.of("roots"));
    if (r != null) {
      if (!(r instanceof ArrayValue a)) {
        throw new BundleException(
            file + ": " + "roots must be an array of strings, got " + r.typeName());
      }
      List<String> list = new ArrayList<>();
      for (Value v : a) {
        if (!(v instanceof StringValue s)) {
          throw new BundleException(
              file + ": " + "roots must be an array of strings, found " + v.typeName());
        }
        list.add(trimSlashes(s.value()));
      }
      roots = List.copyOf(list);
      checkOverlap(file, roots);
    }
    Optional<RegoVersion> regoVersion = Optional.empty();
    Value rv = m.getOrNull(StringValue.of("rego_version"));
    if (rv != null) {
      if (!(rv instanceof NumberValue n) || n.asInt().isEmpty()) {
        throw new BundleException(file + ": " + "rego_version must be 0 or 1, got " + rv);
      }
      regoVersion =
          switch (n.asInt().get()) {
            case 0 -> Optional.of(RegoVersion.V0);
            case 1 -> Optional.of(RegoVersion.V1);
            default ->
                throw new BundleException(file + ": " + "rego_version must be 0 or 1, got " + rv);
          };
    }
    ObjectValue metadata = ObjectValue.EMPTY;
    Value md = m.getOrNull(StringValue.of("metadata"));
    if (md != null) {
      if (!(md instanceof ObjectValue o)) {
        throw new BundleException(file + ": " + "metadata must be an object, got " + md.typeName());
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

  private static void checkOverlap(String file, List<String> roots) throws BundleException {
    for (int i = 0; i < roots.size(); i++) {
      for (int j = 0; j < roots.size(); j++) {
        String a = roots.get(i);
        String b = roots.get(j);
        if (i != j && (a.isEmpty() || b.equals(a) || b.startsWith(a + "/"))) {
          throw new BundleException(
              file + ": manifest has overlapped roots: '" + a + "' and '" + b + "'");
        }
      }
    }
  }

  static String utf8(String file, byte[] bytes) throws BundleException {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new BundleException(file + ": not valid UTF-8", e);
    }
  }

  /** A small structured file (manifest, signatures): depth-checked, not metered. */
  static Value readJson(String file, byte[] bytes) throws BundleException {
    return readJson(
        file, bytes, BundleLimits.DEFAULT_MAX_DEPTH, AllocationMeter.start(Long.MAX_VALUE));
  }

  /**
   * Parses JSON data without copying it into a string: its nesting is checked first (a linear scan,
   * so a 100,000-deep document is refused before any recursion), then it is parsed from the bytes
   * with the load meter checked as values are read ({@link Json#parse(byte[],
   * java.util.function.BooleanSupplier)}) and once more at the end. The parser reads the byte array
   * as it reads a check's body, so that a bundle swap does not throw out the compiled parser the
   * checks run.
   */
  static Value readJson(String file, byte[] bytes, int maxDepth, AllocationMeter meter)
      throws BundleException {
    checkUtf8(file, bytes);
    DataDepth.checkJson(file, bytes, maxDepth);
    Value v;
    try {
      v = Json.parse(bytes, () -> meter.exceeded(0));
    } catch (Json.JsonException e) {
      throw new BundleException(file + ": " + e.getMessage(), e);
    } catch (Json.Stopped e) {
      throw overMemory(file, meter);
    } catch (UncheckedIOException e) {
      throw new BundleException(file + ": " + e.getMessage(), e);
    }
    checkMemory(file, meter);
    return v;
  }

  static Value readYaml(String file, byte[] bytes, int maxDepth, AllocationMeter meter)
      throws BundleException {
    String text = utf8(file, bytes);
    LoadSettings settings = LoadSettings.builder().setLabel(file).build();
    try {
      DataDepth.checkYaml(file, text, maxDepth, settings);
      Object doc = new Load(settings).loadFromReader(new Metered(text, meter));
      checkMemory(file, meter);
      return fromYaml(file, doc);
    } catch (YamlEngineException e) {
      if (e.getCause() instanceof Metered.OverBudget) { // the reader's IOException, wrapped
        throw overMemory(file, meter);
      }
      throw new BundleException(file + ": invalid YAML: " + e.getMessage(), e);
    }
  }

  /**
   * Reads one YAML document that is no part of a bundle (a small signed file being hashed, {@code
   * jrego eval}'s {@code -d} and {@code -i} files) as a bundle's {@code data.yaml} is read:
   * depth-checked, not metered. The one YAML reader of data: numbers as OPA reads them ({@code 1.0}
   * is {@code 1}).
   *
   * @throws BundleException naming {@code file} when the text is not UTF-8 or not YAML, is nested
   *     too deep, or holds a value JSON lacks
   */
  public static Value readYaml(String file, byte[] bytes) throws BundleException {
    return readYaml(
        file, bytes, BundleLimits.DEFAULT_MAX_DEPTH, AllocationMeter.start(Long.MAX_VALUE));
  }

  private static void checkMemory(String file, AllocationMeter meter) throws BundleException {
    if (meter.exceeded(0)) {
      throw overMemory(file, meter);
    }
  }

  private static BundleException overMemory(String file, AllocationMeter meter) {
    return BundleException.limit(
        file
            + ": loading the bundle allocated more than "
            + meter.limit()
            + " bytes, a quarter of the heap (BundleLimits.maxLoadBytes); the data takes more"
            + " memory than this server can hold twice (active and next bundle)");
  }

  /** Validates UTF-8 in 8 KiB steps, without decoding the whole file into a string. */
  private static void checkUtf8(String file, byte[] bytes) throws BundleException {
    java.nio.charset.CharsetDecoder d =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(bytes);
    java.nio.CharBuffer out = java.nio.CharBuffer.allocate(8192);
    while (true) {
      java.nio.charset.CoderResult r = d.decode(in, out, true);
      if (r.isError()) {
        throw new BundleException(file + ": not valid UTF-8");
      }
      out.clear();
      if (r.isUnderflow()) {
        break;
      }
    }
    if (d.flush(out).isError()) {
      throw new BundleException(file + ": not valid UTF-8");
    }
  }

  private static Value fromYaml(String file, Object o) throws BundleException {
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
        throw new BundleException(file + ": " + "numbers must be finite, got " + d);
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
        file + ": " + "unsupported YAML value of type " + o.getClass().getSimpleName());
  }

  /**
   * Checks that data placed at {@code at} lies under one of the roots, as OPA does on activation.
   */
  private static void checkRoots(String file, List<String> roots, List<String> at, Value doc)
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
        file
            + ": "
            + "data at path "
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

  static ObjectValue merge(String file, ObjectValue base, List<String> at, Value doc)
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
          file + ": " + "data at " + String.join("/", at) + " conflicts with other data");
    }
    ObjectValue inner = existing == null ? ObjectValue.EMPTY : asObject(file, existing, at.get(0));
    return base.with(key, merge(file, inner, rest, doc));
  }

  private static ObjectValue asObject(String file, Value v, String path) throws BundleException {
    if (v instanceof ObjectValue o) {
      return o;
    }
    throw new BundleException(file + ": " + "data at " + path + " conflicts with other data");
  }

  /** {@code a} and {@code b} merged key by key, in time linear in their sizes. */
  private static ObjectValue mergeObjects(String file, ObjectValue a, ObjectValue b, String path)
      throws BundleException {
    ObjectValue.Builder out = new ObjectValue.Builder();
    a.forEach(out::put);
    for (Value k : b.keys()) {
      Value bv = b.getOrNull(k);
      Value av = a.getOrNull(k);
      if (av == null) {
        out.put(k, bv);
        continue;
      }
      String kp = (path.isEmpty() ? "" : path + "/") + (k instanceof StringValue s ? s.value() : k);
      if (av instanceof ObjectValue ao && bv instanceof ObjectValue bo) {
        out.put(k, mergeObjects(file, ao, bo, kp));
      } else {
        throw new BundleException(file + ": " + "data at " + kp + " conflicts with other data");
      }
    }
    return out.build();
  }
}
