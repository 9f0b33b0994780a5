package io.jrego.engine.builtins;

import graphql.language.Document;
import graphql.language.ObjectTypeDefinition;
import graphql.parser.Parser;
import graphql.schema.GraphQLArgument;
import graphql.schema.GraphQLFieldsContainer;
import graphql.schema.GraphQLNamedType;
import graphql.schema.GraphQLSchema;
import graphql.schema.GraphQLTypeUtil;
import graphql.schema.idl.SchemaParser;
import graphql.schema.idl.TypeDefinitionRegistry;
import graphql.schema.idl.UnExecutableSchemaGenerator;
import graphql.validation.ValidationError;
import graphql.validation.ValidationErrorType;
import graphql.validation.Validator;
import io.jrego.engine.builtins.graphql.GraphQlAstPrinter;
import io.jrego.engine.builtins.graphql.GraphQlParser;
import io.jrego.engine.builtins.operand.Operands;
import io.jrego.engine.builtins.spi.BuiltinContext;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.builtins.spi.BuiltinRegistry;
import io.jrego.engine.builtins.spi.Declaration;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code graphql.*} builtins. ASTs come from {@link GraphQlParser} in gqlparser's shape, with
 * its error texts; schema building and query validation use graphql-java. Queries and schemas may
 * also be given as AST objects, as OPA allows: they are printed back to GraphQL text ({@link
 * GraphQlAstPrinter}) for validation and returned as given.
 */
final class GraphQlBuiltins {

  private GraphQlBuiltins() {}

  static void register(BuiltinRegistry r) {
    r.add(
        Declaration.of("graphql.parse_query(query: string) => output: object[any: any]"),
        (a, c) -> parseQuery(Operands.string(a[0], 1)));
    r.add(
        Declaration.of("graphql.parse_schema(schema: string) => output: object[any: any]"),
        (a, c) -> parseSchema(Operands.string(a[0], 1)));
    r.add(
        Declaration.of(
            "graphql.parse(query: any<string, object[any: any]>, "
                + "schema: any<string, "
                + "object[any: any]>) => output: array<object[any: any], "
                + "object[any: any]>"),
        GraphQlBuiltins::parse);
    r.add(
        Declaration.of(
            "graphql.parse_and_verify(query: any<string, object[any: any]>, "
                + "schema: any<string, object[any: any]>) => output: array<boolean, "
                + "object[any: any], object[any: any]>"),
        GraphQlBuiltins::parseAndVerify);
    r.add(
        Declaration.of(
            "graphql.is_valid(query: any<string, object[any: any]>, "
                + "schema: any<string, object[any: any]>) => output: boolean"),
        (a, c) -> BooleanValue.of(verify(a) != null));
    r.add(
        Declaration.of(
            "graphql.schema_is_valid(schema: any<string, "
                + "object[any: any]>) => output: boolean"),
        (a, c) -> {
          String sdl;
          if (a[0] instanceof StringValue s) {
            sdl = s.value();
          } else if (a[0] instanceof ObjectValue o) {
            sdl = GraphQlAstPrinter.schema(o);
          } else {
            return BooleanValue.FALSE;
          }
          try {
            parseSchema(sdl);
            buildSchema(sdl);
            return BooleanValue.TRUE;
          } catch (BuiltinException e) {
            return BooleanValue.FALSE;
          }
        });
  }

  private static ObjectValue parseQuery(String q) throws BuiltinException {
    try {
      return GraphQlParser.parseQuery(q);
    } catch (GraphQlParser.ParseError e) {
      throw located(e);
    }
  }

  private static ObjectValue parseSchema(String s) throws BuiltinException {
    try {
      return GraphQlParser.parseSchema(s);
    } catch (GraphQlParser.ParseError e) {
      throw located(e);
    }
  }

  private static BuiltinException located(GraphQlParser.ParseError e) {
    return BuiltinException.error(
        e.getMessage() + " in GraphQL string at location " + e.line + ":" + e.column);
  }

  /** The executable-schema view graphql-java needs for validation. */
  private static GraphQLSchema buildSchema(String sdl) throws BuiltinException {
    try {
      TypeDefinitionRegistry reg = new SchemaParser().parse(sdl);
      // gqlparser lets an extension stand in for a missing type, and a schema need not have a
      // Query type; graphql-java insists on both, so give it what it wants.
      for (String name : List.copyOf(reg.objectTypeExtensions().keySet())) {
        if (reg.getType(name).isEmpty()) {
          reg.add(ObjectTypeDefinition.newObjectTypeDefinition().name(name).build());
        }
      }
      if (reg.schemaDefinition().isEmpty() && reg.getType("Query").isEmpty()) {
        reg.merge(new SchemaParser().parse("type Query { _jregoPlaceholder: Boolean }"));
      }
      return UnExecutableSchemaGenerator.makeUnExecutableSchema(reg);
    } catch (RuntimeException e) {
      throw BuiltinException.error(
          "Error in gqlparser SchemaDocument to Schema conversion: " + e.getMessage());
    }
  }

