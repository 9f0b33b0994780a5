package io.jrego.engine.builtins.gocompat;

import io.jrego.engine.builtins.gocompat.GoTemplateLexer.Kind;
import io.jrego.engine.builtins.gocompat.GoTemplateLexer.Token;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A parsed Go {@code text/template}: the tree Go's {@code text/template/parse} builds, as records.
 * {@link #parse} takes the source and yields the main tree and any {@code define}d ones; {@link
 * GoTemplateExec} runs it. Node {@code toString()}s match Go's, since execution errors quote them.
 */
public final class GoTemplate {

  /** A parse failure; Go words it {@code template: <name>:<line>: <msg>}. */
  public static final class ParseError extends Exception {
    private static final long serialVersionUID = 1L;

    ParseError(int line, String msg) {
      super("template: template:" + line + ": " + msg);
    }
  }

  sealed interface Node
      permits ListNode, TextNode, ActionNode, ControlNode, TemplateCall, Jump, Stop {}

  record ListNode(List<Node> nodes) implements Node {}

  record TextNode(String text) implements Node {}

  record ActionNode(int pos, Pipe pipe) implements Node {}

  enum Control {
    IF,
    WITH,
    RANGE
  }

  record ControlNode(Control kind, int pos, Pipe pipe, ListNode list, ListNode elseList)
      implements Node {}

  record TemplateCall(int pos, String name, Pipe pipe) implements Node {}

  /** {@code {{break}}} ({@code isBreak}) or {@code {{continue}}}. */
  record Jump(int pos, boolean isBreak) implements Node {}

  record Pipe(int pos, boolean isAssign, List<String> decl, List<Command> cmds) {
    @Override
    public String toString() {
      StringBuilder sb = new StringBuilder();
      if (!decl.isEmpty()) {
        sb.append(String.join(", ", decl)).append(isAssign ? " = " : " := ");
      }
      for (int k = 0; k < cmds.size(); k++) {
        if (k > 0) {
          sb.append(" | ");
        }
        sb.append(cmds.get(k));
      }
      return sb.toString();
    }
  }

  record Command(int pos, List<Arg> args) {
    @Override
    public String toString() {
      StringBuilder sb = new StringBuilder();
      for (int k = 0; k < args.size(); k++) {
        if (k > 0) {
          sb.append(' ');
        }
        Arg a = args.get(k);
        sb.append(a instanceof PipeArg p ? "(" + p.pipe() + ")" : a.toString());
      }
      return sb.toString();
    }
  }

  /** An operand in a command. */
  sealed interface Arg
      permits FieldArg,
          VariableArg,
          ChainArg,
          DotArg,
          NilArg,
          BoolArg,
          NumberArg,
          StringArg,
          IdentArg,
          PipeArg {
    int pos();
  }

  record FieldArg(int pos, List<String> names) implements Arg {
    @Override
    public String toString() {
      return "." + String.join(".", names);
    }
  }

  /** {@code $x.a.b}: names.get(0) is the variable, the rest are fields. */
  record VariableArg(int pos, List<String> names) implements Arg {
    @Override
    public String toString() {
      return String.join(".", names);
    }
  }

  record ChainArg(int pos, Arg node, List<String> fields) implements Arg {
    @Override
    public String toString() {
      String base = node instanceof PipeArg p ? "(" + p.pipe() + ")" : node.toString();
      return base + "." + String.join(".", fields);
    }
  }

  record DotArg(int pos) implements Arg {
    @Override
    public String toString() {
      return ".";
    }
  }

  record NilArg(int pos) implements Arg {
    @Override
    public String toString() {
      return "nil";
    }
  }

  record BoolArg(int pos, boolean value) implements Arg {
    @Override
    public String toString() {
      return Boolean.toString(value);
    }
  }

  /** A number constant: {@code value} is a Long (int) or Double (float64). */
  record NumberArg(int pos, String text, Object value) implements Arg {
    @Override
    public String toString() {
      return text;
    }
  }

  record StringArg(int pos, String quoted, String value) implements Arg {
    @Override
    public String toString() {
      return quoted;
    }
  }

  record IdentArg(int pos, String name) implements Arg {
    @Override
    public String toString() {
      return name;
    }
  }

  record PipeArg(int pos, Pipe pipe) implements Arg {
    @Override
    public String toString() {
      return "(" + pipe + ")";
    }
  }

  /** The parsed templates: {@code "template"} is the main one. */
  public record Parsed(String source, Map<String, ListNode> trees) {}

  static final String MAIN = "template";

