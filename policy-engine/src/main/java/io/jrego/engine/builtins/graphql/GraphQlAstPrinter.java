package io.jrego.engine.builtins.graphql;

import io.jrego.engine.builtins.gocompat.GoFormat;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.List;

/**
 * GraphQL source text for an AST in gqlparser's shape (what {@code graphql.parse_query} and {@code
 * graphql.parse_schema} return), so that the {@code graphql.*} builtins can take such ASTs in place
 * of strings, as OPA's do. Fields missing from the AST are taken as empty, as Go's JSON decoding
 * leaves them; what the AST cannot express is not printed.
 */
public final class GraphQlAstPrinter {

  private final StringBuilder sb = new StringBuilder();

  private GraphQlAstPrinter() {}

  /** A query document: its operations and fragments. */
  public static String query(ObjectValue doc) {
    GraphQlAstPrinter p = new GraphQlAstPrinter();
    for (Value op : list(doc, "Operations")) {
      p.operation(obj(op));
    }
    for (Value f : list(doc, "Fragments")) {
      ObjectValue o = obj(f);
      p.sb.append("fragment ").append(str(o, "Name"));
      p.sb.append(" on ").append(str(o, "TypeCondition"));
      p.directives(o);
      p.selectionSet(list(o, "SelectionSet"));
      p.sb.append('\n');
    }
    return p.sb.toString();
  }

  /** A schema document: type definitions, directive definitions, schema and extensions. */
  public static String schema(ObjectValue doc) {
    GraphQlAstPrinter p = new GraphQlAstPrinter();
    for (Value d : list(doc, "Definitions")) {
      p.definition(obj(d), "");
    }
    for (Value d : list(doc, "Extensions")) {
      p.definition(obj(d), "extend ");
    }
    for (Value d : list(doc, "Directives")) {
      ObjectValue o = obj(d);
      p.description(o);
      p.sb.append("directive @").append(str(o, "Name"));
      p.inputValues(list(o, "Arguments"), "(", ")");
      if (bool(o, "IsRepeatable")) {
        p.sb.append(" repeatable");
      }
      p.sb.append(" on ");
      p.joined(list(o, "Locations"), " | ");
      p.sb.append('\n');
    }
    for (String key : List.of("Schema", "SchemaExtension")) {
      for (Value s : list(doc, key)) {
        ObjectValue o = obj(s);
        p.sb.append(key.equals("Schema") ? "schema" : "extend schema");
        p.directives(o);
        p.sb.append(" {\n");
        for (Value t : list(o, "OperationTypes")) {
          ObjectValue ot = obj(t);
          p.sb.append("  ").append(str(ot, "Operation")).append(": ").append(str(ot, "Type"));
          p.sb.append('\n');
        }
        p.sb.append("}\n");
      }
    }
    return p.sb.toString();
  }

  private void operation(ObjectValue op) {
    String kind = str(op, "Operation");
    sb.append(kind.isEmpty() ? "query" : kind);
    if (!str(op, "Name").isEmpty()) {
      sb.append(' ').append(str(op, "Name"));
    }
    List<Value> vars = list(op, "VariableDefinitions");
    if (!vars.isEmpty()) {
      sb.append('(');
      for (int i = 0; i < vars.size(); i++) {
        ObjectValue v = obj(vars.get(i));
        sb.append(i == 0 ? "" : ", ").append('$').append(str(v, "Variable")).append(": ");
        type(obj(v.getOrNull(StringValue.of("Type"))));
        defaultValue(v);
        directives(v);
      }
      sb.append(')');
    }
    directives(op);
    selectionSet(list(op, "SelectionSet"));
    sb.append('\n');
  }

  private void selectionSet(List<Value> selections) {
    if (selections.isEmpty()) {
      return;
    }
    sb.append(" {");
    for (Value s : selections) {
      ObjectValue o = obj(s);
      sb.append(' ');
      if (o.getOrNull(StringValue.of("TypeCondition")) != null) {
        sb.append("...");
        if (!str(o, "TypeCondition").isEmpty()) {
          sb.append(" on ").append(str(o, "TypeCondition"));
        }
        directives(o);
      } else if (o.getOrNull(StringValue.of("Alias")) == null
          && o.getOrNull(StringValue.of("SelectionSet")) == null
          && o.getOrNull(StringValue.of("Arguments")) == null) {
        sb.append("...").append(str(o, "Name"));
        directives(o);
      } else {
        String alias = str(o, "Alias");
        if (!alias.isEmpty() && !alias.equals(str(o, "Name"))) {
          sb.append(alias).append(": ");
        }
        sb.append(str(o, "Name"));
        arguments(list(o, "Arguments"));
        directives(o);
      }
      selectionSet(list(o, "SelectionSet"));
    }
    sb.append(" }");
  }

