package io.jrego.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.server.admin.ServerMetrics;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, finding 5c: an OutOfMemoryError killed the admin server's or the bundle poller's thread
 * for good while gRPC kept serving. Every thread death is now logged and counted; a pool's worker
 * is replaced by its pool, any other thread's death (or a fatal error anywhere) ends the process.
 */
class ProcessGuardTest {

  private final ServerMetrics metrics = new ServerMetrics();
  private final List<Integer> halts = new CopyOnWriteArrayList<>();

  @BeforeEach
  void install() {
    ProcessGuard.install(metrics, halts::add);
  }

  @AfterEach
  void uninstall() {
    ProcessGuard.uninstall();
  }

  private static void dieIn(String name, Throwable t) throws InterruptedException {
    Thread thread =
        new Thread(
            () -> {
              if (t instanceof Error e) {
                throw e;
              }
              throw (RuntimeException) t;
            },
            name);
    thread.start();
    thread.join(10_000);
  }

  private double deaths(String thread, String error) {
    String prefix = "jrego_thread_deaths_total{error=\"" + error + "\",thread=\"" + thread + "\"} ";
    return metrics
        .scrape()
        .lines()
        .filter(l -> l.startsWith(prefix))
        .mapToDouble(l -> Double.parseDouble(l.substring(prefix.length())))
        .sum();
  }

  @Test
  void issue14_aPoolWorkerDiesCountedAndThePoolReplacesIt() throws Exception {
    dieIn("jrego-check-7", new IllegalStateException("bug"));
    assertThat(deaths("jrego-check", "IllegalStateException")).isEqualTo(1.0);
    assertThat(halts).isEmpty();
  }

  @Test
  void issue14_aThreadNoPoolReplacesEndsTheProcess() throws Exception {
    dieIn("HTTP-Dispatcher", new AssertionError("bug"));
    assertThat(deaths("HTTP-Dispatcher", "AssertionError")).isEqualTo(1.0);
    assertThat(halts).containsExactly(ProcessGuard.EXIT_THREAD);
  }

  @Test
  void issue14_outOfMemoryAnywhereEndsTheProcess() throws Exception {
    dieIn("jrego-admin", new OutOfMemoryError("Java heap space"));
    assertThat(halts).containsExactly(ProcessGuard.EXIT_FATAL);
    ProcessGuard.caught("bundle x", new OutOfMemoryError("Java heap space"));
    assertThat(halts).containsExactly(ProcessGuard.EXIT_FATAL, ProcessGuard.EXIT_FATAL);
  }

  @Test
  void issue14_aStackOverflowUnwindsAndIsNotFatal() {
    ProcessGuard.caught("check", new StackOverflowError());
    assertThat(halts).isEmpty();
    assertThat(ProcessGuard.fatal(new StackOverflowError())).isFalse();
    assertThat(ProcessGuard.fatal(new InternalError())).isTrue();
  }

  @Test
  void issue14_withoutInstallNothingEnds() throws Exception {
    ProcessGuard.uninstall();
    ProcessGuard.caught("check", new OutOfMemoryError());
    assertThat(halts).isEmpty();
  }
}
