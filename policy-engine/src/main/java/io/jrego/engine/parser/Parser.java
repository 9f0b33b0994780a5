package io.jrego.engine.parser;

import io.jrego.engine.ast.Annotation;
import io.jrego.engine.ast.Expr;
import io.jrego.engine.ast.Expr.With;
import io.jrego.engine.ast.Module;
import io.jrego.engine.ast.Rule;
import io.jrego.engine.ast.Term;
import io.jrego.engine.ast.Term.Ref;
import io.jrego.engine.ast.Term.Scalar;
import io.jrego.engine.ast.Term.Var;
import io.jrego.engine.base.RegoError;
import io.jrego.engine.base.RegoError.Location;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.base.RegoVersion;
import io.jrego.engine.parser.Token.Kind;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.NullValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.StringValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A hand-written recursive-descent parser for Rego v1 and v0. Operator precedence follows OPA,
 * loosest first: {@code in}, comparison ({@code == != < <= > >=}), {@code |}, {@code &}, {@code +
 * -}, {@code * / %}. Errors are collected: after one, the parser skips to the next line that starts
 * in column 1 and goes on.
 */
public final class Parser {

  private static final Map<Kind, String> RELATIONS =
      Map.of(
          Kind.EQ, "equal",
          Kind.NEQ, "neq",
          Kind.LT, "lt",
          Kind.LTE, "lte",
          Kind.GT, "gt",
          Kind.GTE, "gte");

  private final String file;
  private final String src;
  private final RegoVersion version;
  private final List<Token> toks;
  private final List<Lexer.Comment> comments;
  private final String[] lines;
  private final List<RegoError> errors = new ArrayList<>();
  private int p;
  private boolean allowBar = true;
  private boolean halted;
  // the future keywords in force: all four in v1; in v0 only those imported (future.keywords.x,
  // future.keywords, rego.v1), elsewhere they are plain names
  private final Set<String> futureKeywords = new java.util.HashSet<>();
  private final int rowOffset;
  private final int colOffset;

  private Parser(String file, String src, RegoVersion version, int rowOffset, int colOffset) {
    this.file = file;
    this.src = src;
    this.version = version;
    if (version == RegoVersion.V1) {
      futureKeywords.addAll(Keywords.FUTURE);
    }
    this.rowOffset = rowOffset;
    this.colOffset = colOffset;
    Lexer lx = new Lexer(src).run();
    this.toks = lx.tokens();
    this.comments = lx.comments();
    this.lines = src.split("\n", -1);
    for (String[] e : lx.errors()) {
      errors.add(
          RegoError.at(RegoError.PARSE, e[2], loc(Integer.parseInt(e[0]), Integer.parseInt(e[1]))));
    }
  }

