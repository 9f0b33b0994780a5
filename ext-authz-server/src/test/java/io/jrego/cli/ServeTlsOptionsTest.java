package io.jrego.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jrego.server.tls.SvidFiles;
import io.jrego.server.tls.TlsConfig;
import io.jrego.server.tls.WorkloadApi;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The {@code serve --tls-*} options: what they make, and how incomplete ones are reported. */
class ServeTlsOptionsTest {

  private static final String ENVOY = "spiffe://cluster.local/ns/edge/sa/envoy";

  @TempDir Path dir;

  private static ServeCommand parse(Map<String, String> env, String... args) throws Exception {
    CommandLine cmd = JregoCommand.commandLine(args, env);
    return (ServeCommand) cmd.parseArgs(args).subcommand().commandSpec().userObject();
  }

  @Test
  void noTlsOption_isPlaintext() throws Exception {
    assertThat(parse(Map.of(), "serve").tlsConfig()).isEmpty();
  }

  @Test
  void anSvidDirectory_readsSpiresFileNames_andTheAllowList() throws Exception {
    Optional<TlsConfig> tls =
        parse(
                Map.of(),
                "serve",
                "--tls-svid-dir",
                dir.toString(),
                "--tls-allowed-spiffe-id",
                ENVOY + ",spiffe://cluster.local/ns/ingress/*",
                "--tls-poll-interval",
                "250ms")
            .tlsConfig();
    assertThat(tls).isPresent();
    assertThat(((SvidFiles) tls.get().source()).certificate()).isEqualTo(dir.resolve("svid.pem"));
    assertThat(((SvidFiles) tls.get().source()).key()).isEqualTo(dir.resolve("svid_key.pem"));
    assertThat(((SvidFiles) tls.get().source()).bundle()).isEqualTo(dir.resolve("bundle.pem"));
    assertThat(tls.get().callers().entries())
        .containsExactly(ENVOY, "spiffe://cluster.local/ns/ingress/*");
    assertThat(tls.get().pollInterval()).isEqualTo(Duration.ofMillis(250));
  }

  @Test
  void aFileOption_replacesOneFileOfTheDirectory() throws Exception {
    Path ca = dir.resolve("elsewhere/ca.pem");
    TlsConfig tls =
        parse(
                Map.of("JREGO_TLS_ALLOWED_SPIFFE_ID", ENVOY),
                "serve",
                "--tls-svid-dir",
                dir.toString(),
                "--tls-ca-file",
                ca.toString())
            .tlsConfig()
            .orElseThrow();
    assertThat(((SvidFiles) tls.source()).bundle()).isEqualTo(ca);
    assertThat(((SvidFiles) tls.source()).certificate()).isEqualTo(dir.resolve("svid.pem"));
    assertThat(tls.callers().entries()).containsExactly(ENVOY);
  }

  @Test
  void incompleteSettings_sayWhatIsMissing() {
    assertThatThrownBy(() -> parse(Map.of(), "serve", "--tls-allowed-spiffe-id", ENVOY).tlsConfig())
        .hasMessageContaining("--tls-allowed-spiffe-id needs mTLS");
    assertThatThrownBy(() -> parse(Map.of(), "serve", "--tls-svid-dir", dir.toString()).tlsConfig())
        .hasMessageContaining("mTLS needs --tls-allowed-spiffe-id");
    assertThatThrownBy(
            () ->
                parse(
                        Map.of(),
                        "serve",
                        "--tls-cert-file",
                        "a.pem",
                        "--tls-allowed-spiffe-id",
                        ENVOY)
                    .tlsConfig())
        .hasMessageContaining("all of --tls-cert-file, --tls-key-file and --tls-ca-file");
    assertThatThrownBy(
            () ->
                parse(
                        Map.of(),
                        "serve",
                        "--tls-svid-dir",
                        dir.toString(),
                        "--tls-allowed-spiffe-id",
                        "https://cluster.local/envoy")
                    .tlsConfig())
        .hasMessageContaining("'https://cluster.local/envoy' is no SPIFFE ID");
  }

