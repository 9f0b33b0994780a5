package io.jrego.engine.eval;

import io.jrego.engine.ast.Expr;
import io.jrego.engine.ast.Term;
import io.jrego.engine.base.RegoError;
import io.jrego.engine.base.RegoError.Location;
import io.jrego.engine.eval.Evaluator.EvalException;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.ArrayList;
import java.util.List;

/**
 * The builtins the evaluator implements because they need its state: {@code print}, template
 * strings, {@code walk}, {@code opa.runtime}, {@code trace}, {@code http.send} and the metadata
 * functions.
 */
final class Builtins {

  /** Returned by {@link #call} for names this class does not implement. */
  static final Value NOT_OWN = StringValue.of("\u0000not-own");

  private final Evaluator ev;

  Builtins(Evaluator ev) {
    this.ev = ev;
  }

  /** Calls an evaluator-owned builtin; {@link #NOT_OWN} for other names, null for undefined. */
  Value call(String name, Value[] args, Location loc) {
    return switch (name) {
      case "opa.runtime" -> ObjectValue.EMPTY;
      case "trace" -> BooleanValue.TRUE;
      case "http.send" -> httpSend(args[0], loc);
      case "rego.metadata.rule" -> Metadata.rule(ev.currentRule());
      case "rego.metadata.chain" -> Metadata.chain(ev.currentRule(), ev.policy);
      case "rego.parse_module" -> parseModule(args, loc);
      case "internal.member_2" -> BooleanValue.of(Evaluator.member(args[0], args[1]));
      case "internal.member_3" -> BooleanValue.of(Evaluator.member3(args[0], args[1], args[2]));
      default -> NOT_OWN;
    };
  }

  /** Checks the request as OPA does, then fails: jrego makes no outbound calls. */
  private static Value httpSend(Value req, Location loc) {
    if (!(req instanceof ObjectValue o)) {
      throw new EvalException(
          Evaluator.at(
              RegoError.EVAL_TYPE,
              "http.send: operand 1 must be object but got " + req.typeName(),
              loc));
    }
    SetValue.Builder invalid = new SetValue.Builder();
    for (Value k : o.keys()) {
      if (!(k instanceof StringValue s)
          || !io.jrego.engine.builtins.http.HttpSendRequest.KEYS.contains(s.value())) {
        invalid.add(k);
      }
    }
    SetValue bad = invalid.build();
    if (!bad.isEmpty()) {
      throw new EvalException(
          Evaluator.at(
              RegoError.EVAL_TYPE, "http.send: invalid request parameters(s): " + bad, loc));
    }
    SetValue.Builder missing = new SetValue.Builder();
    for (String k : List.of("method", "url")) {
      if (o.get(k).isEmpty()) {
        missing.add(StringValue.of(k));
      }
    }
    SetValue miss = missing.build();
    if (!miss.isEmpty()) {
      throw new EvalException(
          Evaluator.at(
              RegoError.EVAL_TYPE,
              "http.send: missing required request parameters(s): " + miss,
              loc));
    }
    throw new EvalException(
        Evaluator.at(
            RegoError.EVAL_BUILTIN, "http.send: http.send is not supported by jrego", loc));
  }

  private Value parseModule(Value[] args, Location loc) {
    for (int i = 0; i < 2; i++) {
      if (!(args[i] instanceof StringValue)) {
        return ev.builtinError(
            RegoError.EVAL_TYPE,
            "rego.parse_module: operand "
                + (i + 1)
                + " must be string but got "
                + args[i].typeName(),
            loc);
      }
    }
    try {
      return AstJson.module(
          io.jrego.engine.parser.Parser.parseModule(
              ((StringValue) args[0]).value(),
              ((StringValue) args[1]).value(),
              io.jrego.engine.base.RegoVersion.V1));
    } catch (io.jrego.engine.base.RegoException e) {
      RegoError first = e.errors().get(0);
      return ev.builtinError(
          RegoError.EVAL_BUILTIN,
          "rego.parse_module: " + first.code() + ": " + first.message(),
          loc);
    }
  }

  /**
   * Prints the cross product of each operand's values, {@code <undefined>} for none. Each operand
   * is a query of its own, as OPA rewrites it into a comprehension.
   */
  void print(List<Term> args, Value[] f) {
    List<List<String>> operands = new ArrayList<>();
    for (Term t : args) {
      List<String> vals = new ArrayList<>();
      ev.evalOperand(
          t,
          f,
          v -> {
            vals.add(format(v));
            return false;
          });
      if (vals.isEmpty()) {
        vals.add("<undefined>");
      }
      operands.add(vals);
    }
    cross(operands, 0, new String[operands.size()]);
  }

  private void cross(List<List<String>> ops, int i, String[] buf) {
    if (i == ops.size()) {
      ev.ctx.print(String.join(" ", buf));
      return;
    }
    for (String s : ops.get(i)) {
      buf[i] = s;
      cross(ops, i + 1, buf);
    }
  }

  static String format(Value v) {
    return v instanceof StringValue s ? s.value() : v.toString();
  }

  String template(Term.Template tp, Value[] f) {
    StringBuilder sb = new StringBuilder();
    for (Expr e : tp.parts()) {
      Value v = ev.firstValue(e, f);
      sb.append(v == null ? "<undefined>" : format(v));
    }
    return sb.toString();
  }

  /** A continuation of {@link #walk}; true stops. */
  @FunctionalInterface
  interface WalkK {
    boolean accept(ArrayValue path, Value v);
  }

  /** Visits every node of a value, the root first, children in key order. */
  static boolean walk(Value v, List<Value> path, WalkK k) {
    if (k.accept(ArrayValue.of(path), v)) {
      return true;
    }
    switch (v) {
      case ArrayValue a -> {
        for (int i = 0; i < a.size(); i++) {
          path.add(io.jrego.engine.value.NumberValue.of(i));
          boolean stop = walk(a.get(i), path, k);
          path.remove(path.size() - 1);
          if (stop) {
            return true;
          }
        }
      }
      case ObjectValue o -> {
        for (Value key : o.keys()) {
          path.add(key);
          boolean stop = walk(o.getOrNull(key), path, k);
          path.remove(path.size() - 1);
          if (stop) {
            return true;
          }
        }
      }
      case SetValue s -> {
        for (Value x : s.elements()) {
          path.add(x);
          boolean stop = walk(x, path, k);
          path.remove(path.size() - 1);
          if (stop) {
            return true;
          }
        }
      }
      default -> {}
    }
    return false;
  }
}
