package io.jrego.engine.compiler;

import io.jrego.engine.ast.Expr;
import io.jrego.engine.ast.Module;
import io.jrego.engine.ast.Rule;
import io.jrego.engine.ast.Term;
import io.jrego.engine.ast.Term.Var;
import io.jrego.engine.base.RegoError;
import io.jrego.engine.base.RegoVersion;
import io.jrego.engine.builtins.StandardBuiltins;
import io.jrego.engine.value.StringValue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The checks OPA's strict mode ({@code opa check --strict}) adds to compilation: imports no rule
 * uses ({@code import data.foo unused}), variables assigned with {@code :=} and never read ({@code
 * assigned var x unused}), function arguments never read ({@code unused argument x}) and, in Rego
 * v0 modules (v1 rejects them always), calls of deprecated builtins and variables named {@code
 * input} or {@code data}. Each is a {@code rego_compile_error} (the deprecated call a {@code
 * rego_type_error}) at the import, variable or call, with OPA's message.
 *
 * <p>It reads parsed modules, before resolution: a name counts as used wherever a variable, a
 * reference's head or a call's first segment spells it.
 */
public final class StrictChecks {

  private static final Pattern IDENT = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private StrictChecks() {}

  /** The strict-mode errors of {@code modules}, in source order within each module. */
  public static List<RegoError> check(List<Module> modules) {
    List<RegoError> errors = new ArrayList<>();
    for (Module m : modules) {
      unusedImports(m, errors);
      for (Rule r : m.rules()) {
        unusedArguments(r, errors);
        for (Optional<Rule> link = Optional.of(r); link.isPresent(); link = link.get().elseRule()) {
          unusedAssignments(link.get(), errors);
          if (m.version() == RegoVersion.V0) {
            v0Checks(link.get(), errors);
          }
        }
      }
    }
    return errors;
  }

  // ---------------------------------------------------------------------------------------------

  private static void unusedImports(Module m, List<RegoError> errors) {
    Set<String> names = new HashSet<>();
    for (Rule r : m.rules()) {
      for (Optional<Rule> link = Optional.of(r); link.isPresent(); link = link.get().elseRule()) {
        Set<String> locals = locals(link.get());
        AstWalk.rule(
            link.get(),
            new AstWalk.Visitor() {
              @Override
              public void var(Var v) {
                if (!locals.contains(v.name())) {
                  names.add(v.name());
                }
              }

              @Override
              public void call(Term.Call c) {
                int dot = c.name().indexOf('.');
                names.add(dot < 0 ? c.name() : c.name().substring(0, dot));
              }
            });
      }
    }
    for (Module.Import i : m.imports()) {
      String root = ((Var) i.path().head()).name();
      if (root.equals("future") || root.equals("rego")) {
        continue;
      }
      if (!names.contains(i.name())) {
        String text = refText(i.path()) + (i.alias().isEmpty() ? "" : " as " + i.alias());
        errors.add(RegoError.at(RegoError.COMPILE, "import " + text + " unused", i.location()));
      }
    }
  }

  /**
   * The names a rule binds itself (function arguments, {@code :=} targets, {@code some}, {@code
   * every} and {@code some ... in} variables): where they are read, no import is.
   */
  private static Set<String> locals(Rule rule) {
    Set<String> out = new HashSet<>();
    List<Var> vars = new ArrayList<>();
    rule.args().forEach(a -> collectVars(a, vars));
    AstWalk.rule(
        rule,
        new AstWalk.Visitor() {
          @Override
          public void call(Term.Call c) {
            if (c.name().equals("assign") && !c.args().isEmpty()) {
              collectVars(c.args().get(0), vars);
            }
          }

          @Override
          public void stmt(Expr.Stmt s) {
            switch (s) {
              case Expr.SomeVars sv -> vars.addAll(sv.vars());
              case Expr.SomeIn si -> {
                collectVars(si.key(), vars);
                collectVars(si.value(), vars);
              }
              case Expr.Every ev -> {
                collectVars(ev.key(), vars);
                collectVars(ev.value(), vars);
              }
              case Expr.TermStmt t -> {}
            }
          }
        });
    vars.forEach(v -> out.add(v.name()));
    return out;
  }

