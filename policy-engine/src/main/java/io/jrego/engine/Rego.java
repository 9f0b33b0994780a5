package io.jrego.engine;

import io.jrego.engine.ast.Module;
import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.base.QueryOptions;
import io.jrego.engine.base.RegoError;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.base.RegoVersion;
import io.jrego.engine.builtins.StandardBuiltins;
import io.jrego.engine.builtins.spi.Builtin;
import io.jrego.engine.builtins.spi.BuiltinRegistry;
import io.jrego.engine.compiler.CompiledPolicy;
import io.jrego.engine.compiler.Compiler;
import io.jrego.engine.compiler.TestRules;
import io.jrego.engine.parser.Parser;
import io.jrego.engine.spi.CustomBuiltin;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.Value;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Entry point: gathers modules and data, and compiles them into a {@link PreparedPolicy}.
 *
 * <pre>{@code
 * PreparedPolicy policy = Rego.builder()
 *     .module("policy.rego", source)
 *     .data(Json.parse(dataJson))
 *     .compile();
 * Optional<Value> allow = policy.evaluate("envoy/authz/allow", input);
 * }</pre>
 */
public final class Rego {

  private Rego() {}

  public static Builder builder() {
    return new Builder();
  }

  /** Collects what one compilation needs. Not thread-safe. */
  public static final class Builder {
    private final Map<String, String> modules = new LinkedHashMap<>();
    private final Map<String, RegoVersion> moduleVersions = new LinkedHashMap<>();
    private Value data = ObjectValue.EMPTY;
    private EngineOptions options = EngineOptions.defaults();
    private RegoVersion defaultVersion = RegoVersion.V1;
    private final Map<String, Builtin> customBuiltins = new LinkedHashMap<>();
    private Consumer<String> printSink = line -> {};
    private Clock clock = Clock.systemUTC();
    private boolean testMode;
    private ModuleCache cache;

    private Builder() {}

    /** Adds a module; {@code file} names it in error messages. */
    public Builder module(String file, String source) {
      modules.put(Objects.requireNonNull(file), Objects.requireNonNull(source));
      return this;
    }

    /** Adds a module written in a given Rego version. */
    public Builder module(String file, String source, RegoVersion version) {
      module(file, source);
      moduleVersions.put(file, version);
      return this;
    }

    /** The base {@code data} document; must be an object. */
    public Builder data(Value data) {
      this.data = Objects.requireNonNull(data);
      return this;
    }

    public Builder options(EngineOptions options) {
      this.options = Objects.requireNonNull(options);
      return this;
    }

    /** The Rego version of modules added without one; {@link RegoVersion#V1} by default. */
    public Builder regoVersion(RegoVersion version) {
      this.defaultVersion = Objects.requireNonNull(version);
      return this;
    }

    /**
     * Parses and compiles everything added.
     *
     * @throws RegoException with every parse and compile error found, each with its location
     */
    public PreparedPolicy compile() throws RegoException {
      List<RegoError> errors = new ArrayList<>();
      List<Module> parsed = new ArrayList<>();
      // a test run rewrites the modules it is given: nothing of it is kept or reused
      ModuleCache reuse = testMode ? null : cache;
      List<RegoVersion> versions = new ArrayList<>();
      for (Map.Entry<String, String> e : modules.entrySet()) {
        RegoVersion v = moduleVersions.getOrDefault(e.getKey(), defaultVersion);
        versions.add(v);
        try {
          parsed.add(
              reuse != null
                  ? reuse.parse(e.getKey(), e.getValue(), v)
                  : Parser.parseModule(e.getKey(), e.getValue(), v));
        } catch (RegoException ex) {
          errors.addAll(ex.errors());
        }
      }
      if (!errors.isEmpty()) {
        throw new RegoException(errors);
      }
      if (!(data instanceof ObjectValue)) {
        throw new RegoException(
            RegoError.of(RegoError.COMPILE, "data must be an object, got " + data.typeName()));
      }
      if (testMode) {
        parsed = TestRules.rewrite(parsed);
      }
      Map<String, Builtin> extra = Map.copyOf(customBuiltins);
      BuiltinRegistry standard = StandardBuiltins.registry();
      // compiled rules resolve calls to the builtins they were compiled with: reused only when
      // both compiles had the standard ones alone
      boolean reusable = reuse != null && extra.isEmpty();
      CompiledPolicy policy = reusable ? reuse.compiledFrom(parsed) : null;
      if (policy == null) {
        policy =
            Compiler.compile(
                parsed,
                name -> {
                  Builtin b = extra.get(name);
                  return b != null ? b : standard.lookup(name).orElse(null);
                });
      }
      if (reuse != null) {
        reuse.compiled(
            List.copyOf(modules.keySet()),
            List.copyOf(modules.values()),
            versions,
            parsed,
            reusable ? policy : null);
      }
      ContentDigest digest =
          new ContentDigest(
              modules,
              moduleVersions,
              defaultVersion,
              data,
              options.strictBuiltinErrors(),
              testMode,
              List.copyOf(extra.keySet()));
      return new PreparedPolicyImpl(policy, data, options, printSink, clock, digest);
    }

    /**
     * Adds a builtin written against the public SPI ({@link io.jrego.engine.spi}), or replaces a
     * standard one of the same name, for this policy only (as OPA's custom functions).
     */
    public Builder builtin(CustomBuiltin builtin) {
      customBuiltins.put(builtin.name(), CustomBuiltins.adapt(builtin));
      return this;
    }

    /**
     * Parses through {@code cache}, which hands back modules it parsed for this load or kept from
     * the last one, and reuses its kept compiled rules when every module is the same ({@link
     * ModuleCache}); whoever loads then tells it whether the result serves ({@link
     * ModuleCache#keep}) or not ({@link ModuleCache#dropPending}). Not in test mode.
     */
    public Builder parsedWith(ModuleCache cache) {
      this.cache = Objects.requireNonNull(cache);
      return this;
    }

    /** Where {@code print} output goes; discarded by default. */
    public Builder printSink(Consumer<String> sink) {
      this.printSink = Objects.requireNonNull(sink);
      return this;
    }

    /**
     * Compiles the modules as {@code opa test} does: a test defined more than once is renamed
     * ({@code test_x}, {@code test_x#01}, ...) so each definition runs and is reported on its own,
     * and parametrized tests ({@code test_x[name] if ...}) report each case they reach through
     * {@link QueryOptions#testCases}. Off by default.
     */
    public Builder testMode(boolean on) {
      this.testMode = on;
      return this;
    }

    /** The clock behind {@code time.now_ns}; the system clock by default. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock);
      return this;
    }
  }
}
