package io.jrego.engine.compiler;

import io.jrego.engine.ast.Expr;
import io.jrego.engine.ast.Module;
import io.jrego.engine.ast.Rule;
import io.jrego.engine.ast.Term;
import io.jrego.engine.value.StringValue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code opa test} does to modules before compiling them, so that each test is run and
 * reported on its own:
 *
 * <ul>
 *   <li>a test defined more than once under one name is renamed, every definition after the first
 *       becoming {@code test_x#01}, {@code test_x#02}, ... (in module order, then written order),
 *       instead of being merged into one rule whose failing body hides behind a passing one;
 *   <li>a parametrized test ({@code test_x[name] if ...}) gets a call {@code
 *       internal.test_case([name])} that safety ordering places as early as its keys allow, so the
 *       test runner learns every case the body reached, including those that then failed.
 * </ul>
 */
public final class TestRules {

  /** The operator the compiler adds to parametrized tests. */
  public static final String TEST_CASE = "internal.test_case";

  private TestRules() {}

  /** The modules with duplicate tests renamed and parametrized tests instrumented. */
  public static List<Module> rewrite(List<Module> modules) {
    Map<String, Integer> seen = new HashMap<>();
    List<Module> out = new ArrayList<>(modules.size());
    for (Module m : modules) {
      List<Rule> rules = new ArrayList<>(m.rules().size());
      for (Rule r : m.rules()) {
        rules.add(rewrite(m, r, seen));
      }
      out.add(
          new Module(
              m.file(),
              m.version(),
              m.packagePath(),
              m.packageLocation(),
              m.imports(),
              List.copyOf(rules),
              m.annotations()));
    }
    return List.copyOf(out);
  }

  /**
   * The index in {@code head} of the test's name: the first ground element starting with {@code
   * test_} or {@code todo_test_}, or -1 when the rule is no test.
   */
  public static int nameIndex(List<Term> head) {
    for (int i = 0; i < head.size(); i++) {
      if (!(head.get(i) instanceof Term.Scalar s && s.value() instanceof StringValue name)) {
        return -1;
      }
      if (name.value().startsWith("test_") || name.value().startsWith("todo_test_")) {
        return i;
      }
    }
    return -1;
  }

  private static Rule rewrite(Module m, Rule r, Map<String, Integer> seen) {
    int at = nameIndex(r.head());
    if (at < 0 || r.kind() == Rule.Kind.FUNCTION) {
      return r;
    }
    String name = ((StringValue) ((Term.Scalar) r.head().get(at)).value()).value();
    if (!name.startsWith("test_")) {
      return r; // todo_test_ rules are skipped, never run
    }
    List<Term> head = new ArrayList<>(r.head());
    StringBuilder key = new StringBuilder(String.join(".", m.packagePath()));
    for (int i = 0; i <= at; i++) {
      key.append('\u0000').append(((Term.Scalar) head.get(i)).value());
    }
    int n = seen.merge(key.toString(), 1, Integer::sum) - 1;
    if (n > 0) {
      Term t = head.get(at);
      head.set(at, new Term.Scalar(StringValue.of(name + "#%02d".formatted(n)), t.location()));
    }
    List<Expr> body = r.body();
    if (head.size() > at + 1 && r.kind() == Rule.Kind.COMPLETE) {
      List<Term> keys = head.subList(at + 1, head.size());
      Expr call =
          new Expr(
              new Expr.TermStmt(
                  new Term.Call(
                      TEST_CASE,
                      List.of(new Term.ArrayTerm(List.copyOf(keys), r.location())),
                      r.location())),
              false,
              List.of(),
              r.location());
      // last, so the resolver sees the body's declarations (some x) first; safety ordering then
      // moves it up to just after the expression that binds the last of its keys
      body = new ArrayList<>(body.size() + 1);
      body.addAll(r.body());
      body.add(call);
      body = List.copyOf(body);
    }
    return new Rule(
        r.kind(),
        r.isDefault(),
        List.copyOf(head),
        r.args(),
        r.value(),
        r.assign(),
        body,
        r.elseRule(),
        r.location(),
        r.annotations());
  }
}
