package io.jrego.engine.compiler;

import io.jrego.engine.ast.Annotation;
import io.jrego.engine.ast.Expr;
import io.jrego.engine.ast.Module;
import io.jrego.engine.ast.Rule;
import io.jrego.engine.ast.Term;
import io.jrego.engine.base.RegoError.Location;
import io.jrego.engine.value.Value;
import java.util.List;

/**
 * A rule ready to evaluate: variables resolved to frame slots, body ordered for safety.
 *
 * @param kind complete, multi-value or function
 * @param isDefault whether it is a default rule
 * @param path the ground part of its head from the data root, e.g. {@code [envoy, authz, allow]}
 * @param extraHead head elements after the ground part (evaluated in the body's frame)
 * @param args function argument patterns
 * @param value the value (or set element) term
 * @param body the ordered body
 * @param elseRule the next rule of the else chain, or null
 * @param slots frame size
 * @param location where the rule is written
 * @param module the module it comes from
 * @param annotations METADATA annotations of the rule
 */
public record CompiledRule(
    Rule.Kind kind,
    boolean isDefault,
    List<Value> path,
    List<Term> extraHead,
    List<Term> args,
    Term value,
    List<Expr> body,
    CompiledRule elseRule,
    int slots,
    Location location,
    Module module,
    List<Annotation> annotations) {

  /** The rule's path as OPA prints it: {@code data.a.b}. */
  public String pathString() {
    return RuleNode.pathString(path);
  }
}
