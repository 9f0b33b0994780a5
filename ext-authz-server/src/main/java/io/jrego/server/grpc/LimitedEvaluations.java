package io.jrego.server.grpc;

import io.jrego.engine.PreparedQuery;
import io.jrego.engine.Rego;
import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.base.QueryOptions;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import io.jrego.server.decide.LongEvaluations;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Evaluations that run past the engine's limit checkpoint (every 1,024 steps) and end there, for
 * {@link WarmUp} to run among its made-up checks: one that a pacer lets go on to the end, one the
 * pacer cancels, one whose deadline passes while it runs, one whose deadline passed before it
 * started, one past its allocation limit; and two calls of a builtin that refuses its operand
 * ({@link #refused}).
 *
 * <p>Why: the evaluator's hottest methods ({@code evalRule}, {@code bindThen}, {@code ruleDoc},
 * {@code callFunction}) restore their state in {@code finally} blocks, and the step counter calls
 * the checkpoint once in 1,024 steps. Legitimate checks take a few hundred steps and never end at a
 * limit, so the JIT compiled those paths as traps. In the fault matrix's cpu-policy phase the first
 * expensive check to end at a limit set them off: each replica deoptimised those methods, and every
 * legitimate check ran its evaluation in the interpreter until they were compiled again
 * (load-tests/README.md, "Session 8 rounds"). Having seen each ending once in the warm-up, the
 * compiled code keeps them. The evaluator is shared by every policy, so a fixed module of its own
 * does for all of them.
 */
final class LimitedEvaluations {

  private LimitedEvaluations() {}

  /**
   * Every pair of items through a function, never true: several thousand steps for {@link #INPUT}.
   */
  static final String MODULE =
      """
      package jrego.warmup

      spin if {
      	some a in input.items
      	some b in input.items
      	same(a.k, b.k)
      	a.r == "never"
      }

      same(x, y) if x == y

      # every kind of term, statement and collection the evaluator switches on, once each
      cover := {
      	"array": [x.k | some x in input.items; x.k == "m1"],
      	"set": {x.k | some x in input.items},
      	"object": {k: i | some i, x in input.items; i < 3; k := sprintf("%s-%d", [x.k, i])},
      	"every": every_user,
      	"some": some_m2,
      	"not": not_missing,
      	"with": with_two,
      	"template": $"{count(input.items)} items",
      	"literals": [{1, "a"}, {"a": [1, 2.5, null, true]}],
      	"object_keys": [k | some k, _ in {"a": 1, "b": 2}],
      	"set_members": [m | some m in {"x", "y"}],
      	"else": pick(3),
      	"default": never,
      	"partial_set": count(kinds),
      	"partial_object": count(kind_at),
      }

      every_user if every x in input.items { x.r == "user" }

      some_m2 if {
      	some i
      	input.items[i].k == "m2"
      }

      not_missing if not input.missing

      with_two := n if {
      	n := count(input.items) with input.items as [1, 2]
      }

      pick(n) := "big" if n > 5
      else := "small"

      default never := false

      never if input.missing

      kinds contains x.k if some x in input.items

      kind_at[i] := x.k if some i, x in input.items

      # a builtin that refuses its operand: the call is undefined, negated and not
      refused contains "not" if {
      	p := input.pattern
      	not regex.match(p, "a")
      }

      refused contains "direct" if not matched

      # the same in a rule that holds once: the assignment's rest of the body holds and the search
      # stops there (in a partial set it goes on to the next binding)
      refused contains "bound" if bound_and_held

      bound_and_held if {
      	p := input.pattern
      	not regex.match(p, "a")
      }

      matched if regex.match(input.pattern, "a")
      """;

  /**
   * Patterns {@code regex.match} refuses: a nested repetition too large to compile, and one that
   * does not parse.
   */
  static final List<String> REFUSED_PATTERNS = List.of("((a{1000}){1000}){1000}", "(");

  private static final Value INPUT = input(40);

  /** The deadline that passes while an evaluation runs: its pacer sleeps past it. */
  private static final long DEADLINE_NANOS = 500_000;

  /**
   * How the evaluations of one {@link #round()} ended; {@code covered} is whether {@link #cover()}
   * answered.
   */
  record Round(int completed, List<String> errorCodes, int checkpoints, boolean covered) {}

  /**
   * Runs each of the five evaluations once, the {@code refused} rule for each of {@link
   * #REFUSED_PATTERNS}, and the {@code cover} rule ({@link WarmUpSwitches#cover()}). Never throws:
   * a module that would not compile (it does) leaves the warm-up without these evaluations, not
   * without its checks.
   */
  static Round round() {
    return round(WarmUpSwitches.CURRENT);
  }

  /** {@link #round()}, with the {@code cover} rule only if {@code switches} say so. */
  static Round round(WarmUpSwitches switches) {
    // the long evaluations' pacing, every way it goes, beside the engine's endings
    LongEvaluations.rehearse();
    Optional<Queries> q = Queries.INSTANCE;
    if (q.isEmpty()) {
      return new Round(0, List.of(), 0, false);
    }
    AtomicInteger checkpoints = new AtomicInteger();
    List<String> errors = new ArrayList<>();
    int completed = 0;
    QueryOptions none = QueryOptions.none();
    List<Eval> evals =
        List.of(
            () -> q.get().normal().evaluate(INPUT, none.pacer(checkpoints::incrementAndGet)),
            () ->
                q.get()
                    .normal()
                    .evaluate(
                        INPUT,
                        none.pacer(
                            () -> {
                              throw new CancellationException("warm-up: cancelled");
                            })),
            () ->
                q.get()
                    .normal()
                    .evaluate(
                        INPUT,
                        none.withDeadline(System.nanoTime() + DEADLINE_NANOS)
                            .pacer(() -> LockSupport.parkNanos(2 * DEADLINE_NANOS))),
            () -> q.get().normal().evaluate(INPUT, none.withDeadline(System.nanoTime())),
            () -> q.get().smallAllocation().evaluate(INPUT, none),
            () -> refused(REFUSED_PATTERNS.get(0)),
            () -> refused(REFUSED_PATTERNS.get(1)));
    for (Eval e : evals) {
      try {
        e.run();
        completed++;
      } catch (RegoException ex) {
        errors.add(ex.code());
      }
    }
    return new Round(completed, errors, checkpoints.get(), switches.cover() && cover().isPresent());
  }

  /**
   * The module's {@code cover} rule: every kind of term, statement and collection the evaluator
   * switches on. Why: the evaluator's type switches are compiled from the kinds they have seen, and
   * a bundle's policy warm-up at a swap ({@code PolicyWarmUp}) brought kinds the check traffic had
   * not (load-tests/README.md, "Session 9 rounds"): the switches were deoptimised on every check
   * thread at once. Empty if the module did not compile or the rule failed.
   */
  static Optional<Value> cover() {
    return Queries.INSTANCE.flatMap(
        q -> {
          try {
            return q.cover().evaluate(INPUT);
          } catch (RegoException e) {
            return Optional.empty();
          }
        });
  }

  /**
   * The module's {@code refused} rule for a pattern: {@code ["bound", "direct", "not"]} when {@code
   * regex.match} refuses it. Why: in the fault matrix's regex phase (session 13) the first
   * caller-sent pattern that {@code regex.match} refused deoptimised the regex cache's lookup and
   * the evaluator's call paths ({@code invoke}, {@code evalDirect}) on both replicas at once: a
   * builtin that fails had never been seen. "bound": a pattern bound by an assignment whose rest of
   * the body then holds in a rule that holds once, the shape of the matrix's {@code
   * filter_mismatch}: the search stops right after the assignment, which {@code evalDirect} (bci
   * 361) had only seen go on (sessions 15 and 16: the regex phase's first hostile request trapped
   * there on both replicas; "not", whose assignment is followed by the same test in a partial set,
   * goes on to the next binding). Empty if the module did not compile.
   */
  static Optional<Value> refused(String pattern) {
    return Queries.INSTANCE.flatMap(
        q -> {
          try {
            return q.refused()
                .evaluate(ObjectValue.of(StringValue.of("pattern"), StringValue.of(pattern)));
          } catch (RegoException e) {
            return Optional.empty();
          }
        });
  }

  /**
   * {@code stop}, running a {@link #round()} on the caller's thread at its first call and then at
   * every {@code every}-th: spread over the warm-up, so the rounds fall before and after the JIT
   * compiles the evaluator.
   */
  static BooleanSupplier every(int every, BooleanSupplier stop) {
    return every(every, stop, LimitedEvaluations::round);
  }

  static BooleanSupplier every(int every, BooleanSupplier stop, Runnable round) {
    AtomicInteger calls = new AtomicInteger();
    return () -> {
      if (calls.getAndIncrement() % every == 0) {
        round.run();
      }
      return stop.getAsBoolean();
    };
  }

  private interface Eval {
    void run() throws RegoException;
  }

  private record Queries(
      PreparedQuery normal,
      PreparedQuery smallAllocation,
      PreparedQuery cover,
      PreparedQuery refused) {
    static final Optional<Queries> INSTANCE = compile();

    private static Optional<Queries> compile() {
      try {
        return Optional.of(
            new Queries(
                query(EngineOptions.defaults(), "spin"),
                // ends at the first checkpoint: every evaluation allocates more than a byte by then
                query(EngineOptions.defaults().withMaxAllocationBytes(1), "spin"),
                query(EngineOptions.defaults(), "cover"),
                query(EngineOptions.defaults(), "refused")));
      } catch (RegoException e) {
        return Optional.empty();
      }
    }

    private static PreparedQuery query(EngineOptions options, String rule) throws RegoException {
      return Rego.builder()
          .module("jrego-warm-up.rego", MODULE)
          .options(options)
          .compile()
          .prepare("data.jrego.warmup." + rule);
    }
  }

  private static Value input(int n) {
    StringBuilder b = new StringBuilder("{\"items\":[");
    for (int i = 0; i < n; i++) {
      b.append(i == 0 ? "" : ",").append("{\"k\":\"m").append(i % 7).append("\",\"r\":\"user\"}");
    }
    return Json.parse(b.append("]}").toString());
  }
}
