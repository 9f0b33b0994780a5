package io.jrego.engine.eval;

import io.jrego.engine.ast.Term;
import io.jrego.engine.ast.Term.Scalar;
import io.jrego.engine.compiler.CompiledPolicy;
import io.jrego.engine.compiler.RuleNode;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Where the evaluation of a document under {@code data} starts, resolved once from a path: the
 * path's keys are followed down the rule tree and the base data as far as no rule has to be
 * evaluated, so each evaluation begins at the first rule on the path (or at the base document)
 * instead of at the root. A policy and its base data never change, so neither does this.
 *
 * @param terms the path's keys as terms, for the evaluator
 * @param depth how many keys were followed
 * @param node the rule tree node reached, null when the path left the rule tree for base data
 * @param base the base document reached, null when there is none
 * @param reachable false when a key on the path names neither a rule, a package nor base data, so
 *     the document is undefined whatever the input; {@code depth} is then the dead end's position
 */
public record DocumentStart(
    List<Term> terms, int depth, RuleNode node, Value base, boolean reachable) {

  /** Resolves {@code path} (keys under {@code data}) in a compiled policy with its base data. */
  public static DocumentStart of(CompiledPolicy policy, Value baseData, List<Value> path) {
    List<Term> terms = new ArrayList<>(path.size());
    for (Value v : path) {
      terms.add(new Scalar(v, null));
    }
    RuleNode node = policy.root();
    Value base = baseData;
    int i = 0;
    // as Evaluator.evalData walks with no `with` override in force
    // (below the rules, base data is followed to the end: it is the same for every input)
    while ((node == null || node.rules().isEmpty()) && i < path.size()) {
      RuleNode child = node == null ? null : Evaluator.childNode(node, path.get(i));
      Value baseChild = Evaluator.childBase(base, path.get(i));
      if (child == null && baseChild == null) {
        return new DocumentStart(List.copyOf(terms), i, node, base, false);
      }
      node = child;
      base = baseChild;
      i++;
    }
    return new DocumentStart(List.copyOf(terms), i, node, base, true);
  }

  /**
   * The keys found where an unreachable path ended (rules, packages and base documents), for an
   * error that names what was there instead.
   */
  public Set<String> keysAtDeadEnd() {
    Set<String> keys = new TreeSet<>();
    if (node != null) {
      node.children()
          .forEach(
              (k, child) -> {
                if (Evaluator.childNode(node, k) != null) {
                  keys.add(name(k));
                }
              });
    }
    if (base instanceof ObjectValue o) {
      o.keys().forEach(k -> keys.add(name(k)));
    }
    return keys;
  }

  private static String name(Value key) {
    return key instanceof StringValue s ? s.value() : key.toString();
  }
}
