package io.jrego.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.module.Configuration;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleDescriptor.Exports;
import java.lang.module.ModuleFinder;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.spi.ToolProvider;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine's module boundary, checked on the module path as an application would meet it: the
 * compiled descriptor exports exactly the API packages (the facade, {@code base}, {@code value},
 * {@code spi}) to everyone and each implementation package only to the repository's own modules; a
 * client module that uses only the API compiles, registers a custom builtin and runs it in a policy
 * in a module layer of its own; one that reaches into an implementation package does not compile.
 * The engine's run-time dependencies come from {@code jrego.engine.runtimePath}, which the build
 * sets.
 */
class ModuleBoundaryTest {

  /** The packages every module may use, as policy-engine/README.md documents them. */
  static final Set<String> API =
      Set.of(
          "io.jrego.engine",
          "io.jrego.engine.base",
          "io.jrego.engine.spi",
          "io.jrego.engine.value");

  /** Implementation packages and the repository's modules that may read them. */
  static final Map<String, Set<String>> QUALIFIED =
      Map.of(
          "io.jrego.engine.ast", Set.of("io.jrego.server"),
          "io.jrego.engine.builtins", Set.of("io.jrego.server"),
          "io.jrego.engine.builtins.ai", Set.of("io.jrego.server"),
          "io.jrego.engine.builtins.capabilities", Set.of("io.jrego.server"),
          "io.jrego.engine.bundle", Set.of("io.jrego.server"),
          "io.jrego.engine.compiler", Set.of("io.jrego.server"),
          "io.jrego.engine.format", Set.of("io.jrego.server"),
          "io.jrego.engine.parser", Set.of("io.jrego.server"),
          "io.jrego.engine.pem", Set.of("io.jrego.server"),
          "io.jrego.engine.tester", Set.of("io.jrego.server"));

  @TempDir Path dir;

  @Test
  void theDescriptorExportsExactlyTheApi() throws Exception {
    ModuleDescriptor d = descriptor();
    assertThat(d.name()).isEqualTo("io.jrego.engine");
    assertThat(d.isOpen()).isFalse();
    assertThat(d.opens()).isEmpty();
    Set<String> unqualified = new TreeSet<>();
    Map<String, Set<String>> qualified = new TreeMap<>();
    for (Exports e : d.exports()) {
      if (e.isQualified()) {
        qualified.put(e.source(), e.targets());
      } else {
        unqualified.add(e.source());
      }
    }
    assertThat(unqualified).containsExactlyInAnyOrderElementsOf(API);
    assertThat(qualified).isEqualTo(QUALIFIED);
    Set<String> hidden = new TreeSet<>(d.packages());
    hidden.removeAll(unqualified);
    hidden.removeAll(qualified.keySet());
    assertThat(hidden)
        .as("packages no module outside the engine reads")
        .contains("io.jrego.engine.eval", "io.jrego.engine.builtins.spi", "io.jrego.engine.types");
  }

  @Test
  void aCustomBuiltinWrittenAgainstTheSpiAloneRunsInAPolicy() throws Exception {
    Path out = compileClient(CLIENT);
    ModuleFinder finder = ModuleFinder.of(modulePath(out).toArray(Path[]::new));
    Configuration cf =
        ModuleLayer.boot()
            .configuration()
            // system modules the class-path JVM left out of its boot layer (jdk.crypto.ec, which
            // nimbus-jose-jwt requires), as the java launcher would resolve them
            .resolve(finder, ModuleFinder.ofSystem(), Set.of("acme.policy"));
    ModuleLayer layer =
        ModuleLayer.boot().defineModulesWithOneLoader(cf, ClassLoader.getPlatformClassLoader());
    Class<?> client = layer.findLoader("acme.policy").loadClass("acme.policy.Client");
    Method run = client.getMethod("run", String.class);
    assertThat(run.invoke(null, "hello")).isEqualTo("{\"allow\":true,\"loud\":\"HELLO\"}");
    assertThat(run.invoke(null, "")).isEqualTo("{\"allow\":false}");
    // a failing builtin makes its call undefined, as OPA's own do outside strict mode
    assertThat(run.invoke(null, "boom")).isEqualTo("{\"allow\":false}");
  }

  @Test
  void aClientReachingIntoTheImplementationDoesNotCompile() throws Exception {
    String source =
        """
        package acme.policy;

        public final class Client {
          static io.jrego.engine.builtins.spi.BuiltinFunction f;
        }
        """;
    StringWriter err = new StringWriter();
    int exit = javac(source, err);
    assertThat(exit).isNotZero();
    assertThat(err.toString())
        .contains("package io.jrego.engine.builtins.spi is not visible")
        .contains("is declared in module io.jrego.engine, which does not export it");
  }