  /** A function argument (or a variable inside one) read nowhere in the function or its else. */
  private static void unusedArguments(Rule rule, List<RegoError> errors) {
    if (rule.kind() != Rule.Kind.FUNCTION) {
      return;
    }
    List<Var> args = new ArrayList<>();
    rule.args().forEach(a -> collectVars(a, args));
    Set<String> read = new HashSet<>();
    AstWalk.Visitor reads =
        new AstWalk.Visitor() {
          @Override
          public void var(Var v) {
            read.add(v.name());
          }
        };
    for (Optional<Rule> link = Optional.of(rule); link.isPresent(); link = link.get().elseRule()) {
      AstWalk.term(link.get().value(), reads);
      AstWalk.body(link.get().body(), reads);
    }
    for (Var v : args) {
      if (!v.isWildcard() && !read.contains(v.name())) {
        errors.add(
            RegoError.at(
                RegoError.COMPILE,
                "unused argument " + v.name() + ". (hint: use _ (wildcard variable) instead)",
                v.location()));
      }
    }
  }

  /** {@code x := ...} where {@code x} is read nowhere else in the rule. */
  private static void unusedAssignments(Rule rule, List<RegoError> errors) {
    Map<String, Integer> uses = new HashMap<>();
    List<Var> assigned = new ArrayList<>();
    AstWalk.rule(
        rule,
        new AstWalk.Visitor() {
          @Override
          public void var(Var v) {
            uses.merge(v.name(), 1, Integer::sum);
          }

          @Override
          public void call(Term.Call c) {
            // a variable on its own only: OPA does not check those of `[a, b] := ...`
            if (c.name().equals("assign")
                && !c.args().isEmpty()
                && c.args().get(0) instanceof Var v) {
              assigned.add(v);
            }
          }
        });
    Map<String, Integer> definitions = new HashMap<>();
    for (Var v : assigned) {
      definitions.merge(v.name(), 1, Integer::sum);
    }
    for (Var v : assigned) {
      if (v.isWildcard() || definitions.get(v.name()) > 1) {
        continue; // assigned twice: the compiler's "var x assigned above" says what is wrong
      }
      // `input` and `data` read after `input := ...` are the documents, not the variable
      boolean global = v.name().equals("input") || v.name().equals("data");
      if (global || uses.getOrDefault(v.name(), 0) <= 1) {
        errors.add(
            RegoError.at(RegoError.COMPILE, "assigned var " + v.name() + " unused", v.location()));
      }
    }
  }

  /** The variables a {@code :=} target binds: a variable, or those inside an array or object. */
  private static void collectVars(Term lhs, List<Var> out) {
    if (lhs == null) {
      return;
    }
    switch (lhs) {
      case Var v -> out.add(v);
      case Term.ArrayTerm a -> a.items().forEach(t -> collectVars(t, out));
      case Term.ObjectTerm o -> o.values().forEach(t -> collectVars(t, out));
      default -> {}
    }
  }

  private static void v0Checks(Rule rule, List<RegoError> errors) {
    AstWalk.rule(
        rule,
        new AstWalk.Visitor() {
          @Override
          public void call(Term.Call c) {
            if (StandardBuiltins.registry()
                .lookup(c.name())
                .map(b -> b.declaration().isDeprecated())
                .orElse(false)) {
              errors.add(
                  RegoError.at(
                      RegoError.TYPE,
                      "deprecated built-in function calls in expression: " + c.name(),
                      c.location()));
            }
            if (c.name().equals("assign") && !c.args().isEmpty()) {
              List<Var> vars = new ArrayList<>();
              collectVars(c.args().get(0), vars);
              for (Var v : vars) {
                if (v.name().equals("input") || v.name().equals("data")) {
                  errors.add(
                      RegoError.at(
                          RegoError.COMPILE,
                          "variables must not shadow "
                              + v.name()
                              + " (use a different variable name)",
                          v.location()));
                }
              }
            }
          }
        });
  }

  private static String refText(Term.Ref r) {
    StringBuilder sb = new StringBuilder(((Var) r.head()).name());
    for (Term t : r.path()) {
      if (t instanceof Term.Scalar s && s.value() instanceof StringValue sv) {
        if (IDENT.matcher(sv.value()).matches()) {
          sb.append('.').append(sv.value());
        } else {
          sb.append("[\"")
              .append(sv.value().replace("\\", "\\\\").replace("\"", "\\\""))
              .append("\"]");
        }
      } else {
        sb.append('[').append(t).append(']');
      }
    }
    return sb.toString();
  }
}
