package io.jrego.engine.spi;

import io.jrego.engine.types.Signature;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A builtin function an application adds to the policies it compiles: its name (dotted, as {@code
 * geo.distance}), how many operands it takes, an optional typed signature, whether it is
 * deterministic, and its implementation.
 *
 * <pre>{@code
 * CustomBuiltin upper = CustomBuiltin.of("acme.upper", 1, args ->
 *     args.get(0) instanceof StringValue s
 *         ? BuiltinResult.of(StringValue.of(s.value().toUpperCase(Locale.ROOT)))
 *         : BuiltinResult.undefined());
 * PreparedPolicy policy = Rego.builder().builtin(upper).module("p.rego", src).compile();
 * }</pre>
 *
 * <p>A builtin of the same name as a standard one replaces it for that policy.
 *
 * @param name the name policies call it by: dot-separated identifiers
 * @param arity the number of operands, 0 to {@link #MAX_ARITY}
 * @param signature its types in OPA's notation ({@code "acme.upper(string) => string"}), checked by
 *     the compiler's type checker as OPA checks a declared function; empty when every operand and
 *     the result are {@code any}
 * @param deterministic false when the same operands may give another result (a clock, a random
 *     source, a lookup); OPA's capabilities call these non-deterministic
 * @param function the implementation
 */
public record CustomBuiltin(
    String name, int arity, String signature, boolean deterministic, CustomFunction function) {

  /** The most operands a builtin may take. */
  public static final int MAX_ARITY = 64;

  private static final Pattern NAME =
      Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*");

  /**
   * @throws IllegalArgumentException when the name is not dotted identifiers, the arity is out of
   *     range, or the signature does not name this builtin
   */
  public CustomBuiltin {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(signature, "signature");
    Objects.requireNonNull(function, "function");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "custom builtin name " + quote(name) + ": want dot-separated identifiers (acme.upper)");
    }
    if (arity < 0 || arity > MAX_ARITY) {
      throw new IllegalArgumentException(
          "custom builtin " + name + ": arity " + arity + " is not between 0 and " + MAX_ARITY);
    }
    if (!signature.isEmpty()) {
      Signature s = parse(signature);
      if (!s.name().equals(name) || s.type().args().size() != arity) {
        throw new IllegalArgumentException(
            "custom builtin "
                + name
                + "/"
                + arity
                + ": signature "
                + quote(signature)
                + " declares "
                + s.name()
                + "/"
                + s.type().args().size());
      }
    }
  }

  /** A deterministic builtin whose operands and result are of any type. */
  public static CustomBuiltin of(String name, int arity, CustomFunction function) {
    return new CustomBuiltin(name, arity, "", true, function);
  }

  /**
   * A deterministic builtin declared by its signature in OPA's notation, e.g. {@code
   * "acme.distance(a: array[number], b: array[number]) => number"}. The compiler rejects calls
   * whose operands cannot have these types ({@code rego_type_error}), as OPA does.
   *
   * @throws IllegalArgumentException when the signature cannot be read
   */
  public static CustomBuiltin declared(String signature, CustomFunction function) {
    Signature s = parse(Objects.requireNonNull(signature, "signature"));
    return new CustomBuiltin(s.name(), s.type().args().size(), signature, true, function);
  }

  /** This builtin, marked non-deterministic (its results are not cached across a query). */
  public CustomBuiltin nondeterministic() {
    return new CustomBuiltin(name, arity, signature, false, function);
  }

  private static Signature parse(String signature) {
    Signature s;
    try {
      s = Signature.parse(signature);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "custom builtin signature " + quote(signature) + ": " + e.getMessage(), e);
    }
    if (s.type().variadic() != null) {
      throw new IllegalArgumentException(
          "custom builtin signature " + quote(signature) + ": variadic builtins are not supported");
    }
    return s;
  }

  private static String quote(String s) {
    return "\"" + s.replace("\"", "\\\"") + "\"";
  }
}