  static final Set<String> FUNCS =
      Set.of(
          "and",
          "call",
          "html",
          "index",
          "slice",
          "js",
          "len",
          "not",
          "or",
          "print",
          "printf",
          "println",
          "urlquery",
          "eq",
          "ge",
          "gt",
          "le",
          "lt",
          "ne");

  static int lineOf(String src, int pos) {
    int line = 1;
    for (int k = 0; k < pos && k < src.length(); k++) {
      if (src.charAt(k) == '\n') {
        line++;
      }
    }
    return line;
  }

  private final String src;
  private final List<Token> toks;
  private final Map<String, ListNode> trees = new LinkedHashMap<>();
  private List<String> vars = new ArrayList<>(List.of("$"));
  private int p;
  private int rangeDepth;

  private GoTemplate(String src, List<Token> toks) {
    this.src = src;
    this.toks = toks;
  }

  public static Parsed parse(String src) throws ParseError {
    GoTemplate g = new GoTemplate(src, GoTemplateLexer.lex(src));
    List<Node> main = new ArrayList<>();
    while (g.peek().kind() != Kind.EOF) {
      if (g.peek().kind() == Kind.LEFT && g.peekAt(1).text().equals("define")) {
        g.next();
        g.next();
        g.define();
        continue;
      }
      Node n = g.item();
      if (n instanceof Stop s) {
        throw g.error(s.tok().pos(), "unexpected " + s.describe());
      }
      main.add(n);
    }
    // An empty main body does not replace a define'd "template", as in Go.
    if (!main.isEmpty() || !g.trees.containsKey(MAIN)) {
      g.trees.put(MAIN, new ListNode(List.copyOf(main)));
    }
    return new Parsed(src, Map.copyOf(g.trees));
  }

  private ParseError error(int pos, String msg) {
    return new ParseError(lineOf(src, pos), msg);
  }

  private Token peek() {
    return toks.get(p);
  }

  private Token peekAt(int k) {
    return toks.get(Math.min(p + k, toks.size() - 1));
  }

  private Token next() {
    return toks.get(p++);
  }

  private Token expect(Kind kind, String context) throws ParseError {
    Token t = next();
    if (t.kind() != kind) {
      throw error(t.pos(), "unexpected " + describe(t) + " in " + context);
    }
    return t;
  }

  private static String describe(Token t) {
    return switch (t.kind()) {
      case EOF -> "EOF";
      case RIGHT -> "\"}}\"";
      case LEFT -> "\"{{\"";
      default -> "\"" + t.text() + "\"";
    };
  }

  /** An {@code {{end}}} or {@code {{else}}} that closes the list being parsed. */
  private record Stop(Token tok, boolean isElse) implements Node {
    String describe() {
      return isElse ? "{{else}}" : "{{end}}";
    }
  }

  private Node item() throws ParseError {
    Token t = next();
    if (t.kind() == Kind.TEXT) {
      return new TextNode(t.text());
    }
    if (t.kind() != Kind.LEFT) {
      throw error(t.pos(), "unexpected " + describe(t));
    }
    Token k = peek();
    if (k.kind() == Kind.KEYWORD) {
      next();
      switch (k.text()) {
        case "end" -> {
          expect(Kind.RIGHT, "end");
          return new Stop(k, false);
        }
        case "else" -> {
          return new Stop(k, true);
        }
        case "if" -> {
          return control(Control.IF, k.pos());
        }
        case "with" -> {
          return control(Control.WITH, k.pos());
        }
        case "range" -> {
          return control(Control.RANGE, k.pos());
        }
        case "break", "continue" -> {
          boolean isBreak = k.text().equals("break");
          if (rangeDepth == 0) {
            throw error(k.pos(), "{{" + k.text() + "}} outside {{range}}");
          }
          expect(Kind.RIGHT, k.text());
          return new Jump(k.pos(), isBreak);
        }
        case "template" -> {
          return templateCall(null);
        }
        case "block" -> {
          return templateCall(k);
        }
        case "define" -> throw error(k.pos(), "unexpected <define> in command");
        default -> throw error(k.pos(), "unexpected keyword " + k.text());
      }
    }
    return new ActionNode(k.pos(), pipeline("command", Kind.RIGHT, false));
  }

  /** The items up to an {@code {{end}}} or {@code {{else}}}, which is returned last. */
  private List<Node> itemsUntilStop() throws ParseError {
    List<Node> list = new ArrayList<>();
    while (true) {
      if (peek().kind() == Kind.EOF) {
        throw error(peek().pos(), "unexpected EOF");
      }
      Node n = item();
      list.add(n);
      if (n instanceof Stop) {
        return list;
      }
    }
  }

