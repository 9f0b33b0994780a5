package io.jrego.engine.builtins.graphql;

import io.jrego.engine.builtins.gocompat.GoFormat;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.NullValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.ArrayList;
import java.util.List;

/**
 * A GraphQL parser that yields the AST OPA's {@code graphql.*} builtins return: gqlparser's structs
 * as JSON, field names and all, with null and empty members pruned. Errors carry gqlparser's
 * wording and the 1-based line and column of the offending token; the first error ends the parse.
 */
public final class GraphQlParser {

  /** A parse failure at {@code line}:{@code column}. */
  public static final class ParseError extends Exception {
    private static final long serialVersionUID = 1L;
    public final int line;
    public final int column;

    ParseError(String message, int line, int column) {
      super(message, null, false, false);
      this.line = line;
      this.column = column;
    }
  }

  private enum Kind {
    INVALID("<Invalid>"),
    EOF("<EOF>"),
    BANG("!"),
    DOLLAR("$"),
    AMP("&"),
    PAREN_L("("),
    PAREN_R(")"),
    SPREAD("..."),
    COLON(":"),
    EQUALS("="),
    AT("@"),
    BRACKET_L("["),
    BRACKET_R("]"),
    BRACE_L("{"),
    PIPE("|"),
    BRACE_R("}"),
    NAME("Name"),
    INT("Int"),
    FLOAT("Float"),
    STRING("String"),
    BLOCK_STRING("BlockString");

    final String text;

    Kind(String text) {
      this.text = text;
    }
  }

  private record Token(Kind kind, String value, int line, int column) {
    String describe() {
      return value.isEmpty() ? kind.text : kind.text + " " + GoFormat.quote(value, false);
    }
  }

  private final String src;
  private int pos;
  private int line = 1;
  private int lineStart;
  private Token peeked;

  private GraphQlParser(String src) {
    this.src = src;
  }

  // ---- lexer ----

  private Token lex() {
    skipIgnored();
    int col = pos - lineStart + 1;
    if (pos >= src.length()) {
      return new Token(Kind.EOF, "", line, col);
    }
    char c = src.charAt(pos);
    Kind punct =
        switch (c) {
          case '!' -> Kind.BANG;
          case '$' -> Kind.DOLLAR;
          case '&' -> Kind.AMP;
          case '(' -> Kind.PAREN_L;
          case ')' -> Kind.PAREN_R;
          case ':' -> Kind.COLON;
          case '=' -> Kind.EQUALS;
          case '@' -> Kind.AT;
          case '[' -> Kind.BRACKET_L;
          case ']' -> Kind.BRACKET_R;
          case '{' -> Kind.BRACE_L;
          case '|' -> Kind.PIPE;
          case '}' -> Kind.BRACE_R;
          default -> null;
        };
    if (punct != null) {
      pos++;
      return new Token(punct, "", line, col);
    }
    if (c == '.') {
      if (src.startsWith("...", pos)) {
        pos += 3;
        return new Token(Kind.SPREAD, "", line, col);
      }
      return invalid(col);
    }
    if (c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      int start = pos;
      while (pos < src.length() && isNameChar(src.charAt(pos))) {
        pos++;
      }
      return new Token(Kind.NAME, src.substring(start, pos), line, col);
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      return number(col);
    }
    if (c == '"') {
      return src.startsWith("\"\"\"", pos) ? blockString(col) : string(col);
    }
    return invalid(col);
  }

  private Token invalid(int col) {
    pos = src.length();
    return new Token(Kind.INVALID, "", line, col);
  }

