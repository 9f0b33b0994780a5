package io.jrego.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** {@link ServeArgs} fills serve's options as picocli does, and leaves picocli what it cannot. */
class ServeArgsTest {

  @TempDir Path dir;

  /** Every option's value, by its longest name: {@code --addr -> ":9191"}. */
  private static Map<String, Object> values(ServeCommand serve, CommandLine.Model.CommandSpec spec)
      throws ReflectiveOperationException {
    Map<String, Object> out = new LinkedHashMap<>();
    for (OptionSpec o : spec.options()) {
      if (o.usageHelp() || o.versionHelp()) {
        continue;
      }
      out.put(o.longestName(), fieldValue(serve, o.longestName()));
    }
    return out;
  }

  private static Object fieldValue(ServeCommand serve, String name)
      throws ReflectiveOperationException {
    List<Object> owners = new ArrayList<>(List.of(serve));
    for (Field f : ServeCommand.class.getDeclaredFields()) {
      if (f.isAnnotationPresent(CommandLine.Mixin.class)) {
        owners.add(f.get(serve));
      }
    }
    for (Object owner : owners) {
      for (Field f : owner.getClass().getDeclaredFields()) {
        CommandLine.Option o = f.getAnnotation(CommandLine.Option.class);
        if (o != null && List.of(o.names()).contains(name)) {
          f.setAccessible(true);
          return f.get(owner);
        }
      }
    }
    throw new AssertionError("no field for " + name);
  }

  private static ServeCommand picocli(Map<String, String> env, String... args) throws Exception {
    CommandLine cmd = JregoCommand.commandLine(args, env);
    return (ServeCommand) cmd.parseArgs(args).subcommand().commandSpec().userObject();
  }

  private Optional<ServeCommand> fast(
      Map<String, String> env, Map<String, String> file, String... args) {
    return ServeArgs.parse(List.of(args).subList(1, args.length), new ConfigDefaults(env, file));
  }

  private void assertSame(Map<String, String> env, Map<String, String> file, String... args)
      throws Exception {
    ServeCommand byPicocli = picocli(env, args);
    Optional<ServeCommand> byHand = fast(env, file, args);
    assertThat(byHand).as("read without picocli: %s", List.of(args)).isPresent();
    CommandLine.Model.CommandSpec spec =
        JregoCommand.commandLine(args, env).getSubcommands().get("serve").getCommandSpec();
    assertThat(values(byHand.get(), spec))
        .as("%s with %s", List.of(args), env)
        .isEqualTo(values(byPicocli, spec));
  }

  @Test
  void everyOptionPicocliKnowsIsReadByHand() throws Exception {
    CommandLine.Model.CommandSpec spec =
        JregoCommand.commandLine(new String[] {"serve"}, Map.of())
            .getSubcommands()
            .get("serve")
            .getCommandSpec();
    List<String> picocli = new ArrayList<>();
    for (OptionSpec o : spec.options()) {
      picocli.add(o.longestName().replaceFirst("^-+", ""));
    }
    assertThat(ServeArgs.configKeys()).containsExactlyInAnyOrderElementsOf(picocli);
  }

  @Test
  void defaultsAreTheSame() throws Exception {
    assertSame(Map.of(), Map.of(), "serve");
  }

  @Test
  void flagsInBothFormsAreTheSame() throws Exception {
    assertSame(
        Map.of(),
        Map.of(),
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--admin-addr=off",
        "--bundle",
        "a",
        "--bundle=b",
        "--warm-up",
        "2s",
        "--eval-timeout=PT0.3S",
        "--threads",
        "12",
        "--eval-max-allocation",
        "9000000000",
        "--trace-sample-ratio",
        "0.25",
        "--dry-run",
        "--trust-xfcc=false",
        "--enable-reflection=true",
        "--tls-allowed-spiffe-id",
        "spiffe://a/b,spiffe://c/*",
        "--tls-allowed-spiffe-id=spiffe://d/e",
        "--tls-svid-dir",
        "/run/svid",
        "--tls-workload-api",
        "--decision-log",
        "console",
        "--decision-log-label",
        "a=b",
        "--verification-scope=",
        "--path",
        "x/y");
  }

