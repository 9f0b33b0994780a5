package io.jrego.engine.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.base.RegoException;
import io.jrego.engine.base.RegoVersion;
import io.jrego.engine.format.RegoFormatter;
import io.jrego.engine.testing.RealOpa;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RegoFormatter} against the real {@code opa fmt} (1.22.2, from {@code .ci/install-opa.sh}),
 * byte for byte: every {@code .rego} file of the repository (the shipped bundles and their tests,
 * the differential corpus, the load-test and test policies, {@code *.v0.rego} and {@code v0*.rego}
 * in Rego v0), and every module of OPA's compliance suite. Fails, never skips, when OPA is missing.
 */
class FormatOpaParityIT {

  private static final long OPA_TIMEOUT_SECONDS = 120;

  @TempDir Path tmp;

  @Test
  void everyRegoFileOfTheRepositoryFormatsAsOpaFmtDoes() throws Exception {
    Path root = moduleDir().resolve("..").normalize();
    List<Path> files;
    try (Stream<Path> s = Files.walk(root)) {
      files =
          s.filter(p -> p.toString().endsWith(".rego"))
              .filter(p -> !p.toString().contains("/target/") && !p.toString().contains("/.git/"))
              .sorted()
              .toList();
    }
    assertThat(files).as(".rego files under " + root).hasSizeGreaterThan(100);
    List<String> mismatches = new ArrayList<>();
    int compared = 0;
    for (Path f : files) {
      RegoVersion version = isV0(f) ? RegoVersion.V0 : RegoVersion.V1;
      List<String> cmd = new ArrayList<>(List.of(RealOpa.binary().toString(), "fmt"));
      if (version == RegoVersion.V0) {
        cmd.add("--v0-compatible");
      }
      cmd.add(f.toString());
      Result opa = run(cmd);
      String jrego;
      try {
        jrego = RegoFormatter.format(f.toString(), Files.readString(f), version);
      } catch (RegoException e) {
        jrego = null;
      }
      if (opa.exit != 0) {
        // a module both refuse is fine (the fuzz corpus holds some); jrego's parser refuses a
        // module nested deeper than OPA's limit, which opa fmt formats
        if (jrego != null) {
          mismatches.add(f + ": opa fmt refuses it, jrego formats it");
        }
        continue;
      }
      compared++;
      if (jrego == null) {
        if (!f.getFileName().toString().equals("too-deep.rego")) {
          mismatches.add(f + ": opa fmt formats it, jrego refuses it");
        }
      } else if (!jrego.equals(opa.out)) {
        mismatches.add(f + ": differs");
      }
    }
    assertThat(compared).isGreaterThan(100);
    assertThat(mismatches).isEmpty();
  }

  @Test
  void everyComplianceModuleFormatsAsOpaFmtDoes() throws Exception {
    List<ComplianceCase> cases = CaseLoader.loadAll(ComplianceRun.casesDir());
    List<String> sources = new ArrayList<>();
    for (ComplianceCase c : cases) {
      sources.addAll(c.modules());
    }
    assertThat(sources).hasSizeGreaterThan(2000);
    Path dir = Files.createDirectories(tmp.resolve("compliance"));
    for (int i = 0; i < sources.size(); i++) {
      Files.writeString(dir.resolve(String.format("m%05d.rego", i)), sources.get(i));
    }
    // one opa process writes them all back formatted
    Result opa = run(List.of(RealOpa.binary().toString(), "fmt", "-w", dir.toString()));
    assertThat(opa.exit).as("opa fmt -w: " + opa.err).isZero();
    List<String> mismatches = new ArrayList<>();
    for (int i = 0; i < sources.size(); i++) {
      Path f = dir.resolve(String.format("m%05d.rego", i));
      String want = Files.readString(f);
      try {
        String got = RegoFormatter.format(f.toString(), sources.get(i), RegoVersion.V1);
        if (!got.equals(want)) {
          mismatches.add(f.getFileName() + " differs");
        }
      } catch (RegoException e) {
        mismatches.add(f.getFileName() + ": " + e.getMessage());
      }
    }
    assertThat(mismatches).isEmpty();
  }

  private static boolean isV0(Path f) {
    String name = f.getFileName().toString();
    return name.endsWith(".v0.rego")
        || (name.startsWith("v0") && f.toString().contains("/format/"));
  }

  private record Result(int exit, String out, String err) {}

  private Result run(List<String> cmd) throws IOException, InterruptedException {
    Path out = Files.createTempFile(tmp, "out", ".txt");
    Path err = Files.createTempFile(tmp, "err", ".txt");
    Process p =
        new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(OPA_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("timed out: " + cmd);
    }
    return new Result(
        p.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  private static Path moduleDir() {
    return Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
  }
}
