package io.jrego.engine.compiler;

import io.jrego.engine.ast.Expr;
import java.util.List;
import java.util.Map;

/**
 * A compiled query.
 *
 * @param body the ordered body
 * @param slots frame size
 * @param bindings the query's own (not generated) variables and their slots, in order of first
 *     appearance
 * @param written the resolved expressions in written order (the ordered body holds the same
 *     objects), for reporting each expression's value
 */
public record CompiledQuery(
    List<Expr> body, int slots, Map<String, Integer> bindings, List<Expr> written) {}
