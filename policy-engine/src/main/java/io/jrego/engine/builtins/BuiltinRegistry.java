package io.jrego.engine.builtins;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The table of builtins by name. Each namespace class ({@code Strings}, {@code Regex}, ...) adds
 * its own through a static {@code register(BuiltinRegistry)} method; {@link #standard()} holds them
 * all.
 */
public final class BuiltinRegistry {

  private static final BuiltinRegistry STANDARD = buildStandard();

  private final Map<String, Builtin> byName = new HashMap<>();

  BuiltinRegistry() {}

  /** All of jrego's builtins. Immutable and shared. */
  public static BuiltinRegistry standard() {
    return STANDARD;
  }

  /** The builtin called {@code name}, if there is one. */
  public Optional<Builtin> lookup(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  /** Every builtin, by name. */
  public Map<String, Builtin> all() {
    return Collections.unmodifiableMap(byName);
  }

  /**
   * Adds a builtin with its declaration; a second builtin of the same name is a programming error.
   * Public so that namespace classes in sub-packages ({@code io.jrego.engine.builtins.ai}) register
   * the same way as the others; only {@link #standard()}'s construction calls it.
   */
  public void add(Declaration declaration, BuiltinFunction function) {
    add(new Builtin(declaration, function));
  }

  /** Adds a builtin that the evaluator implements itself ({@code print}, {@code walk}, ...). */
  public void addEvaluated(Declaration declaration) {
    add(new Builtin(declaration, java.util.Optional.empty()));
  }

  /**
   * Adds a builtin; a second builtin of the same name is a programming error. Public so the
   * namespace classes of sub-packages ({@code io.jrego.engine.builtins.ai}) can register.
   */
  public void add(Builtin builtin) {
    if (byName.putIfAbsent(builtin.name(), builtin) != null) {
      throw new IllegalStateException("builtin registered twice: " + builtin.name());
    }
  }

  private static BuiltinRegistry buildStandard() {
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
