package io.jrego.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real Envoy (the {@code envoy} on PATH) on a config rendered from {@code
 * envoy-config/envoy.yaml} with free loopback ports, its log in a file under {@code target/}.
 * Started ready ({@code /ready} says LIVE), stopped by {@link #close()}. Its static helpers ({@link
 * #render}, {@link #onFreePorts}, {@link #launch}, {@link #freePort}, {@link #http1}) serve the
 * tests that run Envoy on a template of their own.
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
      String name, int jregoPort, int upstreamPort, Path certs, UnaryOperator<String> edit)
      throws Exception {
    return start(name, jregoPort, upstreamPort, certs, edit, "info");
  }

  /**
   * As {@link #start(String, int, int, Path, UnaryOperator)}, with Envoy's log level: {@code info},
   * or e.g. {@code info --component-log-level ext_proc:debug} to see what a filter does.
   */
  static EnvoyRunner start(
      String name,
      int jregoPort,
      int upstreamPort,
      Path certs,
      UnaryOperator<String> edit,
      String logLevel)
      throws Exception {
    return onFreePorts(
        () -> {
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
              render(Files.readString(REPO.resolve("envoy-config/envoy.yaml")), values);
          Files.writeString(config, edit.apply(rendered));
          Path log = MODULE.resolve("target/" + name + ".log");
          return new EnvoyRunner(launch(config, admin, log, logLevel), listen, plain, admin, log);
        });
  }

  /**
   * One try at starting Envoy: picks its ports with {@link #freePort}, renders, {@link #launch}es.
   */
  @FunctionalInterface
  interface Attempt<T> {
    T start() throws Exception;
  }

  /**
   * Runs {@code attempt} again, at most {@link #BIND_ATTEMPTS} times in all, while Envoy exits
   * because a port it was given is taken: a port free when picked can be taken before Envoy binds
   * it (any process of the machine may be given it), so each try picks new ones.
   */
  static <T> T onFreePorts(Attempt<T> attempt) throws Exception {
    for (int i = 1; ; i++) {
      try {
        return attempt.start();
      } catch (PortTaken e) {
        if (i == BIND_ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  /** How many times {@link #onFreePorts} tries when a port was taken before Envoy bound it. */
  private static final int BIND_ATTEMPTS = 3;

  /** What Envoy's log says when a port it was given is taken. */
  static final String PORT_TAKEN = "Address already in use";

  /** Envoy did not start because a port it was given was taken ({@link #PORT_TAKEN}). */
  static final class PortTaken extends AssertionError {
    private static final long serialVersionUID = 1L;

    PortTaken(AssertionError e) {
      super(e.getMessage(), e);
    }
  }

  /**
   * Starts Envoy on {@code config} (its base id is {@code adminPort}, so Envoys of one machine do
   * not share memory) with its output in {@code log}, and waits until it is ready. Fails with
   * {@link PortTaken} when a port was taken: call it inside {@link #onFreePorts}.
   *
   * @param logLevel {@code info}, or e.g. {@code info --component-log-level ext_proc:debug}
   */
  static Process launch(Path config, int adminPort, Path log, String logLevel) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                findEnvoy(),
                "-c",
                config.toString(),
                "--base-id",
                String.valueOf(adminPort),
                "--log-level"));
    command.addAll(List.of(logLevel.split(" ")));
    Process p =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      awaitReady(p, adminPort, log);
    } catch (AssertionError e) {
      stop(p);
      throw Files.readString(log).contains(PORT_TAKEN) ? new PortTaken(e) : e;
    } catch (Exception e) {
      stop(p);
      throw e;
    }
    return p;
  }

  /** Waits until Envoy's admin {@code /ready} says LIVE; fails with its log if it exits. */
  private static void awaitReady(Process process, int adminPort, Path log) throws Exception {
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

  /** The {@code envoy} on PATH; fails saying how to install it when there is none. */
  static String findEnvoy() {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator, -1)) {
      Path candidate = Path.of(dir, "envoy");
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    return fail(
        "envoy is not on PATH: install it with `bash .ci/install-envoy.sh` (from the repository"
            + " root), then run the tests again");
  }

  /**
   * Replaces exactly the placeholders of {@code values}, as envoy-config/render.sh does, and checks
   * none is left.
   */
  static String render(String template, Map<String, String> values) {
    Matcher m = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}").matcher(template);
    StringBuilder out = new StringBuilder();
    List<String> unknown = new ArrayList<>();
    while (m.find()) {
      String v = values.get(m.group(1));
      if (v == null) {
        unknown.add(m.group());
        v = m.group();
      }
      m.appendReplacement(out, Matcher.quoteReplacement(v));
    }
    m.appendTail(out);
    assertThat(unknown).as("placeholders left in envoy.yaml").isEmpty();
    return out.toString();
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
                            + URLEncoder.encode(filter, StandardCharsets.UTF_8)))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /** Ports {@link #freePort} handed out in this JVM: the kernel may offer a closed one again. */
  private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

  /**
   * The HTTP client settings the tests calling through Envoy share: HTTP/1.1 (no upgrade attempt),
   * 10 s to connect; {@link TestPki#httpClient} adds a client certificate.
   */
  static HttpClient.Builder http1() {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10));
  }

  /**
   * A loopback port free now and not handed out before in this JVM. Envoy binds the ports of one
   * config at its start, so two of them picked alike (a listener on its admin port: "Address
   * already in use") would fail the run; bounded at 100 tries.
   */
  static int freePort() throws IOException {
    for (int i = 0; i < 100; i++) {
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        if (HANDED_OUT.add(s.getLocalPort())) {
          return s.getLocalPort();
        }
      }
    }
    throw new IOException("no loopback port free that was not handed out already (100 tries)");
  }

  @Override
  public void close() {
    stop(process);
  }

  /** Stops Envoy: SIGTERM, then SIGKILL if it is still running after 10 s. */
  static void stop(Process envoy) {
    Processes.stop(envoy, Duration.ofSeconds(10));
  }
}