  private ControlNode control(Control kind, int pos) throws ParseError {
    int mark = vars.size();
    String ctx = kind.name().toLowerCase(java.util.Locale.ROOT);
    try {
      Pipe pipe = pipeline(ctx, Kind.RIGHT, kind == Control.RANGE);
      if (kind == Control.RANGE) {
        rangeDepth++;
      }
      List<Node> body;
      try {
        body = itemsUntilStop();
      } finally {
        if (kind == Control.RANGE) {
          rangeDepth--;
        }
      }
      Stop stop = (Stop) body.remove(body.size() - 1);
      ListNode elseList = null;
      if (stop.isElse()) {
        // {{else if ...}} / {{else with ...}} nests a control that shares this one's {{end}}.
        Token t = peek();
        if ((kind == Control.IF && t.text().equals("if"))
            || (kind == Control.WITH && t.text().equals("with"))) {
          next();
          elseList = new ListNode(List.of(control(kind, t.pos())));
        } else {
          expect(Kind.RIGHT, "else");
          List<Node> rest = itemsUntilStop();
          Stop end = (Stop) rest.remove(rest.size() - 1);
          if (end.isElse()) {
            throw error(end.tok().pos(), "expected end; found {{else}}");
          }
          elseList = new ListNode(List.copyOf(rest));
        }
      }
      return new ControlNode(kind, pos, pipe, new ListNode(List.copyOf(body)), elseList);
    } finally {
      vars = new ArrayList<>(vars.subList(0, Math.min(mark, vars.size())));
    }
  }

  private void define() throws ParseError {
    Token name = next();
    String n = stringValue(name, "define clause");
    expect(Kind.RIGHT, "define clause");
    List<String> saved = vars;
    vars = new ArrayList<>(List.of("$"));
    try {
      List<Node> body = itemsUntilStop();
      Stop end = (Stop) body.remove(body.size() - 1);
      if (end.isElse()) {
        throw error(end.tok().pos(), "unexpected {{else}}");
      }
      trees.put(n, new ListNode(List.copyOf(body)));
    } finally {
      vars = saved;
    }
  }

  private Node templateCall(Token block) throws ParseError {
    String ctx = block != null ? "block clause" : "template clause";
    Token nameTok = next();
    String name = stringValue(nameTok, ctx);
    Pipe pipe = null;
    if (peek().kind() != Kind.RIGHT) {
      pipe = pipeline(ctx, Kind.RIGHT, false);
    } else {
      next();
    }
    if (block != null) {
      List<String> saved = vars;
      vars = new ArrayList<>(List.of("$"));
      try {
        List<Node> body = itemsUntilStop();
        Stop end = (Stop) body.remove(body.size() - 1);
        if (end.isElse()) {
          throw error(end.tok().pos(), "unexpected {{else}}");
        }
        trees.put(name, new ListNode(List.copyOf(body)));
      } finally {
        vars = saved;
      }
    }
    return new TemplateCall(nameTok.pos(), name, pipe);
  }

  private String stringValue(Token t, String ctx) throws ParseError {
    return switch (t.kind()) {
      case STRING -> GoTemplateStrings.unquote(t.text(), () -> error(t.pos(), "bad string"));
      case RAW_STRING -> t.text().substring(1, t.text().length() - 1).replace("\r", "");
      default -> throw error(t.pos(), "unexpected " + describe(t) + " in " + ctx);
    };
  }

  /** A pipeline up to {@code end} (consumed), with optional variable declarations. */
  private Pipe pipeline(String ctx, Kind end, boolean rangeDecl) throws ParseError {
    int pos = peek().pos();
    List<String> decl = new ArrayList<>();
    boolean isAssign = false;
    if (peek().kind() == Kind.VARIABLE) {
      Kind after = peekAt(1).kind();
      if (after == Kind.DECLARE || after == Kind.ASSIGN) {
        Token v = next();
        isAssign = next().kind() == Kind.ASSIGN;
        decl.add(v.text());
      } else if (after == Kind.COMMA && rangeDecl && peekAt(2).kind() == Kind.VARIABLE) {
        Token v1 = next();
        next();
        Token v2 = next();
        Token op = next();
        if (op.kind() != Kind.DECLARE && op.kind() != Kind.ASSIGN) {
          throw error(op.pos(), "range can only initialize variables");
        }
        isAssign = op.kind() == Kind.ASSIGN;
        decl.add(v1.text());
        decl.add(v2.text());
      }
      if (isAssign) {
        for (String d : decl) {
          if (!vars.contains(d)) {
            throw error(pos, "undefined variable \"" + d + "\"");
          }
        }
      } else {
        vars.addAll(decl);
      }
    }
    List<Command> cmds = new ArrayList<>();
    while (true) {
      Token t = peek();
      if (t.kind() == end) {
        next();
        break;
      }
      cmds.add(command(end));
    }
    if (cmds.isEmpty()) {
      throw error(pos, "missing value for " + ctx);
    }
    return new Pipe(pos, isAssign, List.copyOf(decl), List.copyOf(cmds));
  }

