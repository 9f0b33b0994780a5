package io.jrego.engine.ast;

import io.jrego.engine.base.RegoError.Location;
import java.util.List;
import java.util.Optional;

/**
 * A rule. The head is a reference relative to the package: its first element is the rule's name (a
 * string scalar), the rest may be constants or variables ({@code p[x].q contains y}).
 *
 * @param kind complete (one value), multi-value ({@code contains}) or function
 * @param isDefault whether written with {@code default}
 * @param head the head reference
 * @param args function arguments (empty for other rules)
 * @param value the value (the element for {@code contains}); {@code true} when not written
 * @param assign whether the value was given with {@code :=}
 * @param body the body; empty for a rule without one
 * @param elseRule the next rule of an {@code else} chain, if any
 * @param location where the rule starts
 * @param annotations METADATA annotations written just above the rule
 */
public record Rule(
    Kind kind,
    boolean isDefault,
    List<Term> head,
    List<Term> args,
    Term value,
    boolean assign,
    List<Expr> body,
    Optional<Rule> elseRule,
    Location location,
    List<Annotation> annotations) {

  /** Rule kinds. */
  public enum Kind {
    COMPLETE,
    MULTI,
    FUNCTION,
  }

  /** The rule's name: the first element of its head. */
  public String name() {
    return ((Term.Scalar) head.get(0)).value() instanceof io.jrego.engine.value.StringValue s
        ? s.value()
        : head.get(0).toString();
  }

  public Rule withBody(List<Expr> newBody) {
    return new Rule(
        kind, isDefault, head, args, value, assign, newBody, elseRule, location, annotations);
  }
}