  private static void validate(GraphQLSchema schema, String query) throws BuiltinException {
    Document doc;
    try {
      doc = Parser.parse(query);
    } catch (RuntimeException e) {
      throw BuiltinException.error(e.getMessage());
    }
    List<ValidationError> errors = new Validator().validateDocument(schema, doc, Locale.ENGLISH);
    if (!errors.isEmpty()) {
      ValidationError first = errors.get(0);
      String where =
          first.getLocations() == null || first.getLocations().isEmpty()
              ? ""
              : " in GraphQL string at location "
                  + first.getLocations().get(0).getLine()
                  + ":"
                  + first.getLocations().get(0).getColumn();
      throw BuiltinException.error(gqlparserMessage(schema, first) + where);
    }
  }

  /**
   * The validation error in gqlparser's words where graphql-java's differ and the parts are known;
   * graphql-java's own message otherwise.
   */
  private static String gqlparserMessage(GraphQLSchema schema, ValidationError e) {
    if (e.getValidationErrorType() == ValidationErrorType.MissingFieldArgument
        && e.getQueryPath() != null
        && !e.getQueryPath().isEmpty()) {
      Matcher m = MISSING_ARGUMENT.matcher(e.getDescription() == null ? "" : e.getDescription());
      String field = e.getQueryPath().get(e.getQueryPath().size() - 1);
      if (m.find()) {
        Set<String> types = new TreeSet<>();
        for (GraphQLNamedType t : schema.getAllTypesAsList()) {
          if (t instanceof GraphQLFieldsContainer c && c.getFieldDefinition(field) != null) {
            GraphQLArgument arg = c.getFieldDefinition(field).getArgument(m.group(1));
            if (arg != null) {
              types.add(GraphQLTypeUtil.simplePrint(arg.getType()));
            }
          }
        }
        if (types.size() == 1) {
          return "Field \""
              + field
              + "\" argument \""
              + m.group(1)
              + "\" of type \""
              + types.iterator().next()
              + "\" is required, but it was not provided";
        }
      }
    }
    return e.getMessage();
  }

  private static final Pattern MISSING_ARGUMENT = Pattern.compile("argument '([^']+)'");

  /**
   * [query AST, schema AST] when the query is valid against the schema; throws otherwise. Either
   * may be given as an AST object (as {@code graphql.parse_query}/{@code parse_schema} return),
   * which is returned as given.
   */
  private static Value[] check(Value[] a) throws BuiltinException {
    String query;
    ObjectValue queryAst;
    if (a[0] instanceof StringValue q) {
      query = q.value();
      queryAst = parseQuery(query);
    } else if (a[0] instanceof ObjectValue o) {
      query = GraphQlAstPrinter.query(o);
      queryAst = o;
    } else {
      throw Operands.typeError(0, a[0], "string", "object");
    }
    String sdl;
    ObjectValue schemaAst;
    if (a[1] instanceof StringValue s) {
      sdl = s.value();
      schemaAst = parseSchema(sdl);
    } else if (a[1] instanceof ObjectValue o) {
      sdl = GraphQlAstPrinter.schema(o);
      schemaAst = o;
    } else {
      throw Operands.typeError(1, a[1], "string", "object");
    }
    GraphQLSchema schema = buildSchema(sdl);
    if (!query.isBlank() && !isEmptyDocument(queryAst)) { // nothing to validate (as gqlparser)
      validate(schema, query);
    }
    return new Value[] {queryAst, schemaAst};
  }

  private static boolean isEmptyDocument(ObjectValue queryAst) {
    return !(queryAst.getOrNull(StringValue.of("Operations")) instanceof ArrayValue ops
            && !ops.asList().isEmpty())
        && !(queryAst.getOrNull(StringValue.of("Fragments")) instanceof ArrayValue fs
            && !fs.asList().isEmpty());
  }

  /** The ASTs when valid, null when anything fails. */
  private static Value[] verify(Value[] a) {
    try {
      return check(a);
    } catch (BuiltinException e) {
      return null;
    }
  }

  private static Value parse(Value[] a, BuiltinContext c) throws BuiltinException {
    Value[] asts = check(a);
    return ArrayValue.of(asts[0], asts[1]);
  }

  private static Value parseAndVerify(Value[] a, BuiltinContext c) {
    Value[] asts = verify(a);
    return asts == null
        ? ArrayValue.of(BooleanValue.FALSE, ObjectValue.EMPTY, ObjectValue.EMPTY)
        : ArrayValue.of(BooleanValue.TRUE, asts[0], asts[1]);
  }
}
