package io.jrego.engine.format;

import io.jrego.engine.base.RegoVersion;
import io.jrego.engine.format.Syntax.Arr;
import io.jrego.engine.format.Syntax.ArrCompr;
import io.jrego.engine.format.Syntax.Call;
import io.jrego.engine.format.Syntax.Comment;
import io.jrego.engine.format.Syntax.Every;
import io.jrego.engine.format.Syntax.Expr;
import io.jrego.engine.format.Syntax.Head;
import io.jrego.engine.format.Syntax.Import;
import io.jrego.engine.format.Syntax.Lit;
import io.jrego.engine.format.Syntax.Loc;
import io.jrego.engine.format.Syntax.Module;
import io.jrego.engine.format.Syntax.Obj;
import io.jrego.engine.format.Syntax.ObjCompr;
import io.jrego.engine.format.Syntax.Ref;
import io.jrego.engine.format.Syntax.Rule;
import io.jrego.engine.format.Syntax.SetCompr;
import io.jrego.engine.format.Syntax.SetLit;
import io.jrego.engine.format.Syntax.SomeIn;
import io.jrego.engine.format.Syntax.SomeVars;
import io.jrego.engine.format.Syntax.Str;
import io.jrego.engine.format.Syntax.Template;
import io.jrego.engine.format.Syntax.Term;
import io.jrego.engine.format.Syntax.TermStmt;
import io.jrego.engine.format.Syntax.Var;
import io.jrego.engine.format.Syntax.With;
import io.jrego.engine.parser.Keywords;
import io.jrego.engine.parser.Lexer;
import io.jrego.engine.parser.Token;
import io.jrego.engine.parser.Token.Kind;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Reads a module that the engine's parser has already accepted into {@link Syntax}, with spans. It
 * follows the same grammar and precedence as {@code io.jrego.engine.parser.Parser}; what it cannot
 * lay out it reports as an {@link IllegalStateException}.
 */
final class SyntaxReader {

  private static final Map<Kind, String> RELATIONS =
      Map.of(
          Kind.EQ, "equal",
          Kind.NEQ, "neq",
          Kind.LT, "lt",
          Kind.LTE, "lte",
          Kind.GT, "gt",
          Kind.GTE, "gte");

