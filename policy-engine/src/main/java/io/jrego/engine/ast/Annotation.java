package io.jrego.engine.ast;

import io.jrego.engine.base.RegoError.Location;
import io.jrego.engine.value.ObjectValue;

/**
 * One {@code # METADATA} block: its scope ({@code rule}, {@code document}, {@code package}, {@code
 * subpackages}) and its YAML content as a value, as {@code rego.metadata.rule()} returns it.
 */
public record Annotation(String scope, ObjectValue content, Location location) {}
