package io.jrego.engine.eval;

import io.jrego.engine.ast.Expr;
import io.jrego.engine.ast.Module;
import io.jrego.engine.ast.Rule;
import io.jrego.engine.ast.Term;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.ArrayList;
import java.util.List;

/** A parsed module as the JSON value {@code rego.parse_module} returns (OPA's AST shape). */
final class AstJson {

  private AstJson() {}

  static Value module(Module m) {
    List<Value> pkg = new ArrayList<>();
    pkg.add(term("var", StringValue.of("data")));
    for (String p : m.packagePath()) {
      pkg.add(term("string", StringValue.of(p)));
    }
    ObjectValue.Builder out =
        new ObjectValue.Builder()
            .put("package", new ObjectValue.Builder().put("path", ArrayValue.of(pkg)).build());
    if (!m.imports().isEmpty()) {
      List<Value> imps = new ArrayList<>();
      for (Module.Import i : m.imports()) {
        ObjectValue.Builder b = new ObjectValue.Builder().put("path", term(i.path()));
        if (!i.alias().isEmpty()) {
          b.put("alias", StringValue.of(i.alias()));
        }
        imps.add(b.build());
      }
      out.put("imports", ArrayValue.of(imps));
    }
    List<Value> rules = new ArrayList<>();
    for (Rule r : m.rules()) {
      rules.add(rule(r));
    }
    if (!rules.isEmpty()) {
      out.put("rules", ArrayValue.of(rules));
    }
    return out.build();
  }

  private static Value rule(Rule r) {
    List<Value> ref = new ArrayList<>();
    for (int i = 0; i < r.head().size(); i++) {
      Term h = r.head().get(i);
      ref.add(i == 0 ? term("var", ((Term.Scalar) h).value()) : term(h));
    }
    ObjectValue.Builder head =
        new ObjectValue.Builder()
            .put("name", StringValue.of(r.name()))
            .put("ref", ArrayValue.of(ref));
    if (!r.args().isEmpty()) {
      head.put("args", ArrayValue.of(r.args().stream().map(AstJson::term).toList()));
    }
    if (r.kind() == Rule.Kind.MULTI) {
      head.put("key", term(r.value()));
    } else {
      head.put("value", term(r.value()));
    }
    if (r.assign()) {
      head.put("assign", BooleanValue.TRUE);
    }
    ObjectValue.Builder b =
        new ObjectValue.Builder().put("head", head.build()).put("body", body(r.body()));
    if (r.isDefault()) {
      b.put("default", BooleanValue.TRUE);
    }
    r.elseRule().ifPresent(e -> b.put("else", rule(e)));
    return b.build();
  }

  private static Value body(List<Expr> body) {
    if (body.isEmpty()) {
      return ArrayValue.of(
          new ObjectValue.Builder()
              .put("index", NumberValue.ZERO)
              .put("terms", term("boolean", BooleanValue.TRUE))
              .build());
    }
    List<Value> out = new ArrayList<>();
    for (int i = 0; i < body.size(); i++) {
      Expr e = body.get(i);
      ObjectValue.Builder b = new ObjectValue.Builder().put("index", NumberValue.of(i));
      if (e.negated()) {
        b.put("negated", BooleanValue.TRUE);
      }
      b.put("terms", stmt(e.stmt()));
      if (!e.withs().isEmpty()) {
        List<Value> ws = new ArrayList<>();
        for (Expr.With w : e.withs()) {
          ws.add(
              new ObjectValue.Builder()
                  .put("target", term(w.target()))
                  .put("value", term(w.value()))
                  .build());
        }
        b.put("with", ArrayValue.of(ws));
      }
      out.add(b.build());
    }
    return ArrayValue.of(out);
  }