  private void definition(ObjectValue d, String prefix) {
    if (bool(d, "BuiltIn")) {
      return;
    }
    description(d);
    String kind = str(d, "Kind");
    String keyword =
        switch (kind) {
          case "OBJECT" -> "type";
          case "INPUT_OBJECT" -> "input";
          default -> kind.toLowerCase(java.util.Locale.ROOT);
        };
    sb.append(prefix).append(keyword).append(' ').append(str(d, "Name"));
    List<Value> interfaces = list(d, "Interfaces");
    if (!interfaces.isEmpty()) {
      sb.append(" implements ");
      joined(interfaces, " & ");
    }
    directives(d);
    switch (kind) {
      case "UNION" -> {
        List<Value> types = list(d, "Types");
        if (!types.isEmpty()) {
          sb.append(" = ");
          joined(types, " | ");
        }
      }
      case "ENUM" -> {
        sb.append(" {\n");
        for (Value v : list(d, "EnumValues")) {
          ObjectValue o = obj(v);
          description(o);
          sb.append("  ").append(str(o, "Name"));
          directives(o);
          sb.append('\n');
        }
        sb.append('}');
      }
      case "INPUT_OBJECT" -> inputValues(list(d, "Fields"), " {\n  ", "\n}");
      case "OBJECT", "INTERFACE" -> {
        List<Value> fields = list(d, "Fields");
        if (!fields.isEmpty()) {
          sb.append(" {\n");
          for (Value f : fields) {
            ObjectValue o = obj(f);
            description(o);
            sb.append("  ").append(str(o, "Name"));
            inputValues(list(o, "Arguments"), "(", ")");
            sb.append(": ");
            type(obj(o.getOrNull(StringValue.of("Type"))));
            directives(o);
            sb.append('\n');
          }
          sb.append('}');
        }
      }
      default -> {}
    }
    sb.append('\n');
  }

  /** Argument or input field definitions: {@code name: Type = default @d}. */
  private void inputValues(List<Value> values, String open, String close) {
    if (values.isEmpty()) {
      return;
    }
    sb.append(open);
    for (int i = 0; i < values.size(); i++) {
      ObjectValue o = obj(values.get(i));
      sb.append(i == 0 ? "" : open.endsWith("  ") ? "\n  " : ", ");
      description(o);
      sb.append(str(o, "Name")).append(": ");
      type(obj(o.getOrNull(StringValue.of("Type"))));
      defaultValue(o);
      directives(o);
    }
    sb.append(close);
  }

  private void defaultValue(ObjectValue o) {
    if (o.getOrNull(StringValue.of("DefaultValue")) instanceof ObjectValue dv) {
      sb.append(" = ");
      value(dv);
    }
  }

  private void description(ObjectValue o) {
    String d = str(o, "Description");
    if (!d.isEmpty()) {
      sb.append(quote(d)).append(' ');
    }
  }

  private void directives(ObjectValue o) {
    for (Value d : list(o, "Directives")) {
      ObjectValue dir = obj(d);
      sb.append(" @").append(str(dir, "Name"));
      arguments(list(dir, "Arguments"));
    }
  }

  private void arguments(List<Value> args) {
    if (args.isEmpty()) {
      return;
    }
    sb.append('(');
    for (int i = 0; i < args.size(); i++) {
      ObjectValue a = obj(args.get(i));
      sb.append(i == 0 ? "" : ", ").append(str(a, "Name")).append(": ");
      value(obj(a.getOrNull(StringValue.of("Value"))));
    }
    sb.append(')');
  }

  /**
   * A value by gqlparser's kind: variable, int, float, string, block, boolean, null, enum, list,
   * object.
   */
  private void value(ObjectValue v) {
    String raw = str(v, "Raw");
    long kind = v.getOrNull(StringValue.of("Kind")) instanceof NumberValue n ? n.longValue() : -1;
    switch ((int) kind) {
      case 0 -> sb.append('$').append(raw);
      case 3, 4 -> sb.append(quote(raw));
      case 6 -> sb.append("null");
      case 8, 9 -> {
        sb.append(kind == 8 ? '[' : '{');
        List<Value> children = list(v, "Children");
        for (int i = 0; i < children.size(); i++) {
          ObjectValue c = obj(children.get(i));
          sb.append(i == 0 ? "" : ", ");
          if (kind == 9) {
            sb.append(str(c, "Name")).append(": ");
          }
          value(obj(c.getOrNull(StringValue.of("Value"))));
        }
        sb.append(kind == 8 ? ']' : '}');
      }
      default -> sb.append(raw);
    }
  }

  private void type(ObjectValue t) {
    String named = str(t, "NamedType");
    if (named.isEmpty() && t.getOrNull(StringValue.of("Elem")) instanceof ObjectValue elem) {
      sb.append('[');
      type(elem);
      sb.append(']');
    } else {
      sb.append(named);
    }
    if (bool(t, "NonNull")) {
      sb.append('!');
    }
  }

  private void joined(List<Value> names, String sep) {
    for (int i = 0; i < names.size(); i++) {
      sb.append(i == 0 ? "" : sep).append(names.get(i) instanceof StringValue s ? s.value() : "");
    }
  }

  private static String quote(String s) {
    return GoFormat.quote(s, false);
  }

  private static ObjectValue obj(Value v) {
    return v instanceof ObjectValue o ? o : ObjectValue.EMPTY;
  }

  private static List<Value> list(ObjectValue o, String key) {
    return o.getOrNull(StringValue.of(key)) instanceof ArrayValue a ? a.asList() : List.of();
  }

  private static String str(ObjectValue o, String key) {
    return o.getOrNull(StringValue.of(key)) instanceof StringValue s ? s.value() : "";
  }

  private static boolean bool(ObjectValue o, String key) {
    return BooleanValue.TRUE.equals(o.getOrNull(StringValue.of(key)));
  }
}