  /** Thrown to backtrack out of an attempted parse. */
  private static final class Back extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Back() {
      super(null, null, false, false);
    }
  }

  private final List<Token> toks;
  private final List<Lexer.Comment> rawComments;
  private final boolean v0;
  private final Set<String> future = new HashSet<>();
  private int p;
  private int depth;
  private boolean allowBar = true;

  private SyntaxReader(String src, RegoVersion version) {
    Lexer lx = new Lexer(src).run();
    this.toks = lx.tokens();
    this.rawComments = lx.comments();
    this.v0 = version == RegoVersion.V0;
  }

  static Module read(String src, RegoVersion version) {
    return new SyntaxReader(src, version).module();
  }

  /** Reads the one expression of a template string's {@code {...}} part. */
  static Expr readExpr(String src, RegoVersion version) {
    SyntaxReader r = new SyntaxReader(src, version);
    r.future.addAll(Keywords.FUTURE);
    return r.expr();
  }

  private Module module() {
    List<Comment> comments = new ArrayList<>();
    for (Lexer.Comment c : rawComments) {
      comments.add(new Comment(c.text().stripTrailing(), c.row(), c.col()));
    }
    Token pk = next();
    if (!pk.isIdent("package")) {
      throw new IllegalStateException("package expected");
    }
    Term path = term();
    Ref pkg = path instanceof Ref r ? r : new Ref(path, List.of(), path.loc());
    Loc pkgLoc = span(pk);
    List<Import> imports = new ArrayList<>();
    List<Rule> rules = new ArrayList<>();
    while (!peek().is(Kind.EOF)) {
      Token t = peek();
      if (t.isIdent("import") && keyword(t, "import")) {
        p++;
        Term ip = term();
        Ref ref = ip instanceof Ref r ? r : new Ref(ip, List.of(), ip.loc());
        String alias = "";
        if (peek().isIdent("as")) {
          p++;
          alias = next().text();
        }
        imports.add(new Import(ref, alias, span(t)));
        noteFuture(ref);
      } else {
        rules.addAll(rule());
      }
      if (peek().is(Kind.SEMI)) {
        p++;
      }
    }
    return new Module(pkg, pkgLoc, imports, rules, comments);
  }

  private void noteFuture(Ref ref) {
    if (ref.head() instanceof Var v && v.name().equals("future") && !ref.path().isEmpty()) {
      if (ref.path().size() == 1) {
        future.addAll(Keywords.FUTURE);
      } else if (ref.path().get(1) instanceof Str s) {
        future.add(s.value());
      }
    } else if (ref.head() instanceof Var v && v.name().equals("rego")) {
      future.addAll(Keywords.FUTURE);
    }
  }

  private boolean isKeyword(String w) {
    return Keywords.isKeyword(w, v0 ? future : Keywords.FUTURE);
  }

  /** Whether {@code t} is {@code word} used as a keyword (not as a ref or call head). */
  private boolean keyword(Token t, String word) {
    if (!t.isIdent(word) || !isKeyword(word)) {
      return false;
    }
    int i = toks.indexOf(t);
    Token n = i >= 0 && i + 1 < toks.size() ? toks.get(i + 1) : null;
    return n == null
        || n.offset() != t.end()
        || !(n.is(Kind.DOT) || n.is(Kind.LBRACK) || n.is(Kind.LPAREN));
  }

  // ---- rules

  private List<Rule> rule() {
    Token first = peek();
    boolean isDefault = false;
    if (keyword(first, "default")) {
      p++;
      isDefault = true;
    }
    Token headStart = peek();
    Term headTerm = term();
    List<Term> ref;
    List<Term> args = null;
    if (headTerm instanceof Call c && c.op() != null && !infix(c)) {
      ref = refList(c.op());
      args = c.args().isEmpty() ? null : c.args();
    } else {
      ref = refList(headTerm);
    }
    Term key = null;
    Term value = null;
    boolean assign = false;
    if (keyword(peek(), "contains")) {
      p++;
      key = termIn(false);
    } else if (peek().is(Kind.ASSIGN) || peek().is(Kind.UNIFY)) {
      assign = next().is(Kind.ASSIGN);
      value = termIn(false);
    }
    if (key == null && ref.size() == 2 && value != null && ref.get(1) instanceof Var) {
      key = ref.get(1); // p[x] := v keeps x as its key, as OPA does
    }
    if (v0 && key == null && value == null && ref.size() > 1) {
      key = ref.remove(ref.size() - 1); // v0: p[x] { ... } is a partial set
    }
    Head head = new Head(ref, args, key, value, assign, span(headStart));
    List<Expr> body = ruleBody();
    Loc bodyEnd = span(first);
    // v0's p = x { A } { B }: each further body is a rule of its own with the same head
    List<Rule> chained = new ArrayList<>();
    while (!body.isEmpty() && peek().is(Kind.LBRACE) && previous().is(Kind.RBRACE)) {
      Token open = peek();
      List<Expr> more = braceBody();
      chained.add(new Rule(isDefault, head, more, null, false, span(open)));
    }
    Rule elseRule = elseChain(args);
    List<Rule> rules = new ArrayList<>();
    rules.add(
        new Rule(
            isDefault, head, body, elseRule, false, chained.isEmpty() ? span(first) : bodyEnd));
    rules.addAll(chained);
    return rules;
  }

  private Rule elseChain(List<Term> args) {
    if (!keyword(peek(), "else")) {
      return null;
    }
    Token e = next();
    Term value = null;
    boolean assign = false;
    if (peek().is(Kind.ASSIGN) || peek().is(Kind.UNIFY)) {
      assign = next().is(Kind.ASSIGN);
      value = termIn(false);
    }
    Loc eloc = span(e);
    Head head = new Head(List.of(new Var("else", eloc)), null, null, value, assign, eloc);
    List<Expr> body = ruleBody();
    Rule rest = elseChain(args);
    return new Rule(false, head, body, rest, true, span(e));
  }

  private List<Expr> ruleBody() {
    if (keyword(peek(), "if")) {
      p++;
      if (peek().is(Kind.LBRACE)) {
        List<Expr> b = attempt(this::braceBody);
        if (b != null) {
          return b;
        }
      }
      return List.of(expr());
    }
    if (peek().is(Kind.LBRACE)) {
      return braceBody();
    }
    return List.of();
  }

  private List<Term> refList(Term t) {
    List<Term> out = new ArrayList<>();
    if (t instanceof Var v) {
      out.add(v);
    } else if (t instanceof Ref r && r.head() instanceof Var v) {
      out.add(v);
      out.addAll(r.path());
    } else {
      throw new IllegalStateException("unexpected rule head");
    }
    return out;
  }

  // ---- bodies and expressions

  private List<Expr> braceBody() {
    expect(Kind.LBRACE);
    boolean saved = allowBar;
    allowBar = true;
    List<Expr> body = new ArrayList<>();
    while (!peek().is(Kind.RBRACE)) {
      if (peek().is(Kind.EOF)) {
        throw new Back();
      }
      body.add(expr());
      Token t = peek();
      if (t.is(Kind.SEMI)) {
        p++;
      } else if (!t.is(Kind.RBRACE) && !t.newlineBefore()) {
        throw new Back();
      }
    }
    p++;
    allowBar = saved;
    if (body.isEmpty()) {
      throw new Back();
    }
    return body;
  }

  private List<Expr> comprehensionBody(Kind close) {
    boolean saved = allowBar;
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
        throw new Back();
      }
    }
    allowBar = saved;
    return body;
  }

  private Expr expr() {
    Token start = peek();
    boolean negated = false;
    if (keyword(start, "not")) {
      p++;
      negated = true;
    }
    Syntax.Stmt stmt = stmt();
    List<With> withs = new ArrayList<>();
    while (keyword(peek(), "with")) {
      Token w = next();
      Term target = term();
      next(); // as
      Term value = termIn(false);
      withs.add(new With(target, value, span(w)));
    }
    return new Expr(negated, stmt, List.copyOf(withs), span(start));
  }

  private Syntax.Stmt stmt() {
    Token start = peek();
    if (keyword(start, "some")) {
      p++;
      List<Term> terms = new ArrayList<>();
      terms.add(termRelation());
      while (peek().is(Kind.COMMA)) {
        p++;
        terms.add(termRelation());
      }
      if (keyword(peek(), "in")) {
        Token in = next();
        Term domain = termRelation();
        List<Term> args = new ArrayList<>(terms);
        args.add(domain);
        String name = terms.size() == 1 ? "internal.member_2" : "internal.member_3";
        Term first = terms.get(0);
        Call member =
            new Call(new Var(name, span(in)), name, args, first.loc().to(domain.loc().end()));
        return new SomeIn(member, span(start));
      }
      List<Var> vars = new ArrayList<>();
      for (Term t : terms) {
        vars.add((Var) t);
      }
      return new SomeVars(vars, span(start));
    }
    if (keyword(start, "every")) {
      p++;
      Term a = termRelation();
      Term b = null;
      if (peek().is(Kind.COMMA)) {
        p++;
        b = termRelation();
      }
      next(); // in
      Term domain = termRelation();
      List<Expr> body = braceBody();
      return b == null
          ? new Every(null, a, domain, body, span(start))
          : new Every(a, b, domain, body, span(start));
    }
    Term lhs = termIn(true);
    Token t = peek();
    if (t.is(Kind.ASSIGN) || t.is(Kind.UNIFY)) {
      p++;
      Term rhs = termIn(true);
      String op = t.is(Kind.ASSIGN) ? "assign" : "eq";
      return new TermStmt(
          new Call(new Var(op, span(t)), op, List.of(lhs, rhs), lhs.loc().to(rhs.loc().end())));
    }
    return new TermStmt(lhs);
  }

  // ---- terms, loosest operator first

  private Term termIn(boolean keyVal) {
    return termInRest(termRelation(), keyVal);
  }

  private Term termInRest(Term lhs, boolean keyVal) {
    if (keyVal && peek().is(Kind.COMMA)) {
      int save = p;
      Term r =
          attempt(
              () -> {
                p++;
                Term mhs = termRelation();
                if (!keyword(peek(), "in")) {
                  throw new Back();
                }
                Token in = next();
                Term rhs = termRelation();
                return infixCall("internal.member_3", in, List.of(lhs, mhs, rhs));
              });
      if (r != null) {
        return termInRest(r, keyVal);
      }
      p = save;
    }
    if (keyword(peek(), "in")) {
      Token in = next();
      Term rhs = termRelation();
      return termInRest(infixCall("internal.member_2", in, List.of(lhs, rhs)), keyVal);
    }
    return lhs;
  }

  private Term infixCall(String name, Token op, List<Term> args) {
    Term first = args.get(0);
    Term last = args.get(args.size() - 1);
    return new Call(new Var(name, span(op)), name, args, first.loc().to(last.loc().end()));
  }

  private Term termRelation() {
    Term lhs = termOr();
    while (RELATIONS.containsKey(peek().kind()) && continues()) {
      Token op = next();
      lhs = infixCall(RELATIONS.get(op.kind()), op, List.of(lhs, termOr()));
    }
    return lhs;
  }

  private Term termOr() {
    Term lhs = termAnd();
    while (allowBar && peek().is(Kind.BAR) && continues()) {
      Token op = next();
      lhs = infixCall("or", op, List.of(lhs, termAnd()));
    }
    return lhs;
  }

  private Term termAnd() {
    Term lhs = termArith();
    while (peek().is(Kind.AMP) && continues()) {
      Token op = next();
      lhs = infixCall("and", op, List.of(lhs, termArith()));
    }
    return lhs;
  }

  private Term termArith() {
    Term lhs = termFactor();
    while ((peek().is(Kind.PLUS) || peek().is(Kind.MINUS)) && continues()) {
      Token op = next();
      lhs = infixCall(op.is(Kind.PLUS) ? "plus" : "minus", op, List.of(lhs, termFactor()));
    }
    return lhs;
  }

  private Term termFactor() {
    Term lhs = term();
    while ((peek().is(Kind.STAR) || peek().is(Kind.SLASH) || peek().is(Kind.PERCENT))
        && continues()) {
      Token op = next();
      String name = op.is(Kind.STAR) ? "mul" : op.is(Kind.SLASH) ? "div" : "rem";
      lhs = infixCall(name, op, List.of(lhs, term()));
    }
    return lhs;
  }

  private boolean continues() {
    return !peek().newlineBefore() || depth > 0;
  }

  private Term term() {
    Token t = next();
    Loc l = span(t);
    Term base =
        switch (t.kind()) {
          case NUMBER -> new Lit(t.text(), l);
          case STRING -> new Str(t.text(), l);
          case TEMPLATE, RAW_TEMPLATE -> new Template(l);
          case MINUS -> {
            Token n = peek();
            if (n.is(Kind.NUMBER) && n.offset() == t.end()) {
              p++;
              yield new Lit("-" + n.text(), span(t));
            }
            Term operand = term();
            if (operand instanceof Lit lit && Character.isDigit(lit.text().charAt(0))) {
              yield new Lit("-" + lit.text(), span(t));
            }
            yield new Call(
                new Var("minus", l), "minus", List.of(new Lit("0", l), operand), span(t));
          }
          case LPAREN -> {
            depth++;
            boolean saved = allowBar;
            allowBar = true;
            Term inner = termIn(true);
            allowBar = saved;
            expect(Kind.RPAREN);
            depth--;
            yield withLoc(inner, span(t));
          }
          case LBRACK -> array(t);
          case LBRACE -> brace(t);
          case IDENT -> ident(t);
          default -> throw new Back();
        };
    return postfix(base, t);
  }

  /** The term with a wider span: a parenthesized term keeps its parentheses in its text. */
  private static Term withLoc(Term t, Loc l) {
    return switch (t) {
      case Str s -> new Str(s.value(), l);
      case Lit s -> new Lit(s.text(), l);
      case Var v -> new Var(v.name(), l);
      case Ref r -> new Ref(r.head(), r.path(), l);
      case Arr a -> new Arr(a.items(), l);
      case Obj o -> new Obj(o.keys(), o.values(), l);
      case SetLit s -> new SetLit(s.items(), l);
      case ArrCompr c -> new ArrCompr(c.head(), c.body(), l);
      case SetCompr c -> new SetCompr(c.head(), c.body(), l);
      case ObjCompr c -> new ObjCompr(c.key(), c.value(), c.body(), l);
      case Call c -> new Call(c.op(), c.name(), c.args(), l);
      case Template tp -> new Template(l);
    };
  }

  private Term ident(Token t) {
    Token after = peek();
    boolean refOrCall =
        after.offset() == t.end()
            && (after.is(Kind.DOT) || after.is(Kind.LBRACK) || after.is(Kind.LPAREN));
    if (!refOrCall && (t.isIdent("true") || t.isIdent("false") || t.isIdent("null"))) {
      return new Lit(t.text(), span(t));
    }
    if (t.isIdent("set") && after.is(Kind.LPAREN) && after.offset() == t.end()) {
      int save = p;
      p++;
      if (peek().is(Kind.RPAREN)) {
        p++;
        return new SetLit(List.of(), span(t));
      }
      p = save;
    }
    return new Var(t.text(), span(t));
  }

  private Term postfix(Term base, Token first) {
    Term cur = base;
    List<Term> path = new ArrayList<>();
    while (true) {
      Token t = peek();
      boolean adjacent = t.offset() == previous().end();
      if (t.is(Kind.DOT) && adjacent) {
        p++;
        Token id = next();
        path.add(new Str(id.text(), span(id)));
      } else if (t.is(Kind.LBRACK) && adjacent) {
        p++;
        depth++;
        boolean saved = allowBar;
        allowBar = true;
        Term key = termIn(false);
        allowBar = saved;
        expect(Kind.RBRACK);
        depth--;
        path.add(key);
      } else if (t.is(Kind.LPAREN) && adjacent) {
        Term op = path.isEmpty() ? cur : refOf(cur, path, first);
        String name = callName(op);
        p++;
        depth++;
        boolean saved = allowBar;
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
        allowBar = saved;
        expect(Kind.RPAREN);
        depth--;
        cur = new Call(op, name, List.copyOf(args), span(first));
        path = new ArrayList<>();
      } else {
        break;
      }
    }
    if (path.isEmpty()) {
      return cur;
    }
    return refOf(cur, path, first);
  }

  private Ref refOf(Term cur, List<Term> path, Token first) {
    Loc l = span(first).to(previous().end());
    if (cur instanceof Ref r) {
      List<Term> all = new ArrayList<>(r.path());
      all.addAll(path);
      return new Ref(r.head(), List.copyOf(all), l);
    }
    return new Ref(cur, List.copyOf(path), l);
  }

  private static String callName(Term op) {
    if (op instanceof Var v) {
      return v.name();
    }
    StringBuilder sb = new StringBuilder();
    Ref r = (Ref) op;
    sb.append(((Var) r.head()).name());
    for (Term e : r.path()) {
      sb.append('.').append(((Str) e).value());
    }
    return sb.toString();
  }

  private Term array(Token open) {
    depth++;
    boolean saved = allowBar;
    try {
      if (peek().is(Kind.RBRACK)) {
        p++;
        return new Arr(List.of(), span(open));
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
                  return new ArrCompr(head, body, span(open));
                });
        if (compr != null) {
          return compr;
        }
        p = start;
        allowBar = true;
        first = termIn(false);
      }
      allowBar = true;
      List<Term> items = new ArrayList<>(List.of(first));
      while (peek().is(Kind.COMMA)) {
        p++;
        if (peek().is(Kind.RBRACK)) {
          break;
        }
        items.add(termIn(false));
      }
      expect(Kind.RBRACK);
      return new Arr(List.copyOf(items), span(open));
    } finally {
      allowBar = saved;
      depth--;
    }
  }

  private Term brace(Token open) {
    depth++;
    boolean saved = allowBar;
    try {
      if (peek().is(Kind.RBRACE)) {
        p++;
        return new Obj(List.of(), List.of(), span(open));
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
                    return new ObjCompr(key, value, body, span(open));
                  });
          if (compr != null) {
            return compr;
          }
          p = valueStart;
          allowBar = true;
          v = termIn(false);
        }
        allowBar = true;
        List<Term> keys = new ArrayList<>(List.of(first));
        List<Term> values = new ArrayList<>(List.of(v));
        while (peek().is(Kind.COMMA)) {
          p++;
          if (peek().is(Kind.RBRACE)) {
            break;
          }
          keys.add(termIn(false));
          expect(Kind.COLON);
          values.add(termIn(false));
        }
        expect(Kind.RBRACE);
        return new Obj(List.copyOf(keys), List.copyOf(values), span(open));
      }
      if (peek().is(Kind.BAR)) {
        Term head = first;
        Term compr =
            attempt(
                () -> {
                  p++;
                  List<Expr> body = comprehensionBody(Kind.RBRACE);
                  expect(Kind.RBRACE);
                  return new SetCompr(head, body, span(open));
                });
        if (compr != null) {
          return compr;
        }
        p = start;
        allowBar = true;
        first = termIn(false);
      }
      allowBar = true;
      List<Term> items = new ArrayList<>(List.of(first));
      while (peek().is(Kind.COMMA)) {
        p++;
        if (peek().is(Kind.RBRACE)) {
          break;
        }
        items.add(termIn(false));
      }
      expect(Kind.RBRACE);
      return new SetLit(List.copyOf(items), span(open));
    } finally {
      allowBar = saved;
      depth--;
    }
  }

  private <T> T attempt(Supplier<T> parse) {
    int save = p;
    boolean bar = allowBar;
    int d = depth;
    try {
      return parse.get();
    } catch (Back | ClassCastException b) {
      p = save;
      allowBar = bar;
      depth = d;
      return null;
    }
  }

  static boolean infix(Call c) {
    return Infix.of(c.name()) != null;
  }

  // ---- tokens

  /** The span from {@code t} to the end of the last token consumed. */
  private Loc span(Token t) {
    int end = Math.max(t.end(), previous().end());
    return new Loc(t.row(), t.col(), t.offset(), end);
  }

  private Token peek() {
    return toks.get(p);
  }

  private Token previous() {
    return toks.get(Math.max(0, p - 1));
  }

  private Token next() {
    Token t = toks.get(p);
    if (!t.is(Kind.EOF)) {
      p++;
    }
    return t;
  }

  private void expect(Kind k) {
    if (!next().is(k)) {
      throw new Back();
    }
  }
}
