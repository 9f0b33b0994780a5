package io.jrego.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jrego.server.decide.LongEvaluations;
import io.jrego.server.grpc.CheckServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ServeCommandTest {

  @TempDir Path dir;

  private static ServeCommand parse(Map<String, String> env, String... args) throws Exception {
    CommandLine cmd = JregoCommand.commandLine(args, env);
    CommandLine.ParseResult result = cmd.parseArgs(args);
    return (ServeCommand) result.subcommand().commandSpec().userObject();
  }

  @Test
  void defaults_matchOpaEnvoy() throws Exception {
    ServeCommand s = parse(Map.of(), "serve");
    assertThat(s.addr).isEqualTo(":9191");
    // issue 14: the admin port has no authentication, so it listens on loopback unless told
    assertThat(s.adminAddr).isEqualTo("127.0.0.1:8181");
    assertThat(s.path).isEqualTo("envoy/authz/allow");
    assertThat(s.dryRun).isFalse();
    assertThat(s.maxRecv).isEqualTo(4 << 20);
    assertThat(s.onError).isEqualTo("grpc-error");
    assertThat(s.shutdownGrace).isEqualTo(Duration.ofSeconds(10));
    // issue 12: ready within 1.5 s of the start
    assertThat(s.warmUp).isEqualTo(Duration.ofMillis(500));
    assertThat(s.evalTimeout).isEqualTo(Duration.ofMillis(200));
    assertThat(s.bundles).isEmpty();
  }

  @Test
  void issue14_longEvaluationsGetCheckThreadsOfTheirOwnOnTopOfThreads() throws Exception {
    ServeCommand d = parse(Map.of(), "serve");
    assertThat(d.longEvaluationSettings()).isEqualTo(LongEvaluations.Settings.defaults());
    assertThat(d.longEvaluationSettings().maxWaiting()).isEqualTo(1);
    assertThat(d.checkThreads()).isEqualTo(CheckServer.threadCount(0) + 2);

    ServeCommand slots = parse(Map.of(), "serve", "--threads", "3", "--long-eval-slots", "2");
    assertThat(slots.longEvaluationSettings().maxWaiting()).isEqualTo(2);
    assertThat(slots.checkThreads()).isEqualTo(3 + 2 + 2);

    ServeCommand none = parse(Map.of(), "serve", "--threads", "3", "--long-eval-waiting", "0");
    assertThat(none.longEvaluationSettings().maxWaiting()).isZero();
    assertThat(none.checkThreads()).isEqualTo(3 + 1);

    ServeCommand off = parse(Map.of(), "serve", "--threads", "3", "--long-eval-after", "0s");
    assertThat(off.checkThreads()).isEqualTo(3);

    ServeCommand bad = parse(Map.of(), "serve", "--long-eval-waiting", "-2");
    assertThatThrownBy(bad::longEvaluationSettings)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--long-eval-waiting must be -1");
  }

  @Test
  void precedence_isFlagsThenEnvironmentThenFileThenDefaults() throws Exception {
    Path config = dir.resolve("jrego.yaml");
    Files.writeString(
        config,
        "addr: \":1000\"\nadmin-addr: \":2000\"\npath: from/file\ndry_run: true\nshutdown-grace: 3s\n");
    Map<String, String> env = Map.of("JREGO_ADMIN_ADDR", ":3000", "JREGO_PATH", "from/env");
    ServeCommand s = parse(env, "serve", "--config", config.toString(), "--path", "from/flag");
    assertThat(s.path).isEqualTo("from/flag");
    assertThat(s.adminAddr).isEqualTo(":3000");
    assertThat(s.addr).isEqualTo(":1000");
    assertThat(s.dryRun).isTrue();
    assertThat(s.shutdownGrace).isEqualTo(Duration.ofSeconds(3));
    assertThat(s.threads).isZero();
  }

  @Test
  void aDecisionPathThePolicyCannotDefineStopsTheServerAtStart() throws Exception {
    Path bundle = Files.createDirectories(dir.resolve("bundle"));
    Files.writeString(
        bundle.resolve("authz.rego"), "package envoy.authz\n\ndefault allow := false\n");
    CommandLine cmd = JregoCommand.commandLine(new String[] {"serve"}, Map.of());
    StringWriter err = new StringWriter();
    cmd.setErr(new PrintWriter(err));
    cmd.setOut(new PrintWriter(new StringWriter()));
    String[] args = {
      "serve",
      "--bundle",
      bundle.toString(),
      "--addr",
      "127.0.0.1:0",
      "--admin-addr",
      "",
      "--path",
      "envoy/authz/alow"
    };
    assertThat(cmd.execute(args)).isEqualTo(1);
    assertThat(err.toString())
        .contains(
            "jrego serve: --path envoy/authz/alow: rego_compile_error: undefined document"
                + " data.envoy.authz.alow: no rule, package or base data named alow in"
                + " data.envoy.authz (it has: allow)");
  }

  @Test
  void configFromEnvironmentVariable() throws Exception {
    Path config = dir.resolve("c.yaml");
    Files.writeString(config, "threads: 3\n");
    assertThat(parse(Map.of("JREGO_CONFIG", config.toString()), "serve").threads).isEqualTo(3);
  }

  @Test
  void configWithAnUnknownKeyIsRejected() throws Exception {
    Path config = dir.resolve("bad.yaml");
    Files.writeString(config, "adress: \":1\"\n");
    assertThatThrownBy(
            () -> JregoCommand.commandLine(new String[] {"serve", "--config=" + config}, Map.of()))
        .hasMessageContaining("unknown option adress");
  }

  @Test
  void booleanFlagsWorkBareOrWithAValue() throws Exception {
    assertThat(parse(Map.of(), "serve", "--dry-run").dryRun).isTrue();
    assertThat(parse(Map.of(), "serve", "--warm-up", "0s").warmUp).isZero();
    assertThat(parse(Map.of("JREGO_DRY_RUN", "true"), "serve", "--dry-run=false").dryRun).isFalse();
    assertThat(parse(Map.of(), "serve", "--trust-xfcc", "--skip-request-body-parse").trustXfcc)
        .isTrue();
  }

  @Test
  void help_listsEveryOptionWithItsDefault() throws Exception {
    CommandLine cmd = JregoCommand.commandLine(new String[] {"serve", "--help"}, Map.of());
    StringWriter out = new StringWriter();
    cmd.setOut(new PrintWriter(out));
    assertThat(cmd.execute("serve", "--help")).isZero();
    assertThat(out.toString())
        .contains("--addr=ADDR", "Default: :9191", "--admin-addr", "Default: 127.0.0.1:8181")
        .contains("--eval-max-allocation", "--bundle-max-bytes", "--verification-secret-env")
        .contains("--max-recv-msg-size", "Default: 4194304", "--on-error", "--error-status")
        .contains("--trust-xfcc", "--shutdown-grace", "Default: 10s", "--enable-reflection")
        .contains("--eval-timeout=DURATION", "Default: 200ms");
  }

  @Test
  void version_printsAndExitsZero() throws Exception {
    CommandLine cmd = JregoCommand.commandLine(new String[] {"--version"}, Map.of());
    StringWriter out = new StringWriter();
    cmd.setOut(new PrintWriter(out));
    assertThat(cmd.execute("--version")).isZero();
    assertThat(out.toString()).startsWith("jrego ");
  }

  @Test
  void badOptionValuesExitWithAUsageError() throws Exception {
    CommandLine cmd = JregoCommand.commandLine(new String[0], Map.of());
    cmd.setErr(new PrintWriter(new StringWriter()));
    assertThat(cmd.execute("serve", "--addr", "nonsense")).isEqualTo(2);
    assertThat(cmd.execute("serve", "--on-error", "maybe")).isEqualTo(2);
    assertThat(cmd.execute("serve", "--bundle", dir.resolve("missing").toString())).isEqualTo(2);
    assertThat(cmd.execute("serve", "--error-status", "999")).isEqualTo(2);
    StringWriter err = new StringWriter();
    cmd.setErr(new PrintWriter(err));
    assertThat(cmd.execute("serve", "--eval-timeout", "0s")).isEqualTo(2);
    assertThat(err.toString()).contains("eval timeout must be positive");
  }

  @Test
  void aBundleThatCannotBeReadExitsOne() throws Exception {
    Files.writeString(dir.resolve("data.json"), "{broken");
    CommandLine cmd = JregoCommand.commandLine(new String[0], Map.of());
    StringWriter err = new StringWriter();
    cmd.setErr(new PrintWriter(err));
    assertThat(
            cmd.execute(
                "serve", "--bundle", dir.toString(), "--addr", "127.0.0.1:0", "--admin-addr", ""))
        .isEqualTo(1);
    assertThat(err.toString()).contains("data.json");
  }
}
