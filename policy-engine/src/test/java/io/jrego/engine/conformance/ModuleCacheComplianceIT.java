package io.jrego.engine.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.ModuleCache;
import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.PreparedPolicy.QueryResult;
import io.jrego.engine.Rego;
import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.base.RegoVersion;
import io.jrego.engine.spi.BuiltinResult;
import io.jrego.engine.spi.CustomBuiltin;
import io.jrego.engine.value.NullValue;
import io.jrego.engine.value.Value;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * {@link ModuleCache} reuses parsed modules and compiled rules from one load to the next on the
 * grounds that the compiler never changes the modules it is given. Shown, not assumed, on every OPA
 * compliance case but the skipped ones (those that call OPA's {@code test.sleep} do not compile
 * here, alike in every way): its modules compiled fresh; through a cache (parsed there, kept);
 * again through the cache with a custom builtin beside them, so that the compiler runs again on the
 * very modules the first compile was given; once more, the compiled rules reused; and after another
 * policy served, once more from the cache's previous slot (a swap back). Each gives the fresh
 * compile's results, or its error message, and the cache parsed each module once.
 */
class ModuleCacheComplianceIT {

  private static final Duration ENGINE_TIMEOUT = Duration.ofSeconds(5);

  /** Per case, however the engine behaves: a case that overstays is left out and counted. */
  private static final Duration CASE_TIMEOUT = Duration.ofSeconds(30);

  /** A builtin no case calls: its presence makes the compiler run again on the cached modules. */
  private static final CustomBuiltin UNUSED =
      CustomBuiltin.declared(
          "jrego_test.module_cache_unused(string) => null",
          a -> BuiltinResult.of(NullValue.INSTANCE));

  @Test
  void everyComplianceCaseGivesTheSameResultsWithModulesAndRulesReused() throws Exception {
    Path dir = ComplianceRun.casesDir();
    assertThat(Files.isDirectory(dir)).as("compliance cases at %s", dir).isTrue();
    Map<String, String> skips =
        ComplianceRun.parseSkips(ComplianceRun.resource("skips.txt").orElse(""));
    List<ComplianceCase> cases = CaseLoader.loadAll(dir);
    List<String> differ = new ArrayList<>();
    int compared = 0;
    int overstayed = 0;
    ExecutorService worker = CaseRunner.newWorker("module-cache-compliance");
    try {
      for (ComplianceCase c : cases) {
        if (skips.containsKey(c.key())) {
          continue;
        }
        Future<Optional<String>> f = worker.submit(() -> compare(c));
        try {
          Optional<String> d = f.get(CASE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
          d.ifPresent(differ::add);
          compared++;
        } catch (TimeoutException e) {
          f.cancel(true);
          worker.shutdownNow();
          worker = CaseRunner.newWorker("module-cache-compliance");
          overstayed++;
        } catch (ExecutionException e) {
          differ.add(c.key() + ": threw " + e.getCause());
        }
        assertThat(overstayed).as("cases that overstayed %s", CASE_TIMEOUT).isLessThan(10);
      }
    } finally {
      worker.shutdownNow();
    }
    assertThat(compared).as("cases compared").isGreaterThan(1_000);
    assertThat(differ).as("cases whose results differ with the cache").isEmpty();
  }

  /** Empty when every way gives the fresh compile's outcome, else what differed. */
  private static Optional<String> compare(ComplianceCase c) {
    Optional<Value> input = c.input();
    if (c.inputTerm().isPresent()) {
      try {
        List<QueryResult> rs =
            Rego.builder()
                .compile()
                .query("jrego_input = " + c.inputTerm().get(), Optional.empty());
        input = Optional.of(rs.get(0).bindings().get("jrego_input"));
      } catch (RegoException | RuntimeException e) {
        return Optional.empty(); // the case's own input does not evaluate: nothing to compare
      }
    }
    String fresh = outcome(c, input, null, false).text();
    ModuleCache cache = new ModuleCache(Long.MAX_VALUE);
    Outcome first = outcome(c, input, cache, false);
    String parsed = first.text();
    cache.keep();
    long parses = cache.parsedTotal();
    String recompiled = outcome(c, input, cache, true).text();
    cache.dropPending();
    String reused = outcome(c, input, cache, false).text();
    cache.keep();
    // another policy under the same file name serves; then the swap back, from the previous slot
    swapTo(cache, "package jrego_module_cache_other\n\nx := 1\n");
    String back = outcome(c, input, cache, false).text();
    List<String> problems = new ArrayList<>();
    if (!parsed.equals(fresh)) {
      problems.add("parsed through the cache: " + parsed);
    }
    if (!recompiled.equals(fresh)) {
      problems.add("compiled again from the cached modules: " + recompiled);
    }
    if (!reused.equals(fresh)) {
      problems.add("compiled rules reused: " + reused);
    }
    if (!back.equals(fresh)) {
      problems.add("swapped back to, compiled rules reused: " + back);
    }
    if (first.compiled() && cache.parsedTotal() != parses + 1) { // + the other policy's module
      problems.add("parsed again: " + (cache.parsedTotal() - parses - 1) + " modules");
    }
    if (first.compiled() && cache.compilesReusedTotal() != 2) {
      problems.add("compiled rules not reused: " + cache.compilesReusedTotal() + " of 2 times");
    }
    return problems.isEmpty()
        ? Optional.empty()
        : Optional.of(c.key() + ": fresh " + fresh + "; " + String.join("; ", problems));
  }

  /** Compiles {@code module} as test-0.rego through the cache and keeps it: it now serves. */
  private static void swapTo(ModuleCache cache, String module) {
    try {
      var unused =
          Rego.builder().parsedWith(cache).module("test-0.rego", module, RegoVersion.V1).compile();
    } catch (RegoException e) {
      throw new IllegalStateException(e);
    }
    cache.keep();
  }

  /** Whether the modules compiled, and the results (bindings in order) or the error. */
  private record Outcome(boolean compiled, String text) {}

  /** The case's outcome, compiled as told. */
  private static Outcome outcome(
      ComplianceCase c, Optional<Value> input, ModuleCache cache, boolean withUnused) {
    Rego.Builder b =
        Rego.builder()
            .options(
                EngineOptions.defaults()
                    .withTimeout(ENGINE_TIMEOUT)
                    .withStrictBuiltinErrors(c.strictError()));
    if (cache != null) {
      b.parsedWith(cache);
    }
    if (withUnused) {
      b.builtin(UNUSED);
    }
    for (int i = 0; i < c.modules().size(); i++) {
      b.module("test-" + i + ".rego", c.modules().get(i), RegoVersion.V1);
    }
    c.data().ifPresent(b::data);
    PreparedPolicy policy;
    try {
      policy = b.compile();
    } catch (RegoException e) {
      return new Outcome(false, "error " + e.getMessage());
    } catch (RuntimeException e) {
      return new Outcome(false, "threw " + e.getClass().getName() + ": " + e.getMessage());
    }
    try {
      List<Map<String, Value>> bindings =
          policy.query(c.query(), input).stream().map(QueryResult::bindings).toList();
      return new Outcome(true, "results " + bindings);
    } catch (RegoException e) {
      return new Outcome(true, "error " + e.getMessage());
    } catch (RuntimeException e) {
      return new Outcome(true, "threw " + e.getClass().getName() + ": " + e.getMessage());
    }
  }
}
