package io.jrego.engine.base;

/** Which Rego syntax a module is written in. */
public enum RegoVersion {
  /**
   * Rego before OPA 1.0: {@code if} and {@code contains} optional, {@code future.keywords} imports.
   */
  V0,
  /** Rego as OPA 1.x defines it: {@code if} and {@code contains} required. The default. */
  V1,
}
