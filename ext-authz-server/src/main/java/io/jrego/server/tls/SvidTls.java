package io.jrego.server.tls;

import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.TlsServerCredentials;
import io.jrego.server.admin.ServerMetrics;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Mutual TLS for the gRPC port with a SPIFFE X.509 SVID, rotated without a restart: read from files
 * ({@link SvidFiles}) or streamed by the SPIFFE Workload API ({@link WorkloadApi}, see {@link
 * WorkloadApiClient}).
 *
 * <p>The files are checked every poll interval; when any of them changed they are read again, and
 * the new set is served from the next TLS handshake on, once it passes every check of {@link
 * SvidMaterial#read} (key belongs to the SVID, SVID chains to the bundle, valid now). A set that
 * does not pass (a helper half way through writing the files, an expired SVID) is refused, counted
 * and logged, and the last good set stays in use; connections already open are not touched. Each
 * handshake sees one whole set: the key manager hands out an alias per set, and resolves the
 * certificate chain and key by that alias.
 *
 * <p>Callers must present a certificate that chains to the current bundle (the TLS handshake fails
 * otherwise, counted as {@code untrusted_certificate}); {@link #authorizer()} then lets through
 * only the configured SPIFFE IDs. A client certificate is optional at the TLS layer so that a
 * caller without one gets a gRPC {@code UNAUTHENTICATED} answer (counted) instead of a bare
 * handshake failure.
 */
public final class SvidTls implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger("io.jrego.server.tls");

  private final TlsConfig config;
  private final ServerMetrics metrics;
  private final Clock clock;
  private final SvidKeyManager keys = new SvidKeyManager();
  private final SvidTrustManager trust;
  private final ScheduledExecutorService poller;
  private final AtomicLong generation = new AtomicLong();
  private List<String> served = List.of();
  private List<String> refused = List.of();
  private String lastRefusal = "";
  private ScheduledFuture<?> polling;
  private WorkloadApiClient workloadApi;

  private SvidTls(TlsConfig config, ServerMetrics metrics, Clock clock) {
    this.config = config;
    this.metrics = metrics;
    this.clock = clock;
    this.trust = new SvidTrustManager(keys, () -> metrics.peerRefused("untrusted_certificate"));
    this.poller =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "jrego-svid-poll");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Reads the SVID files and starts watching them, or opens the Workload API's stream and waits for
   * its first SVID.
   *
   * @throws SvidException if no SVID can be served now: the message names the file or socket and
   *     why
   */
  public static SvidTls start(TlsConfig config, ServerMetrics metrics) throws SvidException {
    return start(config, metrics, Clock.systemUTC());
  }

  static SvidTls start(TlsConfig config, ServerMetrics metrics, Clock clock) throws SvidException {
    SvidTls tls = new SvidTls(config, metrics, clock);
    switch (config.source()) {
      case SvidFiles files -> {
        metrics.svidSource("files");
        SvidFileTexts texts = SvidFileTexts.read(files);
        tls.serve(SvidMaterial.read(texts, clock.instant(), tls.nextAlias()));
        tls.served = texts.fingerprint();
        long every = config.pollInterval().toMillis();
        tls.polling =
            tls.poller.scheduleWithFixedDelay(
                () -> tls.poll(files), every, every, TimeUnit.MILLISECONDS);
      }
      case WorkloadApi api -> tls.workloadApi = WorkloadApiClient.start(api, tls, metrics, clock);
    }
    return tls;
  }

  /**
   * Reads and checks the files once, as {@link #start} does, without serving them, or checks that
   * the Workload API's socket is there: for a command line to report what is wrong before anything
   * starts.
   *
   * @throws SvidException naming the file or socket and what is wrong with it
   */
  public static void check(SvidSource source) throws SvidException {
    switch (source) {
      case SvidFiles files -> SvidMaterial.read(files, java.time.Instant.now(), "check");
      case WorkloadApi api -> api.checkSocket();
    }
  }

  /** The server credentials: this SVID, callers verified against the bundle. */
  public ServerCredentials credentials() {
    return TlsServerCredentials.newBuilder()
        .keyManager(keys)
        .trustManager(trust)
        .clientAuth(TlsServerCredentials.ClientAuth.OPTIONAL)
        .build();
  }

  /** The interceptor that refuses callers whose SPIFFE ID is not allowed. */
  public ServerInterceptor authorizer() {
    return new SpiffeAuthorizer(config.callers(), metrics);
  }

  /** The SPIFFE ID being served. */
  public String spiffeId() {
    return keys.current().spiffeId();
  }

  /** The serial number of the SVID served to the next handshake. */
  java.math.BigInteger currentSerial() {
    return keys.current().chain().getFirst().getSerialNumber();
  }

  /** Checks the files once now, as the poller does (tests use it to rotate without waiting). */
  synchronized void poll(SvidFiles files) {
    SvidFileTexts texts = SvidFileTexts.read(files);
    List<String> now = texts.fingerprint();
    if (now.equals(served) || now.equals(refused)) {
      return; // unchanged since last read: a refused set is read again once a file changes
    }
    try {
      SvidMaterial next = SvidMaterial.read(texts, clock.instant(), nextAlias());
      serve(next);
      served = now;
      refused = List.of();
      lastRefusal = "";
      LOG.log(
          Level.INFO,
          "SVID rotated: {0}, valid until {1}",
          next.spiffeId(),
          next.notAfter().toString());
    } catch (SvidException e) {
      metrics.svidReload("refused");
      if (!e.getMessage().equals(lastRefusal)) {
        LOG.log(Level.WARNING, "SVID files refused (the current SVID stays): {0}", e.getMessage());
      }
      lastRefusal = Objects.requireNonNull(e.getMessage());
      refused = now;
    } catch (RuntimeException e) {
      metrics.svidReload("refused");
      LOG.log(Level.WARNING, "SVID files could not be checked: {0}", e.toString());
    }
  }

  /** Serves {@code m} from the next handshake on: it passed every check. */
  void serve(SvidMaterial m) {
    keys.install(m);
    metrics.svidReload("ok");
    metrics.svidServed(m.spiffeId(), m.notAfter());
  }

  String nextAlias() {
    return "svid-" + generation.incrementAndGet();
  }

  @Override
  public void close() {
    if (polling != null) {
      polling.cancel(false);
    }
    poller.shutdownNow();
    if (workloadApi != null) {
      workloadApi.close();
    }
  }
}
