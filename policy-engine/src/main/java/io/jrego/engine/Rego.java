package io.jrego.engine;

import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.Value;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

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
    @SuppressWarnings("DoNotCallSuggester") // replaced by the compiler in the engine branch
    public PreparedPolicy compile() throws RegoException {
      throw new UnsupportedOperationException(
          "the compiler is being written; modules="
              + modules.size()
              + ", versions="
              + moduleVersions.size()
              + ", data="
              + data.typeName()
              + ", options="
              + options
              + ", default="
              + defaultVersion);
    }
  }
}
