package io.jrego.engine;

import io.jrego.engine.base.RegoError;

/**
 * One rule of a compiled policy, as the test runner and tools see it.
 *
 * @param path the rule's full data path, such as {@code data.envoy.authz.tests.test_allow}
 * @param name the rule's name (the last element of its path)
 * @param function whether it is a function (takes arguments)
 * @param location where the rule is written
 * @param parametrized whether the rule's head continues past its name with keys the body binds
 *     ({@code test_x[name] if ...}): its value is an object with one entry per key
 */
public record RuleInfo(
    String path, String name, boolean function, RegoError.Location location, boolean parametrized) {

  /** A rule whose path ends at its name. */
  public RuleInfo(String path, String name, boolean function, RegoError.Location location) {
    this(path, name, function, location, false);
  }
}
