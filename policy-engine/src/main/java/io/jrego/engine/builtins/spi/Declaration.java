package io.jrego.engine.builtins.spi;

import io.jrego.engine.types.Signature;
import io.jrego.engine.types.Type;
import io.jrego.engine.types.Types;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Everything known about a builtin apart from its implementation, written once where the builtin is
 * registered and read by the registry, the compiler (arity, deprecation), the type checker (types)
 * and the capabilities document (all of it).
 *
 * <pre>{@code
 * Declaration.of("plus(x: number, y: number) => z: number").infix("+").categories("numbers")
 * }</pre>
 *
 * @param name the name policies call it by
 * @param type its argument and result types, with the names OPA gives them ({@link Signature})
 * @param deterministic false when the same operands may give another result ({@code time.now_ns},
 *     {@code rand.intn}, {@code http.send}), which OPA's capabilities mark non-deterministic
 * @param infix the operator it is written as ({@code +}), or empty
 * @param isRelation whether it may produce several results ({@code walk})
 * @param isDeprecated whether OPA deprecates it (Rego v1 modules may not call it)
 * @param categories OPA's documentation categories
 * @param description what it does, for documentation; empty for OPA's builtins, whose prose is
 *     OPA's own
 * @param isHidden whether it is jrego's own compiler artefact, left out of the capabilities
 *     document
 */
public record Declaration(
    String name,
    Type.Fn type,
    boolean deterministic,
    String infix,
    boolean isRelation,
    boolean isDeprecated,
    List<String> categories,
    String description,
    boolean isHidden) {

  public Declaration {
    Objects.requireNonNull(name);
    Objects.requireNonNull(type);
    categories = List.copyOf(categories);
  }

  /**
   * A deterministic builtin declared by its signature, e.g. {@code "abs(x: number) => y: number"}.
   */
  public static Declaration of(String signature) {
    Signature s = Signature.parse(signature);
    return new Declaration(s.name(), s.type(), true, "", false, false, List.of(), "", false);
  }

  /**
   * A builtin of {@code arity} operands whose types nothing declares: every operand and the result
   * are {@code any} (for builtins added through {@code Rego.Builder.builtin} without a signature).
   */
  public static Declaration untyped(String name, int arity) {
    List<Type> args = new ArrayList<>(Collections.nCopies(arity, Types.ANY));
    return new Declaration(
        name, new Type.Fn(args, Types.ANY, null), true, "", false, false, List.of(), "", false);
  }

  /** The number of operands, or -1 when variadic. */
  public int arity() {
    return type.variadic() != null ? -1 : type.arity();
  }

  /** The same declaration, not deterministic. */
  public Declaration nondeterministic() {
    return new Declaration(
        name, type, false, infix, isRelation, isDeprecated, categories, description, isHidden);
  }

  /** The same declaration, written as the infix operator {@code op}. */
  public Declaration infix(String op) {
    return new Declaration(
        name, type, deterministic, op, isRelation, isDeprecated, categories, description, isHidden);
  }

  /** The same declaration, as a relation (several results). */
  public Declaration relation() {
    return new Declaration(
        name, type, deterministic, infix, true, isDeprecated, categories, description, isHidden);
  }

  /** The same declaration, deprecated. */
  public Declaration deprecated() {
    return new Declaration(
        name, type, deterministic, infix, isRelation, true, categories, description, isHidden);
  }

  /** The same declaration, with documentation categories. */
  public Declaration categories(String... cs) {
    return new Declaration(
        name,
        type,
        deterministic,
        infix,
        isRelation,
        isDeprecated,
        List.of(cs),
        description,
        isHidden);
  }

  /** The same declaration, left out of the capabilities document. */
  public Declaration hidden() {
    return new Declaration(
        name, type, deterministic, infix, isRelation, isDeprecated, categories, description, true);
  }

  /**
   * The same declaration with documentation: what the builtin does and, in order, what each
   * argument and then the result is ({@code ""} to leave one undescribed).
   */
  public Declaration describe(String what, String... argsThenResult) {
    List<Type> args = new ArrayList<>(type.args());
    for (int i = 0; i < args.size() && i < argsThenResult.length; i++) {
      args.set(i, described(args.get(i), argsThenResult[i]));
    }
    Type result = type.result();
    if (argsThenResult.length > args.size() && result != null) {
      result = described(result, argsThenResult[args.size()]);
    }
    return new Declaration(
        name,
        new Type.Fn(args, result, type.variadic()),
        deterministic,
        infix,
        isRelation,
        isDeprecated,
        categories,
        what,
        isHidden);
  }

  private static Type described(Type t, String description) {
    if (description.isEmpty()) {
      return t;
    }
    if (!(t instanceof Type.Named n)) {
      throw new IllegalArgumentException("only a named argument can be described: " + t);
    }
    return new Type.Named(n.name(), description, n.type());
  }
}
