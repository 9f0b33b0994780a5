package io.jrego.engine.builtins;

import io.jrego.engine.builtins.spi.BuiltinRegistry;
import io.jrego.engine.builtins.spi.Declaration;

/**
 * The builtins the evaluator implements itself, because they bind variables ({@code eq}, {@code
 * walk}, the {@code in} operators), need its state ({@code print}, {@code rego.metadata.*}, {@code
 * trace}) or are OPA's compiler artefacts: declared here with every other builtin, so the compiler,
 * the type checker and the capabilities document see them the same way.
 */
final class Evaluated {

  private Evaluated() {}

  static void register(BuiltinRegistry r) {
    r.addEvaluated(Declaration.of("assign(any, any) => boolean").infix(":="));
    r.addEvaluated(Declaration.of("eq(any, any) => boolean").infix("="));
    r.addEvaluated(
        Declaration.of("http.send(request: object[string: any]) => response: object[any: any]")
            .nondeterministic());
    r.addEvaluated(Declaration.of("internal.member_2(any, any) => boolean").infix("in"));
    r.addEvaluated(Declaration.of("internal.member_3(any, any, any) => boolean").infix("in"));
    r.addEvaluated(Declaration.of("internal.print(array[set[any]])"));
    r.addEvaluated(Declaration.of("internal.template_string(array[any]) => string"));
    r.addEvaluated(Declaration.of("internal.test_case(array[any])"));
    r.addEvaluated(
        Declaration.of("opa.runtime() => output: object[string: any]").nondeterministic());
    r.addEvaluated(Declaration.of("print(any...)"));
    r.addEvaluated(Declaration.of("rego.metadata.chain() => chain: array[any]"));
    r.addEvaluated(Declaration.of("rego.metadata.rule() => output: any"));
    r.addEvaluated(
        Declaration.of(
            "rego.parse_module(filename: string, rego: string) => output: object[string: any]"));
    r.addEvaluated(Declaration.of("trace(note: string) => result: boolean").categories("tracing"));
    r.addEvaluated(
        Declaration.of("walk(x: any) => output: array<array[any], any>")
            .relation()
            .categories("graph"));
    // jrego's own compiler artefacts, not in the capabilities document: what some x in xs and
    // some k, v in xs become, and a function named as a with value
    r.addEvaluated(Declaration.of("internal.some_member_2(any, any) => boolean").hidden());
    r.addEvaluated(Declaration.of("internal.some_member_3(any, any, any) => boolean").hidden());
    r.addEvaluated(Declaration.of("internal.function_ref(string) => any").hidden());
  }
}