  private static boolean isNameChar(char c) {
    return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  private void skipIgnored() {
    while (pos < src.length()) {
      char c = src.charAt(pos);
      if (c == ' ' || c == '\t' || c == ',' || c == '\uFEFF') {
        pos++;
      } else if (c == '\n') {
        pos++;
        newline();
      } else if (c == '\r') {
        pos++;
        if (pos < src.length() && src.charAt(pos) == '\n') {
          pos++;
        }
        newline();
      } else if (c == '#') {
        while (pos < src.length() && src.charAt(pos) != '\n' && src.charAt(pos) != '\r') {
          pos++;
        }
      } else {
        return;
      }
    }
  }

  private void newline() {
    line++;
    lineStart = pos;
  }

  private Token number(int col) {
    int start = pos;
    boolean isFloat = false;
    if (src.charAt(pos) == '-') {
      pos++;
    }
    if (pos < src.length() && src.charAt(pos) == '0') {
      pos++;
      if (pos < src.length() && Character.isDigit(src.charAt(pos))) {
        return invalid(col);
      }
    } else if (!digits()) {
      return invalid(col);
    }
    if (pos < src.length() && src.charAt(pos) == '.') {
      isFloat = true;
      pos++;
      if (!digits()) {
        return invalid(col);
      }
    }
    if (pos < src.length() && (src.charAt(pos) == 'e' || src.charAt(pos) == 'E')) {
      isFloat = true;
      pos++;
      if (pos < src.length() && (src.charAt(pos) == '+' || src.charAt(pos) == '-')) {
        pos++;
      }
      if (!digits()) {
        return invalid(col);
      }
    }
    return new Token(isFloat ? Kind.FLOAT : Kind.INT, src.substring(start, pos), line, col);
  }

  private boolean digits() {
    int start = pos;
    while (pos < src.length() && Character.isDigit(src.charAt(pos))) {
      pos++;
    }
    return pos > start;
  }

  private Token string(int col) {
    pos++;
    StringBuilder sb = new StringBuilder();
    while (pos < src.length()) {
      char c = src.charAt(pos);
      if (c == '"') {
        pos++;
        // gqlparser places a string token just inside its opening quote
        return new Token(Kind.STRING, sb.toString(), line, col + 1);
      }
      if (c == '\n' || c == '\r') {
        return invalid(col);
      }
      if (c == '\\') {
        if (pos + 1 >= src.length()) {
          return invalid(col);
        }
        char e = src.charAt(pos + 1);
        pos += 2;
        switch (e) {
          case '"' -> sb.append('"');
          case '\\' -> sb.append('\\');
          case '/' -> sb.append('/');
          case 'b' -> sb.append('\b');
          case 'f' -> sb.append('\f');
          case 'n' -> sb.append('\n');
          case 'r' -> sb.append('\r');
          case 't' -> sb.append('\t');
          case 'u' -> {
            if (pos + 4 > src.length()) {
              return invalid(col);
            }
            try {
              sb.append((char) Integer.parseInt(src.substring(pos, pos + 4), 16));
            } catch (NumberFormatException ex) {
              return invalid(col);
            }
            pos += 4;
          }
          default -> {
            return invalid(col);
          }
        }
        continue;
      }
      sb.append(c);
      pos++;
    }
    return invalid(col);
  }

  private Token blockString(int col) {
    int startLine = line;
    pos += 3;
    StringBuilder raw = new StringBuilder();
    while (pos < src.length()) {
      if (src.startsWith("\"\"\"", pos)) {
        pos += 3;
        return new Token(Kind.BLOCK_STRING, blockValue(raw.toString()), startLine, col + 3);
      }
      if (src.startsWith("\\\"\"\"", pos)) {
        raw.append("\"\"\"");
        pos += 4;
        continue;
      }
      char c = src.charAt(pos++);
      raw.append(c);
      if (c == '\n') {
        newline();
      } else if (c == '\r') {
        if (pos < src.length() && src.charAt(pos) == '\n') {
          raw.append('\n');
          pos++;
        }
        newline();
      }
    }
    return invalid(col);
  }

  /** The GraphQL spec's BlockStringValue: common indentation and blank edge lines removed. */
  private static String blockValue(String raw) {
    List<String> lines = new ArrayList<>(List.of(raw.split("\r\n|\r|\n", -1)));
    int common = Integer.MAX_VALUE;
    for (int i = 1; i < lines.size(); i++) {
      String l = lines.get(i);
      int indent = 0;
      while (indent < l.length() && (l.charAt(indent) == ' ' || l.charAt(indent) == '\t')) {
        indent++;
      }
      if (indent < l.length()) {
        common = Math.min(common, indent);
      }
    }
    if (common != Integer.MAX_VALUE) {
      for (int i = 1; i < lines.size(); i++) {
        String l = lines.get(i);
        lines.set(i, l.length() >= common ? l.substring(common) : "");
      }
    }
    while (!lines.isEmpty() && lines.get(0).isBlank()) {
      lines.remove(0);
    }
    while (!lines.isEmpty() && lines.get(lines.size() - 1).isBlank()) {
      lines.remove(lines.size() - 1);
    }
    return String.join("\n", lines);
  }

  // ---- parser helpers ----

  private Token peek() {
    if (peeked == null) {
      peeked = lex();
    }
    return peeked;
  }

  private Token next() {
    Token t = peek();
    peeked = null;
    return t;
  }

  private static ParseError error(Token t, String message) {
    return new ParseError(message, t.line, t.column);
  }

  private ParseError unexpected(Token t) {
    return error(t, "Unexpected " + t.describe());
  }

  private Token expect(Kind k) throws ParseError {
    Token t = peek();
    if (t.kind == k) {
      return next();
    }
    throw error(t, "Expected " + k.text + ", found " + t.kind.text);
  }

  private void expectKeyword(String word) throws ParseError {
    Token t = peek();
    if (t.kind == Kind.NAME && t.value.equals(word)) {
      next();
      return;
    }
    throw error(t, "Expected \"" + word + "\", found " + t.describe());
  }

  private boolean skip(Kind k) {
    if (peek().kind == k) {
      next();
      return true;
    }
    return false;
  }

  private interface Item {
    Value parse() throws ParseError;
  }

  /** Zero or more items between delimiters, if the opening one is there. */
  private List<Value> many(Kind open, Kind close, Item item) throws ParseError {
    List<Value> out = new ArrayList<>();
    if (!skip(open)) {
      return out;
    }
    while (peek().kind != close) {
      out.add(item.parse());
    }
    next();
    return out;
  }

  /** One or more items between delimiters, if the opening one is there. */
  private List<Value> some(Kind open, Kind close, Item item) throws ParseError {
    List<Value> out = new ArrayList<>();
    if (!skip(open)) {
      return out;
    }
    while (peek().kind != close) {
      out.add(item.parse());
    }
    if (out.isEmpty()) {
      throw error(peek(), "expected at least one definition, found " + peek().kind.text);
    }
    next();
    return out;
  }

  private String name() throws ParseError {
    return expect(Kind.NAME).value;
  }

  /** An AST object: members that are null or empty lists/objects are left out, as OPA prunes. */
  private static ObjectValue node(Object... kv) {
    ObjectValue.Builder b = new ObjectValue.Builder();
    for (int i = 0; i < kv.length; i += 2) {
      Value v = toValue(kv[i + 1]);
      if (v == null
          || (v instanceof ArrayValue a && a.size() == 0)
          || (v instanceof ObjectValue o && o.isEmpty())) {
        continue;
      }
      b.put((String) kv[i], v);
    }
    return b.build();
  }

  private static Value toValue(Object o) {
    return switch (o) {
      case null -> null;
      case Value v -> v;
      case String s -> StringValue.of(s);
      case Boolean b -> BooleanValue.of(b);
      case Integer i -> NumberValue.of(i.longValue());
      case List<?> l -> {
        ArrayValue.Builder b = new ArrayValue.Builder();
        for (Object e : l) {
          Value v = toValue(e);
          if (v != null && !(v instanceof NullValue)) {
            b.add(v);
          }
        }
        yield b.build();
      }
      default -> throw new IllegalArgumentException(o.getClass().getName());
    };
  }

  // ---- queries ----

  public static ObjectValue parseQuery(String src) throws ParseError {
    GraphQlParser p = new GraphQlParser(src);
    List<Value> ops = new ArrayList<>();
    List<Value> frags = new ArrayList<>();
    while (p.peek().kind != Kind.EOF) {
      Token t = p.peek();
      if (t.kind == Kind.NAME) {
        switch (t.value) {
          case "query", "mutation", "subscription" -> ops.add(p.operation());
          case "fragment" -> frags.add(p.fragmentDefinition());
          default -> throw p.unexpected(t);
        }
      } else if (t.kind == Kind.BRACE_L) {
        ops.add(p.operation());
      } else {
        throw p.unexpected(t);
      }
    }
    return node("Operations", ops, "Fragments", frags);
  }

  private Value operation() throws ParseError {
    if (peek().kind == Kind.BRACE_L) {
      return node("Operation", "query", "Name", "", "SelectionSet", requiredSelectionSet());
    }
    String op = operationType();
    String name = peek().kind == Kind.NAME ? next().value : "";
    List<Value> vars = variableDefinitions();
    List<Value> dirs = directives(false);
    return node(
        "Operation",
        op,
        "Name",
        name,
        "VariableDefinitions",
        vars,
        "Directives",
        dirs,
        "SelectionSet",
        requiredSelectionSet());
  }

  private String operationType() throws ParseError {
    Token t = next();
    return switch (t.value) {
      case "query", "mutation", "subscription" -> t.value;
      default -> throw unexpected(t);
    };
  }

  private List<Value> variableDefinitions() throws ParseError {
    return many(
        Kind.PAREN_L,
        Kind.PAREN_R,
        () -> {
          String var = variable();
          expect(Kind.COLON);
          Value type = typeReference();
          Value def = skip(Kind.EQUALS) ? valueLiteral(true) : null;
          return node(
              "Variable",
              var,
              "Type",
              type,
              "DefaultValue",
              def,
              "Directives",
              directives(false),
              "Used",
              false);
        });
  }

  private String variable() throws ParseError {
    expect(Kind.DOLLAR);
    return name();
  }

  private List<Value> requiredSelectionSet() throws ParseError {
    if (peek().kind != Kind.BRACE_L) {
      throw error(peek(), "Expected {, found " + peek().kind.text);
    }
    return some(Kind.BRACE_L, Kind.BRACE_R, this::selection);
  }

  private Value selection() throws ParseError {
    if (peek().kind == Kind.SPREAD) {
      return fragment();
    }
    String alias = name();
    String name = skip(Kind.COLON) ? name() : alias;
    List<Value> args = arguments(false);
    List<Value> dirs = directives(false);
    List<Value> sel =
        peek().kind == Kind.BRACE_L ? some(Kind.BRACE_L, Kind.BRACE_R, this::selection) : List.of();
    return node(
        "Alias", alias, "Name", name, "Arguments", args, "Directives", dirs, "SelectionSet", sel);
  }

  private List<Value> arguments(boolean isConst) throws ParseError {
    return many(
        Kind.PAREN_L,
        Kind.PAREN_R,
        () -> {
          String n = name();
          expect(Kind.COLON);
          return node("Name", n, "Value", valueLiteral(isConst));
        });
  }

  private Value fragment() throws ParseError {
    expect(Kind.SPREAD);
    Token t = peek();
    if (t.kind == Kind.NAME && !t.value.equals("on")) {
      String n = fragmentName();
      return node("Name", n, "Directives", directives(false));
    }
    String cond = "";
    if (peek().value.equals("on")) {
      next();
      cond = name();
    }
    List<Value> dirs = directives(false);
    return node("TypeCondition", cond, "Directives", dirs, "SelectionSet", requiredSelectionSet());
  }

  private Value fragmentDefinition() throws ParseError {
    expectKeyword("fragment");
    String n = fragmentName();
    List<Value> vars = variableDefinitions();
    expectKeyword("on");
    String cond = name();
    List<Value> dirs = directives(false);
    return node(
        "Name",
        n,
        "VariableDefinition",
        vars,
        "TypeCondition",
        cond,
        "Directives",
        dirs,
        "SelectionSet",
        requiredSelectionSet());
  }

  private String fragmentName() throws ParseError {
    if (peek().value.equals("on")) {
      throw unexpected(peek());
    }
    return name();
  }

  private static final int VARIABLE = 0;
  private static final int INT_VALUE = 1;
  private static final int FLOAT_VALUE = 2;
  private static final int STRING_VALUE = 3;
  private static final int BLOCK_VALUE = 4;
  private static final int BOOLEAN_VALUE = 5;
  private static final int NULL_VALUE = 6;
  private static final int ENUM_VALUE = 7;
  private static final int LIST_VALUE = 8;
  private static final int OBJECT_VALUE = 9;

  private static Value literal(String raw, List<Value> children, int kind) {
    return node("Raw", raw, "Children", children, "Kind", kind, "ExpectedTypeHasDefault", false);
  }

  private Value valueLiteral(boolean isConst) throws ParseError {
    Token t = peek();
    int kind;
    switch (t.kind) {
      case BRACKET_L -> {
        List<Value> items =
            many(
                Kind.BRACKET_L,
                Kind.BRACKET_R,
                () -> node("Name", "", "Value", valueLiteral(isConst)));
        return literal("", items, LIST_VALUE);
      }
      case BRACE_L -> {
        List<Value> fields =
            many(
                Kind.BRACE_L,
                Kind.BRACE_R,
                () -> {
                  String n = name();
                  expect(Kind.COLON);
                  return node("Name", n, "Value", valueLiteral(isConst));
                });
        return literal("", fields, OBJECT_VALUE);
      }
      case DOLLAR -> {
        if (isConst) {
          throw unexpected(t);
        }
        return literal(variable(), List.of(), VARIABLE);
      }
      case INT -> kind = INT_VALUE;
      case FLOAT -> kind = FLOAT_VALUE;
      case STRING -> kind = STRING_VALUE;
      case BLOCK_STRING -> kind = BLOCK_VALUE;
      case NAME ->
          kind =
              switch (t.value) {
                case "true", "false" -> BOOLEAN_VALUE;
                case "null" -> NULL_VALUE;
                default -> ENUM_VALUE;
              };
      default -> throw unexpected(t);
    }
    next();
    return literal(t.value, List.of(), kind);
  }

  private List<Value> directives(boolean isConst) throws ParseError {
    List<Value> out = new ArrayList<>();
    while (peek().kind == Kind.AT) {
      next();
      String n = name();
      out.add(node("Name", n, "Arguments", arguments(isConst), "Location", ""));
    }
    return out;
  }

  private Value typeReference() throws ParseError {
    Value elem = null;
    String named = "";
    if (skip(Kind.BRACKET_L)) {
      elem = typeReference();
      expect(Kind.BRACKET_R);
    } else {
      named = name();
    }
    boolean nonNull = skip(Kind.BANG);
    return node("NamedType", named, "Elem", elem, "NonNull", nonNull);
  }

  // ---- schemas ----

  public static ObjectValue parseSchema(String src) throws ParseError {
    GraphQlParser p = new GraphQlParser(src);
    List<Value> schema = new ArrayList<>();
    List<Value> schemaExt = new ArrayList<>();
    List<Value> directives = new ArrayList<>();
    List<Value> defs = new ArrayList<>();
    List<Value> exts = new ArrayList<>();
    while (p.peek().kind != Kind.EOF) {
      String description = "";
      Token descTok = null;
      if (p.peek().kind == Kind.STRING || p.peek().kind == Kind.BLOCK_STRING) {
        descTok = p.next();
        description = descTok.value;
      }
      Token t = p.peek();
      if (t.kind != Kind.NAME) {
        throw p.unexpected(t);
      }
      switch (t.value) {
        case "scalar", "type", "interface", "union", "enum", "input" ->
            defs.add(p.typeDefinition(description, false));
        case "schema" -> {
          p.next();
          schema.add(p.schemaDefinition(description, false));
        }
        case "directive" -> directives.add(p.directiveDefinition(description));
        case "extend" -> {
          if (descTok != null && !description.isEmpty()) {
            throw p.unexpected(descTok);
          }
          p.next();
          Token k = p.peek();
          switch (k.value) {
            case "schema" -> {
              p.next();
              schemaExt.add(p.schemaDefinition("", true));
            }
            case "scalar", "type", "interface", "union", "enum", "input" ->
                exts.add(p.typeDefinition("", true));
            default -> throw p.unexpected(k);
          }
        }
        default -> throw p.unexpected(t);
      }
    }
    return node(
        "Schema",
        schema,
        "SchemaExtension",
        schemaExt,
        "Directives",
        directives,
        "Definitions",
        defs,
        "Extensions",
        exts);
  }

  private Value schemaDefinition(String description, boolean extension) throws ParseError {
    List<Value> dirs = directives(true);
    List<Value> ops =
        some(
            Kind.BRACE_L,
            Kind.BRACE_R,
            () -> {
              String op = operationType();
              expect(Kind.COLON);
              return node("Operation", op, "Type", name());
            });
    if (extension && dirs.isEmpty() && ops.isEmpty()) {
      throw unexpected(peek());
    }
    return node("Description", description, "Directives", dirs, "OperationTypes", ops);
  }

  private Value typeDefinition(String description, boolean extension) throws ParseError {
    String keyword = next().value;
    String kind =
        switch (keyword) {
          case "scalar" -> "SCALAR";
          case "type" -> "OBJECT";
          case "interface" -> "INTERFACE";
          case "union" -> "UNION";
          case "enum" -> "ENUM";
          default -> "INPUT_OBJECT";
        };
    String name = name();
    List<Value> interfaces = new ArrayList<>();
    if ((keyword.equals("type") || (keyword.equals("interface") && !extension))
        && peek().value.equals("implements")) {
      next();
      skip(Kind.AMP);
      interfaces.add(StringValue.of(name()));
      while (skip(Kind.AMP)) {
        interfaces.add(StringValue.of(name()));
      }
    }
    List<Value> dirs = directives(!(extension && keyword.equals("input")));
    List<Value> fields = List.of();
    List<Value> types = new ArrayList<>();
    List<Value> enumValues = List.of();
    switch (keyword) {
      case "type", "interface" -> fields = some(Kind.BRACE_L, Kind.BRACE_R, this::fieldDefinition);
      case "input" -> fields = some(Kind.BRACE_L, Kind.BRACE_R, this::inputValueDefinition);
      case "union" -> {
        if (skip(Kind.EQUALS)) {
          skip(Kind.PIPE);
          types.add(StringValue.of(name()));
          while (skip(Kind.PIPE)) {
            types.add(StringValue.of(name()));
          }
        }
      }
      case "enum" ->
          enumValues =
              some(
                  Kind.BRACE_L,
                  Kind.BRACE_R,
                  () -> {
                    String d = description();
                    String n = name();
                    return node("Description", d, "Name", n, "Directives", directives(true));
                  });
      default -> {}
    }
    if (extension
        && dirs.isEmpty()
        && interfaces.isEmpty()
        && fields.isEmpty()
        && types.isEmpty()
        && enumValues.isEmpty()) {
      throw unexpected(peek());
    }
    return node(
        "Kind",
        kind,
        "Description",
        description,
        "Name",
        name,
        "Directives",
        dirs,
        "Interfaces",
        interfaces,
        "Fields",
        fields,
        "Types",
        types,
        "EnumValues",
        enumValues,
        "BuiltIn",
        false);
  }

  private String description() {
    Kind k = peek().kind;
    return k == Kind.STRING || k == Kind.BLOCK_STRING ? next().value : "";
  }

  private Value fieldDefinition() throws ParseError {
    String d = description();
    String n = name();
    List<Value> args = argumentDefinitions();
    expect(Kind.COLON);
    Value type = typeReference();
    return node(
        "Description",
        d,
        "Name",
        n,
        "Arguments",
        args,
        "Type",
        type,
        "Directives",
        directives(true));
  }

  private List<Value> argumentDefinitions() throws ParseError {
    return some(Kind.PAREN_L, Kind.PAREN_R, this::inputValueDefinition);
  }

  private Value inputValueDefinition() throws ParseError {
    String d = description();
    String n = name();
    expect(Kind.COLON);
    Value type = typeReference();
    Value def = skip(Kind.EQUALS) ? valueLiteral(true) : null;
    return node(
        "Description",
        d,
        "Name",
        n,
        "DefaultValue",
        def,
        "Type",
        type,
        "Directives",
        directives(true));
  }

  private static final java.util.Set<String> LOCATIONS =
      java.util.Set.of(
          "QUERY",
          "MUTATION",
          "SUBSCRIPTION",
          "FIELD",
          "FRAGMENT_DEFINITION",
          "FRAGMENT_SPREAD",
          "INLINE_FRAGMENT",
          "VARIABLE_DEFINITION",
          "SCHEMA",
          "SCALAR",
          "OBJECT",
          "FIELD_DEFINITION",
          "ARGUMENT_DEFINITION",
          "INTERFACE",
          "UNION",
          "ENUM",
          "ENUM_VALUE",
          "INPUT_OBJECT",
          "INPUT_FIELD_DEFINITION");

  private Value directiveDefinition(String description) throws ParseError {
    expectKeyword("directive");
    expect(Kind.AT);
    String n = name();
    List<Value> args = argumentDefinitions();
    boolean repeatable = false;
    if (peek().kind == Kind.NAME && peek().value.equals("repeatable")) {
      repeatable = true;
      next();
    }
    expectKeyword("on");
    skip(Kind.PIPE);
    List<Value> locs = new ArrayList<>();
    do {
      Token t = expect(Kind.NAME);
      if (!LOCATIONS.contains(t.value)) {
        throw unexpected(t);
      }
      locs.add(StringValue.of(t.value));
    } while (skip(Kind.PIPE));
    return node(
        "Description",
        description,
        "Name",
        n,
        "Arguments",
        args,
        "Locations",
        locs,
        "IsRepeatable",
        repeatable);
  }
}