  private static Value stmt(Expr.Stmt s) {
    return switch (s) {
      case Expr.TermStmt ts -> ts.term() instanceof Term.Call c ? callTerms(c) : term(ts.term());
      case Expr.SomeVars sv ->
          new ObjectValue.Builder()
              .put("symbols", ArrayValue.of(sv.vars().stream().map(AstJson::term).toList()))
              .build();
      case Expr.SomeIn si -> {
        List<Term> args = new ArrayList<>();
        if (si.key() != null) {
          args.add(si.key());
        }
        args.add(si.value());
        args.add(si.domain());
        String op = si.key() == null ? "internal.member_2" : "internal.member_3";
        yield new ObjectValue.Builder()
            .put("symbols", ArrayValue.of(term(new Term.Call(op, args, si.value().location()))))
            .build();
      }
      case Expr.Every ev ->
          new ObjectValue.Builder()
              .put("key", ev.key() == null ? term("null", null) : term(ev.key()))
              .put("value", term(ev.value()))
              .put("domain", term(ev.domain()))
              .put("body", body(ev.body()))
              .build();
    };
  }

  private static Value callTerms(Term.Call c) {
    List<Value> out = new ArrayList<>();
    out.add(opRef(c.name()));
    for (Term a : c.args()) {
      out.add(term(a));
    }
    return ArrayValue.of(out);
  }

  private static Value opRef(String name) {
    String[] parts = name.split("\\.", -1);
    List<Value> ref = new ArrayList<>();
    ref.add(term("var", StringValue.of(parts[0])));
    for (int i = 1; i < parts.length; i++) {
      ref.add(term("string", StringValue.of(parts[i])));
    }
    return term("ref", ArrayValue.of(ref));
  }

  static Value term(Term t) {
    return switch (t) {
      case Term.Scalar s -> scalar(s.value());
      case Term.Var v -> term("var", StringValue.of(v.name()));
      case Term.Ref r -> {
        List<Value> parts = new ArrayList<>();
        parts.add(term(r.head()));
        r.path().forEach(p -> parts.add(term(p)));
        yield term("ref", ArrayValue.of(parts));
      }
      case Term.ArrayTerm a ->
          term("array", ArrayValue.of(a.items().stream().map(AstJson::term).toList()));
      case Term.SetTerm a ->
          term("set", ArrayValue.of(a.items().stream().map(AstJson::term).toList()));
      case Term.ObjectTerm o -> {
        List<Value> pairs = new ArrayList<>();
        for (int i = 0; i < o.keys().size(); i++) {
          pairs.add(ArrayValue.of(term(o.keys().get(i)), term(o.values().get(i))));
        }
        yield term("object", ArrayValue.of(pairs));
      }
      case Term.Call c -> term("call", callTerms(c));
      case Term.ArrayCompr c ->
          term(
              "arraycomprehension",
              new ObjectValue.Builder()
                  .put("term", term(c.head()))
                  .put("body", body(c.body()))
                  .build());
      case Term.SetCompr c ->
          term(
              "setcomprehension",
              new ObjectValue.Builder()
                  .put("term", term(c.head()))
                  .put("body", body(c.body()))
                  .build());
      case Term.ObjectCompr c ->
          term(
              "objectcomprehension",
              new ObjectValue.Builder()
                  .put("key", term(c.key()))
                  .put("value", term(c.value()))
                  .put("body", body(c.body()))
                  .build());
      case Term.Template tp -> term("templatestring", body(tp.parts()));
    };
  }

  private static Value scalar(Value v) {
    return switch (v) {
      case io.jrego.engine.value.NullValue n -> term("null", null);
      case BooleanValue b -> term("boolean", b);
      case NumberValue n -> term("number", n);
      case StringValue s -> term("string", s);
      case ArrayValue a ->
          term("array", ArrayValue.of(a.asList().stream().map(AstJson::scalar).toList()));
      case SetValue s ->
          term("set", ArrayValue.of(s.elements().stream().map(AstJson::scalar).toList()));
      case ObjectValue o -> {
        List<Value> pairs = new ArrayList<>();
        o.forEach((k, x) -> pairs.add(ArrayValue.of(scalar(k), scalar(x))));
        yield term("object", ArrayValue.of(pairs));
      }
    };
  }

  private static Value term(String type, Value value) {
    ObjectValue.Builder b = new ObjectValue.Builder().put("type", StringValue.of(type));
    if (value != null) {
      b.put("value", value);
    }
    return b.build();
  }
}
