package io.jrego.server.e2e;

import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.jrego.engine.value.Json;
import io.jrego.server.JregoServer;
import io.jrego.server.tls.AllowedCallers;
import io.jrego.server.tls.SvidFiles;
import io.jrego.server.tls.TlsConfig;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Envoy to jrego over mutual TLS, both sides with SPIFFE X.509 SVIDs: {@code
 * envoy-config/envoy.yaml} rendered with {@code JREGO_CLUSTER=jrego_mtls} (checked by {@code envoy
 * --mode validate}), a real Envoy, and jrego serving its SVID files with an allow-list.
 * Certificates are made by the test.
 */
class EnvoyMtlsEndToEndIT {

  private static final String JREGO = "spiffe://cluster.local/ns/jrego/sa/jrego";
  private static final String GATEWAY = "spiffe://cluster.local/ns/edge/sa/api-gateway";
  private static final Path MODULE = Path.of("").toAbsolutePath();
  private static final Path REPO = MODULE.getParent();

  private final Running running = new Running();

  @AfterEach
  void stop() throws Exception {
    running.close();
  }

  /** Certificates as make-certs.sh lays them out, jrego's SVID files in {@code certs/jrego}. */
  private static TestPki writeCertificates(Path certs) throws Exception {
    TestPki pki = new TestPki();
    TestPki.writePem(certs, "ca", pki.ca());
    TestPki.writePem(certs, "server", pki.server());
    TestPki.writePem(certs, "envoy", pki.svid("envoy", EnvoyEndToEndIT.ENVOY));
    Path svid = Files.createDirectories(certs.resolve("jrego"));
    TestPki.writePem(svid, "svid", pki.svid("jrego", JREGO));
    Files.move(svid.resolve("svid.crt"), svid.resolve("svid.pem"), REPLACE_EXISTING);
    Files.move(svid.resolve("svid.key"), svid.resolve("svid_key.pem"), REPLACE_EXISTING);
    Files.copy(certs.resolve("ca.crt"), svid.resolve("bundle.pem"), REPLACE_EXISTING);
    return pki;
  }

  private JregoServer startJrego(Path certs, String allowed) throws Exception {
    TlsConfig tls =
        new TlsConfig(
            SvidFiles.inDirectory(certs.resolve("jrego")),
            AllowedCallers.parse(List.of(allowed)),
            Duration.ofSeconds(1));
    return InProcessJrego.servingAiGateway()
        .server(
            s ->
                s.warmUp(Duration.ofSeconds(2)) // as EnvoyEndToEndIT: Envoy's deadline is 0.5 s
                    .tls(Optional.of(tls)))
        .start(running);
  }

  /**
   * Renders the template for the mTLS cluster, validates it, starts Envoy (on new ports when one
   * was taken): its mTLS port.
   */
  private int startEnvoy(Path work, Path certs, int jregoPort) throws Exception {
    return EnvoyRunner.onFreePorts(() -> startEnvoyOnce(work, certs, jregoPort));
  }