  @Test
  void missingSvidFiles_stopServeBeforeItStarts_namingTheFile() throws Exception {
    String[] args = {
      "serve",
      "--addr",
      "127.0.0.1:0",
      "--admin-addr",
      "off",
      "--tls-svid-dir",
      dir.toString(),
      "--tls-allowed-spiffe-id",
      ENVOY
    };
    CommandLine cmd = JregoCommand.commandLine(args, Map.of());
    StringWriter err = new StringWriter();
    cmd.setErr(new PrintWriter(err, true));
    cmd.setOut(new PrintWriter(new StringWriter(), true));
    assertThat(cmd.execute(args)).isEqualTo(2);
    assertThat(err.toString()).contains(dir.resolve("svid.pem") + ": not found");
    assertThat(List.of(err.toString().split("\n", -1))).hasSizeLessThan(4);
  }

  @Test
  void theWorkloadApi_comesFromTheFlag_orFromSpiffeEndpointSocket() throws Exception {
    TlsConfig flag =
        parse(
                Map.of(),
                "serve",
                "--tls-workload-api",
                "unix:///run/spire/sockets/agent.sock",
                "--tls-allowed-spiffe-id",
                ENVOY,
                "--tls-workload-api-timeout",
                "3s")
            .tlsConfig()
            .orElseThrow();
    assertThat(flag.source())
        .isEqualTo(
            new WorkloadApi(Path.of("/run/spire/sockets/agent.sock"), Duration.ofSeconds(3)));
    TlsConfig env =
        parse(
                Map.of("SPIFFE_ENDPOINT_SOCKET", "unix:/tmp/agent.sock"),
                "serve",
                "--tls-workload-api",
                "--tls-allowed-spiffe-id",
                ENVOY)
            .tlsConfig()
            .orElseThrow();
    assertThat(env.source())
        .isEqualTo(new WorkloadApi(Path.of("/tmp/agent.sock"), Duration.ofSeconds(15)));
  }

  @Test
  void badWorkloadApiSettings_sayWhatIsWrong() {
    assertThatThrownBy(
            () ->
                parse(Map.of(), "serve", "--tls-workload-api", "--tls-allowed-spiffe-id", ENVOY)
                    .tlsConfig())
        .hasMessageContaining("--tls-workload-api without an address needs SPIFFE_ENDPOINT_SOCKET");
    assertThatThrownBy(
            () ->
                parse(
                        Map.of(),
                        "serve",
                        "--tls-workload-api",
                        "tcp://127.0.0.1:8081",
                        "--tls-allowed-spiffe-id",
                        ENVOY)
                    .tlsConfig())
        .hasMessageContaining("must be a Unix socket, unix:///path, got tcp://127.0.0.1:8081");
    assertThatThrownBy(
            () ->
                parse(
                        Map.of(),
                        "serve",
                        "--tls-workload-api",
                        "unix:///a.sock",
                        "--tls-svid-dir",
                        dir.toString(),
                        "--tls-allowed-spiffe-id",
                        ENVOY)
                    .tlsConfig())
        .hasMessageContaining("exclude each other");
    assertThatThrownBy(
            () -> parse(Map.of(), "serve", "--tls-workload-api", "unix:///a.sock").tlsConfig())
        .hasMessageContaining("mTLS needs --tls-allowed-spiffe-id");
  }

  @Test
  void aMissingWorkloadApiSocket_stopsServeBeforeItStarts_namingTheSocket() throws Exception {
    Path socket = dir.resolve("agent.sock");
    String[] args = {
      "serve",
      "--addr",
      "127.0.0.1:0",
      "--admin-addr",
      "off",
      "--tls-workload-api",
      "unix://" + socket,
      "--tls-allowed-spiffe-id",
      ENVOY
    };
    CommandLine cmd = JregoCommand.commandLine(args, Map.of());
    StringWriter err = new StringWriter();
    cmd.setErr(new PrintWriter(err, true));
    cmd.setOut(new PrintWriter(new StringWriter(), true));
    assertThat(cmd.execute(args)).isEqualTo(2);
    assertThat(err.toString())
        .contains("jrego serve: unix://" + socket + ": no such socket (is the SPIRE agent running");
  }
}
