package io.jrego.engine;

/**
 * One rule of a compiled policy, as the test runner and tools see it.
 *
 * @param path the rule's full data path, such as {@code data.envoy.authz.tests.test_allow}
 * @param name the rule's name (the last element of its path)
 * @param function whether it is a function (takes arguments)
 * @param location where the rule is written
 */
public record RuleInfo(String path, String name, boolean function, RegoError.Location location) {}
