package io.jrego.engine.compiler;

import io.jrego.engine.ast.Module;
import io.jrego.engine.ast.Rule;
import io.jrego.engine.ast.Term;
import io.jrego.engine.base.RegoError;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Checks modules against a capabilities document's builtins, as {@code opa check --capabilities}
 * does: a call of a builtin the document does not list is {@code undefined function NAME}, a {@code
 * rego_type_error} at the call.
 */
public final class CapabilityChecks {

  private CapabilityChecks() {}

  /**
   * The calls in {@code modules} of builtins outside {@code allowed}.
   *
   * @param builtins every builtin name this engine knows: a call of another name is a function of
   *     the policy and is not checked here
   * @param allowed the builtin names the capabilities document lists
   */
  public static List<RegoError> check(
      List<Module> modules, Set<String> builtins, Set<String> allowed) {
    List<RegoError> errors = new ArrayList<>();
    AstWalk.Visitor visitor =
        new AstWalk.Visitor() {
          @Override
          public void call(Term.Call c) {
            if (builtins.contains(c.name()) && !allowed.contains(c.name())) {
              errors.add(
                  RegoError.at(RegoError.TYPE, "undefined function " + c.name(), c.location()));
            }
          }
        };
    for (Module m : modules) {
      for (Rule r : m.rules()) {
        for (Optional<Rule> link = Optional.of(r); link.isPresent(); link = link.get().elseRule()) {
          AstWalk.rule(link.get(), visitor);
        }
      }
    }
    return errors;
  }
}
