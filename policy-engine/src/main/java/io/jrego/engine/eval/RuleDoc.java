package io.jrego.engine.eval;

import io.jrego.engine.ast.Rule;
import io.jrego.engine.ast.Term;
import io.jrego.engine.base.RegoError;
import io.jrego.engine.compiler.CompiledRule;
import io.jrego.engine.compiler.RuleNode;
import io.jrego.engine.eval.Evaluator.EvalException;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.Value;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Computes the document the rules at one node define: a complete value (with default and conflict
 * detection), a set ({@code contains}), or an object built from rules with variables in their
 * heads, merged with rules defined below the node.
 */
final class RuleDoc {

  private final Evaluator ev;
  private final RuleNode node;

  RuleDoc(Evaluator ev, RuleNode node) {
    this.ev = ev;
    this.node = node;
  }

  /** What a rule contributes to its node's document. */
  private enum Shape {
    DEFAULT,
    REF_HEAD, // variables in the head below the node: builds an object
    MULTI, // contains: a set element
    COMPLETE,
  }

  private static Shape shape(CompiledRule r) {
    if (r.isDefault()) {
      return Shape.DEFAULT;
    }
    if (!r.extraHead().isEmpty()) {
      return Shape.REF_HEAD;
    }
    return r.kind() == Rule.Kind.MULTI ? Shape.MULTI : Shape.COMPLETE;
  }

  // The node's rules are filtered by shape in each loop below rather than copied into lists: this
  // runs once per node per query.
  Value compute() {
    boolean anyComplete = false;
    boolean anyMulti = false;
    boolean anyRefHead = false;
    CompiledRule dflt = null;
    for (CompiledRule r : node.rules()) {
      switch (shape(r)) {
        case DEFAULT -> dflt = r;
        case REF_HEAD -> anyRefHead = true;
        case MULTI -> anyMulti = true;
        case COMPLETE -> anyComplete = true;
      }
    }
    if (anyComplete || (dflt != null && !anyRefHead && !anyMulti)) {
      Value[] result = new Value[1];
      CompiledRule[] producer = new CompiledRule[1];
      for (CompiledRule r : node.rules()) {
        if (shape(r) != Shape.COMPLETE) {
          continue;
        }
        ev.evalRule(
            r,
            (cr, frame) -> {
              ev.atValue(cr.value());
              return ev.evalTerm(
                  cr.value(),
                  frame,
                  v -> {
                    if (result[0] != null && !result[0].equals(v)) {
                      throw new EvalException(
                          Evaluator.at(
                              RegoError.EVAL_CONFLICT,
                              Evaluator.conflict("rule " + node, "", result[0], producer[0], v, cr),
                              cr.location()));
                    }
                    result[0] = v;
                    producer[0] = cr;
                    // a constant value cannot change: stop at the first solution (OPA's early
                    // exit)
                    return cr.value() instanceof io.jrego.engine.ast.Term.Scalar;
                  });
            });
      }
      if (result[0] == null && dflt != null) {
        CompiledRule d = dflt;
        ev.ruleHit(d);
        ev.evalTerm(
            d.value(),
            new Value[d.slots()],
            v -> {
              result[0] = v;
              return true;
            });
      }
      return result[0];
    }
    if (!anyRefHead && node.children().isEmpty()) {
      SetValue.Builder b = new SetValue.Builder();
      for (CompiledRule r : node.rules()) {
        if (shape(r) != Shape.MULTI) {
          continue;
        }
        ev.evalRule(
            r,
            (cr, frame) -> {
              ev.atValue(cr.value());
              return ev.evalTerm(
                  cr.value(),
                  frame,
                  v -> {
                    b.add(v);
                    ev.checkSize(b.size());
                    return false;
                  });
            });
      }
      return b.build();
    }
    Map<Value, Object> root = new HashMap<>();
    for (CompiledRule r : node.rules()) {
      if (shape(r) == Shape.REF_HEAD) {
        ev.evalRule(r, (cr, frame) -> insert(cr, frame, root));
      }
    }
    for (Map.Entry<Value, RuleNode> e : node.children().entrySet()) {
      RuleNode c = e.getValue();
      Value v = c.rules().isEmpty() ? ev.fullValue(c, null, null) : ev.ruleDoc(c);
      if (v != null) {
        merge(root, e.getKey(), v);
      }
    }
    return toValue(root);
  }

