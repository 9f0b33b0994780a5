package io.jrego.server.bundle;

import io.jrego.engine.PreparedQuery;
import io.jrego.engine.base.QueryOptions;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.bundle.Bundle;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import io.jrego.server.policy.ActivePolicy;
import io.jrego.server.policy.RecentInputs;
import io.jrego.server.route.Route;
import io.jrego.server.route.RouteTable;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Evaluates a new policy on the inputs of recent checks ({@link RecentInputs}) before {@link
 * BundleManager} activates it, so that the first requests after a swap do not meet an evaluator the
 * JIT compiler has not seen: the fault matrix found the p99 of a swap's first second there.
 *
 * <p>It runs on the bundle-loading thread, never a check thread, in rounds over the samples until
 * {@code budget} has passed (each evaluation is cancelled at the budget's end) or {@link
 * #MAX_ROUNDS} rounds are done. A sample that fails to evaluate is counted, never stops the swap.
 * One that runs past {@link #SAMPLE_BUDGET} is cancelled, counted as cut and left out of the later
 * rounds: an input the new policy finds expensive would otherwise take the whole budget, and the
 * cheap checks that make up the traffic would meet the new policy cold.
 *
 * @param routes how a check's input finds its decision path (as the check path does)
 * @param inputs the samples
 * @param budget the most wall-clock time one warm-up takes; zero for none
 */
public record PolicyWarmUp(RouteTable routes, RecentInputs inputs, Duration budget) {

  /** The most rounds over the samples, however short they are. */
  static final int MAX_ROUNDS = 64;

  /**
   * The longest one sample's evaluation may run. The shipped policy decides a 2 KB chat in about
   * 0.03 ms warm; a sample still running after this is expensive for the new policy, which is the
   * long evaluations' business once it serves (LongEvaluations). In the fault matrix's cpu-policy
   * phases such a sample took whole 200 ms warm-ups (1, 14 and 17 evaluations, session 14).
   */
  static final Duration SAMPLE_BUDGET = Duration.ofMillis(20);

  /**
   * What one warm-up did: evaluations run, how many of them failed, how many of those were cut at
   * {@link #SAMPLE_BUDGET} (and not run again), and how long it took.
   */
  public record Result(
      int evaluations, int failures, int cut, Duration took, Optional<String> firstError) {}

  /** Checks the budget is not negative. */
  public PolicyWarmUp {
    Objects.requireNonNull(routes);
    Objects.requireNonNull(inputs);
    if (budget.isNegative()) {
      throw new IllegalArgumentException("policy warm-up budget must not be negative: " + budget);
    }
  }

  /** Evaluates {@code policy} on the samples, within the budget. */
  public Result run(ActivePolicy policy) {
    long start = System.nanoTime();
    if (budget.isZero()) {
      return new Result(0, 0, 0, Duration.ZERO, Optional.empty());
    }
    long end = start + budget.toNanos();
    long sampleNanos = SAMPLE_BUDGET.toNanos();
    List<Sample> samples = samples(policy);
    int evaluations = 0;
    int failures = 0;
    int cut = 0;
    String firstError = null;
    for (int round = 0; round < MAX_ROUNDS && !samples.isEmpty(); round++) {
      List<Sample> next = new ArrayList<>(samples.size());
      for (Sample s : samples) {
        long now = System.nanoTime();
        if (now - end >= 0) {
          return new Result(
              evaluations, failures, cut, since(start), Optional.ofNullable(firstError));
        }
        long deadline = end - now < sampleNanos ? end : now + sampleNanos;
        evaluations++;
        try {
          s.query().evaluate(s.input(), QueryOptions.none().withDeadline(deadline));
          next.add(s);
        } catch (RegoException | RuntimeException e) {
          failures++;
          if (firstError == null) {
            firstError = e.getClass().getSimpleName() + ": " + e.getMessage();
          }
          if (deadline != end && System.nanoTime() - deadline >= 0) {
            cut++; // expensive for this policy: not run again
          } else {
            next.add(s);
          }
        }
      }
      samples = next;
    }
    return new Result(evaluations, failures, cut, since(start), Optional.ofNullable(firstError));
  }

  /**
   * The most one {@link #rehearse} evaluates: enough to run the samples' evaluations once, little
   * beside a check thread's work.
   */
  static final Duration REHEARSAL_BUDGET = Duration.ofMillis(20);

  /**
   * Goes through what a swap does on the bundle-loading thread before its new policy serves, with
   * the active policy and bundles and nothing at stake: their data written as JSON (compact and
   * indented, as a {@code data.json} comes) and read again through the bundle loader's entry, the
   * samples read from their JSON ({@link RecentInputs#snapshot}) and evaluated within {@link
   * #REHEARSAL_BUDGET}. The JSON reader, its parser and the evaluator are the code every check
   * runs: a swap reads names, numbers and layouts that request bodies do not, and where the JIT
   * compiled that code without ever seeing them, the swap's first reading threw the compiled code
   * out (the fault matrix's cpu-policy phase, session 18: {@code Json.read}, Jackson's {@code
   * nextToken} and name and number readers, on the bundle thread, in the swap's first 3 s).
   * Rehearsed while the server is new, those traps happen, and the code is compiled again with what
   * they saw, before a swap under load. Whatever the rehearsal reads or evaluates is dropped. Data
   * too large to hold twice more ({@link #rehearsable}) is not written and read again; the samples
   * are still evaluated.
   *
   * @param active the active policy, evaluated on the samples
   * @param bundles the bundles it was compiled from
   */
  public Result rehearse(ActivePolicy active, Collection<Bundle> bundles) {
    for (Bundle b : bundles) {
      if (!rehearsable(b.data())) {
        continue;
      }
      Json.parse(Json.writeBytes(b.data()), () -> false);
      Json.parse(Json.writePretty(b.data()).getBytes(StandardCharsets.UTF_8), () -> false);
    }
    return new PolicyWarmUp(routes, inputs, REHEARSAL_BUDGET).run(active);
  }

  /**
   * The most values a bundle's data may hold for a rehearsal to write and read it again. The JIT
   * needs the data's shapes, not its volume; a rehearsal of data near the bundle's memory limit
   * would hold it twice more (its JSON and the copy read back) on a thread that must not fail, so
   * larger data is left out and only the samples are evaluated.
   */
  static final int REHEARSAL_MAX_VALUES = 100_000;

  /** The most characters of strings a rehearsed data document may hold (about 4 MiB as UTF-16). */
  static final long REHEARSAL_MAX_CHARS = 2L << 20;

  /**
   * Whether {@code data} is small enough to rehearse: counted until a limit is passed, no further.
   */
  static boolean rehearsable(Value data) {
    long[] left = {REHEARSAL_MAX_VALUES, REHEARSAL_MAX_CHARS};
    return fits(data, left);
  }

  private static boolean fits(Value v, long[] left) {
    if (--left[0] < 0) {
      return false;
    }
    return switch (v) {
      case StringValue s -> (left[1] -= s.value().length()) >= 0;
      case ArrayValue a -> all(a, left);
      case SetValue s -> all(s, left);
      case ObjectValue o -> {
        for (Value k : o.keys()) {
          if (!fits(k, left) || !fits(o.getOrNull(k), left)) {
            yield false;
          }
        }
        yield true;
      }
      default -> true;
    };
  }

  private static boolean all(Iterable<Value> values, long[] left) {
    for (Value e : values) {
      if (!fits(e, left)) {
        return false;
      }
    }
    return true;
  }

  private record Sample(PreparedQuery query, ObjectValue input) {}

  /** Each input with the query its route evaluates; inputs no route takes are left out. */
  private List<Sample> samples(ActivePolicy policy) {
    Map<String, Optional<PreparedQuery>> prepared = new HashMap<>();
    List<Sample> out = new ArrayList<>();
    for (ObjectValue input : inputs.snapshot()) {
      Optional<Route> route =
          routes.routing() ? routes.select(input) : Optional.of(routes.routes().get(0));
      if (route.isEmpty()
          || route.get().bundle().filter(b -> !policy.bundles().containsKey(b)).isPresent()) {
        continue;
      }
      Optional<PreparedQuery> query =
          prepared.computeIfAbsent(route.get().path(), path -> prepare(policy, path));
      query.ifPresent(q -> out.add(new Sample(q, input)));
    }
    return out;
  }

  /** The policy's own prepared decision (Decisions), as the checks under it will find it. */
  private static Optional<PreparedQuery> prepare(ActivePolicy policy, String path) {
    // empty for an undefined decision: nothing to warm
    return Optional.ofNullable(policy.decisions().get(path).query());
  }

  private static Duration since(long start) {
    return Duration.ofNanos(System.nanoTime() - start);
  }
}
