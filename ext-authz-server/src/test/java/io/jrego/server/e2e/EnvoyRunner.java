package io.jrego.server.e2e;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Envoy (the {@code envoy} on PATH) on a config rendered from {@code
 * envoy-config/envoy.yaml} with free loopback ports, its log in a file under {@code target/}.
 * Started ready ({@code /ready} says LIVE), stopped by {@link #close()}.
 */
final class EnvoyRunner implements AutoCloseable {

  static final Path MODULE = Path.of("").toAbsolutePath();
  static final Path REPO = MODULE.getParent();
  private static final Duration WAIT = Duration.ofSeconds(30);

  private final Process process;
  final int listenPort;
  final int plainPort;
  final int adminPort;
  final Path log;

  private EnvoyRunner(Process process, int listen, int plain, int admin, Path log) {
    this.process = process;
    this.listenPort = listen;
    this.plainPort = plain;
    this.adminPort = admin;
    this.log = log;
  }

  /**
   * Renders the shipped template with these ports (and {@code edit} applied to the text), starts
   * Envoy and waits until it is ready.
   *
   * @param name names the work folder and log: {@code target/<name>/}, {@code target/<name>.log}
   */
  static EnvoyRunner start(
      String name,
      int jregoPort,
      int upstreamPort,
      Path certs,
      java.util.function.UnaryOperator<String> edit)
      throws Exception {
    return start(name, jregoPort, upstreamPort, certs, edit, "info");
  }

  /**
   * As {@link #start(String, int, int, Path, java.util.function.UnaryOperator)}, with Envoy's log
   * level: {@code info}, or e.g. {@code info --component-log-level ext_proc:debug} to see what a
   * filter does.
   */
  static EnvoyRunner start(
      String name,
      int jregoPort,
      int upstreamPort,
      Path certs,
      java.util.function.UnaryOperator<String> edit,
      String logLevel)
      throws Exception {
    int listen = freePort();
    int plain = freePort();
    int admin = freePort();
    Path work = Files.createDirectories(MODULE.resolve("target/" + name));
    Map<String, String> values =
        Map.of(
            "ENVOY_LISTEN_PORT", String.valueOf(listen),
            "ENVOY_PLAIN_PORT", String.valueOf(plain),
            "ENVOY_ADMIN_PORT", String.valueOf(admin),
            "JREGO_GRPC_PORT", String.valueOf(jregoPort),
            "UPSTREAM_PORT", String.valueOf(upstreamPort),
            "CERT_DIR", certs.toString(),
            "JREGO_CLUSTER", "jrego");
    Path config = work.resolve("envoy.yaml");
    String rendered =
        EnvoyEndToEndTest.render(Files.readString(REPO.resolve("envoy-config/envoy.yaml")), values);
    Files.writeString(config, edit.apply(rendered));
    Path log = MODULE.resolve("target/" + name + ".log");
    java.util.List<String> command =
        new java.util.ArrayList<>(
            java.util.List.of(
                EnvoyEndToEndTest.findEnvoy(),
                "-c",
                config.toString(),
                "--base-id",
                String.valueOf(admin),
                "--log-level"));
    command.addAll(java.util.List.of(logLevel.split(" ")));
    Process p =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    EnvoyRunner r = new EnvoyRunner(p, listen, plain, admin, log);
    r.awaitReady();
    return r;
  }

  private void awaitReady() throws Exception {
    HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        fail("envoy exited with " + process.exitValue() + "; its log:\n" + Files.readString(log));
      }
      try {
        HttpResponse<String> r =
            plain.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/ready"))
                    .timeout(Duration.ofSeconds(1))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200 && r.body().strip().equals("LIVE")) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    fail("envoy not ready within " + WAIT + "; see " + log);
  }

  /** Envoy's stats whose names contain {@code filter} (a regular expression), as text. */
  String stats(String filter) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:"
                            + adminPort
                            + "/stats?filter="
                            + java.net.URLEncoder.encode(
                                filter, java.nio.charset.StandardCharsets.UTF_8)))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
