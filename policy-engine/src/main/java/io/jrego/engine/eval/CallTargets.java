package io.jrego.engine.eval;

import io.jrego.engine.ast.Term;
import io.jrego.engine.builtins.StandardBuiltins;
import io.jrego.engine.builtins.spi.Builtin;
import io.jrego.engine.compiler.CompiledPolicy;
import io.jrego.engine.compiler.CompiledRule;
import io.jrego.engine.value.Value;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What each called name resolves to, computed once per policy and shared by every evaluation: a
 * user function, an evaluator-owned builtin, or a registry builtin. Thread-safe.
 */
public final class CallTargets {

  /** Kinds of call targets. */
  enum Kind {
    FUNCTION,
    OWN,
    BUILTIN,
    UNKNOWN,
  }

  /**
   * A resolved call target; {@code arity} is -1 when variadic or unknown. For functions, {@code
   * byFirstArg} indexes the definitions whose first argument is a constant (null when none is), and
   * {@code others} holds the rest (variable first arguments, defaults) in written order. {@code
   * comparison}: a builtin that is one of the standard comparison operators ({@link
   * StandardBuiltins#isComparison}), decided once here rather than at every call.
   */
  record Target(
      Kind kind,
      int arity,
      Builtin builtin,
      List<CompiledRule> functions,
      Map<Value, List<CompiledRule>> byFirstArg,
      List<CompiledRule> others,
      boolean comparison) {

    Target(Kind kind, int arity, Builtin builtin, List<CompiledRule> functions) {
      this(
          kind,
          arity,
          builtin,
          functions,
          null,
          functions,
          kind == Kind.BUILTIN
              // not Optional.filter: a new policy's first call targets are resolved on the bundle
              // thread (its warm-up), and a lambda of its own there threw out the compiled
              // Optional.filter the checks share (fault matrix, cpu-policy swap, session 20)
              && builtin.function().isPresent()
              && StandardBuiltins.isComparison(builtin.function().get()));
    }

    /** The definitions that may match these operands, in written order. */
    List<CompiledRule> candidates(Value[] args) {
      if (byFirstArg == null || args.length == 0) {
        return functions;
      }
      List<CompiledRule> hit = byFirstArg.get(args[0]);
      if (hit == null) {
        return others;
      }
      if (others.isEmpty()) {
        return hit;
      }
      List<CompiledRule> out = new ArrayList<>(functions.size());
      for (CompiledRule r : functions) {
        if (r.isDefault()
            || !(r.args().get(0) instanceof Term.Scalar s)
            || s.value().equals(args[0])) {
          out.add(r);
        }
      }
      return out;
    }
  }

  /** Indexes function definitions by a constant first argument, when at least two have one. */
  private static Target function(List<CompiledRule> fns) {
    int arity = fns.get(0).args().size();
    Map<Value, List<CompiledRule>> index = new HashMap<>();
    List<CompiledRule> others = new ArrayList<>();
    for (CompiledRule r : fns) {
      if (!r.isDefault() && arity > 0 && r.args().get(0) instanceof Term.Scalar s) {
        index.computeIfAbsent(s.value(), k -> new ArrayList<>()).add(r);
      } else {
        others.add(r);
      }
    }
    if (index.values().stream().mapToInt(List::size).sum() < 2) {
      return new Target(Kind.FUNCTION, arity, null, fns);
    }
    return new Target(
        Kind.FUNCTION, arity, null, fns, Map.copyOf(index), List.copyOf(others), false);
  }

  private final CompiledPolicy policy;
  private final ConcurrentHashMap<String, Target> targets = new ConcurrentHashMap<>();

  public CallTargets(CompiledPolicy policy) {
    this.policy = policy;
  }

  Target get(String name) {
    Target t = targets.get(name);
    return t != null ? t : targets.computeIfAbsent(name, this::resolve);
  }

  private Target resolve(String name) {
    if (name.startsWith("data.")) {
      List<CompiledRule> fns = policy.functions().get(name);
      return fns == null ? new Target(Kind.UNKNOWN, -1, null, null) : function(fns);
    }
    Builtin b = policy.builtins() == null ? null : policy.builtins().apply(name);
    if (b == null) {
      return new Target(Kind.UNKNOWN, -1, null, null);
    }
    return b.function().isPresent()
        ? new Target(Kind.BUILTIN, b.arity(), b, null)
        : new Target(Kind.OWN, b.arity(), null, null);
  }
}
