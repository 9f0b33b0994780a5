package io.jrego.engine.conformance;

import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.PreparedPolicy.QueryResult;
import io.jrego.engine.Rego;
import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.base.RegoVersion;
import io.jrego.engine.spi.BuiltinError;
import io.jrego.engine.spi.BuiltinResult;
import io.jrego.engine.spi.CustomBuiltin;
import io.jrego.engine.value.NullValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs compliance cases against jrego through its public API, one at a time, each bounded twice: by
 * the engine's own timeout ({@link EngineOptions#withTimeout}) and by a wall-clock limit on the
 * worker thread, so a case the engine cannot stop still cannot hang the run. A worker that
 * overstays is abandoned (interrupted, its daemon thread left behind) and a fresh one takes over.
 */
final class CaseRunner implements AutoCloseable {

  /** The variable the input term is bound to; not a name the cases use. */
  static final String INPUT_VAR = "jrego_input_term";

  /** A worker overstaying its limit this many times ends the run: something is badly wrong. */
  private static final int MAX_ABANDONED = 25;

  /**
   * {@code test.sleep("10ms")}: a builtin OPA's own test harness registers for the compliance cases
   * (to show that {@code time.now_ns} keeps one value through a query); never part of a policy.
   */
  private static final CustomBuiltin TEST_SLEEP =
      CustomBuiltin.declared(
              "test.sleep(string) => null",
              a -> {
                if (!(a.get(0) instanceof StringValue s) || !s.value().matches("[0-9]+ms")) {
                  throw new BuiltinError("want a duration such as \"10ms\"");
                }
                try {
                  Thread.sleep(Long.parseLong(s.value().substring(0, s.value().length() - 2)));
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
                return BuiltinResult.of(NullValue.INSTANCE);
              })
          .nondeterministic();

  private final Duration engineTimeout;
  private final Duration hardTimeout;
  private ExecutorService worker = newWorker("compliance-case");
  private int abandoned;

  CaseRunner(Duration engineTimeout) {
    this.engineTimeout = engineTimeout;
    this.hardTimeout = engineTimeout.multipliedBy(2).plusSeconds(1);
  }

  /** Runs one case; never throws. */
  Outcome run(ComplianceCase c) {
    long start = System.nanoTime();
    if (abandoned >= MAX_ABANDONED) {
      return Outcome.failed(c, "not run: " + abandoned + " earlier cases hung", 0);
    }
    Future<Optional<String>> f = worker.submit(() -> evaluateAndScore(c));
    try {
      Optional<String> failure = f.get(hardTimeout.toMillis(), TimeUnit.MILLISECONDS);
      long nanos = System.nanoTime() - start;
      return failure
          .map(r -> Outcome.failed(c, r, nanos))
          .orElseGet(() -> Outcome.passed(c, nanos));
    } catch (TimeoutException e) {
      f.cancel(true);
      worker.shutdownNow();
      worker = newWorker("compliance-case");
      abandoned++;
      return Outcome.failed(
          c, "timed out after " + hardTimeout.toMillis() + " ms", System.nanoTime() - start);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      return Outcome.failed(
          c,
          "threw " + cause.getClass().getSimpleName() + ": " + Scorer.firstLine(cause.getMessage()),
          System.nanoTime() - start);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Outcome.failed(c, "interrupted", System.nanoTime() - start);
    }
  }

  private Optional<String> evaluateAndScore(ComplianceCase c) {
    EngineOptions options =
        EngineOptions.defaults()
            .withTimeout(engineTimeout)
            .withStrictBuiltinErrors(c.strictError());
    Optional<Value> input;
    try {
      input =
          c.inputTerm().isPresent() ? Optional.of(evaluateTerm(c.inputTerm().get())) : c.input();
    } catch (RegoException e) {
      return Optional.of("input_term did not evaluate: " + Scorer.firstLine(e.getMessage()));
    }
    Rego.Builder b = Rego.builder().options(options).builtin(TEST_SLEEP);
    for (int i = 0; i < c.modules().size(); i++) {
      b.module("test-" + i + ".rego", c.modules().get(i), RegoVersion.V1);
    }
    c.data().ifPresent(b::data);
    List<Map<String, Value>> bindings = List.of();
    Optional<RegoException> error = Optional.empty();
    try {
      PreparedPolicy policy = b.compile();
      bindings = policy.query(c.query(), input).stream().map(QueryResult::bindings).toList();
    } catch (RegoException e) {
      error = Optional.of(e);
    }
    return Scorer.score(c, bindings, error);
  }

  /** The value of a Rego term, computed by the engine as the query {@code x = <term>}. */
  private Value evaluateTerm(String term) throws RegoException {
    PreparedPolicy empty = Rego.builder().options(EngineOptions.defaults()).compile();
    List<QueryResult> rs = empty.query(INPUT_VAR + " = " + term, Optional.empty());
    if (rs.size() != 1 || !rs.get(0).bindings().containsKey(INPUT_VAR)) {
      throw new IllegalStateException(
          "input_term " + term + " gave " + rs.size() + " results, expected one binding");
    }
    return rs.get(0).bindings().get(INPUT_VAR);
  }

  /**
   * A one-thread executor on a daemon thread named {@code threadName}: a case that overstays is
   * abandoned on it without keeping the test JVM alive.
   */
  static ExecutorService newWorker(String threadName) {
    return Executors.newSingleThreadExecutor(
        r -> {
          Thread t = new Thread(r, threadName);
          t.setDaemon(true);
          return t;
        });
  }

  @Override
  public void close() {
    worker.shutdownNow();
  }

  /** What happened to one case. */
  enum Status {
    PASSED,
    FAILED,
    SKIPPED
  }

  /**
   * @param c the case
   * @param status how it ended
   * @param detail why it failed or was skipped; empty when it passed
   * @param nanos how long it took
   */
  record Outcome(ComplianceCase c, Status status, String detail, long nanos) {
    static Outcome passed(ComplianceCase c, long nanos) {
      return new Outcome(c, Status.PASSED, "", nanos);
    }

    static Outcome failed(ComplianceCase c, String why, long nanos) {
      return new Outcome(c, Status.FAILED, why, nanos);
    }

    static Outcome skipped(ComplianceCase c, String why) {
      return new Outcome(c, Status.SKIPPED, why, 0);
    }
  }
}
