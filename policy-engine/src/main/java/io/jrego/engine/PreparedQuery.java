package io.jrego.engine;

import io.jrego.engine.base.QueryOptions;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.value.Value;
import java.util.Optional;

/**
 * One document of a {@link PreparedPolicy}, such as {@code data.envoy.authz.allow}, prepared by
 * {@link PreparedPolicy#prepare(String)}: the path is parsed and followed through the rule tree
 * once, so evaluating it looks nothing up by name. Immutable and thread-safe, like the policy it
 * belongs to.
 */
public interface PreparedQuery {

  /** The document's path, as {@code data.envoy.authz.allow}. */
  String path();

  /**
   * Evaluates the document.
   *
   * @param input the {@code input} document
   * @return the document's value, or empty when it is undefined for this input
   * @throws RegoException as {@link PreparedPolicy#evaluate(String, Value)}
   */
  default Optional<Value> evaluate(Value input) throws RegoException {
    return evaluate(input, QueryOptions.none());
  }

  /**
   * Evaluates the document with per-query options, such as a {@link QueryOptions#deadline()}.
   *
   * @throws RegoException as {@link PreparedPolicy#evaluate(String, Value, QueryOptions)}
   */
  Optional<Value> evaluate(Value input, QueryOptions options) throws RegoException;

  /**
   * Evaluates the document, reusing what an earlier evaluation of the same policy left in {@code
   * carry} where it cannot differ, and leaving there what this one computed ({@link Carry}). The
   * result is the one {@link #evaluate(Value, QueryOptions)} gives.
   */
  default Optional<Value> evaluate(Value input, QueryOptions options, Carry carry)
      throws RegoException {
    return evaluate(input, options);
  }
}
