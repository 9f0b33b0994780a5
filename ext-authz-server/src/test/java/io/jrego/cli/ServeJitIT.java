package io.jrego.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12: {@code JREGO_JIT} picks {@code serve}'s JIT compilers in the launcher. {@code auto}
 * (the default) stops at C1 when the process may use one CPU (its affinity mask, or a cgroup CPU
 * quota that rounds up to one) and keeps the JVM's tiered C1-then-C2 otherwise; {@code c1} and
 * {@code c2} force one; any other value stops the launcher before a JVM starts. The JVM's own
 * {@code -XX:+PrintFlagsFinal} says which it runs; {@code serve --help} ends the JVM as soon as it
 * has printed them.
 */
class ServeJitIT {

  private static final Path MODULE = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();

  @TempDir Path dir;

  @Test
  void autoOnOneCpuStopsAtC1AndStartsFromTheCache() throws Exception {
    String out = flagsOf(List.of("taskset", "-c", "0"), Map.of(), "-Xlog:aot=info");
    assertThat(out)
        .containsPattern("intx TieredStopAtLevel\\s+= 1\\s+\\{product\\} \\{command line\\}")
        // one cache, trained with C2, serves a C1 JVM too
        .contains("Opened AOT cache " + MODULE.resolve("target/jrego-serve.aot"))
        .doesNotContain("An error has occurred while processing the AOT cache");
  }

  @Test
  void autoOnTwoCpusKeepsTheTieredDefault() throws Exception {
    assertThat(Runtime.getRuntime().availableProcessors())
        .as("this test runs the launcher on two CPUs; the machine (or its CPU quota) has fewer")
        .isGreaterThanOrEqualTo(2);
    String out = flagsOf(List.of("taskset", "-c", "0,1"), Map.of(), "");
    assertThat(out).containsPattern("intx TieredStopAtLevel\\s+= 4\\s+\\{product\\} \\{default\\}");
  }

  @Test
  void c2OnOneCpuKeepsC2() throws Exception {
    String out = flagsOf(List.of("taskset", "-c", "0"), Map.of("JREGO_JIT", "c2"), "");
    assertThat(out)
        .containsPattern("intx TieredStopAtLevel\\s+= 4\\s+\\{product\\} \\{default\\}")
        .containsPattern("bool AOTCompileEagerly\\s+= true");
  }

  @Test
  void c1OnTwoCpusStopsAtC1() throws Exception {
    String out = flagsOf(List.of("taskset", "-c", "0,1"), Map.of("JREGO_JIT", "c1"), "");
    assertThat(out)
        .containsPattern("intx TieredStopAtLevel\\s+= 1\\s+\\{product\\} \\{command line\\}");
  }

  /**
   * Issue 14: under SerialGC compiled code is freed only in a full GC, which the JVM asks for once
   * the code allocated since the last unloading passes {@code SweeperThreshold} percent of the
   * reserved code cache, counted from zero at start. At the default 15% of 128 MiB that fell inside
   * the code a warmed server keeps, so every replica took one full GC (92-335 ms in the fault
   * matrix) a minute or so in; the launcher sets 30% (38 MiB), past the 15-24 MiB the matrix's
   * phases left there.
   */
  @Test
  void theCodeCacheAsksForAFullGcOnlyPastTheCodeAServerKeeps() throws Exception {
    String out = flagsOf(List.of(), Map.of(), "");
    assertThat(out)
        .containsPattern("double SweeperThreshold\\s+= 30\\.0+\\s+\\{product\\} \\{command line\\}")
        .containsPattern("ReservedCodeCacheSize\\s+= 134217728\\s")
        .containsPattern("bool UseSerialGC\\s+= true");
  }

  /**
   * Issue 14: SerialGC sizes the young generation from the initial heap (8 MiB of -Xms24m) and
   * resizes it only in a full collection. In the fault matrix's cpu-policy phase the paced hostile
   * checks' inputs, alive until their deadline, overflowed its 0.75 MiB survivor spaces at every
   * young collection, were promoted, and filled the old generation to a full collection of 146-177
   * ms per replica. The launcher starts the young generation at 20 MiB and leaves its ceiling, and
   * so the usable heap every limit is derived from, to the JVM.
   */
  @Test
  void theYoungGenerationStartsLargeEnoughForPacedInputsAndKeepsTheJvmsCeiling() throws Exception {
    String out = flagsOf(List.of(), Map.of(), "");
    assertThat(out)
        .containsPattern("size_t NewSize\\s+= 20971520\\s+\\{product\\} \\{command line\\}")
        .containsPattern("size_t MaxNewSize\\s+= \\d+\\s+\\{product\\} \\{ergonomic\\}")
        .containsPattern("size_t MaxHeapSize\\s+= 134217728\\s")
        .containsPattern("uintx SurvivorRatio\\s+= 8\\s+\\{product\\} \\{default\\}");
  }