  private Command command(Kind end) throws ParseError {
    int pos = peek().pos();
    List<Arg> args = new ArrayList<>();
    while (true) {
      Token t = peek();
      if (t.kind() == end) {
        break;
      }
      if (t.kind() == Kind.PIPE) {
        next();
        if (args.isEmpty()) {
          throw error(t.pos(), "missing command");
        }
        break;
      }
      if (!args.isEmpty() && !t.spaceBefore()) {
        throw error(t.pos(), "missing space?");
      }
      args.add(operand());
    }
    if (args.isEmpty()) {
      throw error(pos, "empty command");
    }
    return new Command(pos, List.copyOf(args));
  }

  private Arg operand() throws ParseError {
    Arg term = term();
    if (peek().kind() != Kind.FIELD || peek().spaceBefore()) {
      return term;
    }
    int pos = peek().pos();
    List<String> fields = new ArrayList<>();
    while (peek().kind() == Kind.FIELD && !peek().spaceBefore()) {
      fields.add(next().text().substring(1));
    }
    return switch (term) {
      case FieldArg f -> new FieldArg(pos, concat(f.names(), fields));
      case VariableArg v -> new VariableArg(pos, concat(v.names(), fields));
      case BoolArg b -> throw error(pos, "unexpected . after term \"" + b + "\"");
      case StringArg s -> throw error(pos, "unexpected . after term " + s);
      case NumberArg nn -> throw error(pos, "unexpected . after term \"" + nn + "\"");
      case NilArg nl -> throw error(pos, "unexpected . after term \"nil\"");
      case DotArg d -> throw error(pos, "unexpected . after term \".\"");
      default -> new ChainArg(pos, term, List.copyOf(fields));
    };
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return List.copyOf(all);
  }

  private Arg term() throws ParseError {
    Token t = next();
    return switch (t.kind()) {
      case IDENT -> {
        if (!FUNCS.contains(t.text())) {
          throw error(t.pos(), "function \"" + t.text() + "\" not defined");
        }
        yield new IdentArg(t.pos(), t.text());
      }
      case DOT -> new DotArg(t.pos());
      case NIL -> new NilArg(t.pos());
      case BOOL -> new BoolArg(t.pos(), t.text().equals("true"));
      case FIELD -> new FieldArg(t.pos(), List.of(t.text().substring(1)));
      case VARIABLE -> {
        if (!vars.contains(t.text())) {
          throw error(t.pos(), "undefined variable \"" + t.text() + "\"");
        }
        yield new VariableArg(t.pos(), List.of(t.text()));
      }
      case NUMBER, CHAR -> number(t);
      case STRING ->
          new StringArg(
              t.pos(),
              t.text(),
              GoTemplateStrings.unquote(
                  t.text(), () -> error(t.pos(), "invalid syntax: " + t.text())));
      case RAW_STRING ->
          new StringArg(
              t.pos(), t.text(), t.text().substring(1, t.text().length() - 1).replace("\r", ""));
      case LPAREN -> new PipeArg(t.pos(), pipeline("parenthesized pipeline", Kind.RPAREN, false));
      default -> throw error(t.pos(), "unexpected " + describe(t) + " in operand");
    };
  }

  private NumberArg number(Token t) throws ParseError {
    String text = t.text();
    if (t.kind() == Kind.CHAR) {
      String body =
          GoTemplateStrings.unquote(
              "\"" + text.substring(1, text.length() - 1) + "\"",
              () -> error(t.pos(), "malformed character constant: " + text));
      if (body.codePointCount(0, body.length()) != 1) {
        throw error(t.pos(), "malformed character constant: " + text);
      }
      return new NumberArg(t.pos(), text, (long) body.codePointAt(0));
    }
    Object v = GoTemplateStrings.number(text);
    if (v == null) {
      throw error(t.pos(), "illegal number syntax: \"" + text + "\"");
    }
    return new NumberArg(t.pos(), text, v);
  }
}
