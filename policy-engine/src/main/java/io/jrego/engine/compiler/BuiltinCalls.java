package io.jrego.engine.compiler;

import io.jrego.engine.ast.Module;
import io.jrego.engine.ast.Rule;
import io.jrego.engine.ast.Term;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** The names called in modules: builtins and the policy's own functions alike. */
public final class BuiltinCalls {

  private BuiltinCalls() {}

  /**
   * Every name called anywhere in {@code modules} (rule heads and bodies, else branches,
   * comprehensions, {@code every} bodies), sorted, whether or not a rule reaches it.
   */
  public static Set<String> names(List<Module> modules) {
    Set<String> names = new TreeSet<>();
    AstWalk.Visitor visitor =
        new AstWalk.Visitor() {
          @Override
          public void call(Term.Call c) {
            names.add(c.name());
          }
        };
    for (Module m : modules) {
      for (Rule r : m.rules()) {
        for (Optional<Rule> link = Optional.of(r); link.isPresent(); link = link.get().elseRule()) {
          AstWalk.rule(link.get(), visitor);
        }
      }
    }
    return names;
  }
}
