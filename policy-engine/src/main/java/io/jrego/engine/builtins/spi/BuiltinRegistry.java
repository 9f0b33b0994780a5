package io.jrego.engine.builtins.spi;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The table of builtins by name. Each namespace class ({@code Strings}, {@code Regex}, ...) adds
 * its own through a static {@code register(BuiltinRegistry)} method; {@code
 * io.jrego.engine.builtins.StandardBuiltins#registry()} holds them all.
 */
public final class BuiltinRegistry {

  private final Map<String, Builtin> byName = new HashMap<>();

  /** An empty table. */
  public BuiltinRegistry() {}

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
   * the same way as the others; only the standard table's construction calls it.
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
}
