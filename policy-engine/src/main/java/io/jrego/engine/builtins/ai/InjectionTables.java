package io.jrego.engine.builtins.ai;

import io.jrego.engine.builtins.spi.BuiltinContext;
import java.lang.invoke.MethodHandles;
import java.text.Normalizer;
import java.util.List;

/**
 * The injection scanner's one-time tables, loaded through {@link BuiltinContext#sharedLoad}: the
 * linear model's weights, the lexicon, rules and literal index, the folding, confusable and
 * invisible-character tables, and the JDK's normalisation data they read. About 15 MB is allocated
 * building them, once per JVM, which would otherwise be charged to whichever query scans first and
 * end it with an {@code eval_limit_error} under {@code jrego serve}'s default 4 MiB limit (measured
 * with the AllocationMeter in a fresh JVM; {@code InjectionFirstScanTest}).
 */
final class InjectionTables {

  private InjectionTables() {}

  /** The classes whose static initialisers build the tables. */
  private static final List<Class<?>> HOLDERS =
      List.of(
          InjectionModel.class,
          InjectionScanner.class,
          Folding.class,
          Confusables.class,
          Invisibles.class);

  private static volatile boolean loaded;

  /** Loads the tables if this JVM has not yet, without charging them to {@code ctx}'s query. */
  static void load(BuiltinContext ctx) {
    if (!loaded) {
      ctx.sharedLoad(InjectionTables::loadNow);
    }
  }

  private static Void loadNow() {
    MethodHandles.Lookup lookup = MethodHandles.lookup();
    for (Class<?> holder : HOLDERS) {
      try {
        lookup.ensureInitialized(holder);
      } catch (IllegalAccessException e) {
        throw new IllegalStateException("cannot initialise " + holder.getName(), e);
      }
    }
    for (Normalizer.Form form : Normalizer.Form.values()) {
      Normalizer.normalize("\u00e9\uff21", form);
    }
    loaded = true;
    return null;
  }
}
