package io.jrego.server.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.grpc.CheckServer;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Rotation under load: two callers keep calling Check over loopback, opening a new connection every
 * few calls (so new handshakes meet each new SVID), while the SVID is rotated three times, the last
 * time by a new CA: the files rewritten in place, or new SVIDs sent on the SPIFFE Workload API's
 * stream by a Workload API server in the test. No call may fail, and the callers must have been
 * shown every SVID. The load is bounded in calls and time.
 */
class SvidRotationUnderLoadTest {

  private static final int CALLERS = 2;
  private static final int CALLS_PER_CONNECTION = 20;
  private static final int MAX_CALLS_PER_CALLER = 20_000;
  private static final Duration MAX_TIME = Duration.ofSeconds(60);
  private static final int CALLS_BETWEEN_ROTATIONS = 200;
  private static final Duration SEE_WITHIN = Duration.ofSeconds(30);

  @TempDir Path dir;

  /** Hands jrego a new SVID and bundle, as a SPIFFE helper or agent does. */
  @FunctionalInterface
  private interface Rotation {
    void serve(SvidPki.Issued svid, SvidPki... bundle) throws Exception;
  }

  @ParameterizedTest
  @ValueSource(strings = {"files", "workload_api"})
  void rotatingTheSvidAndTheCa_failsNoCall(String from) throws Exception {
    try (WorkloadApiServer agent =
        from.equals("files") ? null : WorkloadApiServer.start(dir.resolve("agent.sock"))) {
      Rotation rotation =
          agent == null
              ? (svid, bundle) -> SvidPki.writeSpireFiles(dir, svid, bundle)
              : (svid, bundle) -> agent.push(svid, SvidTlsTest.JREGO, bundle);
      SvidSource source =
          agent == null
              ? SvidFiles.inDirectory(dir)
              : new WorkloadApi(dir.resolve("agent.sock"), Duration.ofSeconds(10));
      rotateUnderLoad(rotation, source);
    }
  }

  private void rotateUnderLoad(Rotation rotation, SvidSource source) throws Exception {
    SvidPki oldCa = new SvidPki("cluster.local old");
    SvidPki newCa = new SvidPki("cluster.local new");
    SvidPki.Issued first = oldCa.svid(SvidTlsTest.JREGO);
    rotation.serve(first, oldCa);

    AtomicLong evaluations = new AtomicLong();
    ServerMetrics metrics = new ServerMetrics();
    try (CheckServer server =
        MtlsCheckServer.start(
            new TlsConfig(
                source, AllowedCallers.parse(List.of(SvidTlsTest.ENVOY)), Duration.ofMillis(20)),
            256,
            evaluations,
            metrics)) {
      // the callers' bundle already holds the next CA, as a SPIFFE bundle does before a CA rotation
      SvidClient client =
          new SvidClient(
              Optional.of(oldCa.svid(SvidTlsTest.ENVOY)),
              SvidTlsTest.JREGO,
              List.of(oldCa.ca(), newCa.ca()));

      AtomicBoolean stop = new AtomicBoolean();
      Map<Status.Code, AtomicLong> failures = new ConcurrentHashMap<>();
      AtomicLong ok = new AtomicLong();
      Instant deadline = Instant.now().plus(MAX_TIME);
      ExecutorService pool = Executors.newFixedThreadPool(CALLERS);
      List<Future<?>> callers = new ArrayList<>();
      for (int c = 0; c < CALLERS; c++) {
        callers.add(
            pool.submit(
                () -> {
                  ManagedChannel ch = null;
                  for (int i = 0;
                      i < MAX_CALLS_PER_CALLER && !stop.get() && Instant.now().isBefore(deadline);
                      i++) {
                    if (i % CALLS_PER_CONNECTION == 0) {
                      if (ch != null) {
                        SvidClient.close(ch);
                      }
                      ch = client.channel(server.port());
                    }
                    Status.Code code = SvidClient.check(ch);
                    if (code == Status.Code.OK) {
                      ok.incrementAndGet();
                    } else {
                      failures.computeIfAbsent(code, k -> new AtomicLong()).incrementAndGet();
                    }
                  }
                  if (ch != null) {
                    SvidClient.close(ch);
                  }
                  return null;
                }));
      }
      try {
        awaitShown(client, ok, first.cert().getSerialNumber());
        // 1: a new SVID from the same CA
        SvidPki.Issued second = oldCa.svid(SvidTlsTest.JREGO);
        rotation.serve(second, oldCa);
        awaitShown(client, ok, second.cert().getSerialNumber());
        // 2: the bundle gains the next CA
        SvidPki.Issued third = oldCa.svid(SvidTlsTest.JREGO);
        rotation.serve(third, oldCa, newCa);
        awaitShown(client, ok, third.cert().getSerialNumber());
        // 3: the SVID now comes from the next CA; callers' SVIDs from the old one still verify
        SvidPki.Issued fourth = newCa.svid(SvidTlsTest.JREGO);
        rotation.serve(fourth, oldCa, newCa);
        awaitShown(client, ok, fourth.cert().getSerialNumber());
      } finally {
        stop.set(true);
        for (Future<?> f : callers) {
          f.get(30, TimeUnit.SECONDS);
        }
        pool.shutdownNow();
      }
      assertThat(failures).isEmpty();
      assertThat(ok.get()).isGreaterThanOrEqualTo(4 * CALLS_BETWEEN_ROTATIONS);
      assertThat(evaluations.get()).isEqualTo(ok.get());
      assertThat(metrics.scrape()).contains("jrego_svid_reloads_total{result=\"ok\"}");
      assertThat(metrics.scrape()).doesNotContain("jrego_peers_refused_total");
    }
  }

  /** Waits, bounded, until a new handshake has been shown the certificate with this serial. */
  private static void awaitShown(SvidClient client, AtomicLong ok, BigInteger serial)
      throws InterruptedException {
    Instant until = Instant.now().plus(SEE_WITHIN);
    while (!client.serverSerials.contains(serial) && Instant.now().isBefore(until)) {
      Thread.sleep(10);
    }
    assertThat(client.serverSerials).as("serials the callers were shown").contains(serial);
    // and some load on connections with this SVID before the next rotation
    long target = ok.get() + CALLS_BETWEEN_ROTATIONS;
    while (ok.get() < target && Instant.now().isBefore(until)) {
      Thread.sleep(10);
    }
  }
}
