package io.jrego.cli;

import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.base.RegoError;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.bundle.Bundle;
import io.jrego.engine.bundle.BundleException;
import io.jrego.engine.bundle.BundleLimits;
import io.jrego.engine.bundle.BundleLoader;
import io.jrego.engine.bundle.BundleSignatures;
import io.jrego.engine.bundle.BundleWriter;
import io.jrego.engine.bundle.SigningConfig;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jrego build}: packs bundle folders (or tarballs) into one {@code .tar.gz} that OPA and
 * jrego load, as {@code opa build -b} does. Files keep their paths; several inputs must not share a
 * file; their manifests' roots are united. The result is loaded and compiled before it is written,
 * so a bundle that would be refused at activation is refused here.
 */
@Command(
    name = "build",
    mixinStandardHelpOptions = true,
    description = "Build a bundle .tar.gz from bundle folders, as opa build -b does.")
public final class BuildCommand implements Callable<Integer>, JregoCommand.UsesEnvironment {

  @Spec CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "PATH", description = "bundle folders or .tar.gz files")
  List<Path> inputs = new ArrayList<>();

  @Option(
      names = {"-o", "--output"},
      defaultValue = "bundle.tar.gz",
      paramLabel = "FILE",
      description = "Where to write the bundle.")
  Path output;

  @Option(names = "--revision", paramLabel = "REV", description = "Set the manifest's revision.")
  String revision;

  @Mixin SignCommand.SigningOptions signing;

  /** Where --signing-secret-env is read: the process's environment, or a test's. */
  Map<String, String> env = System.getenv();

  @Override
  public void useEnvironment(Map<String, String> env) {
    this.env = Map.copyOf(env);
  }

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    try {
      // the key first: a key that cannot be read or used stops the build before any work
      Optional<SigningConfig> sign =
          signing.present() ? Optional.of(signing.config(env)) : Optional.empty();
      SortedMap<String, byte[]> files = merge();
      Bundle bundle =
          BundleLoader.fromFiles(output.toString(), true, files, BundleLoader.Options.defaults());
      bundle.compile(EngineOptions.defaults());
      if (sign.isPresent()) {
        files = BundleSignatures.sign(files, sign.get());
      }
      SignCommand.writeAtomically(output, BundleWriter.toBytes(files));
      return 0;
    } catch (RegoException e) {
      err.println("jrego build: the bundle does not compile:");
      for (RegoError re : e.errors()) {
        err.println(re.describe());
      }
      return 1;
    } catch (BundleException | IOException | KeyFiles.KeyException e) {
      err.println("jrego build: " + e.getMessage());
      return 1;
    }
  }

  private SortedMap<String, byte[]> merge() throws BundleException, IOException {
    SortedMap<String, byte[]> out = new TreeMap<>();
    Map<String, Path> owner = new TreeMap<>();
    ObjectValue manifest = null;
    Set<String> roots = new LinkedHashSet<>();
    boolean everything = false;
    for (Path in : inputs) {
      for (Map.Entry<String, byte[]> f :
          BundleLoader.readFiles(in, BundleLimits.defaults()).entrySet()) {
        String name = f.getKey();
        if (name.equals(".signatures.json")) {
          continue; // the inputs' signatures do not cover the merged bundle
        }
        if (name.equals(".manifest")) {
          if (!(Json.parse(new String(f.getValue(), StandardCharsets.UTF_8))
              instanceof ObjectValue m)) {
            throw new IOException(in + "/.manifest: not a JSON object");
          }
          manifest = manifest == null ? m : manifest;
          if (m.getOrNull(StringValue.of("roots")) instanceof ArrayValue a) {
            for (Value r : a) {
              roots.add(r instanceof StringValue s ? s.value() : r.toString());
            }
          } else {
            everything = true;
          }
          continue;
        }
        Path prev = owner.putIfAbsent(name, in);
        if (prev != null) {
          throw new IOException(name + " is in both " + prev + " and " + in);
        }
        out.put(name, f.getValue());
      }
    }
    if (manifest == null && revision == null) {
      return out;
    }
    ObjectValue m = manifest == null ? ObjectValue.EMPTY : manifest;
    if (inputs.size() > 1 && manifest != null) {
      m =
          everything
              ? m.without(StringValue.of("roots"))
              : m.with(
                  StringValue.of("roots"),
                  ArrayValue.of(roots.stream().map(StringValue::of).toArray(Value[]::new)));
    }
    if (revision != null) {
      m = m.with(StringValue.of("revision"), StringValue.of(revision));
    }
    out.put(".manifest", Json.write(m).getBytes(StandardCharsets.UTF_8));
    return out;
  }
}