  /** Signals a parse error already recorded; unwinds to the statement level. */
  private static final class Bail extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Bail() {
      super(null, null, false, false);
    }
  }

  /**
   * Nesting beyond {@link #MAX_NESTING}: ends the whole parse, past every place that backtracks or
   * recovers from a {@link Bail}, so no other error stands in for it.
   */
  private static final class TooDeep extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient RegoError error;

    TooDeep(RegoError error) {
      super(null, null, false, false);
      this.error = error;
    }
  }

  private TooDeep tooDeep() {
    return new TooDeep(
        RegoError.at(RegoError.PARSE, "max parsing recursion depth exceeded", loc(peek())));
  }

  /**
   * Parses a module.
   *
   * @throws RegoException with every {@code rego_parse_error} found
   */
  public static Module parseModule(String file, String src, RegoVersion version)
      throws RegoException {
    Parser ps = new Parser(file, src, version, 0, 0);
    Module m;
    try {
      m = ps.module();
    } catch (TooDeep e) {
      throw new RegoException(List.of(e.error));
    }
    if (!ps.errors.isEmpty()) {
      throw new RegoException(ps.errors);
    }
    return m;
  }

  /**
   * Parses a query: expressions separated by {@code ;} or new lines.
   *
   * @throws RegoException with every {@code rego_parse_error} found
   */
  public static List<Expr> parseQuery(String src) throws RegoException {
    Parser ps = new Parser("", src, RegoVersion.V1, 0, 0);
    List<Expr> body = new ArrayList<>();
    try {
      if (ps.peek().is(Kind.EOF)) {
        ps.fail(ps.peek(), "empty query");
      }
      while (!ps.peek().is(Kind.EOF)) {
        body.add(ps.expr());
        Token t = ps.peek();
        if (t.is(Kind.SEMI)) {
          ps.p++;
        } else if (!t.is(Kind.EOF) && !t.newlineBefore()) {
          ps.fail(t, "unexpected " + ps.describe(t) + " token");
        }
      }
    } catch (Bail b) {
      // recorded
    } catch (TooDeep e) {
      throw new RegoException(List.of(e.error));
    }
    if (!ps.errors.isEmpty()) {
      throw new RegoException(ps.errors);
    }
    return body;
  }

  /**
   * Parses a single term, such as an input written in Rego syntax.
   *
   * @throws RegoException when it does not parse
   */
  public static Term parseTerm(String src) throws RegoException {
    Parser ps = new Parser("", src, RegoVersion.V1, 0, 0);
    Term t = null;
    try {
      t = ps.termIn(false);
      if (!ps.peek().is(Kind.EOF)) {
        ps.fail(ps.peek(), "unexpected " + ps.describe(ps.peek()) + " token");
      }
    } catch (Bail b) {
      // recorded
    } catch (TooDeep e) {
      throw new RegoException(List.of(e.error));
    }
    if (!ps.errors.isEmpty()) {
      throw new RegoException(ps.errors);
    }
    return t;
  }

  // ---------------------------------------------------------------------------------------
  // Module level

  private Module module() {
    List<Module.Import> imports = new ArrayList<>();
    List<Rule> rules = new ArrayList<>();
    List<String> pkg = List.of();
    Location pkgLoc = loc(1, 1);
    List<Annotation> pkgAnnotations = new ArrayList<>();
    Annotations ann = new Annotations(comments, file, this::loc);
    errors.addAll(ann.errors());
    try {
      Token t = peek();
      if (!keyword(t, "package")) {
        fail(t, "package expected");
      }
      p++;
      pkgLoc = loc(t);
      pkg = packagePath();
      for (Annotation a : ann.before(t.row())) {
        pkgAnnotations.add(scoped(a, "package"));
      }
    } catch (Bail b) {
      return new Module(file, version, pkg, pkgLoc, imports, rules, pkgAnnotations);
    }
    while (!peek().is(Kind.EOF)) {
      int start = p;
      try {
        Token t = peek();
        if (keyword(t, "import")) {
          p++;
          imports.add(importDecl(t));
        } else if (keyword(t, "package")) {
          fail(t, "unexpected package keyword");
        } else {
          List<Annotation> a = ann.before(t.row()).stream().map(x -> scoped(x, "rule")).toList();
          for (Annotation x : a) {
            if (x.scope().equals("package") || x.scope().equals("subpackages")) {
              pkgAnnotations.add(x);
            }
          }
          List<Annotation> ruleAnn =
              a.stream()
                  .filter(x -> !x.scope().equals("package") && !x.scope().equals("subpackages"))
                  .toList();
          rules.addAll(rule(ruleAnn));
        }
        Token n = peek();
        if (!n.is(Kind.EOF) && !n.newlineBefore() && !n.is(Kind.SEMI)) {
          fail(n, "unexpected " + describe(n) + " token");
        }
        if (n.is(Kind.SEMI)) {
          p++;
        }
      } catch (Bail b) {
        if (halted) {
          break;
        }
        if (p == start) {
          p++;
        }
        while (!peek().is(Kind.EOF)
            && !(peek().newlineBefore() && peek().col() == 1 && peek().is(Kind.IDENT))) {
          p++;
        }
      }
    }
    return new Module(file, version, pkg, pkgLoc, imports, rules, pkgAnnotations);
  }

  private static Annotation scoped(Annotation a, String dflt) {
    if (!a.scope().isEmpty()) {
      return a;
    }
    return new Annotation(
        dflt, a.content().with(StringValue.of("scope"), StringValue.of(dflt)), a.location());
  }

  private List<String> packagePath() {
    Term t = term();
    List<String> out = new ArrayList<>();
    if (t instanceof Var v) {
      out.add(v.name());
    } else if (t instanceof Ref r && r.head() instanceof Var v) {
      out.add(v.name());
      for (Term e : r.path()) {
        if (e instanceof Scalar s && s.value() instanceof StringValue sv) {
          out.add(sv.value());
        } else {
          fail(t.location(), "invalid package path");
        }
      }
    } else {
      fail(t.location(), "package expected");
    }
    return out;
  }

  private Module.Import importDecl(Token kw) {
    Term t = term();
    Ref ref;
    if (t instanceof Var v) {
      ref = new Ref(v, List.of(), v.location());
    } else if (t instanceof Ref r && r.head() instanceof Var) {
      ref = r;
    } else {
      throw fail(
          t.location(),
          "unexpected import path, must begin with one of: {data, future, input, rego}, got: " + t);
    }
    String root = ((Var) ref.head()).name();
    if (!Set.of("data", "input", "future", "rego").contains(root)) {
      throw fail(
          t.location(),
          "unexpected import path, must begin with one of: {data, future, input, rego}, got: "
              + root);
    }
    enableFutureKeywords(root, ref.path());
    String alias = "";
    if (keyword(peek(), "as") && !peek().newlineBefore()) {
      p++;
      Token a = next();
      if (!a.is(Kind.IDENT)) {
        fail(a, "expected var name after 'as'");
      }
      alias = a.text();
    }
    return new Module.Import(ref, alias, loc(kw));
  }

  /** {@code import future.keywords[.x]} and {@code import rego.v1} make keywords of names. */
  private void enableFutureKeywords(String root, List<Term> path) {
    List<String> names = new ArrayList<>();
    for (Term t : path) {
      if (t instanceof Scalar sc && sc.value() instanceof StringValue sv) {
        names.add(sv.value());
      }
    }
    if (root.equals("rego") && names.equals(List.of("v1"))) {
      futureKeywords.addAll(Keywords.FUTURE);
    } else if (root.equals("future") && !names.isEmpty() && names.get(0).equals("keywords")) {
      if (names.size() == 1) {
        futureKeywords.addAll(Keywords.FUTURE);
      } else if (Keywords.FUTURE.contains(names.get(1))) {
        futureKeywords.add(names.get(1));
      }
    }
  }

  /** Whether {@code word} is a keyword here: always, unless a future keyword not in force. */
  private boolean isKeyword(String word) {
    return Keywords.isKeyword(word, futureKeywords);
  }

  // ---------------------------------------------------------------------------------------
  // Rules

  private List<Rule> rule(List<Annotation> annotations) {
    Token first = peek();
    boolean isDefault = false;
    if (keyword(first, "default")) {
      p++;
      isDefault = true;
    }
    Location location = loc(first);
    Term headTerm = termNoKeywordCheck();
    List<Term> head;
    List<Term> args = List.of();
    Rule.Kind kind = Rule.Kind.COMPLETE;
    if (headTerm instanceof Term.Call c) {
      head = refFromDotted(c.name(), c.location());
      args = c.args();
      // as OPA: f() := 1 is the constant rule f, not a function of no arguments
      kind = args.isEmpty() ? Rule.Kind.COMPLETE : Rule.Kind.FUNCTION;
    } else {
      head = headRef(headTerm);
    }
    for (String kw : List.of("if", "contains")) {
      if (peek().isIdent(kw) && !isKeyword(kw) && !peek().newlineBefore()) {
        throw fail(
            location,
            "var cannot be used for rule name (hint: `import future.keywords."
                + kw
                + "` for `"
                + (kw.equals("if") ? "p if { ... }` rules)" : "p contains x` rules)"));
      }
    }
    Term value = null;
    boolean assign = false;
    if (keyword(peek(), "contains")) {
      if (kind == Rule.Kind.FUNCTION) {
        throw fail(peek(), "unexpected contains keyword");
      }
      p++;
      value = termIn(false);
      kind = Rule.Kind.MULTI;
    } else if (peek().is(Kind.ASSIGN) || peek().is(Kind.UNIFY)) {
      assign = next().is(Kind.ASSIGN);
      value = termIn(false);
    }
    List<Expr> body = List.of();
    boolean hasBody = false;
    if (keyword(peek(), "if")) {
      p++;
      body = ifBody();
      hasBody = true;
    } else if (peek().is(Kind.LBRACE) && !(kind == Rule.Kind.MULTI && value == null)) {
      if (version == RegoVersion.V1) {
        throw fail(peek(), "`if` keyword is required before rule body");
      }
      body = braceBody();
      hasBody = true;
    }
    // p = x { A } { B }: each further body is a rule of its own with the same head, as in OPA
    List<List<Expr>> chained = new ArrayList<>();
    List<Location> chainedAt = new ArrayList<>();
    while (hasBody && previous().is(Kind.RBRACE) && peek().is(Kind.LBRACE)) {
      chainedAt.add(loc(peek()));
      chained.add(braceBody());
    }
    if (isDefault) {
      if (value == null) {
        throw fail(location, "default rule must have a value");
      }
      if (hasBody) {
        throw fail(location, "default rules cannot have bodies");
      }
    }
    if (kind == Rule.Kind.COMPLETE
        && value == null
        && head.size() > 1
        && version == RegoVersion.V0) {
      // v0: p[x] { ... } is a partial set
      Term key = head.get(head.size() - 1);
      head = head.subList(0, head.size() - 1);
      kind = Rule.Kind.MULTI;
      value = key;
    }
    if (kind == Rule.Kind.COMPLETE
        && value == null
        && !hasBody
        && version == RegoVersion.V1
        && head.size() == 1
        && !isDefault) {
      throw fail(location, "rule must have value assignment and/or body");
    }
    if (value == null) {
      value = new Scalar(BooleanValue.TRUE, location);
    }
    Optional<Rule> elseRule = Optional.empty();
    List<Token> elses = new ArrayList<>();
    List<Object[]> elseParts = new ArrayList<>();
    while (keyword(peek(), "else")) {
      Token e = next();
      elses.add(e);
      Term ev = null;
      boolean eassign = false;
      if (peek().is(Kind.ASSIGN) || peek().is(Kind.UNIFY)) {
        eassign = next().is(Kind.ASSIGN);
        ev = termIn(false);
      }
      List<Expr> ebody;
      if (keyword(peek(), "if")) {
        p++;
        ebody = ifBody();
      } else if (peek().is(Kind.LBRACE)) {
        if (version == RegoVersion.V1) {
          throw fail(peek(), "`if` keyword is required before rule body");
        }
        ebody = braceBody();
      } else {
        ebody = List.of();
      }
      if (ev == null) {
        ev = new Scalar(BooleanValue.TRUE, loc(e));
      }
      elseParts.add(new Object[] {ev, eassign, ebody, loc(e)});
    }
    for (int i = elseParts.size() - 1; i >= 0; i--) {
      Object[] ep = elseParts.get(i);
      @SuppressWarnings("unchecked") // built just above
      List<Expr> eb = (List<Expr>) ep[2];
      elseRule =
          Optional.of(
              new Rule(
                  kind,
                  false,
                  head,
                  args,
                  (Term) ep[0],
                  (Boolean) ep[1],
                  eb,
                  elseRule,
                  (Location) ep[3],
                  List.of()));
    }
    if (!elses.isEmpty() && kind == Rule.Kind.MULTI) {
      throw fail(elses.get(0), "else keyword cannot be used on multi-value rules");
    }
    if (!elses.isEmpty() && head.stream().anyMatch(h -> !(h instanceof Scalar))) {
      throw fail(elses.get(0), "else keyword cannot be used on rules with variables in head");
    }
    if (!elses.isEmpty() && !chained.isEmpty()) {
      throw fail(chainedAt.get(0), "expected else keyword");
    }
    if (peek().is(Kind.LBRACE) && !elses.isEmpty() && previous().is(Kind.RBRACE)) {
      throw fail(peek(), "expected else keyword");
    }
    Rule r =
        new Rule(kind, isDefault, head, args, value, assign, body, elseRule, location, annotations);
    if (chained.isEmpty()) {
      return List.of(r);
    }
    List<Rule> rules = new ArrayList<>(List.of(r));
    for (int i = 0; i < chained.size(); i++) {
      rules.add(
          new Rule(
              kind,
              isDefault,
              head,
              args,
              value,
              assign,
              chained.get(i),
              Optional.empty(),
              chainedAt.get(i),
              List.of()));
    }
    return List.copyOf(rules);
  }

  private List<Expr> ifBody() {
    if (peek().is(Kind.LBRACE)) {
      int save = p;
      int errs = errors.size();
      try {
        return braceBody();
      } catch (Bail b) {
        // `if {x: 1 | ...}`: not a body but a one-expression body starting with a brace
        Bail again = null;
        int afterBody = errors.size();
        List<RegoError> bodyErrors = new ArrayList<>(errors.subList(errs, afterBody));
        while (errors.size() > errs) {
          errors.remove(errors.size() - 1);
        }
        int bodyEnd = p;
        p = save;
        try {
          return List.of(expr());
        } catch (Bail b2) {
          again = b2;
        }
        while (errors.size() > errs) {
          errors.remove(errors.size() - 1);
        }
        errors.addAll(bodyErrors);
        p = bodyEnd;
        throw again;
      }
    }
    return List.of(expr());
  }

  private List<Term> headRef(Term t) {
    List<Term> out = new ArrayList<>();
    if (t instanceof Var v) {
      out.add(new Scalar(StringValue.of(v.name()), v.location()));
    } else if (t instanceof Ref r && r.head() instanceof Var v) {
      out.add(new Scalar(StringValue.of(v.name()), v.location()));
      out.addAll(r.path());
    } else if (t instanceof Ref r && r.head() instanceof Scalar) {
      throw fail(t.location(), "illegal ref (head cannot be " + termKind(r.head()) + ")");
    } else {
      throw fail(t.location(), termKind(t) + " cannot be used for rule name");
    }
    return out;
  }

  /** A term's kind as OPA's rule-head errors name it. */
  private static String termKind(Term t) {
    return switch (t) {
      case Scalar s -> s.value().typeName();
      case Term.ArrayTerm a -> "array";
      case Term.ObjectTerm o -> "object";
      case Term.SetTerm st -> "set";
      case Term.ArrayCompr c -> "arraycomprehension";
      case Term.SetCompr c -> "setcomprehension";
      case Term.ObjectCompr c -> "objectcomprehension";
      case Term.Call c -> "call";
      case Term.Template tp -> "templatestring";
      default -> "ref";
    };
  }

  private List<Term> refFromDotted(String name, Location l) {
    List<Term> out = new ArrayList<>();
    for (String s : name.split("\\.", -1)) {
      out.add(new Scalar(StringValue.of(s), l));
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------
  // Bodies and expressions

  private List<Expr> braceBody() {
    Token open = expect(Kind.LBRACE);
    boolean savedBar = allowBar;
    allowBar = true;
    List<Expr> body = new ArrayList<>();
    while (!peek().is(Kind.RBRACE)) {
      if (peek().is(Kind.EOF)) {
        throw fail(peek(), "unexpected eof token");
      }
      body.add(expr());
      Token t = peek();
      if (t.is(Kind.SEMI)) {
        p++;
      } else if (!t.is(Kind.RBRACE) && !t.newlineBefore()) {
        throw fail(
            t, "unexpected " + describe(t) + " token: expected \\n or ; or }" + futureHint(t));
      }
    }
    p++;
    allowBar = savedBar;
    if (body.isEmpty()) {
      throw fail(open, "found empty body");
    }
    return body;
  }

  /** Parses a comprehension body after its {@code |}, up to (not including) {@code close}. */
  private List<Expr> comprehensionBody(Kind close) {
    boolean savedBar = allowBar;
    allowBar = true;
    List<Expr> body = new ArrayList<>();
    while (true) {
      body.add(expr());
      Token t = peek();
      if (t.is(close)) {
        break;
      }
      if (t.is(Kind.SEMI)) {
        p++;
      } else if (!t.newlineBefore()) {
        throw fail(t, "unexpected " + describe(t) + " token");
      }
    }
    allowBar = savedBar;
    return body;
  }

  private Expr expr() {
    if (nesting >= MAX_NESTING) { // every, with bodies nested in braces, nests expressions
      throw tooDeep();
    }
    nesting++;
    try {
      return exprNested();
    } finally {
      nesting--;
    }
  }

  private Expr exprNested() {
    Token start = peek();
    Location l = loc(start);
    Expr e;
    if (keyword(start, "not")) {
      p++;
      Expr inner = expr0();
      List<With> withs = withs();
      e = new Expr(inner.stmt(), true, withs, l);
      return e;
    }
    Expr inner = expr0();
    List<With> withs = withs();
    return withs.isEmpty() ? inner : new Expr(inner.stmt(), false, withs, inner.location());
  }

  private List<With> withs() {
    List<With> out = new ArrayList<>();
    while (keyword(peek(), "with")) {
      Token w = next();
      Term target = term();
      if (!keyword(peek(), "as")) {
        throw fail(peek(), "expected as keyword");
      }
      p++;
      Term value = termIn(false);
      out.add(new With(target, value, loc(w)));
    }
    return out;
  }

  private Expr expr0() {
    Token start = peek();
    Location l = loc(start);
    if (keyword(start, "some")) {
      p++;
      return new Expr(some(start), false, List.of(), l);
    }
    if (keyword(start, "every")) {
      p++;
      return new Expr(every(), false, List.of(), l);
    }
    Term lhs = termIn(true);
    Token t = peek();
    if (t.is(Kind.ASSIGN) || t.is(Kind.UNIFY)) {
      p++;
      Term rhs = termIn(true);
      String op = t.is(Kind.ASSIGN) ? "assign" : "eq";
      return new Expr(
          new Expr.TermStmt(new Term.Call(op, List.of(lhs, rhs), lhs.location())),
          false,
          List.of(),
          l);
    }
    return new Expr(new Expr.TermStmt(lhs), false, List.of(), l);
  }

  private Expr.Stmt some(Token kw) {
    List<Term> terms = new ArrayList<>();
    terms.add(termRelation());
    while (peek().is(Kind.COMMA)) {
      p++;
      terms.add(termRelation());
    }
    if (keyword(peek(), "in")) {
      p++;
      if (terms.size() > 2) {
        throw fail(kw, "unexpected , token");
      }
      Term domain = termRelation();
      return terms.size() == 1
          ? new Expr.SomeIn(null, terms.get(0), domain)
          : new Expr.SomeIn(terms.get(0), terms.get(1), domain);
    }
    List<Var> vars = new ArrayList<>();
    for (Term t : terms) {
      if (!(t instanceof Var v)) {
        throw fail(t.location(), "expected var");
      }
      vars.add(v);
    }
    return new Expr.SomeVars(vars);
  }

  private Expr.Stmt every() {
    Term a = termRelation();
    Term b = null;
    if (peek().is(Kind.COMMA)) {
      p++;
      b = termRelation();
    }
    if (!keyword(peek(), "in")) {
      throw fail(peek(), "expected `in` keyword");
    }
    p++;
    Term domain = termRelation();
    List<Expr> body = braceBody();
    return b == null ? new Expr.Every(null, a, domain, body) : new Expr.Every(a, b, domain, body);
  }

  /**
   * OPA's hint when a v0 body stumbles on a future keyword that was not imported: {@code in} after
   * {@code some x}, any other {@code in}, or what follows an {@code every}.
   */
  private String futureHint(Token t) {
    Token before = toks.get(p - 1);
    Token twoBefore = p >= 2 ? toks.get(p - 2) : null;
    if (t.isIdent("in") && !isKeyword("in")) {
      boolean some = twoBefore != null && twoBefore.isIdent("some");
      return " (hint: `import future.keywords.in` for `"
          + (some ? "some x in xs" : "x in xs")
          + "` expressions)";
    }
    if (before.isIdent("every") && !isKeyword("every")) {
      return " (hint: `import future.keywords.every` for `every x in xs { ... }` expressions)";
    }
    return "";
  }

  // ---------------------------------------------------------------------------------------
  // Terms, loosest operator first

  /** {@code a in b}, and with {@code keyVal}, {@code k, v in b}. */
  private Term termIn(boolean keyVal) {
    Term lhs = termRelation();
    return termInRest(lhs, keyVal);
  }

  private Term termInRest(Term lhs, boolean keyVal) {
    if (keyVal && peek().is(Kind.COMMA)) {
      int save = p;
      int errs = errors.size();
      try {
        p++;
        Term mhs = termRelation();
        if (keyword(peek(), "in")) {
          p++;
          Term rhs = termRelation();
          Term call = new Term.Call("internal.member_3", List.of(lhs, mhs, rhs), lhs.location());
          return termInRest(call, keyVal);
        }
      } catch (Bail b) {
        // not key-value membership
      }
      p = save;
      while (errors.size() > errs) {
        errors.remove(errors.size() - 1);
      }
    }
    if (keyword(peek(), "in")) {
      p++;
      Term rhs = termRelation();
      Term call = new Term.Call("internal.member_2", List.of(lhs, rhs), lhs.location());
      return termInRest(call, keyVal);
    }
    return lhs;
  }

  private Term termRelation() {
    Term lhs = termOr();
    while (RELATIONS.containsKey(peek().kind()) && continues()) {
      String op = RELATIONS.get(next().kind());
      Term rhs = termOr();
      lhs = new Term.Call(op, List.of(lhs, rhs), lhs.location());
    }
    return lhs;
  }

  private Term termOr() {
    Term lhs = termAnd();
    while (allowBar && peek().is(Kind.BAR) && continues()) {
      p++;
      Term rhs = termAnd();
      lhs = new Term.Call("or", List.of(lhs, rhs), lhs.location());
    }
    return lhs;
  }

  private Term termAnd() {
    Term lhs = termArith();
    while (peek().is(Kind.AMP) && continues()) {
      p++;
      Term rhs = termArith();
      lhs = new Term.Call("and", List.of(lhs, rhs), lhs.location());
    }
    return lhs;
  }

  private Term termArith() {
    Term lhs = termFactor();
    while ((peek().is(Kind.PLUS) || peek().is(Kind.MINUS)) && continues()) {
      String op = next().is(Kind.PLUS) ? "plus" : "minus";
      Term rhs = termFactor();
      lhs = new Term.Call(op, List.of(lhs, rhs), lhs.location());
    }
    return lhs;
  }

  private Term termFactor() {
    Term lhs = term();
    while ((peek().is(Kind.STAR) || peek().is(Kind.SLASH) || peek().is(Kind.PERCENT))
        && continues()) {
      Kind k = next().kind();
      String op = k == Kind.STAR ? "mul" : k == Kind.SLASH ? "div" : "rem";
      Term rhs = term();
      lhs = new Term.Call(op, List.of(lhs, rhs), lhs.location());
    }
    return lhs;
  }

  /** Whether an infix operator at the current token continues the expression (same line). */
  private boolean continues() {
    return !peek().newlineBefore() || depth > 0;
  }

  private int depth;

  private Term term() {
    Term t = termNoKeywordCheck();
    return t;
  }

  /**
   * How deep terms and expressions may nest together (arrays, objects, sets, parentheses,
   * comprehensions, unary minus, {@code every} bodies), as deep as JSON and bundle data may ({@code
   * Json.MAX_DEPTH}). Every later stage walks terms recursively, so a module nested deeper would
   * overflow a thread's stack; OPA refuses such a module too ("max parsing recursion depth
   * exceeded").
   */
  static final int MAX_NESTING = 256;

  private int nesting;

  private Term termNoKeywordCheck() {
    if (nesting >= MAX_NESTING) {
      throw tooDeep();
    }
    nesting++;
    try {
      return termNested();
    } finally {
      nesting--;
    }
  }

  private Term termNested() {
    Token t = next();
    Location l = loc(t);
    Term base =
        switch (t.kind()) {
          case NUMBER -> number(t.text(), l, false);
          case STRING -> new Scalar(StringValue.of(t.text()), l);
          case TEMPLATE -> template(t, false);
          case RAW_TEMPLATE -> template(t, true);
          case MINUS -> {
            Token n = peek();
            if (n.is(Kind.NUMBER) && n.offset() == t.end()) {
              p++;
              yield number(n.text(), l, true);
            }
            Term operand = term();
            if (operand instanceof Scalar s && s.value() instanceof NumberValue) {
              yield number("-" + s.value(), l, false);
            }
            yield new Term.Call("minus", List.of(new Scalar(NumberValue.ZERO, l), operand), l);
          }
          case LPAREN -> {
            depth++;
            boolean savedBar = allowBar;
            allowBar = true;
            Term inner = termIn(true);
            allowBar = savedBar;
            expect(Kind.RPAREN);
            depth--;
            yield inner;
          }
          case LBRACK -> array(l);
          case LBRACE -> braceTerm(l);
          case IDENT -> ident(t, l);
          default -> throw fail(t, "unexpected " + describe(t) + " token");
        };
    return postfix(base);
  }

  /** Whether {@code t} is the keyword {@code word} used as one (not as a ref or call head). */
  private boolean keyword(Token t, String word) {
    if (!t.isIdent(word) || !isKeyword(word)) {
      return false;
    }
    int i = t.offset() == toks.get(p).offset() ? p : toks.indexOf(t);
    Token n = i >= 0 && i + 1 < toks.size() ? toks.get(i + 1) : null;
    return n == null
        || n.offset() != t.end()
        || !(n.is(Kind.DOT) || n.is(Kind.LBRACK) || n.is(Kind.LPAREN));
  }

  private Term ident(Token t, Location l) {
    Token after = peek();
    boolean refOrCall =
        after.offset() == t.end()
            && (after.is(Kind.DOT) || after.is(Kind.LBRACK) || after.is(Kind.LPAREN));
    Term scalar =
        refOrCall
            ? null
            : switch (t.text()) {
              case "true" -> new Scalar(BooleanValue.TRUE, l);
              case "false" -> new Scalar(BooleanValue.FALSE, l);
              case "null" -> new Scalar(NullValue.INSTANCE, l);
              default -> null;
            };
    if (scalar != null) {
      return scalar;
    }
    if (t.text().equals("set") && peek().is(Kind.LPAREN) && peek().offset() == t.end()) {
      int save = p;
      p++;
      if (peek().is(Kind.RPAREN)) {
        p++;
        return new Term.SetTerm(List.of(), l);
      }
      p = save;
    }
    if (isKeyword(t.text())) {
      if (!refOrCall) {
        throw fail(t, "unexpected " + t.text() + " keyword");
      }
    }
    return new Var(t.text(), l);
  }

  private Term postfix(Term base) {
    Term cur = base;
    List<Term> path = new ArrayList<>();
    while (true) {
      Token t = peek();
      Token prev = toks.get(p - 1);
      boolean adjacent = t.offset() == prev.end();
      if (t.is(Kind.DOT) && adjacent) {
        p++;
        Token id = next();
        if (!id.is(Kind.IDENT) || id.offset() != t.end()) {
          throw fail(id, "unexpected " + describe(id) + " token: expected identifier");
        }
        path.add(new Scalar(StringValue.of(id.text()), loc(id)));
      } else if (t.is(Kind.LBRACK) && adjacent) {
        p++;
        depth++;
        boolean savedBar = allowBar;
        allowBar = true;
        Term key = termIn(false);
        allowBar = savedBar;
        expect(Kind.RBRACK);
        depth--;
        path.add(key);
      } else if (t.is(Kind.LPAREN) && adjacent) {
        String name = callName(cur, path);
        if (name == null) {
          throw fail(t, "unexpected ( token");
        }
        p++;
        depth++;
        boolean savedBar = allowBar;
        allowBar = true;
        List<Term> args = new ArrayList<>();
        if (!peek().is(Kind.RPAREN)) {
          args.add(termIn(false));
          while (peek().is(Kind.COMMA)) {
            p++;
            if (peek().is(Kind.RPAREN)) {
              break;
            }
            args.add(termIn(false));
          }
        }
        allowBar = savedBar;
        expectClose(Kind.RPAREN);
        depth--;
        cur = new Term.Call(name, List.copyOf(args), base.location());
        path = new ArrayList<>();
      } else {
        break;
      }
    }
    if (path.isEmpty()) {
      return cur;
    }
    if (cur instanceof Ref r) {
      List<Term> all = new ArrayList<>(r.path());
      all.addAll(path);
      return new Ref(r.head(), List.copyOf(all), r.location());
    }
    return new Ref(cur, List.copyOf(path), cur.location());
  }

  private static String callName(Term head, List<Term> path) {
    if (!(head instanceof Var v)) {
      return null;
    }
    StringBuilder sb = new StringBuilder(v.name());
    for (Term e : path) {
      if (e instanceof Scalar s && s.value() instanceof StringValue sv) {
        sb.append('.').append(sv.value());
      } else {
        return null;
      }
    }
    return sb.toString();
  }

  private Term array(Location l) {
    depth++;
    boolean savedBar = allowBar;
    try {
      if (peek().is(Kind.RBRACK)) {
        p++;
        return new Term.ArrayTerm(List.of(), l);
      }
      int start = p;
      allowBar = false;
      Term first = termIn(false);
      if (peek().is(Kind.BAR)) {
        Term head = first;
        Term compr =
            attempt(
                () -> {
                  p++;
                  List<Expr> body = comprehensionBody(Kind.RBRACK);
                  expect(Kind.RBRACK);
                  return new Term.ArrayCompr(head, body, l);
                });
        if (compr != null) {
          return compr;
        }
        p = start;
        allowBar = true;
        first = termIn(false);
      }
      List<Term> items = new ArrayList<>();
      items.add(first);
      allowBar = true;
      while (peek().is(Kind.COMMA)) {
        p++;
        if (peek().is(Kind.RBRACK)) {
          break;
        }
        items.add(termIn(false));
      }
      expectClose(Kind.RBRACK);
      return new Term.ArrayTerm(List.copyOf(items), l);
    } finally {
      allowBar = savedBar;
      depth--;
    }
  }

  private Term braceTerm(Location l) {
    depth++;
    boolean savedBar = allowBar;
    try {
      if (peek().is(Kind.RBRACE)) {
        p++;
        return new Term.ObjectTerm(List.of(), List.of(), l);
      }
      int start = p;
      allowBar = false;
      Term first = termIn(false);
      if (peek().is(Kind.COLON)) {
        p++;
        int valueStart = p;
        Term v = termIn(false);
        if (peek().is(Kind.BAR)) {
          Term key = first;
          Term value = v;
          Term compr =
              attempt(
                  () -> {
                    p++;
                    List<Expr> body = comprehensionBody(Kind.RBRACE);
                    expect(Kind.RBRACE);
                    return new Term.ObjectCompr(key, value, body, l);
                  });
          if (compr != null) {
            return compr;
          }
          p = valueStart;
          allowBar = true;
          v = termIn(false);
        }
        allowBar = true;
        List<Term> keys = new ArrayList<>();
        List<Term> values = new ArrayList<>();
        keys.add(first);
        values.add(v);
        while (peek().is(Kind.COMMA)) {
          p++;
          if (peek().is(Kind.RBRACE)) {
            break;
          }
          keys.add(termIn(false));
          expect(Kind.COLON);
          values.add(termIn(false));
        }
        expectClose(Kind.RBRACE);
        return new Term.ObjectTerm(List.copyOf(keys), List.copyOf(values), l);
      }
      if (peek().is(Kind.BAR)) {
        Term head = first;
        Term compr =
            attempt(
                () -> {
                  p++;
                  List<Expr> body = comprehensionBody(Kind.RBRACE);
                  expect(Kind.RBRACE);
                  return new Term.SetCompr(head, body, l);
                });
        if (compr != null) {
          return compr;
        }
        p = start;
        allowBar = true;
        first = termIn(false);
      }
      allowBar = true;
      List<Term> items = new ArrayList<>();
      items.add(first);
      while (peek().is(Kind.COMMA)) {
        p++;
        if (peek().is(Kind.RBRACE)) {
          break;
        }
        items.add(termIn(false));
      }
      expectClose(Kind.RBRACE);
      return new Term.SetTerm(List.copyOf(items), l);
    } finally {
      allowBar = savedBar;
      depth--;
    }
  }

  /** Runs a parse that may fail; on failure restores the position and errors, returns null. */
  private Term attempt(java.util.function.Supplier<Term> parse) {
    int save = p;
    int errs = errors.size();
    boolean bar = allowBar;
    int d = depth;
    try {
      return parse.get();
    } catch (Bail b) {
      p = save;
      allowBar = bar;
      depth = d;
      while (errors.size() > errs) {
        errors.remove(errors.size() - 1);
      }
      return null;
    }
  }

  private Term number(String text, Location l, boolean negative) {
    NumberValue n;
    try {
      n = NumberValue.literal(negative ? "-" + text : text);
    } catch (NumberFormatException e) {
      // past the lexer, an exponent beyond an int (or a negated negative literal, "- -1")
      throw fail(
          l, text.matches("[0-9.]+[eE][-+]?[0-9]+") ? "number too big" : "invalid number: " + text);
    }
    if (NumberValue.tooBig(n.bigDecimal())) {
      throw fail(l, "number too big"); // OPA's words
    }
    return new Scalar(n, l);
  }

  /**
   * A template string's escape that is not JSON's: as OPA, the rest of the string is reported as
   * two illegal tokens at the same place, and parsing stops.
   */
  private Bail illegalEscape(Token t) {
    return scannerError(loc(t), "illegal escape sequence", "illegal token");
  }

  /** OPA's scanner stopped in a template string: its error, then how its parser goes on. */
  private Bail scannerError(Location l, String first, String second) {
    errors.add(RegoError.at(RegoError.PARSE, first, l));
    errors.add(RegoError.at(RegoError.PARSE, second, l));
    halted = true; // and stops there: later rules are not reported on
    return fail(l, "illegal token");
  }

  /**
   * A template string's {@code \\u} without four hex digits after it, {@code u} at {@code s[u]} in
   * the part that starts at {@code partStart} ({@code -1}: the first part, after {@code $"}; else a
   * closing brace's index). As OPA's scanner, which takes the four characters from the {@code u} on
   * whatever they are: when they include the closing quote the string does not end ("non-terminated
   * string"); otherwise the part is scanned and then fails to unquote, "illegal template-string
   * part:" followed by its text from its opening quote or brace to its closing quote or opening
   * brace.
   */
  private Bail badUnicodeEscape(Token t, String s, int u, int partStart) {
    Location l = partStart < 0 ? loc(t) : templateLoc(t, partStart + 1); // as OPA: after the brace
    if (u + 3 >= s.length()) {
      return scannerError(
          l,
          "non-terminated string",
          partStart < 0 ? "illegal token" : "expected template-string part");
    }
    int end = u + 4;
    while (end < s.length() && s.charAt(end) != '{') {
      end += s.charAt(end) == '\\' ? 2 : 1;
    }
    String text =
        (partStart < 0 ? "\"" : "")
            + s.substring(Math.max(partStart, 0), Math.min(end, s.length()))
            + (end < s.length() ? "{" : "\"");
    return fail(l, "illegal template-string part: " + text);
  }

  /** The location of {@code s[index]} of a template token's content. */
  private Location templateLoc(Token t, int index) {
    int absolute = t.offset() + 2 + index;
    int row = 1 + (int) src.substring(0, absolute).chars().filter(ch -> ch == '\n').count();
    int col = absolute - (src.lastIndexOf('\n', absolute - 1) + 1) + 1;
    return loc(row, col);
  }

  private static boolean fourHexDigits(String s, int from) {
    if (from + 4 > s.length()) {
      return false;
    }
    for (int k = from; k < from + 4; k++) {
      if (Character.digit(s.charAt(k), 16) < 0) {
        return false;
      }
    }
    return true;
  }

  /** Splits a template string into literal parts and parsed expressions. */
  private Term template(Token t, boolean raw) {
    String s = t.text();
    List<Expr> parts = new ArrayList<>();
    StringBuilder lit = new StringBuilder();
    int i = 0;
    int contentStart = t.offset() + 2;
    int partStart = -1;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length() && s.charAt(i + 1) == '{') {
        lit.append('{');
        i += 2;
      } else if (c == '\\' && !raw && i + 1 < s.length()) {
        char e = s.charAt(i + 1);
        i += 2;
        switch (e) {
          case 'n' -> lit.append('\n');
          case 't' -> lit.append('\t');
          case 'r' -> lit.append('\r');
          case 'b' -> lit.append('\b');
          case 'f' -> lit.append('\f');
          case 'u' -> {
            if (!fourHexDigits(s, i)) {
              throw badUnicodeEscape(t, s, i - 1, partStart);
            }
            lit.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
            i += 4;
          }
          case '"', '\\', '/' -> lit.append(e);
          // as OPA: JSON's escapes and \{ only (\} and the rest are illegal); OPA's scanner
          // then reports the rest of the string as two illegal tokens at the same place
          default -> throw illegalEscape(t);
        }
      } else if (c == '{') {
        int end = Lexer.skipExpr(s, i + 1);
        if (end < 0) {
          throw fail(t, "unterminated template expression");
        }
        if (lit.length() > 0) {
          parts.add(literalPart(lit.toString(), loc(t)));
          lit.setLength(0);
        }
        String exprSrc = s.substring(i + 1, end);
        int absolute = contentStart + i + 1;
        int row = 1 + (int) src.substring(0, absolute).chars().filter(ch -> ch == '\n').count();
        int col = absolute - (src.lastIndexOf('\n', absolute - 1) + 1) + 1;
        Parser sub = new Parser(file, exprSrc, version, rowOffset + row - 1, col - 1);
        sub.nesting = nesting;
        try {
          Expr e = sub.expr();
          if (!sub.peek().is(Kind.EOF)) {
            sub.fail(sub.peek(), "unexpected " + sub.describe(sub.peek()) + " token");
          }
          parts.add(e);
        } catch (Bail b) {
          // recorded in sub
        }
        errors.addAll(sub.errors);
        partStart = end;
        i = end + 1;
      } else {
        lit.append(c);
        i++;
      }
    }
    if (lit.length() > 0 || parts.isEmpty()) {
      parts.add(literalPart(lit.toString(), loc(t)));
    }
    return new Term.Template(List.copyOf(parts), loc(t));
  }

  private static Expr literalPart(String text, Location l) {
    return new Expr(new Expr.TermStmt(new Scalar(StringValue.of(text), l)), false, List.of(), l);
  }

  // ---------------------------------------------------------------------------------------
  // Tokens and errors

  private Token peek() {
    return toks.get(p);
  }

  /** The token just consumed. */
  private Token previous() {
    return toks.get(p - 1);
  }

  private Token next() {
    Token t = toks.get(p);
    if (!t.is(Kind.EOF)) {
      p++;
    }
    return t;
  }

  private Token expect(Kind k) {
    Token t = peek();
    if (!t.is(k)) {
      throw fail(t, "unexpected " + describe(t) + " token: expected " + symbol(k));
    }
    p++;
    return t;
  }

  /** Expects the end of a list, as OPA words it: {@code expected "," or "]"}. */
  private void expectClose(Kind k) {
    Token t = peek();
    if (!t.is(k)) {
      throw fail(
          t, "unexpected " + describe(t) + " token: expected \",\" or \"" + symbol(k) + "\"");
    }
    p++;
  }

  private static String symbol(Kind k) {
    return switch (k) {
      case RBRACK -> "]";
      case RBRACE -> "}";
      case RPAREN -> ")";
      case LBRACE -> "{";
      case COLON -> ":";
      default -> k.name().toLowerCase(java.util.Locale.ROOT);
    };
  }

  private String describe(Token t) {
    return switch (t.kind()) {
      case EOF -> "eof";
      case IDENT -> isKeyword(t.text()) ? t.text() + " keyword" : "identifier";
      case STRING -> "string";
      case NUMBER -> "number";
      case TEMPLATE, RAW_TEMPLATE -> "template-string";
      case ASSIGN -> "assign";
      case UNIFY -> "eq";
      case EQ -> "equal";
      case NEQ -> "neq";
      case LT -> "lt";
      case LTE -> "lte";
      case GT -> "gt";
      case GTE -> "gte";
      case PLUS -> "plus";
      case MINUS -> "minus";
      case STAR -> "mul";
      case SLASH -> "div";
      case PERCENT -> "rem";
      case AMP -> "and";
      case BAR -> "or";
      default -> t.text();
    };
  }

  private Bail fail(Token t, String message) {
    return fail(loc(t), message);
  }

  private Bail fail(Location l, String message) {
    errors.add(RegoError.at(RegoError.PARSE, message, l));
    throw new Bail();
  }

  private Location loc(Token t) {
    return loc(t.row(), t.col());
  }

  private Location loc(int row, int col) {
    String text = row - 1 < lines.length ? lines[row - 1] : "";
    return new Location(file, row + rowOffset, row == 1 ? col + colOffset : col, text);
  }
}
