package io.jrego.engine.eval;

import io.jrego.engine.ast.Expr;
import io.jrego.engine.ast.Term;
import io.jrego.engine.ast.Term.Ref;
import io.jrego.engine.ast.Term.Scalar;
import io.jrego.engine.ast.Term.Var;
import io.jrego.engine.base.Coverage;
import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.base.RegoError;
import io.jrego.engine.base.RegoError.Location;
import io.jrego.engine.builtins.spi.BuiltinContext;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.builtins.spi.LimitExceededException;
import io.jrego.engine.compiler.CompiledPolicy;
import io.jrego.engine.compiler.CompiledQuery;
import io.jrego.engine.compiler.CompiledRule;
import io.jrego.engine.compiler.Compiler;
import io.jrego.engine.compiler.RuleNode;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.Checkpoint;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Top-down evaluation of one query. One instance per query: it holds the query's state (input,
 * {@code with} overrides, the rule cache, limits) and is not thread-safe.
 *
 * <p>Implementation notes. Evaluation is written in continuation-passing style: evaluating an
 * expression, a term or a unification calls a continuation once per solution, with variables bound
 * in the current frame ({@code Value[]} indexed by the slots the compiler assigned; null means
 * unbound). A variable is bound, the continuation runs, and the binding is undone when it returns,
 * so backtracking needs no trail. Continuations return {@code true} to stop the search early
 * (negation, existence checks, {@code every}); the flag propagates outwards.
 *
 * <p>A reference into {@code data} walks the rule tree and the base document together; a node
 * holding rules is evaluated as a whole (complete value, set, or object built from ref-head rules)
 * and cached per query by node id. {@code with} swaps the input, a data override tree or a function
 * mock table for the duration of one expression (and back while its continuation runs), with a
 * fresh cache. Builtin errors make the call undefined unless strict; limits (deadline every 1024
 * steps and inside long builtin calls and sorts, see {@link #checkDeadline}; depth; collection
 * size) end the query with an error.
 *
 * <p>Fast paths, each answering exactly as the general path. A call has one value at most, so
 * {@link #invoke} returns it rather than taking a continuation. Terms with at most one value whose
 * operands are already known (constants, bound variables, references through ground keys, nested
 * calls of such terms) are evaluated directly by {@link #simpleValue}, and a body expression made
 * only of them ({@code x := input.a.b}, {@code t := replace(s, "a", "b")}) continues with the rest
 * of the body without allocating continuations ({@link #evalDirect}). User-function values are
 * memoised per with-scope by operands, as OPA's virtual cache ({@link #memoisedCall}).
 *
 * <p>Stack traces. OPA gives an {@code eval_*} error the stack of queries it was raised in (rule,
 * function and comprehension bodies, negations, {@code every}, print operands), innermost first:
 * each query's id, numbered in the order evaluation entered them (the query itself is 0), and the
 * expression it was at. On the way with no error the evaluator keeps only the current query's
 * expression ({@code here}) and the count of queries entered; the Java stack holds the rest. Where
 * a query is entered, its id and the outer query's expression stay in locals, and an error passing
 * out records the frame ({@link #unwound}) and makes the outer query current again, so {@link
 * #guarded} finds the frames collected innermost first. An error leaves a query only by unwinding
 * (nothing inside evaluation swallows an {@code EvalException}), and an outer query's expression
 * cannot move while an inner one is entered, so the frames are those a stack kept throughout would
 * hold, with nothing allocated until an error is raised.
 */
public final class Evaluator {

  /** A continuation after an expression succeeded; true stops the search. */
  @FunctionalInterface
  interface K {
    boolean next();
  }

  /** A continuation receiving one value; true stops the search. */
  @FunctionalInterface
  interface VK {
    boolean accept(Value v);
  }

  /** An evaluation error: ends the query. */
  public static final class EvalException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient RegoError error;

    EvalException(RegoError error) {
      super(error.message(), null, false, false);
      this.error = error;
    }

    public RegoError error() {
      return error;
    }
  }

  private static final Value UNDEFINED = StringValue.of("\u0000undefined");
  private static final Value IN_PROGRESS = StringValue.of("\u0000in-progress");

  final CompiledPolicy policy;
  private final Value baseData;
  private Value input;
  private DataOverride overrides;
  private Map<String, Object> mocks = Map.of();
  private Value[] cache;
  // user-function results by operands, per with-scope like cache; null until the first call
  private Map<CallKey, Value> calls;
  final BuiltinContext ctx;
  private final EngineOptions options;
  private long deadline;
  private boolean deadlineFromCaller; // set by endBy: the message names the caller's budget
  private final Runnable limitCheck = this::checkLimits; // for builtins and the value model
  private Runnable pacer; // the caller's, run at each limit checkpoint; null: none
  private int steps;

  /** The two operands of the comparison being called ({@link #compare}); null between calls. */
  private final Value[] operands = new Value[2];

  private int depth;
  private final CallTargets targets;
  private IdentityHashMap<Expr, Integer> queryExprs;
  private Value[] exprValues;
  // the query's lone expression whose false value is a result (see LoneExpression), else null
  private Expr loneExpr;
  private final Builtins own;
  // for an evaluation error's stack trace (see the class comment): the expression the current
  // query is at, how many queries were entered, the frames recorded while an error unwinds
  private Location here;
  private int queries;
  private List<RegoError.Frame> unwound;
  private CompiledRule currentRule;
  // null unless the caller asked for coverage: the only per-expression cost is this null check
  private Coverage coverage;
  // where internal.test_case reports a parametrized test's case; null: nowhere
  private java.util.function.Consumer<Value> testCases;

  /**
   * @param input the input document, or null when there is none
   */
  public Evaluator(
      CompiledPolicy policy,
      Value baseData,
      Value input,
      BuiltinContext ctx,
      EngineOptions options) {
    this(policy, new CallTargets(policy), baseData, input, ctx, options);
  }

  /**
   * @param targets the policy's shared call resolution
   * @param input the input document, or null when there is none
   */
  public Evaluator(
      CompiledPolicy policy,
      CallTargets targets,
      Value baseData,
      Value input,
      BuiltinContext ctx,
      EngineOptions options) {
    this.targets = targets;
    this.policy = policy;
    this.baseData = baseData;
    this.input = input;
    this.ctx = ctx;
    this.options = options;
    this.cache = new Value[policy.nodes().size()];
    long t = options.timeout().toNanos();
    this.deadline = t <= 0 ? Long.MAX_VALUE : System.nanoTime() + t;
    this.own = new Builtins(this);
    ctx.onCheckpoint(limitCheck);
  }

  /**
   * Ends evaluation at {@code nanoTime} (a {@link System#nanoTime()} value) if that comes before
   * the engine's timeout: the caller's budget for the whole request ({@code
   * QueryOptions.deadline}).
   */
  public void endBy(long nanoTime) {
    if (nanoTime < deadline) {
      deadline = nanoTime;
      deadlineFromCaller = true;
    }
  }

  /**
   * Runs {@code pacer} on the evaluating thread at each limit checkpoint, before the limits are
   * checked ({@code QueryOptions.pacer}): it may pause the thread, or end the query by throwing a
   * {@link java.util.concurrent.CancellationException}, whose message becomes the {@code
   * eval_cancel_error}'s.
   */
  public void pace(Runnable pacer) {
    this.pacer = pacer;
  }

  /** Records the rows this evaluator reaches into {@code c} (OPA's coverage tracer). */
  public void recordCoverage(Coverage c) {
    this.coverage = c;
  }

  /**
   * Reports each case of a parametrized test ({@code internal.test_case([keys])}, which the
   * compiler adds to such tests in test mode) to {@code sink}.
   */
  public void recordTestCases(java.util.function.Consumer<Value> sink) {
    this.testCases = sink;
  }

  /** Marks a rule head whose body succeeded (or a default rule whose value was used). */
  void ruleHit(CompiledRule r) {
    if (coverage != null) {
      coverage.hit(r.location());
    }
  }

  // ---------------------------------------------------------------------------------------
  // Entry points

  /** The document at {@code path} under data, or null when undefined. */
  public Value document(List<Value> path) {
    return document(DocumentStart.of(policy, baseData, path));
  }

  /**
   * The document a {@link DocumentStart} resolved for this evaluator's policy and base data, or
   * null when undefined.
   */
  public Value document(DocumentStart start) {
    if (!start.reachable() && overrides == null) {
      return null;
    }
    Value[] out = new Value[1];
    startQuery(QUERY_START);
    VK found =
        v -> {
          out[0] = v;
          return true;
        };
    // the start was resolved with no override in force: with one (withData), walk from the root
    guarded(
        () ->
            overrides == null
                ? evalData(
                    start.terms(),
                    start.depth(),
                    start.node(),
                    start.base(),
                    null,
                    new Value[0],
                    found)
                : evalData(
                    start.terms(), 0, policy.root(), baseData, overrides, new Value[0], found));
    return out[0];
  }

  /**
   * Replaces the document at {@code path} under data by {@code value} for this whole evaluation, as
   * a {@code with data.<path> as <value>} modifier on the query does; called before it starts.
   *
   * @throws IllegalArgumentException when the path names a function (a {@code with} there mocks it,
   *     which a value from outside the policy cannot do)
   */
  public void withData(List<Value> path, Value value) {
    if (policy.functions().containsKey(RuleNode.pathString(path))) {
      throw new IllegalArgumentException(
          RuleNode.pathString(path) + " is a function, not a document to replace");
    }
    overrides = DataOverride.with(overrides, path, 0, value);
  }

  /** Where OPA places a query given as a path ({@code data.a.b}): its first line and column. */
  private static final Location QUERY_START = new Location("", 1, 1, "");

  /** One query result: the values of the written expressions and the bindings. */
  public record Result(List<Value> expressions, Map<String, Value> bindings) {}

  /** Evaluates a compiled query; one result per solution. */
  public List<Result> query(CompiledQuery q) {
    Value[] frame = new Value[q.slots()];
    List<Result> results = new ArrayList<>();
    queryExprs = new IdentityHashMap<>();
    for (int i = 0; i < q.written().size(); i++) {
      queryExprs.put(q.written().get(i), i);
    }
    exprValues = new Value[q.written().size()];
    loneExpr = LoneExpression.keepsFalse(q.written()) ? q.written().get(0) : null;
    startQuery(q.body().isEmpty() ? QUERY_START : q.body().get(0).location());
    guarded(
        () ->
            evalBody(
                q.body(),
                0,
                frame,
                () -> {
                  Map<String, Value> b = new java.util.LinkedHashMap<>();
                  for (Map.Entry<String, Integer> e : q.bindings().entrySet()) {
                    Value v = frame[e.getValue()];
                    if (v != null) {
                      b.put(e.getKey(), v);
                    }
                  }
                  List<Value> ev = new ArrayList<>();
                  for (Value v : exprValues) {
                    ev.add(v == null ? BooleanValue.TRUE : v);
                  }
                  results.add(new Result(List.copyOf(ev), b));
                  if (results.size() > options.maxResultSize()) {
                    throw limit("query results exceed the result size limit");
                  }
                  return false;
                }));
    return results;
  }

  /** Starts a new evaluation: only the query itself (id 0), at {@code location}. */
  private void startQuery(Location location) {
    here = location;
    queries = 1;
    unwound = null;
  }

  /**
   * Enters a query below the current one, at {@code location}: its id. The caller keeps the outer
   * query's expression, puts it back on normal return and passes it to {@link #unwound} when an
   * error leaves the query.
   */
  private int enterQuery(Location location) {
    here = location;
    return queries++;
  }

  /**
   * Records that {@code e} is leaving query {@code id} (at the expression the error left it), whose
   * outer query is current again, at {@code outer}; returns {@code e} to be thrown on.
   */
  private EvalException unwound(EvalException e, int id, Location outer) {
    if (unwound == null) {
      unwound = new ArrayList<>();
    }
    unwound.add(new RegoError.Frame(id, here));
    here = outer;
    return e;
  }

  private void guarded(K k) {
    if (deadlineFromCaller) {
      checkDeadline(); // the caller's budget may be spent before evaluation starts
    }
    Runnable outer = Checkpoint.install(limitCheck);
    try {
      k.next();
    } catch (EvalException e) {
      throw withStackTrace(e);
    } catch (StackOverflowError e) {
      throw limit("evaluation nested too deeply (stack exhausted); see EngineOptions.maxDepth");
    } finally {
      Checkpoint.restore(outer);
    }
  }

  /**
   * An evaluation error ({@code eval_*}) with the stack of queries it was raised in, as OPA reports
   * it: the frames recorded while it unwound, then the query itself.
   */
  private EvalException withStackTrace(EvalException e) {
    RegoError err = e.error();
    if (!err.code().startsWith("eval_") || !err.stackTrace().isEmpty()) {
      return e;
    }
    List<RegoError.Frame> frames = unwound == null ? new ArrayList<>(1) : unwound;
    unwound = null;
    frames.add(new RegoError.Frame(0, here));
    return new EvalException(err.withStackTrace(frames));
  }

  // ---------------------------------------------------------------------------------------
  // Bodies and expressions

  /**
   * Evaluates {@code body} from expression {@code i}, then {@code k}. The current query stays at
   * each expression while it is evaluated (and at the last one while {@code k} runs, as OPA reports
   * it), and returns to where it was when backtracking out of it.
   */
  boolean evalBody(List<Expr> body, int i, Value[] f, K k) {
    if (i == body.size()) {
      return k.next();
    }
    Expr e = body.get(i);
    Location saved = here;
    here = e.location();
    boolean stop = evalBodyAt(e, body, i, f, k);
    here = saved;
    return stop;
  }

  private boolean evalBodyAt(Expr e, List<Expr> body, int i, Value[] f, K k) {
    tick(e);
    if (e.withs().isEmpty()
        && !e.negated()
        && e.stmt() instanceof Expr.TermStmt ts
        && ts.term() instanceof Term.Call c) {
      int r = evalDirect(c, e, f, body, i, k);
      if (r != NOT_DIRECT) {
        return r == 1;
      }
    }
    return evalTicked(e, f, () -> evalBody(body, i + 1, f, k));
  }

  private static final int NOT_DIRECT = -1;

  /**
   * The fast path for the most common expressions, {@code x := <term>}, calls and {@code some x in
   * <term>}: when every operand has a single value already ({@link #simpleValue}), the expression
   * is evaluated here and the rest of the body follows directly (once per element for {@code
   * some}), without the continuations (and their allocation and stack depth) of the general path.
   * Answers as that path does, evaluating operands in the same order; {@link #NOT_DIRECT} when it
   * does not apply, else 1 when the search stopped, 0 when not.
   */
  private int evalDirect(Term.Call c, Expr e, Value[] f, List<Expr> body, int i, K k) {
    List<Term> args = c.args();
    switch (c.name()) {
      case "eq", "assign" -> {
        // unifyTerms evaluates the right side first when it can
        if (args.get(0) instanceof Var x && x.slot() >= 0) {
          Value v = simpleValue(args.get(1), f);
          if (v == NO_VALUE) {
            return 0;
          }
          if (v != null) {
            return bindThen(x, v, f, body, i, k) ? 1 : 0;
          }
        }
        return NOT_DIRECT;
      }
      case Compiler.SOME_MEMBER_2 -> {
        // some x in coll, x not bound yet: bind it to each element in turn, as unify would
        if (args.get(0) instanceof Var x && x.slot() >= 0 && f[x.slot()] == null) {
          Value coll = simpleValue(args.get(1), f);
          if (coll == NO_VALUE) {
            return 0;
          }
          if (coll != null) {
            return eachEntry(coll, (key, v) -> bindThen(x, v, f, body, i, k)) ? 1 : 0;
          }
        }
        return NOT_DIRECT;
      }
      case Compiler.SOME_MEMBER_3, "print", "internal.print", "internal.test_case", "walk" -> {
        return NOT_DIRECT;
      }
      default -> {
        CallTargets.Target t = targets.get(c.name());
        int n = operandCount(c, t);
        Value result;
        if (n == 2 && comparison(t)) {
          // both operands first: evaluating one may run a function body that compares too
          Value x = simpleValue(args.get(0), f);
          if (x == null || x == NO_VALUE) {
            return x == null ? NOT_DIRECT : 0;
          }
          Value y = simpleValue(args.get(1), f);
          if (y == null || y == NO_VALUE) {
            return y == null ? NOT_DIRECT : 0;
          }
          here = e.location();
          result = compare(c, t, x, y);
        } else {
          Value[] vals = new Value[n];
          for (int j = 0; j < n; j++) {
            Value v = simpleValue(args.get(j), f);
            if (v == null) {
              return NOT_DIRECT;
            }
            if (v == NO_VALUE) {
              return 0;
            }
            vals[j] = v;
          }
          here = e.location();
          result = invoke(c.name(), t, c.location(), vals);
        }
        if (result == null) {
          return 0;
        }
        boolean stop;
        if (n < args.size()) {
          Term out = args.get(n);
          if (out instanceof Var x && x.slot() >= 0) {
            stop = bindThen(x, result, f, body, i, k);
          } else {
            stop = unify(out, result, f, () -> evalBody(body, i + 1, f, k));
          }
        } else if (fails(e, result)) {
          stop = false;
        } else {
          record(e, result);
          stop = evalBody(body, i + 1, f, k);
        }
        return stop ? 1 : 0;
      }
    }
  }

  /**
   * Whether a call is to one of the standard comparison operators, with no mock in force: its two
   * operands may go in {@link #operands} ({@link #compare}).
   */
  private boolean comparison(CallTargets.Target t) {
    return t.comparison() && mocks.isEmpty();
  }

  /**
   * A comparison operator's value for {@code x} and {@code y}, through {@link #operands} rather
   * than a new array. Why: a comparison in a loop is most of what a long evaluation does, and its
   * operand array was 96% of what one allocated (a flight recording of the fault matrix's cubic
   * rule over 1,500 messages: 4 MiB in about 14 ms); that garbage filled the young generation every
   * 100 ms and promoted the checks in flight (load-tests/README.md, "Fault matrix", session 14).
   */
  private Value compare(Term.Call c, CallTargets.Target t, Value x, Value y) {
    operands[0] = x;
    operands[1] = y;
    try {
      return invoke(c.name(), t, c.location(), operands);
    } finally {
      operands[0] = null;
      operands[1] = null;
    }
  }

  /** Unifies a local variable with a value, then evaluates the rest of the body. */
  private boolean bindThen(Var x, Value v, Value[] f, List<Expr> body, int i, K k) {
    Value cur = f[x.slot()];
    if (cur != null) {
      return cur.equals(v) && evalBody(body, i + 1, f, k);
    }
    f[x.slot()] = v;
    try {
      return evalBody(body, i + 1, f, k);
    } finally {
      f[x.slot()] = null;
    }
  }

  /**
   * Counts an evaluation step (checking the deadline, cancellation and the allocation limit every
   * 1024) and records coverage.
   */
  private void tick(Expr e) {
    if ((++steps & 1023) == 0) {
      checkLimits();
    }
    if (coverage != null) {
      coverage.hit(e.location());
    }
  }

  /**
   * The limit checkpoint: ends the query once its deadline has passed, its thread is interrupted or
   * it has allocated past its limit. Reached between statements ({@link #tick}), from builtins that
   * loop over large operands ({@code BuiltinContext.checkpoint}) and from long operations of the
   * value model (sorting a large set, {@link Checkpoint}), so one long call cannot outlive a limit
   * by more than a slice.
   */
  private void checkLimits() {
    if (pacer != null) {
      try {
        pacer.run();
      } catch (java.util.concurrent.CancellationException e) {
        throw new EvalException(
            RegoError.of(RegoError.EVAL_CANCEL, String.valueOf(e.getMessage())));
      }
    }
    checkDeadline();
    checkpoint();
  }

  /**
   * Ends the query once the deadline ({@code EngineOptions.timeout} or the caller's) has passed.
   */
  void checkDeadline() {
    if (System.nanoTime() > deadline) {
      throw new EvalException(
          RegoError.of(
              RegoError.EVAL_CANCEL,
              deadlineFromCaller
                  ? "evaluation exceeded the caller's deadline (QueryOptions.deadline)"
                  : "evaluation exceeded the time limit of "
                      + options.timeout()
                      + " (EngineOptions.timeout)"));
    }
  }

  /** A thread interrupted (a server shutting down) and a query over its allocation limit stop. */
  private void checkpoint() {
    if (Thread.currentThread().isInterrupted()) {
      throw new EvalException(RegoError.of(RegoError.EVAL_CANCEL, "evaluation cancelled"));
    }
    if (ctx.allocationExceeded()) {
      throw limit(ctx.overLimit(0));
    }
  }

  /** After a builtin built a large value: a chain of doublings passes the limit in a few steps. */
  private void checkLarge(Value v) {
    boolean large =
        v instanceof StringValue s
            ? s.value().length() > 1 << 16
            : v instanceof ArrayValue a
                ? a.size() > 1 << 12
                : v instanceof SetValue s
                    ? s.size() > 1 << 12
                    : v instanceof ObjectValue o && o.size() > 1 << 12;
    if (large && ctx.allocationExceeded()) {
      throw limit(ctx.overLimit(0));
    }
  }

  private boolean evalTicked(Expr e, Value[] f, K k) {
    if (!e.withs().isEmpty()) {
      return evalWith(e, 0, f, k);
    }
    return evalExprPlain(e, f, k);
  }

  private boolean evalExprPlain(Expr e, Value[] f, K k) {
    if (e.negated()) {
      Location outer = here;
      int id = enterQuery(e.location()); // OPA evaluates the negated expression as a query
      boolean found;
      try {
        found = evalStmt(e, f, () -> true);
      } catch (EvalException x) {
        throw unwound(x, id, outer);
      }
      here = outer;
      return !found && k.next();
    }
    return evalStmt(e, f, k);
  }

  private boolean evalWith(Expr e, int i, Value[] f, K k) {
    if (i == e.withs().size()) {
      return evalExprPlain(e, f, k);
    }
    Expr.With w = e.withs().get(i);
    return withValue(
        w,
        f,
        value -> {
          Value savedInput = input;
          DataOverride savedOv = overrides;
          Map<String, Object> savedMocks = mocks;
          Value[] savedCache = cache;
          Map<CallKey, Value> savedCalls = calls;
          applyWith(w, value);
          cache = new Value[policy.nodes().size()];
          calls = null;
          Value newInput = input;
          DataOverride newOv = overrides;
          Map<String, Object> newMocks = mocks;
          Value[] newCache = cache;
          try {
            return evalWith(
                e,
                i + 1,
                f,
                () -> {
                  Map<CallKey, Value> newCalls = calls;
                  input = savedInput;
                  overrides = savedOv;
                  mocks = savedMocks;
                  cache = savedCache;
                  calls = savedCalls;
                  try {
                    return k.next();
                  } finally {
                    input = newInput;
                    overrides = newOv;
                    mocks = newMocks;
                    cache = newCache;
                    calls = newCalls;
                  }
                });
          } finally {
            input = savedInput;
            overrides = savedOv;
            mocks = savedMocks;
            cache = savedCache;
            calls = savedCalls;
          }
        });
  }

  /** The value a modifier installs; function references are not evaluated. */
  private boolean withValue(Expr.With w, Value[] f, VK k) {
    if (isFunctionRef(w.value())) {
      return k.accept(BooleanValue.TRUE);
    }
    return evalTerm(w.value(), f, k);
  }

  private boolean isFunctionRef(Term t) {
    if (t instanceof Term.Call c && c.name().equals("internal.function_ref")) {
      return true;
    }
    return t instanceof Ref r
        && r.head() instanceof Var v
        && v.slot() < 0
        && v.name().equals("data")
        && policy.functions().containsKey(refName(r));
  }

  private void applyWith(Expr.With w, Value value) {
    Term target = w.target();
    if (target instanceof Ref r && r.head() instanceof Var v) {
      List<Value> path = new ArrayList<>();
      for (Term p : r.path()) {
        if (!(p instanceof Scalar s)) {
          throw new EvalException(
              RegoError.at(
                  RegoError.COMPILE, "with target must be a ground reference", w.location()));
        }
        path.add(s.value());
      }
      if (v.name().equals("input")) {
        input = setPath(input, path, 0, value);
        return;
      }
      String dotted = RuleNode.pathString(path);
      if (policy.functions().containsKey(dotted)) {
        mockWith(dotted, w, value);
        return;
      }
      overrides = DataOverride.with(overrides, path, 0, value);
      return;
    }
    if (target instanceof Scalar s && s.value() instanceof StringValue name) {
      String n = name.value();
      if (n.startsWith("data.") && !policy.functions().containsKey(n)) {
        // a rule of the package named without data.: override its document
        List<Value> path = new ArrayList<>();
        for (String part : n.substring(5).split("\\.", -1)) {
          path.add(StringValue.of(part));
        }
        overrides = DataOverride.with(overrides, path, 0, value);
        return;
      }
      mockWith(n, w, value);
    }
  }

  private void mockWith(String name, Expr.With w, Value value) {
    Map<String, Object> m = new HashMap<>(mocks);
    if (w.value() instanceof Term.Call c && c.name().equals("internal.function_ref")) {
      m.put(name, ((StringValue) ((Scalar) c.args().get(0)).value()).value());
    } else if (w.value() instanceof Ref r
        && r.head() instanceof Var v
        && v.name().equals("data")
        && policy.functions().containsKey(refName(r))) {
      m.put(name, refName(r));
    } else {
      m.put(name, value);
    }
    mocks = m;
  }

  private static String refName(Ref r) {
    List<Value> path = new ArrayList<>();
    for (Term p : r.path()) {
      if (!(p instanceof Scalar s)) {
        return "";
      }
      path.add(s.value());
    }
    return RuleNode.pathString(path);
  }

  private static Value setPath(Value doc, List<Value> path, int i, Value value) {
    if (i == path.size()) {
      return value;
    }
    ObjectValue o = doc instanceof ObjectValue ov ? ov : ObjectValue.EMPTY;
    Value child = o.getOrNull(path.get(i));
    return o.with(path.get(i), setPath(child, path, i + 1, value));
  }

  private boolean evalStmt(Expr e, Value[] f, K k) {
    switch (e.stmt()) {
      case Expr.TermStmt ts -> {
        Term t = ts.term();
        if (t instanceof Term.Call c) {
          return evalCallStmt(c, e, f, k);
        }
        return evalTerm(
            t,
            f,
            v -> {
              if (fails(e, v)) {
                return false;
              }
              record(e, v);
              return k.next();
            });
      }
      case Expr.Every ev -> {
        return evalEvery(ev, f, k);
      }
      default -> {
        return k.next();
      }
    }
  }

  private void record(Expr e, Value v) {
    if (queryExprs != null) {
      Integer i = queryExprs.get(e);
      if (i != null) {
        exprValues[i] = v;
      }
    }
  }

  /** OPA evaluates an {@code every} as two queries: its domain, and its body once per element. */
  private boolean evalEvery(Expr.Every ev, Value[] f, K k) {
    return evalTerm(
        ev.domain(),
        f,
        dom -> {
          List<Value[]> pairs = entries(dom);
          if (pairs == null) {
            return false;
          }
          Location outer = here;
          int id = enterQuery(ev.domain().location());
          try {
            for (Value[] kv : pairs) {
              boolean ok =
                  unifyKey(
                      ev.key(),
                      kv[0],
                      f,
                      () -> unify(ev.value(), kv[1], f, () -> everyBody(ev, f)));
              if (!ok) {
                here = outer;
                return false;
              }
            }
          } catch (EvalException x) {
            throw unwound(x, id, outer);
          }
          here = outer;
          return k.next();
        });
  }

  private boolean everyBody(Expr.Every ev, Value[] f) {
    Location outer = here;
    int id = enterQuery(ev.body().isEmpty() ? here : ev.body().get(0).location());
    boolean found;
    try {
      found = evalBody(ev.body(), 0, f, () -> true);
    } catch (EvalException x) {
      throw unwound(x, id, outer);
    }
    here = outer;
    return found;
  }

  private boolean unifyKey(Term key, Value v, Value[] f, K k) {
    return key == null ? k.next() : unify(key, v, f, k);
  }

  /** Receives one key and value of a collection; true stops. */
  @FunctionalInterface
  interface EntryK {
    boolean accept(Value key, Value value);
  }

  /**
   * Visits the key-value pairs of a collection in order, as {@link #entries} lists them, without
   * building the list; false (nothing visited) when {@code v} is not a collection.
   */
  static boolean eachEntry(Value v, EntryK k) {
    switch (v) {
      case ArrayValue a -> {
        for (int i = 0; i < a.size(); i++) {
          if (k.accept(NumberValue.of(i), a.get(i))) {
            return true;
          }
        }
      }
      case ObjectValue o -> {
        for (Value key : o.keys()) {
          if (k.accept(key, o.getOrNull(key))) {
            return true;
          }
        }
      }
      case SetValue s -> {
        for (Value x : s.elements()) {
          if (k.accept(x, x)) {
            return true;
          }
        }
      }
      default -> {}
    }
    return false;
  }

  /** Key-value pairs of a collection (index/element, key/value, element/element), or null. */
  static List<Value[]> entries(Value v) {
    List<Value[]> out = new ArrayList<>();
    switch (v) {
      case ArrayValue a -> {
        for (int i = 0; i < a.size(); i++) {
          out.add(new Value[] {NumberValue.of(i), a.get(i)});
        }
      }
      case ObjectValue o -> o.forEach((x, y) -> out.add(new Value[] {x, y}));
      case SetValue s -> {
        for (Value x : s.elements()) {
          out.add(new Value[] {x, x});
        }
      }
      default -> {
        return null;
      }
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------
  // Calls

  private boolean evalCallStmt(Term.Call c, Expr e, Value[] f, K k) {
    List<Term> args = c.args();
    switch (c.name()) {
      case "eq", "assign" -> {
        return unifyTerms(args.get(0), args.get(1), f, k);
      }
      case Compiler.SOME_MEMBER_2 -> {
        return evalTerm(
            args.get(1), f, coll -> eachEntry(coll, (key, v) -> unify(args.get(0), v, f, k)));
      }
      case Compiler.SOME_MEMBER_3 -> {
        return evalTerm(
            args.get(2),
            f,
            coll ->
                eachEntry(
                    coll,
                    (key, v) -> unify(args.get(0), key, f, () -> unify(args.get(1), v, f, k))));
      }
      case "print", "internal.print" -> {
        own.print(args, f);
        return k.next();
      }
      case "internal.test_case" -> {
        if (testCases != null) {
          evalTerm(
              args.get(0),
              f,
              v -> {
                testCases.accept(v);
                return false;
              });
        }
        return k.next();
      }
      case "walk" -> {
        return evalTerm(
            args.get(0),
            f,
            root -> {
              if (args.size() == 1) {
                return k.next();
              }
              return Builtins.walk(
                  root,
                  new ArrayList<>(),
                  (path, v) -> unify(args.get(1), ArrayValue.of(path, v), f, k));
            });
      }
      default -> {
        CallTargets.Target t = targets.get(c.name());
        int n = operandCount(c, t);
        return evalArgs(
            args,
            n,
            0,
            new Value[n],
            f,
            vals -> {
              here = e.location(); // back from calls among the operands
              return callResult(e, c, invoke(c.name(), t, c.location(), vals), n, f, k);
            });
      }
    }
  }

  /** How many operands a call passes; one more term, if written, receives the result. */
  private static int operandCount(Term.Call c, CallTargets.Target t) {
    int arity = t.arity();
    return arity >= 0 && c.args().size() == arity + 1 ? arity : c.args().size();
  }

  /**
   * Continues after a call statement produced {@code result} (null when undefined): unified with
   * the output term when one is written, otherwise a test that fails on false.
   */
  private boolean callResult(Expr e, Term.Call c, Value result, int n, Value[] f, K k) {
    if (result == null) {
      return false;
    }
    if (n < c.args().size()) {
      return unify(c.args().get(n), result, f, k);
    }
    if (fails(e, result)) {
      return false;
    }
    record(e, result);
    return k.next();
  }

  /** Whether {@code v}, the value of expression {@code e}, makes it fail: false, unless kept. */
  private boolean fails(Expr e, Value v) {
    return v instanceof BooleanValue b && !b.value() && !isLone(e);
  }

  @SuppressWarnings("ReferenceEquality") // that very expression, not an equal one elsewhere
  private boolean isLone(Expr e) {
    return e == loneExpr;
  }

  /** A continuation receiving evaluated operands. */
  @FunctionalInterface
  interface ArgsK {
    boolean accept(Value[] args);
  }

  private boolean evalArgs(List<Term> args, int n, int start, Value[] vals, Value[] f, ArgsK k) {
    int i = start;
    while (i < n && vals[i] == null) {
      Value v = simpleValue(args.get(i), f);
      if (v == null) {
        break;
      }
      if (v == NO_VALUE) {
        for (int j = start; j < i; j++) {
          vals[j] = null;
        }
        return false;
      }
      vals[i++] = v;
    }
    if (i == n) {
      Value[] out = vals.clone();
      for (int j = start; j < n; j++) {
        vals[j] = null;
      }
      return k.accept(out);
    }
    return evalArgsAt(args, n, i, start, vals, f, k);
  }

  private boolean evalArgsAt(
      List<Term> args, int n, int i, int start, Value[] vals, Value[] f, ArgsK k) {
    try {
      return evalArgsSlow(args, n, i, vals, f, k);
    } finally {
      for (int j = start; j < i; j++) {
        vals[j] = null;
      }
    }
  }

  private boolean evalArgsSlow(List<Term> args, int n, int i, Value[] vals, Value[] f, ArgsK k) {
    if (i == n) {
      return k.accept(vals.clone());
    }
    if (!isEvaluable(args.get(i), f)) {
      // an operand bound by a later operand's iteration: evaluate that one first
      for (int j = i + 1; j < n; j++) {
        if (isEvaluable(args.get(j), f) && vals[j] == null) {
          int jj = j;
          return evalTerm(
              args.get(j),
              f,
              v -> {
                vals[jj] = v;
                try {
                  return evalArgs(args, n, i, vals, f, k);
                } finally {
                  vals[jj] = null;
                }
              });
        }
      }
    }
    if (vals[i] != null) {
      return evalArgs(args, n, i + 1, vals, f, k);
    }
    return evalTerm(
        args.get(i),
        f,
        v -> {
          vals[i] = v;
          try {
            return evalArgs(args, n, i + 1, vals, f, k);
          } finally {
            vals[i] = null;
          }
        });
  }

  /**
   * Calls a function or builtin with evaluated operands; {@code t} is what {@code name} resolves
   * to. Every call has at most one value: null when undefined.
   */
  private Value invoke(String name, CallTargets.Target t, Location loc, Value[] args) {
    if (!mocks.isEmpty()) {
      Object m = mocks.get(name);
      if (m instanceof Value v) {
        return v;
      }
      if (m instanceof String other) {
        Map<String, Object> saved = mocks;
        mocks = Map.of(); // a replacement runs without the mocks that brought it in
        try {
          return invoke(other, targets.get(other), loc, args);
        } finally {
          mocks = saved;
        }
      }
    }
    switch (t.kind()) {
      case FUNCTION -> {
        return memoisedCall(t, args, loc);
      }
      case OWN -> {
        Value ownResult = own.call(name, args, loc);
        if (ownResult != Builtins.NOT_OWN) {
          return ownResult;
        }
        throw new EvalException(at(RegoError.TYPE, "undefined function " + name, loc));
      }
      case UNKNOWN -> {
        if (args.length == 0 && name.startsWith("data.")) {
          return ruleCalledAsFunction(name);
        }
        throw new EvalException(at(RegoError.TYPE, "undefined function " + name, loc));
      }
      case BUILTIN -> {
        // below
      }
    }
    try {
      Value result = t.builtin().function().orElseThrow().call(args, ctx);
      checkLarge(result);
      return result;
    } catch (LimitExceededException ex) {
      throw new EvalException(at(RegoError.EVAL_LIMIT, name + ": " + ex.getMessage(), loc));
    } catch (BuiltinException ex) {
      if (options.strictBuiltinErrors()) {
        String code =
            ex.kind() == BuiltinException.Kind.TYPE ? RegoError.EVAL_TYPE : RegoError.EVAL_BUILTIN;
        throw new EvalException(at(code, name + ": " + ex.getMessage(), loc));
      }
      return null;
    } catch (EvalException ex) {
      throw ex;
    } catch (RuntimeException ex) {
      if (options.strictBuiltinErrors()) {
        throw new EvalException(at(RegoError.EVAL_BUILTIN, name + ": " + ex, loc));
      }
      return null;
    }
  }

  /** A builtin failure: raised when strict, otherwise the call is undefined (null). */
  Value builtinError(String code, String msg, Location loc) {
    if (options.strictBuiltinErrors()) {
      throw new EvalException(at(code, msg, loc));
    }
    return null;
  }

  static RegoError at(String code, String msg, Location loc) {
    return loc == null ? RegoError.of(code, msg) : RegoError.at(code, msg, loc);
  }

  /**
   * A user function's value for these operands, computed once per with-scope, as OPA's virtual
   * cache does: only defined values are kept (an undefined call runs again, and so do its print
   * calls, as in OPA; an error ends the query). Within a scope the value depends only on the
   * operands: input, data and the rule cache are fixed there, and the builtins OPA treats as
   * non-deterministic are fixed per query. Function mocks are the exception (a replacement runs
   * without the mocks that brought it in), so calls are not memoised while any mock is in force.
   */
  private Value memoisedCall(CallTargets.Target t, Value[] args, Location loc) {
    if (!mocks.isEmpty()) {
      return callFunction(t.candidates(args), args, loc);
    }
    CallKey key = new CallKey(t, args);
    if (calls != null) {
      Value hit = calls.get(key);
      if (hit != null) {
        return hit;
      }
    }
    Value r = callFunction(t.candidates(args), args, loc);
    if (r != null) {
      if (calls == null) {
        calls = new HashMap<>();
      }
      calls.put(new CallKey(t, args.clone()), r);
    }
    return r;
  }

  /** A function call's identity: the resolved function and its operands. */
  private static final class CallKey {
    private final CallTargets.Target target;
    private final Value[] args;
    private final int hash;

    CallKey(CallTargets.Target target, Value[] args) {
      this.target = target;
      this.args = args;
      this.hash = System.identityHashCode(target) * 31 + java.util.Arrays.hashCode(args);
    }

    @Override
    @SuppressWarnings("ReferenceEquality") // one Target per function name in a policy
    public boolean equals(Object o) {
      return o instanceof CallKey other
          && other.target == target
          && java.util.Arrays.equals(other.args, args);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  private Value callFunction(List<CompiledRule> fns, Value[] args, Location loc) {
    enter(loc);
    CompiledRule savedRule = currentRule;
    try {
      Value[] result = new Value[1];
      CompiledRule[] producer = new CompiledRule[1];
      CompiledRule dflt = null;
      for (CompiledRule rule : fns) {
        if (rule.isDefault()) {
          dflt = rule;
          continue;
        }
        for (CompiledRule r = rule; r != null; r = r.elseRule()) {
          FunctionBody fb = new FunctionBody(r, new Value[r.slots()], result, producer);
          currentRule = r;
          Location outer = here;
          int id = enterQuery(r.location());
          try {
            if (bindArgs(r.args(), args, fb.frame)) {
              evalBody(r.body(), 0, fb.frame, fb);
            } else {
              CompiledRule cr = r;
              unifyArgs(cr.args(), args, 0, fb.frame, () -> evalBody(cr.body(), 0, fb.frame, fb));
            }
          } catch (EvalException x) {
            throw unwound(x, id, outer);
          }
          here = outer;
          if (fb.produced) {
            break;
          }
        }
      }
      if (result[0] == null && dflt != null) {
        CompiledRule d = dflt;
        ruleHit(d);
        Value[] frame = new Value[d.slots()];
        evalTerm(
            d.value(),
            frame,
            v -> {
              result[0] = v;
              return true;
            });
      }
      return result[0];
    } finally {
      depth--;
      currentRule = savedRule;
    }
  }

  /**
   * Binds operands to argument patterns that are all plain variables, as unifyArgs would, in the
   * fresh frame of one definition; false, with nothing bound, when a pattern is anything else or a
   * repeated variable ({@code f(x, x)}) is given two different operands.
   */
  private static boolean bindArgs(List<Term> patterns, Value[] args, Value[] frame) {
    for (Term p : patterns) {
      if (!(p instanceof Var x) || x.slot() < 0) {
        return false;
      }
    }
    for (int i = 0; i < args.length; i++) {
      int slot = ((Var) patterns.get(i)).slot();
      if (frame[slot] != null && !frame[slot].equals(args[i])) {
        java.util.Arrays.fill(frame, null); // unifyArgs fails the same way and runs no body
        return false;
      }
      frame[slot] = args[i];
    }
    return true;
  }

  /**
   * The continuation of one function definition's body: evaluates the value term and collects it
   * into the call's result, shared by every definition (to detect conflicts). One object instead of
   * a chain of lambdas, since every function call that misses the memo makes one.
   */
  private final class FunctionBody implements K {
    final CompiledRule rule;
    final Value[] frame;
    final Value[] result;
    final CompiledRule[] producer;
    boolean produced;

    FunctionBody(CompiledRule rule, Value[] frame, Value[] result, CompiledRule[] producer) {
      this.rule = rule;
      this.frame = frame;
      this.result = result;
      this.producer = producer;
    }

    @Override
    public boolean next() {
      Value v = simpleValue(rule.value(), frame);
      if (v == NO_VALUE) {
        return false;
      }
      if (v != null) {
        return accept(v);
      }
      atValue(rule.value());
      return evalTerm(rule.value(), frame, this::accept);
    }

    private boolean accept(Value v) {
      produced = true;
      ruleHit(rule);
      if (result[0] != null && !result[0].equals(v)) {
        throw new EvalException(
            at(
                RegoError.EVAL_CONFLICT,
                conflict(
                    "function " + rule.pathString(),
                    " for the same inputs",
                    result[0],
                    producer[0],
                    v,
                    rule),
                rule.location()));
      }
      result[0] = v;
      producer[0] = rule;
      return rule.value() instanceof Scalar; // early exit, as OPA
    }
  }

  /**
   * {@code f()} where {@code f} is a rule, not a function: its value, as OPA evaluates such a call
   * when its type checker lets it through (a rule whose value depends on input; gatekeeper's
   * policies call {@code allowed_sysctl_string()} defined as {@code allowed_sysctl_string() = out {
   * ... }}); null when undefined.
   */
  private Value ruleCalledAsFunction(String name) {
    List<Term> path = new ArrayList<>();
    for (String part : name.substring("data.".length()).split("\\.", -1)) {
      path.add(new Scalar(StringValue.of(part), null));
    }
    Value[] out = new Value[1];
    evalData(
        path,
        0,
        policy.root(),
        baseData,
        overrides,
        new Value[0],
        v -> {
          out[0] = v;
          return true;
        });
    return out[0];
  }

  /**
   * OPA 1.22's conflict message: {@code rule data.a.p produced conflicting values:} then each value
   * with the rule that produced it ({@code 1 at a.rego:3}).
   */
  static String conflict(
      String what,
      String suffix,
      Value first,
      CompiledRule firstRule,
      Value second,
      CompiledRule r) {
    return what
        + " produced conflicting values"
        + suffix
        + ":\n  "
        + first
        + " at "
        + where(firstRule)
        + "\n  "
        + second
        + " at "
        + where(r);
  }

  private static String where(CompiledRule r) {
    return r == null ? "?" : r.location().file() + ":" + r.location().row();
  }

  private boolean unifyArgs(List<Term> patterns, Value[] args, int i, Value[] f, K k) {
    if (i == patterns.size()) {
      return k.next();
    }
    return unify(patterns.get(i), args[i], f, () -> unifyArgs(patterns, args, i + 1, f, k));
  }

  /** Evaluates a comprehension body, handing every value of {@code head} to {@code add}. */
  private void collect(
      Term head,
      List<Expr> body,
      Location loc,
      Value[] f,
      java.util.function.Consumer<Value> add,
      java.util.function.IntSupplier size) {
    enter(loc);
    Location outer = here;
    try {
      int id = enterQuery(loc); // OPA evaluates a comprehension's body as a query of its own
      try {
        evalBody(
            body,
            0,
            f,
            () ->
                evalTerm(
                    head,
                    f,
                    v -> {
                      add.accept(v);
                      checkSize(size.getAsInt());
                      return false;
                    }));
      } catch (EvalException x) {
        throw unwound(x, id, outer);
      }
      here = outer;
    } finally {
      depth--;
    }
  }

  private void enter(Location loc) {
    if (++depth > options.maxDepth()) {
      depth = 0;
      throw new EvalException(
          at(
              RegoError.EVAL_LIMIT,
              "evaluation depth exceeds the limit of "
                  + options.maxDepth()
                  + " (EngineOptions.maxDepth)",
              loc));
    }
  }

  static EvalException limit(String msg) {
    return new EvalException(RegoError.of(RegoError.EVAL_LIMIT, msg));
  }

  // ---------------------------------------------------------------------------------------
  // Terms

  /** Evaluates a term; one call of {@code k} per value. */
  boolean evalTerm(Term t, Value[] f, VK k) {
    switch (t) {
      case Scalar s -> {
        return k.accept(s.value());
      }
      case Var v -> {
        Value x = v.slot() >= 0 ? f[v.slot()] : null;
        if (x == null) {
          if (v.slot() < 0 && v.name().equals("input")) {
            return input != null && k.accept(input);
          }
          if (v.slot() < 0 && v.name().equals("data")) {
            return evalData(List.of(), 0, policy.root(), baseData, overrides, f, k);
          }
          throw new EvalException(
              at(RegoError.UNSAFE_VAR, "var " + v.name() + " is unsafe", v.location()));
        }
        return k.accept(x);
      }
      case Ref r -> {
        return evalRef(r, f, k);
      }
      case Term.ArrayTerm a -> {
        return evalItems(
            a.items(), 0, new Value[a.items().size()], f, vals -> k.accept(ArrayValue.wrap(vals)));
      }
      case Term.SetTerm s -> {
        return evalItems(
            s.items(), 0, new Value[s.items().size()], f, vals -> k.accept(SetValue.of(vals)));
      }
      case Term.ObjectTerm o -> {
        int n = o.keys().size();
        List<Term> all = new ArrayList<>(n * 2);
        all.addAll(o.keys());
        all.addAll(o.values());
        return evalItems(
            all,
            0,
            new Value[n * 2],
            f,
            vals -> {
              Map<Value, Value> m = new HashMap<>();
              for (int i = 0; i < n; i++) {
                m.put(vals[i], vals[n + i]);
              }
              return k.accept(ObjectValue.of(m));
            });
      }
      case Term.Call c -> {
        switch (c.name()) {
          case "internal.member_2" -> {
            return evalItems(
                c.args(),
                0,
                new Value[2],
                f,
                vals -> k.accept(BooleanValue.of(member(vals[0], vals[1]))));
          }
          case "internal.member_3" -> {
            return evalItems(
                c.args(),
                0,
                new Value[3],
                f,
                vals -> k.accept(BooleanValue.of(member3(vals[0], vals[1], vals[2]))));
          }
          case "walk" -> {
            return evalTerm(
                c.args().get(0),
                f,
                root ->
                    Builtins.walk(
                        root, new ArrayList<>(), (path, v) -> k.accept(ArrayValue.of(path, v))));
          }
          case "eq", "assign" -> {
            boolean[] ok = new boolean[1];
            unifyTerms(c.args().get(0), c.args().get(1), f, () -> ok[0] = true);
            return ok[0] && k.accept(BooleanValue.TRUE);
          }
          default -> {}
        }
        CallTargets.Target target = targets.get(c.name());
        return evalArgs(
            c.args(),
            c.args().size(),
            0,
            new Value[c.args().size()],
            f,
            vals -> {
              here = c.location(); // OPA evaluates a nested call as an expression of its own
              Value r = invoke(c.name(), target, c.location(), vals);
              return r != null && k.accept(r);
            });
      }
      case Term.ArrayCompr c -> {
        ArrayValue.Builder b = new ArrayValue.Builder();
        collect(c.head(), c.body(), c.location(), f, b::add, b::size);
        return k.accept(b.build());
      }
      case Term.SetCompr c -> {
        SetValue.Builder b = new SetValue.Builder();
        collect(c.head(), c.body(), c.location(), f, b::add, b::size);
        return k.accept(b.build());
      }
      case Term.ObjectCompr c -> {
        Map<Value, Value> m = new HashMap<>();
        enter(c.location());
        Location outer = here;
        try {
          int id = enterQuery(c.location());
          try {
            evalBody(
                c.body(),
                0,
                f,
                () ->
                    evalTerm(
                        c.key(),
                        f,
                        key ->
                            evalTerm(
                                c.value(),
                                f,
                                v -> {
                                  Value prev = m.put(key, v);
                                  if (prev != null && !prev.equals(v)) {
                                    throw new EvalException(
                                        at(
                                            RegoError.EVAL_CONFLICT,
                                            "object keys must be unique",
                                            c.key().location()));
                                  }
                                  checkSize(m.size());
                                  return false;
                                })));
          } catch (EvalException x) {
            throw unwound(x, id, outer);
          }
          here = outer;
        } finally {
          depth--;
        }
        return k.accept(ObjectValue.of(m));
      }
      case Term.Template tp -> {
        return k.accept(StringValue.of(own.template(tp, f)));
      }
    }
  }

  /** The first value of an expression used as a template part, or null when undefined. */
  Value firstValue(Expr e, Value[] f) {
    Value[] out = new Value[1];
    if (e.stmt() instanceof Expr.TermStmt ts) {
      evalWithTerm(e, 0, ts.term(), f, out);
    }
    return out[0];
  }

  private boolean evalWithTerm(Expr e, int i, Term t, Value[] f, Value[] out) {
    if (i == e.withs().size()) {
      return evalTerm(
          t,
          f,
          v -> {
            out[0] = v;
            return true;
          });
    }
    Expr.With w = e.withs().get(i);
    return withValue(
        w,
        f,
        value -> {
          Value savedInput = input;
          DataOverride savedOv = overrides;
          Map<String, Object> savedMocks = mocks;
          Value[] savedCache = cache;
          Map<CallKey, Value> savedCalls = calls;
          try {
            applyWith(w, value);
            cache = new Value[policy.nodes().size()];
            calls = null;
            return evalWithTerm(e, i + 1, t, f, out);
          } finally {
            input = savedInput;
            overrides = savedOv;
            mocks = savedMocks;
            cache = savedCache;
            calls = savedCalls;
          }
        });
  }

  void checkSize(int n) {
    if (n > options.maxResultSize()) {
      throw limit(
          "collection size exceeds the limit of "
              + options.maxResultSize()
              + " (EngineOptions.maxResultSize)");
    }
  }

  static boolean member(Value x, Value coll) {
    return switch (coll) {
      case ArrayValue a -> a.asList().contains(x);
      case SetValue s -> s.contains(x);
      case ObjectValue o -> o.asMap().containsValue(x);
      default -> false;
    };
  }

  static boolean member3(Value key, Value x, Value coll) {
    return switch (coll) {
      case ArrayValue a -> {
        if (key instanceof NumberValue n && n.isInteger()) {
          var i = n.asInt();
          yield i.isPresent() && i.get() >= 0 && i.get() < a.size() && a.get(i.get()).equals(x);
        }
        yield false;
      }
      case ObjectValue o -> x.equals(o.getOrNull(key));
      case SetValue s -> key.equals(x) && s.contains(x);
      default -> false;
    };
  }

  private boolean evalItems(List<Term> items, int start, Value[] vals, Value[] f, ArgsK k) {
    // single-valued items in a loop, so long literals do not deepen the stack
    int i = start;
    while (i < items.size()) {
      Value v = simpleValue(items.get(i), f);
      if (v == null) {
        break;
      }
      if (v == NO_VALUE) {
        return false;
      }
      vals[i++] = v;
    }
    if (i == items.size()) {
      return k.accept(vals.clone());
    }
    int at = i;
    return evalTerm(
        items.get(at),
        f,
        v -> {
          vals[at] = v;
          return evalItems(items, at + 1, vals, f, k);
        });
  }

  /** Returned by {@link #simpleValue} for a term with a single value that is undefined. */
  private static final Value NO_VALUE = StringValue.of("\u0000no-value");

  /**
   * The value of a term that has at most one and needs no continuation: a constant, a bound
   * variable, a reference through simple keys ({@link #groundRefValue}) or a call of simple
   * operands. {@link #NO_VALUE} when such a term is undefined; null when the term needs the general
   * evaluation.
   */
  private Value simpleValue(Term t, Value[] f) {
    return switch (t) {
      case Scalar s -> s.value();
      case Var v -> v.slot() >= 0 ? f[v.slot()] : null;
      case Ref r -> groundRefValue(r, f);
      case Term.Call c -> isSimpleCall(c, f) ? simpleCallValue(c, f) : null;
      default -> null;
    };
  }

  /**
   * Whether a nested call has one value at most and operands that are all simple, checked before
   * anything is evaluated so that no operand is evaluated twice when the answer is no.
   */
  private static boolean isSimpleCall(Term.Call c, Value[] f) {
    switch (c.name()) {
      case "eq",
          "assign",
          "walk",
          "print",
          "internal.print",
          "internal.test_case",
          "internal.member_2",
          "internal.member_3",
          Compiler.SOME_MEMBER_2,
          Compiler.SOME_MEMBER_3 -> {
        return false;
      }
      default -> {
        for (Term a : c.args()) {
          if (!isSimple(a, f)) {
            return false;
          }
        }
        return true;
      }
    }
  }

  /** Whether {@link #simpleValue} evaluates a term; checked without evaluating anything. */
  private static boolean isSimple(Term t, Value[] f) {
    return switch (t) {
      case Scalar s -> true;
      case Var v -> v.slot() >= 0 && f[v.slot()] != null;
      case Ref r -> isGroundRef(r, f);
      case Term.Call c -> isSimpleCall(c, f);
      default -> false;
    };
  }

  private Value simpleCallValue(Term.Call c, Value[] f) {
    List<Term> args = c.args();
    Value[] vals = new Value[args.size()];
    for (int i = 0; i < vals.length; i++) {
      Value v = simpleValue(args.get(i), f);
      if (v == NO_VALUE) {
        return NO_VALUE;
      }
      vals[i] = v;
    }
    here = c.location(); // OPA evaluates a nested call as an expression of its own
    Value r = invoke(c.name(), targets.get(c.name()), c.location(), vals);
    return r == null ? NO_VALUE : r;
  }

  /**
   * Whether a reference has a head {@link #groundRefValue} reads and keys that are constants, bound
   * variables or other simple terms ({@code data.tenants[data.keys[k]]}).
   */
  private static boolean isGroundRef(Ref r, Value[] f) {
    if (!(r.head() instanceof Var v) || (v.slot() >= 0 && f[v.slot()] == null)) {
      return false;
    }
    if (v.slot() < 0 && !v.name().equals("input") && !v.name().equals("data")) {
      return false;
    }
    for (Term p : r.path()) {
      if (!isSimple(p, f)) {
        return false;
      }
    }
    return true;
  }

  /**
   * The value of a reference from a bound variable, {@code input} or {@code data} through simple
   * keys only, which has one value at most: what {@link #walk} and {@link #evalData} yield for it,
   * without continuations. {@link #NO_VALUE} when undefined; null for any other reference. A key is
   * evaluated when the walk reaches it, as there, so a key after an undefined step never is.
   */
  private Value groundRefValue(Ref r, Value[] f) {
    if (!isGroundRef(r, f)) {
      return null;
    }
    Var v = (Var) r.head();
    if (v.slot() < 0 && v.name().equals("data")) {
      return groundData(r.path(), f);
    }
    Value x = v.slot() >= 0 ? f[v.slot()] : input;
    if (x == null) {
      return NO_VALUE;
    }
    return walkGround(x, r.path(), 0, f, false);
  }

  private Value walkGround(Value v, List<Term> path, int i, Value[] f, boolean base) {
    Value x = v;
    for (int j = i; j < path.size(); j++) {
      Value key = simpleValue(path.get(j), f);
      if (key == NO_VALUE) {
        return NO_VALUE;
      }
      x = base ? lookupBase(x, key) : lookup(x, key);
      if (x == null) {
        return NO_VALUE;
      }
    }
    return x;
  }

  /**
   * {@link #evalData} for a path of simple keys (the same cases in the same order), where it yields
   * one value at most.
   */
  private Value groundData(List<Term> path, Value[] f) {
    RuleNode node = policy.root();
    Value base = baseData;
    DataOverride ov = overrides;
    for (int i = 0; ; i++) {
      if (ov != null && ov.value != null) {
        return walkGround(ov.value, path, i, f, false);
      }
      if (node == null && ov == null) {
        return base == null ? NO_VALUE : walkGround(base, path, i, f, true);
      }
      if (node != null && !node.rules().isEmpty()) {
        if (base != null) {
          return walkGround(base, path, i, f, true);
        }
        Value doc = ruleDoc(node);
        return doc == null ? NO_VALUE : walkGround(doc, path, i, f, false);
      }
      if (i == path.size()) {
        Value full = fullValue(node, base, ov);
        return full == null ? NO_VALUE : full;
      }
      Value key = simpleValue(path.get(i), f);
      if (key == NO_VALUE) {
        return NO_VALUE;
      }
      node = childNode(node, key);
      base =
          ov != null && base != null && !(base instanceof ObjectValue)
              ? null
              : childBase(base, key);
      ov = ov == null ? null : ov.children.get(key);
      if (node == null && base == null && ov == null) {
        return NO_VALUE;
      }
    }
  }

  // ---------------------------------------------------------------------------------------
  // References

  private boolean evalRef(Ref r, Value[] f, VK k) {
    Value single = groundRefValue(r, f);
    if (single != null) {
      return single != NO_VALUE && k.accept(single);
    }
    Term head = r.head();
    if (head instanceof Var v && v.slot() < 0) {
      if (v.name().equals("data")) {
        return evalData(r.path(), 0, policy.root(), baseData, overrides, f, k);
      }
      if (v.name().equals("input")) {
        return input != null && walk(input, r.path(), 0, f, k);
      }
    }
    return evalTerm(head, f, hv -> walk(hv, r.path(), 0, f, k));
  }

  /** Walks {@code path} from index {@code i} into a value, iterating over unbound keys. */
  private boolean walk(Value v, List<Term> path, int i, Value[] f, VK k) {
    return walkPath(v, path, i, f, k, false);
  }

  /**
   * As {@link #walk}, over base data, where a number also finds its string key (as OPA's storage).
   */
  private boolean walkBase(Value v, List<Term> path, int i, Value[] f, VK k) {
    return walkPath(v, path, i, f, k, true);
  }

  private boolean walkPath(Value v, List<Term> path, int i, Value[] f, VK k, boolean base) {
    if (i == path.size()) {
      return k.accept(v);
    }
    Term elem = path.get(i);
    Value key = groundKey(elem, f);
    if (key != null) {
      Value child = base ? lookupBase(v, key) : lookup(v, key);
      return child != null && walkPath(child, path, i + 1, f, k, base);
    }
    if (isEvaluable(elem, f)) {
      return evalTerm(
          elem,
          f,
          kv -> {
            Value child = base ? lookupBase(v, kv) : lookup(v, kv);
            return child != null && walkPath(child, path, i + 1, f, k, base);
          });
    }
    return eachEntry(
        v, (kv, child) -> unify(elem, kv, f, () -> walkPath(child, path, i + 1, f, k, base)));
  }

  private static Value lookupBase(Value v, Value key) {
    Value child = lookup(v, key);
    if (child == null && v instanceof ObjectValue o && key instanceof NumberValue n) {
      child = o.getOrNull(StringValue.of(n.toString()));
    }
    return child;
  }

  private static Value groundKey(Term t, Value[] f) {
    if (t instanceof Scalar s) {
      return s.value();
    }
    if (t instanceof Var v && v.slot() >= 0) {
      return f[v.slot()];
    }
    return null;
  }

  static Value lookup(Value v, Value key) {
    return switch (v) {
      case ObjectValue o -> o.getOrNull(key);
      case ArrayValue a -> {
        if (key instanceof NumberValue n && n.isInteger()) {
          var idx = n.asInt();
          if (idx.isPresent() && idx.get() >= 0 && idx.get() < a.size()) {
            yield a.get(idx.get());
          }
        }
        yield null;
      }
      case SetValue s -> s.contains(key) ? key : null;
      default -> null;
    };
  }

  /** Evaluates a reference into data: the rule tree and base documents side by side. */
  boolean evalData(
      List<Term> path, int i, RuleNode node, Value base, DataOverride ov, Value[] f, VK k) {
    if (ov != null && ov.value != null) {
      return walk(ov.value, path, i, f, k);
    }
    if (node == null && ov == null) {
      return base != null && walkBase(base, path, i, f, k);
    }
    if (node != null && !node.rules().isEmpty()) {
      if (base != null) {
        // base data and rules at one path: the base document wins, as in OPA
        return walkBase(base, path, i, f, k);
      }
      Value doc = ruleDoc(node);
      return doc != null && walk(doc, path, i, f, k);
    }
    if (i == path.size()) {
      Value full = fullValue(node, base, ov);
      return full != null && k.accept(full);
    }
    Term elem = path.get(i);
    Value key = groundKey(elem, f);
    if (key != null) {
      return evalDataChild(path, i, node, base, ov, key, f, k);
    }
    if (isEvaluable(elem, f)) {
      return evalTerm(elem, f, kv -> evalDataChild(path, i, node, base, ov, kv, f, k));
    }
    TreeSet<Value> keys = new TreeSet<>(io.jrego.engine.value.Values::compare);
    if (node != null) {
      keys.addAll(node.children().keySet());
    }
    if (base instanceof ObjectValue bo) {
      keys.addAll(bo.keys());
    } else if (base != null && node == null && ov == null) {
      return walkBase(base, path, i, f, k);
    }
    if (ov != null) {
      keys.addAll(ov.children.keySet());
    }
    for (Value kv : keys) {
      if (unify(elem, kv, f, () -> evalDataChild(path, i, node, base, ov, kv, f, k))) {
        return true;
      }
    }
    return false;
  }

  private boolean evalDataChild(
      List<Term> path,
      int i,
      RuleNode node,
      Value base,
      DataOverride ov,
      Value key,
      Value[] f,
      VK k) {
    RuleNode child = childNode(node, key);
    // an override below a scalar or array has replaced it with an object: its elements are gone
    Value baseChild =
        ov != null && ov.value == null && base != null && !(base instanceof ObjectValue)
            ? null
            : childBase(base, key);
    DataOverride ovChild = ov == null ? null : ov.children.get(key);
    if (child == null && baseChild == null && ovChild == null) {
      return false;
    }
    return evalData(path, i + 1, child, baseChild, ovChild, f, k);
  }

  /** The rule tree node under {@code key}; null when none, or when it holds only functions. */
  static RuleNode childNode(RuleNode node, Value key) {
    RuleNode child = node == null ? null : node.children().get(key);
    if (child != null
        && child.rules().isEmpty()
        && child.hasFunctions()
        && child.children().isEmpty()) {
      return null;
    }
    return child;
  }

  /** The base document under {@code key}, where a number also finds its string key. */
  static Value childBase(Value base, Value key) {
    Value baseChild = base == null ? null : lookup(base, key);
    if (baseChild == null && base instanceof ObjectValue && key instanceof NumberValue n) {
      baseChild = lookup(base, StringValue.of(n.toString()));
    }
    return baseChild;
  }

  /** The whole document at a node: base data merged with every rule below it. */
  Value fullValue(RuleNode node, Value base, DataOverride ov) {
    if (ov != null && ov.value != null) {
      return ov.value;
    }
    if (node == null && ov == null) {
      return base;
    }
    if (node != null && !node.rules().isEmpty()) {
      return base != null ? base : ruleDoc(node);
    }
    if (base != null && !(base instanceof ObjectValue) && ov == null) {
      return base;
    }
    // below here an override under a scalar or array replaces it with an object, as OPA does
    Map<Value, Value> m = new HashMap<>();
    if (base instanceof ObjectValue bo) {
      m.putAll(bo.asMap());
    }
    if (node != null) {
      for (Map.Entry<Value, RuleNode> e : node.children().entrySet()) {
        RuleNode c = e.getValue();
        if (c.rules().isEmpty() && c.children().isEmpty() && !c.isPackage()) {
          continue;
        }
        Value v =
            fullValue(
                c,
                base instanceof ObjectValue bo ? bo.getOrNull(e.getKey()) : null,
                ov == null ? null : ov.children.get(e.getKey()));
        if (v != null) {
          m.put(e.getKey(), v);
        }
      }
    }
    if (ov != null) {
      for (Map.Entry<Value, DataOverride> e : ov.children.entrySet()) {
        if (node == null || !node.children().containsKey(e.getKey())) {
          Value v =
              fullValue(
                  null,
                  base instanceof ObjectValue bo ? bo.getOrNull(e.getKey()) : null,
                  e.getValue());
          if (v != null) {
            m.put(e.getKey(), v);
          }
        }
      }
    }
    return ObjectValue.of(m);
  }

  // ---------------------------------------------------------------------------------------
  // Rules

  /**
   * The values of the rules at {@code nodes} this evaluation computed, by node id (null where it
   * computed none), for a later evaluation's {@link #seed}; null when it computed none of them.
   */
  public Value[] computed(java.util.BitSet nodes) {
    Value[] out = null;
    for (int id = nodes.nextSetBit(0);
        id >= 0 && id < cache.length;
        id = nodes.nextSetBit(id + 1)) {
      Value c = cache[id];
      if (c != null && c != IN_PROGRESS) {
        if (out == null) {
          out = new Value[cache.length];
        }
        out[id] = c;
      }
    }
    return out;
  }

  /**
   * Takes values an earlier evaluation of the same policy {@link #computed} as this one's, before
   * it starts: the caller has made sure they cannot differ here ({@code io.jrego.engine.Carry}).
   */
  public void seed(Value[] values) {
    for (int i = 0; i < values.length && i < cache.length; i++) {
      if (values[i] != null && cache[i] == null) {
        cache[i] = values[i];
      }
    }
  }

  /** The value of the rules at a node, cached per query; null when undefined. */
  Value ruleDoc(RuleNode node) {
    Value c = cache[node.id()];
    if (c == IN_PROGRESS) {
      throw new EvalException(RegoError.of(RegoError.RECURSION, "rule " + node + " is recursive"));
    }
    if (c != null) {
      return c == UNDEFINED ? null : c;
    }
    cache[node.id()] = IN_PROGRESS;
    Value v;
    try {
      v = new RuleDoc(this, node).compute();
    } catch (RuntimeException | Error e) {
      cache[node.id()] = null;
      throw e;
    }
    cache[node.id()] = v == null ? UNDEFINED : v;
    return v;
  }

  /**
   * Before a rule's value term is evaluated: OPA moves a comprehension there into the rule's body,
   * so an error below it shows the comprehension as where the body was.
   */
  void atValue(Term value) {
    if (value instanceof Term.ArrayCompr
        || value instanceof Term.SetCompr
        || value instanceof Term.ObjectCompr) {
      here = value.location();
    }
  }

  /**
   * Evaluates a {@code print} operand in the query OPA makes of it (a comprehension at the
   * operand), with the current query moved to it as OPA reports it.
   */
  boolean evalOperand(Term operand, Value[] f, VK k) {
    here = operand.location();
    Location outer = here;
    int id = enterQuery(operand.location());
    boolean stop;
    try {
      stop = evalTerm(operand, f, k);
    } catch (EvalException x) {
      throw unwound(x, id, outer);
    }
    here = outer;
    return stop;
  }

  CompiledRule currentRule() {
    return currentRule;
  }

  /** Evaluates one rule (following its else chain); {@code k} receives each frame. */
  boolean evalRule(CompiledRule rule, FrameK k) {
    enter(rule.location());
    CompiledRule savedRule = currentRule;
    currentRule = rule;
    try {
      for (CompiledRule r = rule; r != null; r = r.elseRule()) {
        Value[] frame = new Value[r.slots()];
        boolean[] produced = new boolean[1];
        CompiledRule cr = r;
        Location outer = here;
        int id = enterQuery(cr.location());
        boolean stop;
        try {
          stop =
              evalBody(
                  cr.body(),
                  0,
                  frame,
                  () -> {
                    produced[0] = true;
                    ruleHit(cr);
                    return k.accept(cr, frame);
                  });
        } catch (EvalException x) {
          throw unwound(x, id, outer);
        }
        here = outer;
        if (stop || produced[0]) {
          return stop;
        }
      }
      return false;
    } finally {
      depth--;
      currentRule = savedRule;
    }
  }

  /** Receives a rule whose body succeeded and the frame holding its bindings. */
  @FunctionalInterface
  interface FrameK {
    boolean accept(CompiledRule rule, Value[] frame);
  }

  // ---------------------------------------------------------------------------------------
  // Unification

  /** Unifies two terms, evaluating whichever side can be evaluated. */
  boolean unifyTerms(Term a, Term b, Value[] f, K k) {
    if (isEvaluable(b, f)) {
      return evalTerm(b, f, vb -> unify(a, vb, f, k));
    }
    if (isEvaluable(a, f)) {
      return evalTerm(a, f, va -> unify(b, va, f, k));
    }
    if (a instanceof Term.ArrayTerm x
        && b instanceof Term.ArrayTerm y
        && x.items().size() == y.items().size()) {
      return unifyPairs(x.items(), y.items(), 0, f, k);
    }
    if (a instanceof Term.ObjectTerm x
        && b instanceof Term.ObjectTerm y
        && x.keys().size() == y.keys().size()) {
      return evalItems(
          x.keys(),
          0,
          new Value[x.keys().size()],
          f,
          xk ->
              evalItems(
                  y.keys(),
                  0,
                  new Value[y.keys().size()],
                  f,
                  yk -> {
                    List<Term> left = new ArrayList<>();
                    List<Term> right = new ArrayList<>();
                    for (int i = 0; i < xk.length; i++) {
                      int j = indexOf(yk, xk[i]);
                      if (j < 0) {
                        return false;
                      }
                      left.add(x.values().get(i));
                      right.add(y.values().get(j));
                    }
                    return unifyPairs(left, right, 0, f, k);
                  }));
    }
    throw new EvalException(
        at(
            RegoError.UNSAFE_VAR,
            "cannot unify " + a + " with " + b + ": unbound variables",
            a.location()));
  }

  private static int indexOf(Value[] xs, Value x) {
    for (int i = 0; i < xs.length; i++) {
      if (xs[i].equals(x)) {
        return i;
      }
    }
    return -1;
  }

  private boolean unifyPairs(List<Term> a, List<Term> b, int i, Value[] f, K k) {
    if (i == a.size()) {
      return k.next();
    }
    // prefer a pair that can be evaluated now
    for (int j = i; j < a.size(); j++) {
      if (isEvaluable(a.get(j), f) || isEvaluable(b.get(j), f)) {
        if (j != i) {
          List<Term> a2 = new ArrayList<>(a);
          List<Term> b2 = new ArrayList<>(b);
          a2.set(j, a.get(i));
          a2.set(i, a.get(j));
          b2.set(j, b.get(i));
          b2.set(i, b.get(j));
          return unifyTerms(a2.get(i), b2.get(i), f, () -> unifyPairs(a2, b2, i + 1, f, k));
        }
        break;
      }
    }
    return unifyTerms(a.get(i), b.get(i), f, () -> unifyPairs(a, b, i + 1, f, k));
  }

  /** Whether a term can be evaluated with the current bindings (refs may iterate). */
  static boolean isEvaluable(Term t, Value[] f) {
    return switch (t) {
      case Var v -> v.slot() < 0 || f[v.slot()] != null;
      case Term.ArrayTerm a -> allEvaluable(a.items(), f);
      case Term.ObjectTerm o -> allEvaluable(o.keys(), f) && allEvaluable(o.values(), f);
      case Term.SetTerm s -> allEvaluable(s.items(), f);
      case Ref r -> isEvaluable(r.head(), f);
      default -> true;
    };
  }

  private static boolean allEvaluable(List<Term> ts, Value[] f) {
    for (Term t : ts) {
      if (!isEvaluable(t, f)) {
        return false;
      }
    }
    return true;
  }

  /** Unifies a term with a value. */
  boolean unify(Term t, Value v, Value[] f, K k) {
    switch (t) {
      case Var x -> {
        if (x.slot() < 0) {
          boolean[] eq = new boolean[1];
          evalTerm(
              x,
              f,
              y -> {
                eq[0] = y.equals(v);
                return true;
              });
          return eq[0] && k.next();
        }
        Value cur = f[x.slot()];
        if (cur != null) {
          return cur.equals(v) && k.next();
        }
        f[x.slot()] = v;
        try {
          return k.next();
        } finally {
          f[x.slot()] = null;
        }
      }
      case Scalar s -> {
        return s.value().equals(v) && k.next();
      }
      case Term.ArrayTerm a -> {
        if (!(v instanceof ArrayValue av) || av.size() != a.items().size()) {
          return false;
        }
        if (isEvaluable(a, f)) {
          return evalTerm(a, f, x -> x.equals(v) && k.next());
        }
        return unifyElems(a.items(), av, 0, f, k);
      }
      case Term.ObjectTerm o -> {
        if (!(v instanceof ObjectValue ov) || ov.size() != o.keys().size()) {
          return false;
        }
        if (isEvaluable(o, f)) {
          return evalTerm(o, f, x -> x.equals(v) && k.next());
        }
        return evalItems(
            o.keys(),
            0,
            new Value[o.keys().size()],
            f,
            keys -> unifyObject(o.values(), keys, ov, 0, f, k));
      }
      default -> {
        return evalTerm(t, f, x -> x.equals(v) && k.next());
      }
    }
  }

  private boolean unifyElems(List<Term> items, ArrayValue av, int i, Value[] f, K k) {
    if (i == items.size()) {
      return k.next();
    }
    return unify(items.get(i), av.get(i), f, () -> unifyElems(items, av, i + 1, f, k));
  }

  private boolean unifyObject(
      List<Term> values, Value[] keys, ObjectValue ov, int i, Value[] f, K k) {
    if (i == values.size()) {
      return k.next();
    }
    Value v = ov.getOrNull(keys[i]);
    return v != null
        && unify(values.get(i), v, f, () -> unifyObject(values, keys, ov, i + 1, f, k));
  }

  // ---------------------------------------------------------------------------------------

  /** A {@code with} override tree over data: a replacement value or children. */
  static final class DataOverride {
    final Value value;
    final Map<Value, DataOverride> children;

    DataOverride(Value value, Map<Value, DataOverride> children) {
      this.value = value;
      this.children = children;
    }

    static DataOverride with(DataOverride ov, List<Value> path, int i, Value value) {
      if (i == path.size()) {
        return new DataOverride(value, Map.of());
      }
      if (ov != null && ov.value != null) {
        return new DataOverride(setPath(ov.value, path, i, value), Map.of());
      }
      Map<Value, DataOverride> m = new HashMap<>(ov == null ? Map.of() : ov.children);
      m.put(path.get(i), with(m.get(path.get(i)), path, i + 1, value));
      return new DataOverride(null, m);
    }
  }
}
