package io.jrego.engine.compiler;

import io.jrego.engine.builtins.spi.Builtin;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The compiler's output: the rule tree, functions by path, every rule, and how long each stage
 * took. Immutable once built.
 *
 * @param root the rule tree's root (the {@code data} document)
 * @param functions function rules by full dotted path ({@code data.pkg.f})
 * @param rules every rule, in module order (else branches not listed)
 * @param nodes every node by id
 * @param builtins the builtin table used to resolve calls
 * @param metrics stage timings by stage name
 * @param modules the parsed modules, in the order given
 * @param ruleTypes the type checker's type of each rule's document, by path from the root ({@code
 *     [data, pkg, rule]}), which queries are checked against
 */
public record CompiledPolicy(
    RuleNode root,
    Map<String, List<CompiledRule>> functions,
    List<CompiledRule> rules,
    List<RuleNode> nodes,
    Function<String, Builtin> builtins,
    Map<String, Duration> metrics,
    List<io.jrego.engine.ast.Module> modules,
    Map<List<io.jrego.engine.value.Value>, io.jrego.engine.types.Type> ruleTypes) {}