  @Test
  void environmentAndFileDefaultsAreTheSame() throws Exception {
    Path config = dir.resolve("jrego.yaml");
    Files.writeString(
        config, "addr: \":1000\"\nadmin-addr: \":2000\"\ndry_run: true\nshutdown-grace: 3s\n");
    Map<String, String> env =
        Map.of(
            "JREGO_ADMIN_ADDR", ":3000",
            "JREGO_PATH", "from/env",
            "JREGO_TLS_ALLOWED_SPIFFE_ID", "spiffe://x/y,spiffe://z/*",
            "JREGO_BUNDLE", "from-env",
            "JREGO_THREADS", "3");
    Map<String, String> file = ConfigDefaults.readFile(config);
    String[] args = {"serve", "--config", config.toString(), "--path", "from/flag"};
    ServeCommand byPicocli = picocli(env, args);
    ServeCommand byHand = fast(env, file, args).orElseThrow();
    CommandLine.Model.CommandSpec spec =
        JregoCommand.commandLine(args, env).getSubcommands().get("serve").getCommandSpec();
    assertThat(values(byHand, spec)).isEqualTo(values(byPicocli, spec));
    assertThat(byHand.path).isEqualTo("from/flag");
    assertThat(byHand.adminAddr).isEqualTo(":3000");
    assertThat(byHand.addr).isEqualTo(":1000");
    assertThat(byHand.bundles).containsExactly("from-env");
  }

  @Test
  void aBundleOnTheCommandLineReplacesTheEnvironments() throws Exception {
    assertSame(Map.of("JREGO_BUNDLE", "env"), Map.of(), "serve", "--bundle", "flag");
  }

  @Test
  void whatPicocliMustAnswerIsLeftToIt() {
    String[][] declined = {
      {"serve", "--help"},
      {"serve", "-h"},
      {"serve", "--version"},
      {"serve", "--no-such-option", "x"},
      {"serve", "--addr"},
      {"serve", "--addr", ":1", "--addr", ":2"},
      {"serve", "--addr", "--path"},
      {"serve", "--threads", "many"},
      {"serve", "--threads", "010"},
      {"serve", "--threads", "0x10"},
      {"serve", "--warm-up", "soon"},
      {"serve", "--dry-run", "true"},
      {"serve", "--dry-run=yes"},
      {"serve", "--tls-workload-api", "unix:///x"},
      {"serve", "--tls-allowed-spiffe-id", "a,,b"},
      {"serve", "@args.txt"},
      {"serve", "positional"},
      {"serve", "--", "--addr"},
    };
    for (String[] args : declined) {
      assertThat(fast(Map.of(), Map.of(), args)).as("%s", List.of(args)).isEmpty();
    }
    assertThat(fast(Map.of("JREGO_THREADS", "lots"), Map.of(), "serve")).isEmpty();
    assertThat(fast(Map.of(), Map.of("warm-up", "${x}"), "serve")).isEmpty();
  }

  @Test
  void aValueServeRefusesGetsPicocliAnswerWithoutPicocliParsing() throws Exception {
    String[] args = {"serve", "--on-error", "bogus"};
    StringWriter picocliErr = new StringWriter();
    CommandLine cl = JregoCommand.commandLine(args, Map.of());
    cl.setErr(new PrintWriter(picocliErr, true));
    cl.setOut(new PrintWriter(new StringWriter(), true));
    int picocliExit = cl.execute(args);

    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream was = System.err;
    int exit;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      exit = JregoCommand.run(args, Map.of());
    } finally {
      System.setErr(was);
    }
    assertThat(picocliErr.toString())
        .startsWith("--on-error must be grpc-error or deny, got bogus");
    assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo(picocliErr.toString());
    assertThat(exit).isEqualTo(picocliExit).isEqualTo(2);
  }
}
