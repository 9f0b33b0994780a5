package io.jrego.engine.builtins;

import io.jrego.engine.builtins.spi.BuiltinFunction;
import io.jrego.engine.builtins.spi.BuiltinRegistry;
import java.util.Set;
import java.util.stream.Stream;

/** The table of every builtin jrego has: OPA's and its own ({@code jrego.*}). */
public final class StandardBuiltins {

  private static final BuiltinRegistry STANDARD = build();
  private static final Set<String> NAMES = Set.copyOf(STANDARD.all().keySet());

  /** The comparison operators' functions ({@code ==}, {@code !=}, {@code <}, ...). */
  private static final BuiltinFunction[] COMPARISONS =
      Stream.of("equal", "neq", "lt", "lte", "gt", "gte")
          .map(n -> STANDARD.all().get(n).function().orElseThrow())
          .toArray(BuiltinFunction[]::new);

  private StandardBuiltins() {}

  /** All of jrego's builtins. Shared: nothing adds to it after it is built. */
  public static BuiltinRegistry registry() {
    return STANDARD;
  }

  /**
   * The name of every builtin in {@link #registry()}: what the server's command line reads of the
   * table, without the table's own type, which stays in an unexported package.
   */
  public static Set<String> names() {
    return NAMES;
  }

  /**
   * Whether {@code f} is one of this table's comparison operators ({@code ==}, {@code !=}, {@code
   * <}, {@code <=}, {@code >}, {@code >=}), not another function of the same name: they read their
   * two operands and keep neither the values nor the array, so a caller may hand them the same
   * operand array call after call.
   */
  public static boolean isComparison(BuiltinFunction f) {
    for (BuiltinFunction c : COMPARISONS) {
      if (c == f) {
        return true;
      }
    }
    return false;
  }

  private static BuiltinRegistry build() {
    BuiltinRegistry r = new BuiltinRegistry();
    // One line per namespace class, kept in alphabetical order.
    Aggregates.register(r);
    Arithmetic.register(r);
    ArrayBuiltins.register(r);
    Bits.register(r);
    Casts.register(r);
    Comparison.register(r);
    Encoding.register(r);
    Evaluated.register(r);
    Glob.register(r);
    HashBuiltins.register(r);
    JsonCodec.register(r);
    JsonEditBuiltins.register(r);
    JsonSchemaBuiltins.register(r);
    JwtBuiltins.register(r);
    NetBuiltins.register(r);
    Numbers.register(r);
    ObjectBuiltins.register(r);
    Regex.register(r);
    Semver.register(r);
    Sets.register(r);
    Strings.register(r);
    Time.register(r);
    Types.register(r);
    Units.register(r);
    UriBuiltins.register(r);
    UuidBuiltins.register(r);
    X509Builtins.register(r);
    // builtins-c
    AwsBuiltins.register(r);
    TemplateBuiltins.register(r);
    GraphBuiltins.register(r);
    GraphQlBuiltins.register(r);
    YamlBuiltins.register(r);
    // jrego's own builtins, named jrego.*
    io.jrego.engine.builtins.ai.PiiBuiltins.register(r);
    io.jrego.engine.builtins.ai.TokenBuiltins.register(r);
    // jrego's own builtins (jrego.*), in io.jrego.engine.builtins.ai
    io.jrego.engine.builtins.ai.TextBuiltins.register(r);
    io.jrego.engine.builtins.ai.InjectionBuiltins.register(r);
    return r;
  }
}