  private static final String CLIENT =
      """
      package acme.policy;

      import io.jrego.engine.PreparedPolicy;
      import io.jrego.engine.Rego;
      import io.jrego.engine.base.RegoException;
      import io.jrego.engine.spi.BuiltinError;
      import io.jrego.engine.spi.BuiltinResult;
      import io.jrego.engine.spi.CustomBuiltin;
      import io.jrego.engine.value.Json;
      import io.jrego.engine.value.StringValue;
      import io.jrego.engine.value.Value;
      import java.util.Locale;
      import java.util.Optional;

      public final class Client {
        static final CustomBuiltin UPPER =
            CustomBuiltin.declared(
                "acme.upper(string) => string",
                args -> {
                  String s = ((StringValue) args.get(0)).value();
                  if (s.equals("boom")) {
                    throw new BuiltinError("no boom here");
                  }
                  return s.isEmpty()
                      ? BuiltinResult.undefined()
                      : BuiltinResult.of(StringValue.of(s.toUpperCase(Locale.ROOT)));
                });

        public static String run(String text) {
          try {
            PreparedPolicy p =
                Rego.builder()
                    .builtin(UPPER)
                    .module(
                        "p.rego",
                        "package acme\\n"
                            + "default allow := false\\n"
                            + "loud := acme.upper(input.text)\\n"
                            + "allow if loud\\n")
                    .compile();
            Optional<Value> v =
                p.evaluate("acme", Json.parse("{\\"text\\": \\"" + text + "\\"}"));
            return Json.write(v.orElseThrow());
          } catch (RegoException e) {
            return e.getMessage();
          }
        }
      }
      """;

  private Path compileClient(String source) throws Exception {
    StringWriter err = new StringWriter();
    assertThat(javac(source, err)).as("javac: " + err).isZero();
    return dir.resolve("out");
  }

  private int javac(String source, StringWriter err) throws Exception {
    Path src = dir.resolve("src");
    Files.createDirectories(src.resolve("acme/policy"));
    Files.writeString(
        src.resolve("module-info.java"),
        "module acme.policy { requires io.jrego.engine; exports acme.policy; }\n");
    Files.writeString(src.resolve("acme/policy/Client.java"), source);
    ToolProvider javac = ToolProvider.findFirst("javac").orElseThrow();
    List<String> args = new ArrayList<>();
    args.addAll(
        List.of(
            "-d",
            dir.resolve("out").toString(),
            // not the test's own class path, which holds the engine's classes unencapsulated
            "--class-path",
            Files.createDirectories(dir.resolve("empty")).toString(),
            "--module-path",
            modulePath(null).stream()
                .map(Path::toString)
                .collect(Collectors.joining(java.io.File.pathSeparator))));
    args.add(src.resolve("module-info.java").toString());
    args.add(src.resolve("acme/policy/Client.java").toString());
    return javac.run(
        new PrintWriter(new StringWriter()),
        new PrintWriter(err, true),
        args.toArray(String[]::new));
  }

  /** The engine's classes, its run-time dependencies and, when given, the client's classes. */
  private static List<Path> modulePath(Path client) throws Exception {
    String deps = System.getProperty("jrego.engine.runtimePath", "");
    assertThat(deps).as("system property jrego.engine.runtimePath (set by the build)").isNotBlank();
    List<Path> path = new ArrayList<>();
    path.add(classes());
    Stream.of(deps.split(java.io.File.pathSeparator, -1))
        .filter(s -> !s.isBlank())
        .map(Path::of)
        .forEach(path::add);
    if (client != null) {
      path.add(client);
    }
    return path;
  }

  private static Path classes() throws Exception {
    return Path.of(Rego.class.getProtectionDomain().getCodeSource().getLocation().toURI());
  }

  private static ModuleDescriptor descriptor() throws Exception {
    Path classes = classes();
    try (InputStream in = Files.newInputStream(classes.resolve("module-info.class"))) {
      return ModuleDescriptor.read(in, () -> packagesOf(classes));
    }
  }

  private static Set<String> packagesOf(Path classes) {
    try (Stream<Path> s = Files.walk(classes)) {
      return s.filter(p -> p.toString().endsWith(".class") && !p.endsWith("module-info.class"))
          .map(
              p ->
                  classes
                      .relativize(p.getParent())
                      .toString()
                      .replace(java.io.File.separatorChar, '.'))
          .collect(Collectors.toCollection(TreeSet::new));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