  private int startEnvoyOnce(Path work, Path certs, int jregoPort) throws Exception {
    int listen = EnvoyRunner.freePort();
    int admin = EnvoyRunner.freePort();
    Map<String, String> values =
        Map.of(
            "ENVOY_LISTEN_PORT", String.valueOf(listen),
            "ENVOY_PLAIN_PORT", String.valueOf(EnvoyRunner.freePort()),
            "ENVOY_ADMIN_PORT", String.valueOf(admin),
            "JREGO_GRPC_PORT", String.valueOf(jregoPort),
            "UPSTREAM_PORT", String.valueOf(EnvoyRunner.freePort()),
            "CERT_DIR", certs.toString(),
            "JREGO_CLUSTER", "jrego_mtls");
    String rendered =
        EnvoyRunner.render(Files.readString(REPO.resolve("envoy-config/envoy.yaml")), values);
    // answered by Envoy itself: what matters here is the ext_authz call before the route
    String answered =
        rendered.replace(
            "route: { cluster: upstream, timeout: 60s }",
            "direct_response: { status: 200, body: { inline_string: '{\"upstream\":true}' } }\n"
                + "                response_headers_to_add: [{ header: { key: content-type,"
                + " value: application/json }, append_action: OVERWRITE_IF_EXISTS_OR_ADD }]");
    assertThat(answered).contains("cluster_name: jrego_mtls }", "direct_response");
    Path config = work.resolve("envoy-" + admin + ".yaml");
    Files.writeString(config, answered);
    String envoy = EnvoyRunner.findEnvoy();

    Process validate =
        new ProcessBuilder(envoy, "--mode", "validate", "-c", config.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(validate.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(validate.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(validate.exitValue()).as(out).isZero();

    Path log = MODULE.resolve("target/envoy-mtls-" + admin + ".log");
    Process envoyProcess = EnvoyRunner.launch(config, admin, log, "info");
    running.add(() -> EnvoyRunner.stop(envoyProcess));
    return listen;
  }

  private static HttpResponse<String> chat(TestPki pki, int port, String caller, String model)
      throws Exception {
    HttpClient client = pki.httpClient(pki.client("caller", caller));
    return client.send(
        HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/v1/chat/completions"))
            .header("content-type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\""
                        + model
                        + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}"))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void envoyWithItsSvid_isAnsweredByThePolicy_overMutualTls() throws Exception {
    Path work = Files.createDirectories(MODULE.resolve("target/envoy-mtls-e2e/allowed"));
    Path certs = Files.createDirectories(work.resolve("certs"));
    TestPki pki = writeCertificates(certs);
    JregoServer jrego = startJrego(certs, EnvoyEndToEndIT.ENVOY);
    // jrego's warm-up runs over plaintext: one call as Envoy first, so Envoy's first check (0.5 s
    // deadline) does not meet a cold TLS handshake on a busy machine
    // (an empty CheckRequest: what the policy makes of it does not matter, only that it ran)
    assertThat(directCall(pki, jrego.grpcPort(), EnvoyEndToEndIT.ENVOY))
        .isNotIn(
            Status.Code.UNAVAILABLE, Status.Code.UNAUTHENTICATED, Status.Code.PERMISSION_DENIED);
    int port = startEnvoy(work, certs, jrego.grpcPort());

    HttpResponse<String> allowed = chat(pki, port, GATEWAY, "gpt-4o-mini");
    assertThat(allowed.statusCode()).as(allowed.body()).isEqualTo(200);
    assertThat(allowed.body()).isEqualTo("{\"upstream\":true}"); // through ext_proc over mTLS
    HttpResponse<String> denied = chat(pki, port, GATEWAY, "gpt-4o");
    assertThat(denied.statusCode()).isEqualTo(403);
    assertThat(Json.parse(denied.body()))
        .isEqualTo(
            Json.parse(
                "{\"code\":\"policy_denied\",\"reason\":\"model tier internal not allowed for caller\"}"));
    String metrics = jrego.metrics().scrape();
    assertThat(metrics).doesNotContain("jrego_peers_refused_total");
    assertThat(metrics)
        .containsPattern(
            "jrego_checks_total\\{phase=\"check\",reason=\"policy\",result=\"allow\",service=\"ext_authz\"}"
                + " [1-9]")
        .containsPattern(
            "jrego_checks_total\\{phase=\"request\",reason=\"policy\",result=\"allow\","
                + "service=\"ext_proc\"} [1-9]");
    assertThat(metrics).contains("jrego_svid_reloads_total{result=\"ok\"} 1.0");

    // jrego itself refuses a caller that is not Envoy, even one from the same trust domain
    assertThat(directCall(pki, jrego.grpcPort(), GATEWAY)).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(jrego.metrics().scrape())
        .contains("jrego_peers_refused_total{reason=\"not_allowed\"} 1.0");
    // and plaintext gets no answer at all
    ManagedChannel plain =
        NettyChannelBuilder.forAddress("127.0.0.1", jrego.grpcPort()).usePlaintext().build();
    try {
      assertThat(code(plain)).isEqualTo(Status.Code.UNAVAILABLE);
    } finally {
      plain.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void envoyNotOnTheAllowList_isRefusedByJrego_andEnvoyFailsClosed() throws Exception {
    Path work = Files.createDirectories(MODULE.resolve("target/envoy-mtls-e2e/refused"));
    Path certs = Files.createDirectories(work.resolve("certs"));
    TestPki pki = writeCertificates(certs);
    JregoServer jrego = startJrego(certs, "spiffe://cluster.local/ns/edge/sa/other-envoy");
    assertThat(directCall(pki, jrego.grpcPort(), EnvoyEndToEndIT.ENVOY))
        .isEqualTo(Status.Code.PERMISSION_DENIED); // and warms the TLS path, as above
    int port = startEnvoy(work, certs, jrego.grpcPort());

    HttpResponse<String> r = chat(pki, port, GATEWAY, "gpt-4o-mini");
    // ext_authz cannot reach jrego (403); ext_proc, which sees that answer and cannot reach jrego
    // either, turns it into its own failure (500): closed both ways, never the upstream
    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(r.body()).doesNotContain("policy_denied").doesNotContain("upstream");
    assertThat(jrego.metrics().scrape())
        .containsPattern("jrego_peers_refused_total\\{reason=\"not_allowed\"} [2-9]")
        .doesNotContainPattern("jrego_checks_total\\{[^}]*} [1-9]");
  }

  /** A Check straight to jrego's port with an SVID for {@code as} from the same CA. */
  private static Status.Code directCall(TestPki pki, int port, String as) throws Exception {
    TestPki.Issued svid = pki.svid("caller", as);
    char[] pw = "test".toCharArray();
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry("svid", svid.keys().getPrivate(), pw, new Certificate[] {svid.cert()});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
    kmf.init(keys, pw);
    ChannelCredentials credentials =
        TlsChannelCredentials.newBuilder()
            .keyManager(kmf.getKeyManagers())
            .trustManager(new ChainOnly(pki.ca().cert()))
            .build();
    ManagedChannel ch = Grpc.newChannelBuilderForAddress("127.0.0.1", port, credentials).build();
    try {
      return code(ch);
    } finally {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** Verifies the server's chain against one CA; no host name (an SVID carries none). */
  private static final class ChainOnly extends X509ExtendedTrustManager {
    private final X509TrustManager pkix;

    ChainOnly(X509Certificate ca) throws Exception {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("ca", ca);
      TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
      tmf.init(trust);
      this.pkix = (X509TrustManager) tmf.getTrustManagers()[0];
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      pkix.checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      pkix.checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      pkix.checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      throw new CertificateException("a client only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      throw new CertificateException("a client only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      throw new CertificateException("a client only");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return pkix.getAcceptedIssuers();
    }
  }

  private static Status.Code code(ManagedChannel ch) {
    try {
      AuthorizationGrpc.newBlockingStub(ch)
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .check(CheckRequest.getDefaultInstance());
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }
}
