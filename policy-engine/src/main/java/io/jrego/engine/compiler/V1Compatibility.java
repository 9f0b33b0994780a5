package io.jrego.engine.compiler;

import io.jrego.engine.ast.Module;
import io.jrego.engine.ast.Rule;
import io.jrego.engine.ast.Term;
import io.jrego.engine.base.RegoError;
import io.jrego.engine.builtins.StandardBuiltins;
import io.jrego.engine.value.StringValue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * What a module read as Rego v0 may hold that Rego v1 refuses, found before {@code opa fmt --v0-v1}
 * rewrites it: an import that shadows an earlier one ({@code future.keywords} and {@code rego}
 * imports included), a rule, function argument or {@code :=} variable named {@code input} or {@code
 * data}, and calls of builtins OPA deprecates. The errors come in OPA's order (imports, rule names
 * and arguments, assignments, then deprecated calls, each in source order) with OPA's codes and
 * wording, and without the source line OPA leaves out for them. Rules named after a v1 keyword are
 * the formatter's to report: they come last. OPA's parser runs the same checks on every module it
 * reads as v1, so {@code opa fmt} refuses these in v1 modules too.
 */
public final class V1Compatibility {

  private static final Set<String> ROOTS = Set.of("input", "data");

  private V1Compatibility() {}

  /** Every v1-compatibility error in {@code module}, in OPA's order; empty when there is none. */
  public static List<RegoError> check(Module module) {
    List<RegoError> errors = new ArrayList<>();
    duplicateImports(module, errors);
    for (Rule r : module.rules()) {
      eachRule(r, rule -> rootNames(rule, errors));
    }
    for (Rule r : module.rules()) {
      eachRule(r, rule -> AstWalk.rule(rule, new Assignments(errors)));
    }
    for (Rule r : module.rules()) {
      eachRule(r, rule -> AstWalk.rule(rule, new DeprecatedCalls(errors)));
    }
    return errors;
  }

  private static void duplicateImports(Module module, List<RegoError> errors) {
    Map<String, Module.Import> seen = new HashMap<>();
    for (Module.Import i : module.imports()) {
      Module.Import first = seen.putIfAbsent(i.name(), i);
      if (first != null) {
        errors.add(
            error(RegoError.COMPILE, "import must not shadow " + importText(first), i.location()));
      }
    }
  }

  private static void rootNames(Rule rule, List<RegoError> errors) {
    if (ROOTS.contains(rule.name())) {
      errors.add(
          error(
              RegoError.COMPILE,
              "rules must not shadow " + rule.name() + " (use a different rule name)",
              rule.location()));
    }
    for (Term a : rule.args()) {
      rootName(a)
          .ifPresent(
              name ->
                  errors.add(
                      error(
                          RegoError.COMPILE,
                          "args must not shadow " + name + " (use a different variable name)",
                          a.location())));
    }
  }

  /** {@code input} or {@code data} when {@code t} is that whole root document, bare. */
  private static Optional<String> rootName(Term t) {
    String name = "";
    if (t instanceof Term.Var v) {
      name = v.name();
    } else if (t instanceof Term.Ref r && r.path().isEmpty() && r.head() instanceof Term.Var v) {
      name = v.name();
    }
    return ROOTS.contains(name) ? Optional.of(name) : Optional.empty();
  }

  /** The rule and, in order, each of its {@code else} branches (OPA walks them as rules). */
  private static void eachRule(Rule rule, Consumer<Rule> action) {
    action.accept(rule);
    rule.elseRule().ifPresent(e -> eachRule(e, action));
  }

  /** {@code input := ...} and {@code data := ...}, in comprehensions and {@code every} too. */
  private record Assignments(List<RegoError> errors) implements AstWalk.Visitor {
    @Override
    public void call(Term.Call c) {
      if (c.name().equals("assign") && !c.args().isEmpty()) {
        rootName(c.args().get(0))
            .ifPresent(
                name ->
                    errors.add(
                        error(
                            RegoError.COMPILE,
                            "variables must not shadow "
                                + name
                                + " (use a different variable name)",
                            c.location())));
      }
    }
  }

  private record DeprecatedCalls(List<RegoError> errors) implements AstWalk.Visitor {
    @Override
    public void call(Term.Call c) {
      boolean deprecated =
          StandardBuiltins.registry()
              .lookup(c.name())
              .map(b -> b.declaration().isDeprecated())
              .orElse(false);
      if (deprecated) {
        errors.add(
            error(
                RegoError.TYPE,
                "deprecated built-in function calls in expression: " + c.name(),
                c.location()));
      }
    }
  }

  /** OPA reports these without the source line it shows for parse errors. */
  private static RegoError error(String code, String message, RegoError.Location at) {
    return RegoError.at(code, message, new RegoError.Location(at.file(), at.row(), at.col(), ""));
  }

  /** An import as OPA prints it: {@code import data.x["a-b"] as y}. */
  private static String importText(Module.Import i) {
    StringBuilder sb = new StringBuilder("import ").append(((Term.Var) i.path().head()).name());
    for (Term t : i.path().path()) {
      if (t instanceof Term.Scalar s && s.value() instanceof StringValue sv) {
        String v = sv.value();
        if (TermText.printsAsName(v)) {
          sb.append('.').append(v);
        } else {
          sb.append("[\"").append(v.replace("\\", "\\\\").replace("\"", "\\\"")).append("\"]");
        }
      } else {
        sb.append('[').append(t).append(']');
      }
    }
    if (!i.alias().isEmpty()) {
      sb.append(" as ").append(i.alias());
    }
    return sb.toString();
  }
}
