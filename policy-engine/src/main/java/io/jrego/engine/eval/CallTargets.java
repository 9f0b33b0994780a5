package io.jrego.engine.eval;

import io.jrego.engine.builtins.Builtin;
import io.jrego.engine.compiler.CompiledPolicy;
import io.jrego.engine.compiler.CompiledRule;
import io.jrego.engine.compiler.Compiler;
import java.util.List;
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

  /** A resolved call target; {@code arity} is -1 when variadic or unknown. */
  record Target(Kind kind, int arity, Builtin builtin, List<CompiledRule> functions) {}

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
      return fns == null
          ? new Target(Kind.UNKNOWN, -1, null, null)
          : new Target(Kind.FUNCTION, fns.get(0).args().size(), null, fns);
    }
    Integer own = Compiler.EVALUATOR_BUILTINS.get(name);
    if (own != null) {
      return new Target(Kind.OWN, own, null, null);
    }
    Builtin b = policy.builtins() == null ? null : policy.builtins().apply(name);
    return b == null
        ? new Target(Kind.UNKNOWN, -1, null, null)
        : new Target(Kind.BUILTIN, b.arity(), b, null);
  }
}
