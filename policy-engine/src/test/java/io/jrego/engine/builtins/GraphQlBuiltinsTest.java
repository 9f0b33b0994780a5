package io.jrego.engine.builtins;

import static io.jrego.engine.builtins.BuiltinCalls.call;
import static io.jrego.engine.builtins.BuiltinCalls.json;
import static io.jrego.engine.builtins.BuiltinCalls.s;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.NumberValue;
import org.junit.jupiter.api.Test;

/** Expected ASTs and messages are real OPA 1.22.2 answers. */
class GraphQlBuiltinsTest {

  private static final String SCHEMA = "type Query { a: Int, b(x: Int!): String }";

  @Test
  void parseQuery_returnsGqlparserAstWithEmptyMembersPruned() throws Exception {
    assertThat(call("graphql.parse_query", s("{hero {name}}")))
        .isEqualTo(
            json(
                "{\"Operations\": [{\"Name\": \"\", \"Operation\": \"query\", \"SelectionSet\":"
                    + " [{\"Alias\": \"hero\", \"Name\": \"hero\", \"SelectionSet\": [{\"Alias\":"
                    + " \"name\", \"Name\": \"name\"}]}]}]}"));
    assertThat(call("graphql.parse_query", s("query q($e: [E!]) { f(a: $e, s: \"x\") }")))
        .isEqualTo(
            json(
                "{\"Operations\": [{\"Name\": \"q\", \"Operation\": \"query\", \"SelectionSet\":"
                    + " [{\"Alias\": \"f\", \"Name\": \"f\", \"Arguments\": [{\"Name\": \"a\","
                    + " \"Value\": {\"ExpectedTypeHasDefault\": false, \"Kind\": 0, \"Raw\":"
                    + " \"e\"}}, {\"Name\": \"s\", \"Value\": {\"ExpectedTypeHasDefault\": false,"
                    + " \"Kind\": 3, \"Raw\": \"x\"}}]}], \"VariableDefinitions\": [{\"Type\":"
                    + " {\"Elem\": {\"NamedType\": \"E\", \"NonNull\": true}, \"NamedType\": \"\","
                    + " \"NonNull\": false}, \"Used\": false, \"Variable\": \"e\"}]}]}"));
  }

  @Test
  void parseSchema_returnsDefinitionsWithDescriptions() throws Exception {
    assertThat(call("graphql.parse_schema", s("\"\"\"\n  Hi\n  \"\"\"\nenum E { A, B }")))
        .isEqualTo(
            json(
                "{\"Definitions\": [{\"BuiltIn\": false, \"Description\": \"Hi\", \"EnumValues\":"
                    + " [{\"Description\": \"\", \"Name\": \"A\"}, {\"Description\": \"\","
                    + " \"Name\": \"B\"}], \"Kind\": \"ENUM\", \"Name\": \"E\"}]}"));
  }

  @Test
  void parse_reportsGqlparserSyntaxErrorsWithLocations() {
    assertThatThrownBy(() -> call("graphql.parse_query", s("{")))
        .hasMessage("Expected Name, found <EOF> in GraphQL string at location 1:2");
    assertThatThrownBy(() -> call("graphql.parse_query", s("notanoperation { a }")))
        .hasMessage("Unexpected Name \"notanoperation\" in GraphQL string at location 1:1");
    assertThatThrownBy(
            () -> call("graphql.parse_schema", s("\n  \"Description\" extend type F {x: Int}")))
        .hasMessage("Unexpected String \"Description\" in GraphQL string at location 2:4");
    assertThatThrownBy(() -> call("graphql.parse_schema", s("type Hello {}")))
        .hasMessage("expected at least one definition, found } in GraphQL string at location 1:13");
  }

  @Test
  void isValid_checksTheQueryAgainstTheSchema() throws Exception {
    assertThat(call("graphql.is_valid", s("{ a }"), s(SCHEMA))).isEqualTo(BooleanValue.TRUE);
    assertThat(call("graphql.is_valid", s("{ nope }"), s(SCHEMA))).isEqualTo(BooleanValue.FALSE);
    assertThat(call("graphql.is_valid", s("{ b }"), s(SCHEMA))).isEqualTo(BooleanValue.FALSE);
    assertThat(call("graphql.is_valid", NumberValue.of(1), s(SCHEMA)))
        .isEqualTo(BooleanValue.FALSE);
  }

  @Test
  void schemaIsValid_acceptsSchemasWithoutQueryTypeAndExtensionsOfMissingTypes() throws Exception {
    assertThat(call("graphql.schema_is_valid", s("type Hello { world: String }")))
        .isEqualTo(BooleanValue.TRUE);
    assertThat(call("graphql.schema_is_valid", s("extend type Query { a: Int }")))
        .isEqualTo(BooleanValue.TRUE);
    assertThat(call("graphql.schema_is_valid", s("type Hello { world: Missing }")))
        .isEqualTo(BooleanValue.FALSE);
  }

  @Test
  void parseAndVerify_givesFalseAndEmptyAstsWhenInvalid() throws Exception {
    assertThat(call("graphql.parse_and_verify", s("{ nope }"), s(SCHEMA)))
        .isEqualTo(json("[false, {}, {}]"));
    ArrayValue ok = (ArrayValue) call("graphql.parse_and_verify", s("{ a }"), s(SCHEMA));
    assertThat(ok.get(0)).isEqualTo(BooleanValue.TRUE);
    assertThatThrownBy(() -> call("graphql.parse", NumberValue.of(1), s(SCHEMA)))
        .hasMessage("operand 0 must be one of {string, object} but got number");
  }
}
