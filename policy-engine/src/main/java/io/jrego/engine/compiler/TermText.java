package io.jrego.engine.compiler;

import io.jrego.engine.ast.Expr;
import io.jrego.engine.ast.Term;
import io.jrego.engine.ast.Term.Ref;
import io.jrego.engine.ast.Term.Scalar;
import io.jrego.engine.ast.Term.Var;
import io.jrego.engine.parser.Keywords;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.NullValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Terms as OPA prints them in compile errors ({@code data.a.p.foo}, {@code x["a-b"]}, {@code [1,
 * 2][i]}) and writes them in error details' JSON ({@code {"type": "var", "value": "x"}}). Variables
 * the checker made up print as the term they stand for.
 */
final class TermText {

  private final Function<Var, Term> subjects;

  /**
   * @param subjects the term a made-up variable stands for, or null
   */
  TermText(Function<Var, Term> subjects) {
    this.subjects = subjects;
  }

  /** A reference's head and its first {@code n} path elements, as text. */
  String ref(Ref r, int n) {
    StringBuilder sb = new StringBuilder();
    Term head = subject(r.head());
    if (head instanceof Ref hr) {
      sb.append(ref(hr, hr.path().size()));
    } else {
      sb.append(term(head));
    }
    for (int i = 0; i < n && i < r.path().size(); i++) {
      Term p = subject(r.path().get(i));
      if (p instanceof Scalar s
          && s.value() instanceof StringValue sv
          && printsAsName(sv.value())) {
        sb.append('.').append(sv.value());
      } else {
        sb.append('[').append(term(p)).append(']');
      }
    }
    return sb.toString();
  }

  String ref(Ref r) {
    return ref(r, r.path().size());
  }

  private Term subject(Term t) {
    if (t instanceof Var v && subjects != null) {
      Term s = subjects.apply(v);
      if (s != null) {
        return s;
      }
    }
    return t;
  }

  /** One term, as Rego source. */
  String term(Term t0) {
    Term t = subject(t0);
    return switch (t) {
      case Var v -> v.name();
      case Scalar s -> value(s.value());
      case Ref r -> ref(r);
      case Term.ArrayTerm a -> "[" + join(a.items()) + "]";
      case Term.SetTerm st -> st.items().isEmpty() ? "set()" : "{" + join(st.items()) + "}";
      case Term.ObjectTerm o -> {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < o.keys().size(); i++) {
          parts.add(term(o.keys().get(i)) + ": " + term(o.values().get(i)));
        }
        yield "{" + String.join(", ", parts) + "}";
      }
      case Term.Call c -> c.name() + "(" + join(c.args()) + ")";
      case Term.ArrayCompr c -> "[" + term(c.head()) + " | " + body(c.body()) + "]";
      case Term.SetCompr c -> "{" + term(c.head()) + " | " + body(c.body()) + "}";
      case Term.ObjectCompr c ->
          "{" + term(c.key()) + ": " + term(c.value()) + " | " + body(c.body()) + "}";
      case Term.Template tp -> "$\"...\"";
    };
  }

  private String body(List<Expr> body) {
    List<String> parts = new ArrayList<>();
    for (Expr e : body) {
      if (e.stmt() instanceof Expr.TermStmt ts) {
        parts.add((e.negated() ? "not " : "") + term(ts.term()));
      }
    }
    return String.join("; ", parts);
  }

  private String join(List<Term> ts) {
    List<String> parts = new ArrayList<>(ts.size());
    for (Term t : ts) {
      parts.add(term(t));
    }
    return String.join(", ", parts);
  }

  /** A value as Rego source: strings quoted, sets in braces. */
  static String value(Value v) {
    return v.toString();
  }

  /**
   * Whether OPA prints the string {@code s} in a reference as {@code .s} rather than {@code ["s"]}:
   * it looks like a name and is no keyword.
   */
  static boolean printsAsName(String s) {
    return isVarCompatible(s) && !Keywords.RESERVED.contains(s);
  }

  private static boolean isVarCompatible(String s) {
    if (s.isEmpty()) {
      return false;
    }
    char c = s.charAt(0);
    if (!(Character.isLetter(c) && c < 128) && c != '_') {
      return false;
    }
    for (int i = 1; i < s.length(); i++) {
      char x = s.charAt(i);
      if (!((Character.isLetterOrDigit(x) && x < 128) || x == '_')) {
        return false;
      }
    }
    return true;
  }

  // ---------------------------------------------------------------------------------------

  /** A reference's elements as OPA's AST JSON: {@code [{"type": "var", "value": "x"}, ...]}. */
  Value refJson(Ref r) {
    List<Value> out = new ArrayList<>();
    Term head = subject(r.head());
    if (head instanceof Ref hr) {
      out.addAll(((ArrayValue) refJson(hr)).asList());
    } else {
      out.add(termJson(head));
    }
    for (Term p : r.path()) {
      out.add(termJson(subject(p)));
    }
    return ArrayValue.of(out);
  }

  private Value termJson(Term t0) {
    Term t = subject(t0);
    return switch (t) {
      case Var v -> typed("var", StringValue.of(v.name()));
      case Scalar s -> valueJson(s.value());
      case Ref r -> typed("ref", refJson(r));
      case Term.ArrayTerm a ->
          typed("array", ArrayValue.of(a.items().stream().map(this::termJson).toList()));
      case Term.SetTerm st ->
          typed("set", ArrayValue.of(st.items().stream().map(this::termJson).toList()));
      case Term.ObjectTerm o -> {
        List<Value> pairs = new ArrayList<>();
        for (int i = 0; i < o.keys().size(); i++) {
          pairs.add(ArrayValue.of(termJson(o.keys().get(i)), termJson(o.values().get(i))));
        }
        yield typed("object", ArrayValue.of(pairs));
      }
      case Term.Call c -> {
        List<Value> parts = new ArrayList<>();
        parts.add(typed("ref", ArrayValue.of(typed("var", StringValue.of(c.name())))));
        c.args().forEach(a -> parts.add(termJson(a)));
        yield typed("call", ArrayValue.of(parts));
      }
      default -> typed("string", StringValue.of(term(t)));
    };
  }

  private static Value valueJson(Value v) {
    return switch (v) {
      case NullValue n -> typed("null", n);
      case BooleanValue b -> typed("boolean", b);
      case NumberValue n -> typed("number", n);
      case StringValue s -> typed("string", s);
      case ArrayValue a ->
          typed("array", ArrayValue.of(a.asList().stream().map(TermText::valueJson).toList()));
      case SetValue s ->
          typed("set", ArrayValue.of(s.elements().stream().map(TermText::valueJson).toList()));
      case ObjectValue o -> {
        List<Value> pairs = new ArrayList<>();
        o.forEach((k, x) -> pairs.add(ArrayValue.of(valueJson(k), valueJson(x))));
        yield typed("object", ArrayValue.of(pairs));
      }
    };
  }

  private static Value typed(String type, Value value) {
    return ObjectValue.of(
        Map.of(StringValue.of("type"), StringValue.of(type), StringValue.of("value"), value));
  }
}
