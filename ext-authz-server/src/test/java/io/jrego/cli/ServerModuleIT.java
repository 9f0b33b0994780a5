package io.jrego.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.io.File;
import java.io.IOException;
import java.lang.module.Configuration;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleDescriptor.Exports;
import java.lang.module.ModuleDescriptor.Opens;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.lang.module.ResolvedModule;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13: the server's own module descriptor, as packaged in {@code target/jrego.jar}. The server
 * is an application: it exports nothing, opens only its command package and only to picocli (which
 * builds the commands by reflection), and names its main class. With {@code target/lib} it resolves
 * as a module graph (every {@code requires} found, no package in two modules), and {@code jrego}
 * run as a module ({@code java -p jrego.jar:lib -m io.jrego.server}) passes the shipped bundle's
 * tests as the class-path launch does. Runs after {@code package}, under Failsafe.
 */
class ServerModuleIT {

  private static final Path MODULE = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
  private static final Path JAR = MODULE.resolve("target/jrego.jar");
  private static final Path LIB = MODULE.resolve("target/lib");
  private static final Path BUNDLE = MODULE.getParent().resolve("rego-policies/ai-gateway");

  private static ModuleDescriptor server() {
    return ModuleFinder.of(JAR).find("io.jrego.server").orElseThrow().descriptor();
  }

  @Test
  void serverModule_exportsNothingAndOpensItsCommandsToPicocliOnly() {
    ModuleDescriptor d = server();
    assertThat(d.isOpen()).isFalse();
    assertThat(d.exports()).isEmpty();
    assertThat(d.opens())
        .extracting(Opens::source, Opens::targets)
        .containsExactly(tuple("io.jrego.cli", Set.of("info.picocli")));
    assertThat(d.mainClass()).contains("io.jrego.cli.JregoCommand");
    assertThat(d.requires())
        .extracting(ModuleDescriptor.Requires::name)
        .contains("io.jrego.engine");
  }

  @Test
  void serverModule_resolvesWithTheEngineAndTheLibrariesItShipsWith() {
    ModuleFinder finder = ModuleFinder.of(JAR, LIB);
    // From the JDK's own modules up, whatever this test's JVM has on its module path.
    Configuration cf =
        Configuration.empty()
            .resolve(
                ModuleFinder.compose(ModuleFinder.ofSystem(), finder),
                ModuleFinder.of(),
                Set.of("io.jrego.server"));
    Set<String> resolved =
        cf.modules().stream().map(ResolvedModule::name).collect(Collectors.toSet());
    assertThat(resolved).contains("io.jrego.server", "io.jrego.engine");
    // The engine it resolves is the one the build packaged, with its descriptor, not an automatic
    // module: the server reads the engine's implementation only through the qualified exports.
    ModuleReference engine = finder.find("io.jrego.engine").orElseThrow();
    assertThat(engine.descriptor().isAutomatic()).isFalse();
    assertThat(engine.descriptor().exports())
        .filteredOn(Exports::isQualified)
        .allSatisfy(e -> assertThat(e.targets()).containsExactly("io.jrego.server"));
  }

  @Test
  void jregoRunAsAModule_passesTheShippedBundlesTests(@TempDir Path dir) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>();
    cmd.addAll(List.of(java, "-p", JAR + File.pathSeparator + LIB, "-m", "io.jrego.server"));
    cmd.addAll(List.of("test", BUNDLE.toString()));
    Path log = dir.resolve("out.txt");
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("jrego test on the module path did not finish in 60 s");
    }
    String out = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(out).contains("PASS: 93/93");
    assertThat(p.exitValue()).as(out).isZero();
  }
}
