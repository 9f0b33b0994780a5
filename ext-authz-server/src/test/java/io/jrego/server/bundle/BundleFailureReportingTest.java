package io.jrego.server.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.bundle.BundleLoader;
import io.jrego.server.policy.PolicyHolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, finding 6: a bundle that failed with an {@link Error} (a stack overflow while reading
 * it) was dropped silently: no event, no {@code last_bundle_error}, and the scheduled poll's
 * exception vanished into its future. Every failure is now reported with a reason and a time, the
 * last good policy stays, and the next version still loads.
 */
class BundleFailureReportingTest {

  @TempDir Path dir;

  private final PolicyHolder holder = new PolicyHolder();
  private final List<BundleManager.Event> events = new CopyOnWriteArrayList<>();

  private void write(String rev, String rego) throws Exception {
    Files.writeString(dir.resolve(".manifest"), "{\"revision\":\"" + rev + "\"}");
    Path module = dir.resolve("policy.rego");
    Files.writeString(module, rego);
    // a new modification time, so the poll sees a change even within the same millisecond
    Files.setLastModifiedTime(module, FileTime.from(Instant.now().plusSeconds(events.size())));
  }

  @Test
  void issue14_anErrorWhileLoadingIsReportedAndTheLastGoodPolicyStays() throws Exception {
    write("good-1", "package p\n\nx := 1\n");
    BundleManager m =
        new BundleManager(
            List.of(new LocalBundleSource(dir, BundleLoader.Options.defaults(), Duration.ZERO)),
            holder,
            EngineOptions.defaults(),
            e -> {
              events.add(e);
              throw new IllegalStateException("a listener that fails does not stop polling");
            });
    assertThat(m.pollAll()).isTrue();

    // 100,000 nested brackets overflowed the Rego parser's stack (a StackOverflowError); the
    // parser refuses them now, and the failure is reported all the same
    write("deep", "package p\n\nx := " + "[".repeat(100_000) + "]".repeat(100_000) + "\n");
    Instant before = Instant.now();
    assertThat(m.pollAll()).isFalse();
    BundleManager.Failed f = m.lastFailure().orElseThrow();
    assertThat(f.reason()).isEqualTo("compile");
    assertThat(f.message()).contains("max parsing recursion depth exceeded");
    assertThat(f.at()).isAfterOrEqualTo(before);
    assertThat(events.get(events.size() - 1)).isEqualTo(f);
    assertThat(holder.current().orElseThrow().revision()).isEqualTo("good-1");

    write("good-2", "package p\n\nx := 2\n");
    assertThat(m.pollAll()).isTrue();
    assertThat(holder.current().orElseThrow().revision()).isEqualTo("good-2");
    assertThat(m.lastFailure()).isEmpty();
    m.close();
  }

  /**
   * The trigger of the test above no longer reaches the {@link Error} path (the parser bounds its
   * nesting). Here a real {@link StackOverflowError} is raised while a bundle loads: a module
   * nested as deep as the parser allows, polled on a thread whose stack cannot hold that recursion.
   * It is reported as reason {@code error} (what {@code jrego serve} logs, counts in {@code
   * jrego_bundle_failures_total} and shows as {@code last_bundle_error}), the last good policy
   * stays, and the next version loads.
   */
  @Test
  void issue14_aStackOverflowWhileLoadingIsReportedAsAnErrorAndTheLastGoodPolicyStays()
      throws Exception {
    io.jrego.server.admin.ServerMetrics metrics = new io.jrego.server.admin.ServerMetrics();
    write("good-1", "package p\n\nx := 1\n");
    BundleManager m =
        new BundleManager(
            List.of(new LocalBundleSource(dir, BundleLoader.Options.defaults(), Duration.ZERO)),
            holder,
            EngineOptions.defaults(),
            e -> {
              events.add(e);
              if (e instanceof BundleManager.Failed f) {
                metrics.bundleFailed(f.source(), f.reason(), f.message(), f.at());
              }
            });
    assertThat(m.pollAll()).isTrue();

    // 255 levels: the parser's limit is 256
    write("deep", "package p\n\nx := " + "[".repeat(255) + "]".repeat(255) + "\n");
    java.util.concurrent.atomic.AtomicReference<Object> outcome =
        new java.util.concurrent.atomic.AtomicReference<>();
    Thread small =
        new Thread(
            null,
            () -> {
              try {
                outcome.set(m.pollAll());
              } catch (Throwable t) {
                outcome.set(t);
              }
            },
            "small-stack-poll",
            16 << 10); // the JVM raises it to its minimum, still far too small
    small.start();
    small.join(30_000);
    assertThat(outcome.get()).as("the poll returned, the Error caught").isEqualTo(false);
    BundleManager.Failed f = m.lastFailure().orElseThrow();
    assertThat(f.reason()).isEqualTo(BundleManager.ERROR);
    assertThat(f.message()).contains("StackOverflowError");
    assertThat(events.get(events.size() - 1)).isEqualTo(f);
    assertThat(holder.current().orElseThrow().revision()).isEqualTo("good-1");
    assertThat(metrics.scrape())
        .containsPattern("jrego_bundle_failures_total\\{[^}]*reason=\"error\"");

    write("good-2", "package p\n\nx := 2\n");
    assertThat(m.pollAll()).isTrue();
    assertThat(holder.current().orElseThrow().revision()).isEqualTo("good-2");
    m.close();
  }

  @Test
  void issue14_failuresCarryTheirReason() throws Exception {
    write("good", "package p\n\nx := 1\n");
    BundleManager m =
        new BundleManager(
            List.of(new LocalBundleSource(dir, BundleLoader.Options.defaults(), Duration.ZERO)),
            holder,
            EngineOptions.defaults(),
            events::add);
    m.pollAll();
    write("bad", "package p\n\nx := undefined_function(1)\n");
    m.pollAll();
    assertThat(m.lastFailure().orElseThrow().reason()).isEqualTo("compile");
    Files.writeString(dir.resolve("data.json"), "[".repeat(5_000) + "]".repeat(5_000));
    write("deep-data", "package p\n\nx := 1\n");
    m.pollAll();
    assertThat(m.lastFailure().orElseThrow().reason()).isEqualTo("limit");
    m.close();
  }
}
