package io.jrego.engine.compiler;

import io.jrego.engine.ast.Expr;
import io.jrego.engine.ast.Term;
import io.jrego.engine.builtins.spi.Builtin;
import io.jrego.engine.value.StringValue;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which nodes of the rule tree keep their value when the input changes only at some of its
 * top-level keys ({@code changing}), the policy and its data staying the same: a node is stable
 * when every rule defined there and below it, every rule it refers to and every function it calls
 * reads the input only through a reference whose first key is a constant outside {@code changing}
 * ({@code input.parsed_body.model}, never {@code input}, {@code input[k]} or {@code
 * input.response}), refers to {@code data} only through constant paths, calls no builtin that is
 * not deterministic, no {@code print}, and has no {@code with}. Anything the analysis cannot see
 * through makes a node unstable, so a stable node's value from one evaluation is the value another
 * evaluation of the same policy would compute, when the two inputs agree outside {@code changing}.
 */
public final class StableNodes {

  /** Calls the evaluator answers itself whose result depends on their operands alone. */
  private static final Set<String> PURE_INTERNAL =
      Set.of(
          "eq",
          "assign",
          "walk",
          "internal.member_2",
          "internal.member_3",
          Compiler.SOME_MEMBER_2,
          Compiler.SOME_MEMBER_3);

  /**
   * Calls that report to the caller besides their value (print, a test's cases), or stand for a
   * function a {@code with} may replace.
   */
  private static final Set<String> NOT_CARRIED =
      Set.of("print", "internal.print", "internal.test_case", "internal.function_ref");

  private final CompiledPolicy policy;
  private final Set<String> changing;
  // per function name: whether its rules are self-contained, and the nodes they read
  private final Map<String, Reads> functions = new HashMap<>();

  private StableNodes(CompiledPolicy policy, Set<String> changing) {
    this.policy = policy;
    this.changing = changing;
  }

  /** The stable nodes of {@code policy} by {@link RuleNode#id()}. */
  public static BitSet of(CompiledPolicy policy, Set<String> changing) {
    return new StableNodes(policy, Set.copyOf(changing)).compute();
  }

  /** What a set of rules reads: whether nothing makes it unstable by itself, and which nodes. */
  private static final class Reads {
    boolean ok = true;
    final BitSet nodes = new BitSet();
  }

  private BitSet compute() {
    List<RuleNode> nodes = policy.nodes();
    Reads[] reads = new Reads[nodes.size()];
    BitSet stable = new BitSet();
    for (RuleNode n : nodes) {
      Reads r = new Reads();
      if (n.hasFunctions()) {
        r.ok = false; // a function node has no document; never carried
      }
      for (CompiledRule rule : n.rules()) {
        rule(rule, r);
      }
      for (RuleNode child : n.children().values()) {
        r.nodes.set(child.id());
      }
      reads[n.id()] = r;
      if (r.ok) {
        stable.set(n.id());
      }
    }
    // a node read by an unstable node's reader is unstable too: until nothing changes
    boolean changed = true;
    while (changed) {
      changed = false;
      for (int id = stable.nextSetBit(0); id >= 0; id = stable.nextSetBit(id + 1)) {
        BitSet deps = (BitSet) reads[id].nodes.clone();
        deps.andNot(stable);
        if (!deps.isEmpty()) {
          stable.clear(id);
          changed = true;
        }
      }
    }
    return stable;
  }

  private void rule(CompiledRule rule, Reads r) {
    for (CompiledRule link = rule; link != null; link = link.elseRule()) {
      Visitor v = new Visitor(r);
      link.extraHead().forEach(t -> AstWalk.term(t, v));
      link.args().forEach(t -> AstWalk.term(t, v));
      AstWalk.term(link.value(), v);
      AstWalk.body(link.body(), v);
    }
  }

  private final class Visitor implements AstWalk.Visitor {
    private final Reads r;

    Visitor(Reads r) {
      this.r = r;
    }

    @Override
    public void with(Expr.With w) {
      r.ok = false;
    }

    @Override
    public void var(Term.Var v) {
      // input and data stand alone only as a reference's head (the resolver makes a bare one a
      // reference with no path); anything else reads them whole
      if (v.slot() < 0 && !v.name().equals("input") && !v.name().equals("data")) {
        r.ok = false;
      }
    }

    @Override
    public void ref(Term.Ref ref) {
      if (!(ref.head() instanceof Term.Var h) || h.slot() >= 0) {
        return; // a local or a composite: its parts are walked
      }
      if (h.name().equals("input")) {
        if (ref.path().isEmpty()
            || !(ref.path().get(0) instanceof Term.Scalar s)
            || !(s.value() instanceof StringValue key)
            || changing.contains(key.value())) {
          r.ok = false;
        }
      } else if (h.name().equals("data")) {
        data(ref.path());
      }
    }

    /** A reference into data: the node it reaches and every node below, or unstable. */
    private void data(List<Term> path) {
      RuleNode node = policy.root();
      for (Term t : path) {
        if (!node.rules().isEmpty()) {
          break; // into a rule's value: the node is what is read
        }
        if (!(t instanceof Term.Scalar s)) {
          if (!node.children().isEmpty()) {
            r.ok = false; // a key chosen at evaluation among rules
          }
          return;
        }
        RuleNode next = node.children().get(s.value());
        if (next == null) {
          return; // base data only: the same in every evaluation of the policy
        }
        node = next;
      }
      r.nodes.set(node.id());
    }

    @Override
    public void call(Term.Call c) {
      String name = c.name();
      if (name.startsWith("data.")) {
        Reads f = function(name);
        if (f == null || !f.ok) {
          r.ok = false;
        } else {
          r.nodes.or(f.nodes);
        }
        return;
      }
      if (PURE_INTERNAL.contains(name)) {
        return;
      }
      if (NOT_CARRIED.contains(name)) {
        r.ok = false;
        return;
      }
      Builtin b = policy.builtins() == null ? null : policy.builtins().apply(name);
      if (b == null || !b.deterministic()) {
        r.ok = false;
      }
    }
  }

  /** What a function's rules read; null for a name the policy does not define. */
  private Reads function(String name) {
    Reads known = functions.get(name);
    if (known != null) {
      return known;
    }
    List<CompiledRule> rules = policy.functions().get(name);
    if (rules == null) {
      return null;
    }
    Reads r = new Reads();
    functions.put(name, r); // a recursive call sees this one (the compiler refuses recursion)
    for (CompiledRule rule : new ArrayList<>(rules)) {
      rule(rule, r);
    }
    return r;
  }
}