  @Test
  void aProfileTheLauncherDoesNotKnowStopsIt() throws Exception {
    assertThat(LauncherProcess.refusal(dir, Map.of("JREGO_JIT", "bogus")))
        .contains("JREGO_JIT=bogus is not a compiler profile the launcher knows (auto, c1, c2)");
  }

  /**
   * serve_cpu_count reads the CPU quota of the process's cgroup and of those above it, cgroup v2
   * and v1, from the files the kernel would show (made here), and rounds it up.
   */
  @Test
  void theCpuCountTakesTheCgroupQuota() throws Exception {
    Path v2 = dir.resolve("v2");
    Files.createDirectories(v2.resolve("kubepods/pod/ctr"));
    Files.writeString(v2.resolve("kubepods/cpu.max"), "max 100000\n");
    Files.writeString(v2.resolve("kubepods/pod/cpu.max"), "150000 100000\n");
    Path self = Files.writeString(dir.resolve("self-v2"), "0::/kubepods/pod/ctr\n");
    assertThat(cpuCount(v2, self)).as("1.5 CPUs in the pod's cgroup round up to 2").isEqualTo("2");
    Files.writeString(v2.resolve("kubepods/pod/ctr/cpu.max"), "50000 100000\n");
    assertThat(cpuCount(v2, self)).as("half a CPU in the container's own cgroup").isEqualTo("1");
    // in a cgroup namespace the container's cgroup is the root of the mount
    Path ns = dir.resolve("ns");
    Files.createDirectories(ns);
    Files.writeString(ns.resolve("cpu.max"), "100000 100000\n");
    assertThat(cpuCount(ns, Files.writeString(dir.resolve("self-ns"), "0::/\n"))).isEqualTo("1");

    Path v1 = dir.resolve("v1");
    Path docker = Files.createDirectories(v1.resolve("cpu,cpuacct/docker/abc"));
    Files.writeString(docker.resolve("cpu.cfs_period_us"), "100000\n");
    Files.writeString(docker.resolve("cpu.cfs_quota_us"), "-1\n");
    Path self1 =
        Files.writeString(
            dir.resolve("self-v1"), "5:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n");
    assertThat(cpuCount(v1, self1)).as("no quota: the affinity mask's two CPUs").isEqualTo("2");
    Files.writeString(docker.resolve("cpu.cfs_quota_us"), "80000\n");
    assertThat(cpuCount(v1, self1)).isEqualTo("1");
  }

  /** What serve_cpu_count prints on CPUs 0 and 1 with the cgroup files under fs and self. */
  private String cpuCount(Path fs, Path self) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(
                "taskset",
                "-c",
                "0,1",
                "bash",
                "-c",
                "source \"$0\" && serve_cpu_count \"$1\" \"$2\"",
                MODULE.resolve("bin/serve-jvm.sh").toString(),
                fs.toString(),
                self.toString())
            .redirectErrorStream(true)
            .start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
  }

  /**
   * The JVM's final flags for {@code serve}, started through the launcher by {@code wrapper} with
   * {@code env}; {@code serve --help} prints its usage and exits.
   */
  private String flagsOf(List<String> wrapper, Map<String, String> env, String javaOpts)
      throws Exception {
    try (LauncherProcess jrego =
        LauncherProcess.start(
            dir, wrapper, env, "-XX:+PrintFlagsFinal " + javaOpts, "serve", "--help")) {
      assertThat(jrego.process.waitFor(3, TimeUnit.MINUTES))
          .as("bin/jrego serve --help ends (it may first record the AOT cache)")
          .isTrue();
      assertThat(jrego.process.exitValue()).as(jrego.err()).isZero();
      return jrego.out();
    }
  }
}