  private boolean insert(CompiledRule r, Value[] frame, Map<Value, Object> root) {
    List<Term> extra = r.extraHead();
    Value[] keys = new Value[extra.size()];
    return evalKeys(extra, 0, keys, frame, r, root);
  }

  private boolean evalKeys(
      List<Term> extra,
      int i,
      Value[] keys,
      Value[] frame,
      CompiledRule r,
      Map<Value, Object> root) {
    if (i == extra.size()) {
      ev.atValue(r.value());
      return ev.evalTerm(
          r.value(),
          frame,
          v -> {
            put(root, List.of(keys), 0, v, r);
            return false;
          });
    }
    return ev.evalTerm(
        extra.get(i),
        frame,
        k -> {
          keys[i] = k;
          return evalKeys(extra, i + 1, keys, frame, r, root);
        });
  }

  @SuppressWarnings("unchecked") // the tree holds only maps, set builders and values
  private static void put(Map<Value, Object> m, List<Value> keys, int i, Value v, CompiledRule r) {
    Value key = keys.get(i);
    boolean multi = r != null && r.kind() == Rule.Kind.MULTI;
    if (i == keys.size() - 1 && !multi) {
      Object prev = m.get(key);
      if (prev != null && !(prev instanceof Value pv && pv.equals(v))) {
        throw conflict(r);
      }
      m.put(key, v);
      return;
    }
    if (i == keys.size() - 1) {
      Object prev = m.computeIfAbsent(key, x -> new SetValue.Builder());
      if (!(prev instanceof SetValue.Builder b)) {
        throw conflict(r);
      }
      b.add(v);
      return;
    }
    Object next = m.computeIfAbsent(key, x -> new HashMap<Value, Object>());
    if (!(next instanceof Map)) {
      throw conflict(r);
    }
    put((Map<Value, Object>) next, keys, i + 1, v, r);
  }

  /** Merges a document defined below this node into the tree built from ref-head rules. */
  @SuppressWarnings("unchecked") // see put
  private static void merge(Map<Value, Object> m, Value key, Value v) {
    Object prev = m.get(key);
    if (prev == null) {
      m.put(key, v);
    } else if (prev instanceof Map<?, ?> pm && v instanceof ObjectValue o) {
      for (Value k : o.keys()) {
        merge((Map<Value, Object>) pm, k, o.getOrNull(k));
      }
    } else if (prev instanceof SetValue.Builder b && v instanceof SetValue s) {
      for (Value x : s) {
        b.add(x);
      }
    } else if (!prev.equals(v)) {
      throw conflict(null);
    }
  }

  private static EvalException conflict(CompiledRule r) {
    return new EvalException(
        r == null
            ? RegoError.of(RegoError.EVAL_CONFLICT, "object keys must be unique")
            : Evaluator.at(RegoError.EVAL_CONFLICT, "object keys must be unique", r.location()));
  }

  @SuppressWarnings("unchecked") // see put
  private static Value toValue(Map<Value, Object> m) {
    Map<Value, Value> out = new HashMap<>();
    for (Map.Entry<Value, Object> e : m.entrySet()) {
      Object o = e.getValue();
      Value v;
      if (o instanceof Value x) {
        v = x;
      } else if (o instanceof SetValue.Builder b) {
        v = b.build();
      } else {
        v = toValue((Map<Value, Object>) o);
      }
      out.put(e.getKey(), v);
    }
    return ObjectValue.of(out);
  }
}
