package io.jrego.engine.format;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Lays a {@link Syntax.Module} out the way {@code opa fmt} does. OPA decides most of the layout
 * from source rows: a composite literal, call or comprehension whose elements were on several lines
 * is written one line of elements per source line with a trailing comma; a blank line between two
 * expressions (or a comment line, which OPA counts as a gap) is kept; comments go before the node
 * on the next row, or at the end of the line they were on.
 */
final class LayoutWriter {

  /** A comment met where OPA cannot place it; the enclosing term is then written as it was. */
  private static final class UnexpectedComment extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UnexpectedComment() {
      super(null, null, false, false);
    }
  }

  private final String src;
  private final StringBuilder buf = new StringBuilder();
  private List<Comment> comments;
  private int level;
  private boolean inline;
  private Comment beforeEnd;
  private boolean delay;
  private boolean commentOnFinalLine;

  private final boolean regoV1;
  private boolean ifs;
  private boolean contains;
  private boolean refHeads;
  private final Set<String> futureKeywords = new java.util.HashSet<>();

  private final boolean dropV0Imports;
  private final boolean v0v1;

  LayoutWriter(String src, boolean regoV1, boolean dropV0Imports) {
    this(src, regoV1, dropV0Imports, false);
  }

  /**
   * With {@code v0v1} (source read as v0, {@code regoV1} set), as {@code opa fmt --v0-v1}: the
   * module is written in v1 syntax with an {@code import rego.v1} in place of the {@code
   * future.keywords} imports.
   */
  LayoutWriter(String src, boolean regoV1, boolean dropV0Imports, boolean v0v1) {
    this.src = src;
    this.regoV1 = regoV1;
    this.dropV0Imports = dropV0Imports;
    this.v0v1 = v0v1;
    this.ifs = regoV1;
    this.contains = regoV1;
  }

  String write(Module m) {
    comments = new ArrayList<>(m.comments());
    List<Import> imports = new ArrayList<>(m.imports());
    boolean regoV1Imported = false;
    for (Import i : imports) {
      String path = dotted(i.path());
      if (path.equals("rego.v1")) {
        regoV1Imported = true;
        ifs = true;
        contains = true;
      } else if (path.equals("future.keywords")) {
        ifs = true;
        contains = true;
        futureKeywords.addAll(Keywords.FUTURE);
      } else if (path.startsWith("future.keywords.")) {
        String kw = path.substring("future.keywords.".length());
        futureKeywords.add(kw);
        ifs |= kw.equals("if");
        contains |= kw.equals("contains");
      }
    }
    Import added = null;
    if (v0v1 && !regoV1Imported) {
      added = regoV1Import(imports);
      imports.add(added);
      imports.sort(java.util.Comparator.comparingInt(i -> i.loc().row()));
      regoV1Imported = true;
    }
    if (regoV1 && dropV0Imports) {
      imports.removeIf(i -> dotted(i.path()).equals("rego.v1"));
    }
    if (regoV1 && (regoV1Imported || dropV0Imports)) {
      imports.removeIf(i -> dotted(i.path()).startsWith("future."));
    }
    for (Rule r : m.rules()) {
      int n = r.head().ref().size();
      if (n > 2 || (n == 2 && r.head().key() != null && r.head().value() == null)) {
        refHeads = true;
      }
    }
    writePackage(m);
    if (added != null && addedFollowsRule(added, m.rules())) {
      // written after a rule, the import would have no effect: it goes first, in a group alone
      imports.remove(added);
      writeImports(new ArrayList<>(List.of(added)));
    }
    writeImports(imports);
    writeRules(m.rules());
    for (int i = 0; i < comments.size(); i++) {
      writeLine(comments.get(i));
      if (i == comments.size() - 1) {
        buf.append('\n');
      }
    }
    int end = buf.length();
    while (end > 0 && buf.charAt(end - 1) == '\n') {
      end--;
    }
    return end == buf.length() ? buf.toString() : buf.substring(0, end) + "\n";
  }

  /**
   * An {@code import rego.v1} as OPA adds it: on the line after the last {@code future.keywords}
   * import, else on line 1 (so before the module's other imports).
   */
  private static Import regoV1Import(List<Import> imports) {
    int maxRow = 0;
    for (Import i : imports) {
      if (dotted(i.path()).startsWith("future.")) {
        maxRow = Math.max(maxRow, i.loc().row());
      }
    }
    Loc loc = new Loc(maxRow + 1, 1, -1, -1);
    return new Import(new Ref(new Var("rego", loc), List.of(new Str("v1", loc)), loc), "", loc);
  }

  private static boolean addedFollowsRule(Import added, List<Rule> rules) {
    int first = Integer.MAX_VALUE;
    for (Rule r : rules) {
      first = Math.min(first, r.loc().row());
    }
    return added.loc().row() >= first;
  }

  private static String dotted(Ref r) {
    StringBuilder sb = new StringBuilder(r.head() instanceof Var v ? v.name() : "?");
    for (Term t : r.path()) {
      sb.append('.').append(t instanceof Str s ? s.value() : "?");
    }
    return sb.toString();
  }

  // ---- module parts

  private void writePackage(Module m) {
    insertComments(m.pkgLoc().row());
    startLine();
    write("package ");
    writeRef(m.pkg());
    blankLine();
  }

  private void writeImports(List<Import> imports) {
    if (imports.isEmpty()) {
      return;
    }
    List<Comment> left = new ArrayList<>();
    java.util.Map<Import, Comment> byImport = new java.util.HashMap<>();
    for (Comment c : comments) {
      Import on = null;
      for (Import i : imports) {
        if (i.loc().row() == c.row()) {
          on = i;
          break;
        }
      }
      if (on == null) {
        left.add(c);
      } else {
        byImport.put(on, c);
      }
    }
    comments = left;
    List<List<Import>> groups = new ArrayList<>();
    List<Import> group = new ArrayList<>();
    for (Import i : imports) {
      if (!group.isEmpty() && i.loc().row() - group.get(group.size() - 1).loc().row() > 1) {
        groups.add(group);
        group = new ArrayList<>();
      }
      group.add(i);
    }
    groups.add(group);
    for (List<Import> g : groups) {
      insertComments(g.get(0).loc().row());
      g.sort(LayoutWriter::compareImports);
      for (Import i : g) {
        startLine();
        write("import ");
        boolean future = dotted(i.path()).startsWith("future.keywords");
        writeRef(i.path(), future);
        if (!i.alias().isEmpty()) {
          write(" as " + i.alias());
        }
        Comment c = byImport.get(i);
        if (c != null) {
          write(" #" + c.text());
        }
        endLine();
      }
      blankLine();
    }
  }

  private static int compareImports(Import a, Import b) {
    int c = TermOrder.compareRefs(a.path(), b.path());
    return c != 0 ? c : a.alias().compareTo(b.alias());
  }

  private void writeRules(List<Rule> rules) {
    for (int i = 0; i < rules.size(); i++) {
      Rule rule = rules.get(i);
      try {
        insertComments(rule.loc().row());
      } catch (UnexpectedComment e) {
        // as OPA: carry on with the rule
      }
      try {
        writeRule(rule, false);
      } catch (UnexpectedComment e) {
        // as OPA: what was written stands
      }
      if (i < rules.size() - 1 && groupableOneLiner(rule)) {
        Rule next = rules.get(i + 1);
        if (groupableOneLiner(next) && next.loc().row() == rule.loc().row() + 1) {
          continue;
        }
      }
      blankLine();
    }
  }

  private boolean groupableOneLiner(Rule rule) {
    if (rule.body().size() > 1 || rule.isDefault() || rule.elseRule() != null) {
      return false;
    }
    return (regoV1 || ifs) && (contains || !isPartialSet(rule.head()));
  }

  private static boolean isPartialSet(Head h) {
    return h.key() != null && h.value() == null;
  }

  private static boolean isTrueExpr(List<Expr> body) {
    if (body.size() != 1) {
      return false;
    }
    Expr e = body.get(0);
    return !e.negated()
        && e.withs().isEmpty()
        && e.stmt() instanceof TermStmt ts
        && ts.term() instanceof Lit l
        && l.text().equals("true");
  }

  private void writeRule(Rule rule, boolean isElse) {
    if (!isElse) {
      startLine();
    }
    if (rule.isDefault()) {
      write("default ");
    }
    boolean expandedConst =
        (rule.body().isEmpty() || isTrueExpr(rule.body())) && rule.elseRule() == null;
    commentOnFinalLine = expandedConst;
    boolean unexpected = false;
    try {
      writeHead(rule.head(), rule.isDefault(), expandedConst, isElse);
    } catch (UnexpectedComment e) {
      unexpected = true;
    }
    if (rule.body().isEmpty() || expandedConst) {
      endLine();
      return;
    }
    commentOnFinalLine = true;
    List<Expr> body = rule.body();
    if ((regoV1 || ifs) && (contains || !isPartialSet(rule.head()))) {
      write(" if");
      if (body.size() == 1) {
        Loc h = rule.head().loc();
        int headEndRow = h.row() + newlines(h.start(), h.end());
        if (body.get(0).loc().row() == headEndRow && !isSetTerm(body.get(0))) {
          write(" ");
          writeExpr(body.get(0));
          endLine();
          if (rule.elseRule() != null) {
            writeElse(rule);
          }
          return;
        }
      }
    }
    if (unexpected && !comments.isEmpty()) {
      write(" { ");
    } else {
      write(" {");
      endLine();
    }
    level++;
    writeBody(body);
    int close;
    if (rule.head().args() != null) {
      close = closingRow('(', ')', '{', '}', rule.loc());
    } else if (rule.head().key() != null) {
      close = closingRow('[', ']', '{', '}', rule.loc());
    } else {
      close = closingRow((char) 0, (char) 0, '{', '}', rule.loc());
    }
    insertComments(close);
    level--;
    startLine();
    write("}");
    if (rule.elseRule() != null) {
      writeElse(rule);
    }
  }

  private static boolean isSetTerm(Expr e) {
    return !e.negated() && e.stmt() instanceof TermStmt ts && ts.term() instanceof SetLit;
  }

  private void writeElse(Rule rule) {
    Rule els = rule.elseRule();
    boolean wasInline = false;
    String[] lines = text(rule.loc()).split("\n", -1);
    int rel = els.loc().row() - rule.loc().row();
    if (rel > 0 && rel < lines.length && !lines[rel].strip().startsWith("else")) {
      wasInline = true;
    }
    boolean commentAbove =
        (!comments.isEmpty() && comments.get(0).row() < els.head().loc().row())
            || beforeEnd != null;
    if (!commentAbove && wasInline) {
      write(" ");
    } else {
      blankLine();
      startLine();
    }
    insertComments(els.head().loc().row());
    if (commentAbove && !wasInline) {
      startLine();
    }
    writeRule(els, true);
  }

  private void writeHead(Head head, boolean isDefault, boolean expandedConst, boolean isElse) {
    List<Term> ref = head.ref();
    if (refHeads || ref.size() == 1) {
      writeRefElems(ref, false);
    } else {
      if (!comments.isEmpty() && ref.get(1).loc().row() == comments.get(0).row()) {
        writeUnformatted(head.loc(), new ArrayList<>(comments));
        return;
      }
      write(((Var) ref.get(0)).name());
      write("[");
      write(plainString(ref.get(1)));
      write("]");
    }
    if (head.args() != null) {
      write("(");
      try {
        writeIterable(
            new ArrayList<>(head.args()),
            head.loc(),
            closingRow((char) 0, (char) 0, '(', ')', head.loc()),
            this::listEntry);
      } finally {
        write(")");
      }
    }
    if (head.key() != null && head.value() == null) {
      if (contains) {
        write(" contains ");
        writeTerm(head.key());
      } else {
        write("[");
        writeTerm(head.key());
        write("]");
      }
    }
    boolean generated = head.value() == null && head.key() == null;
    if (head.value() == null && !generated) {
      return;
    }
    boolean isTrue = generated || (head.value() instanceof Lit l && l.text().equals("true"));
    if (head.key() != null || !isTrue || expandedConst || isDefault) {
      boolean regoV1RefConst = regoV1 && expandedConst && head.key() == null && head.args() == null;
      if (generated && !isElse && !regoV1RefConst) {
        return;
      }
      write(head.assign() || regoV1 ? " := " : " = ");
      if (generated) {
        write("true");
      } else {
        writeTerm(head.value());
      }
    }
  }

  // ---- bodies and expressions

  private void writeBody(List<Expr> body) {
    insertComments(body.get(0).loc().row());
    for (int i = 0; i < body.size(); i++) {
      Expr e = body.get(i);
      if (i > 0) {
        Loc prev = body.get(i - 1).loc();
        int lastRow = prev.row() + newlines(prev.start(), prev.end());
        if (e.loc().row() > lastRow + 1) {
          blankLine();
        }
      }
      startLine();
      try {
        writeExpr(e);
      } catch (UnexpectedComment ex) {
        // as OPA: the expression stays as far as it was written
      }
      endLine();
    }
  }

  private void writeExpr(Expr e) {
    insertComments(e.loc().row());
    if (!inline) {
      startLine();
    }
    if (e.negated()) {
      write("not ");
    }
    switch (e.stmt()) {
      case SomeVars s -> writeSomeVars(s);
      case SomeIn s -> {
        insertComments(s.loc().row());
        write("some ");
        writeInOperator(false, s.member().args());
      }
      case Every ev -> writeEvery(ev);
      case TermStmt ts -> {
        if (ts.term() instanceof Call c) {
          writeFunctionCall(c);
        } else {
          writeTerm(ts.term());
        }
      }
    }
    if (e.withs().isEmpty()) {
      return;
    }
    List<With> withs = e.withs();
    int termsEnd = withs.get(0).loc().start();
    int lastRow = e.loc().row() + newlines(e.loc().start(), trimRight(e.loc().start(), termsEnd));
    int from = 0;
    if (withs.get(0).loc().row() == lastRow) {
      writeWith(withs.get(0), false);
      lastRow = withs.get(0).loc().row();
      from = 1;
    }
    boolean indented = false;
    for (int i = from; i < withs.size(); i++) {
      With w = withs.get(i);
      boolean indent = w.loc().row() > lastRow;
      if (indent) {
        if (!indented) {
          level++;
          indented = true;
        }
        endLine();
        startLine();
        lastRow = w.loc().row();
      }
      writeWith(w, indent);
    }
    if (indented) {
      level--;
    }
  }

  private int trimRight(int start, int end) {
    int e = end;
    while (e > start && " \t\r\n".indexOf(src.charAt(e - 1)) >= 0) {
      e--;
    }
    return e;
  }

  private void writeWith(With w, boolean indented) {
    insertComments(w.loc().row());
    if (!indented) {
      write(" ");
    }
    write("with ");
    writeTerm(w.target());
    write(" as ");
    try {
      writeTerm(w.value());
    } catch (UnexpectedComment e) {
      // written as it was
    }
  }

  private void writeSomeVars(SomeVars s) {
    insertComments(s.loc().row());
    write("some ");
    int row = s.loc().row();
    for (int i = 0; i < s.vars().size(); i++) {
      Var v = s.vars().get(i);
      if (v.loc().row() > row) {
        endLine();
        startLine();
        write("\t");
        row = v.loc().row();
      } else if (i > 0) {
        write(" ");
      }
      writeTerm(v);
      if (i < s.vars().size() - 1) {
        write(",");
      }
    }
  }

  private void writeEvery(Every ev) {
    Loc loc = ev.loc();
    insertComments(loc.row());
    write("every ");
    if (ev.key() != null) {
      writeTerm(ev.key());
      write(", ");
    }
    writeTerm(ev.value());
    write(" in ");
    writeTerm(ev.domain());
    write(" {");
    try {
      writeComprehensionBody('{', '}', ev.body(), loc, loc);
    } catch (UnexpectedComment e) {
      // as OPA
    }
    if (ev.body().size() == 1 && ev.body().get(0).loc().row() == loc.row()) {
      write(" ");
    }
    write("}");
  }

  private void writeFunctionCall(Call c) {
    Infix in = Infix.of(c.name());
    if (in == null) {
      writeCallPlain(c);
      return;
    }
    if (in.isMember()) {
      writeInOperator(false, c.args());
      return;
    }
    List<Term> a = c.args();
    if (a.size() == in.arity()) {
      writeTerm(a.get(0));
      write(" " + in.symbol() + " ");
      writeTerm(a.get(1));
    } else if (a.size() == in.arity() + 1) {
      writeTerm(a.get(2));
      write(" = ");
      writeTerm(a.get(0));
      write(" " + in.symbol() + " ");
      writeTerm(a.get(1));
    } else {
      throw new IllegalStateException(c.name() + ": arity mismatch");
    }
  }

  private void writeCallPlain(Call c) {
    if (c.op() instanceof Ref r) {
      writeRef(r);
    } else {
      write(c.name());
    }
    write("(");
    try {
      Loc opLoc = c.op().loc();
      writeIterable(
          new ArrayList<>(c.args()),
          opLoc,
          closingRow((char) 0, (char) 0, '(', ')', opLoc),
          this::listEntry);
    } finally {
      write(")");
    }
  }

  private void writeCall(boolean parens, Call c) {
    Infix in = Infix.of(c.name());
    if (in == null) {
      writeCallPlain(c);
      return;
    }
    if (in.isMember()) {
      writeInOperator(true, c.args());
      return;
    }
    if (c.args().size() != in.arity()) {
      throw new IllegalStateException(c.name() + ": arity mismatch");
    }
    if (parens) {
      write("(");
    }
    writeTermParens(true, c.args().get(0));
    write(" " + in.symbol() + " ");
    writeTermParens(true, c.args().get(1));
    if (parens) {
      write(")");
    }
  }

  private void writeInOperator(boolean parens, List<Term> ops) {
    if (ops.size() == 2) {
      writeTermParens(true, ops.get(0));
      write(" in ");
      writeTermParens(true, ops.get(1));
      return;
    }
    if (parens) {
      write("(");
    }
    writeTermParens(true, ops.get(0));
    write(", ");
    writeTermParens(true, ops.get(1));
    write(" in ");
    writeTermParens(true, ops.get(2));
    if (parens) {
      write(")");
    }
  }

  // ---- terms

  private void writeTerm(Term t) {
    if (comments.isEmpty()) {
      writeTermParens(false, t);
      return;
    }
    int len = buf.length();
    int lvl = level;
    List<Comment> saved = new ArrayList<>(comments);
    try {
      writeTermParens(false, t);
    } catch (UnexpectedComment e) {
      buf.setLength(len);
      level = lvl;
      if (beforeEnd != null) {
        int endRow = t.loc().row() + newlines(t.loc().start(), t.loc().end());
        if (beforeEnd.row() >= t.loc().row() && beforeEnd.row() <= endRow) {
          beforeEnd = null;
        }
      }
      writeUnformatted(t.loc(), saved);
      throw e;
    }
  }

  private void writeUnformatted(Loc loc, List<Comment> current) {
    String text = text(loc);
    int rows = newlines(loc.start(), loc.end()) + 1;
    write(text);
    List<Comment> keep = new ArrayList<>();
    for (Comment c : current) {
      if (commentOnFinalLine && c.row() == loc.row() + rows - 1) {
        write(" #" + c.text());
        continue;
      }
      if (c.row() < loc.row() + rows - 1) {
        continue;
      }
      keep.add(c);
    }
    comments = keep;
  }

  private void writeTermParens(boolean parens, Term t) {
    insertComments(t.loc().row());
    if (!inline) {
      startLine();
    }
    switch (t) {
      case Ref r -> writeRef(r);
      case Obj o -> writeObject(o);
      case Arr a -> {
        write("[");
        try {
          writeIterable(
              new ArrayList<>(a.items()),
              a.loc(),
              closingRow((char) 0, (char) 0, '[', ']', a.loc()),
              (x, unused) -> listEntryUnion((Term) x, true));
        } finally {
          write("]");
        }
      }
      case SetLit s -> writeSet(s);
      case ArrCompr c -> {
        write("[");
        try {
          writeComprehension('[', ']', c.head(), c.head().loc(), c.body(), c.loc());
        } finally {
          write("]");
        }
      }
      case SetCompr c -> {
        write("{");
        try {
          writeComprehension('{', '}', c.head(), c.head().loc(), c.body(), c.loc());
        } finally {
          write("}");
        }
      }
      case ObjCompr c -> writeObjectComprehension(c);
      case Str s -> writeString(s);
      case Template tp -> writeTemplate(tp);
      case Var v -> write(v.name());
      case Call c -> writeCall(parens, c);
      case Lit l -> write(l.text());
    }
    if (!inline) {
      startLine();
    }
  }

  /**
   * A template string as OPA writes it: literal text re-escaped, a part that is a lone scalar
   * folded into the text, every other part formatted as an expression.
   */
  private void writeTemplate(Template tp) {
    String t = text(tp.loc());
    boolean raw = t.charAt(1) == '`';
    String s = t.substring(2, t.length() - 1);
    StringBuilder out = new StringBuilder(t.substring(0, 2));
    StringBuilder lit = new StringBuilder();
    int i = 0;
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
            lit.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
            i += 4;
          }
          default -> lit.append(e);
        }
      } else if (c == '{') {
        int end = io.jrego.engine.parser.Lexer.skipExpr(s, i + 1);
        String exprSrc = s.substring(i + 1, end);
        Expr e =
            SyntaxReader.readExpr(
                exprSrc,
                regoV1 ? io.jrego.engine.base.RegoVersion.V1 : io.jrego.engine.base.RegoVersion.V0);
        if (!e.negated() && e.withs().isEmpty() && e.stmt() instanceof TermStmt ts) {
          if (ts.term() instanceof Str str) {
            lit.append(str.value());
            i = end + 1;
            continue;
          }
          if (ts.term() instanceof Lit l) {
            lit.append(l.text());
            i = end + 1;
            continue;
          }
        }
        out.append(templateText(lit.toString(), raw));
        lit.setLength(0);
        LayoutWriter sub = new LayoutWriter(exprSrc, regoV1, false);
        sub.comments = new ArrayList<>();
        sub.inline = true;
        sub.writeExpr(e);
        out.append('{').append(sub.buf).append('}');
        i = end + 1;
      } else {
        lit.append(c);
        i++;
      }
    }
    out.append(templateText(lit.toString(), raw)).append(t.charAt(1));
    write(out.toString());
  }

  private static String templateText(String value, boolean raw) {
    if (raw) {
      return value.replace("{", "\\{");
    }
    String q = GoQuote.quote(value);
    return q.substring(1, q.length() - 1).replace("{", "\\{");
  }

  private void writeString(Str s) {
    String text = text(s.loc());
    if (text.charAt(0) == '`') {
      write(text);
      return;
    }
    char last = text.charAt(text.length() - 1);
    int cut = last == '"' || last == '`' ? text.indexOf(last) : -1;
    write(cut < 0 ? GoQuote.quote(s.value()) : text.substring(cut));
  }

  private void writeObjectComprehension(ObjCompr c) {
    write("{");
    try {
      if (c.key().loc().row() - c.loc().row() > 1) {
        endLine();
        startLine();
      }
      boolean paren = isUnion(c.key());
      if (paren) {
        write("(");
      }
      writeTerm(c.key());
      if (paren) {
        write(")");
      }
      write(": ");
      writeComprehension('{', '}', c.value(), c.key().loc(), c.body(), c.loc());
    } finally {
      write("}");
    }
  }

  /**
   * {@code headLoc} is where OPA thinks the head is: an object comprehension's value takes its
   * key's location.
   */
  private void writeComprehension(
      char open, char close, Term head, Loc headLoc, List<Expr> body, Loc loc) {
    if (headLoc.row() - loc.row() >= 1) {
      endLine();
      startLine();
    }
    boolean parens = head instanceof Call && (isUnion(head) || src.charAt(headLoc.start()) == '(');
    if (!head.loc().equals(headLoc)) {
      insertComments(headLoc.row());
    }
    writeTermParens(parens, head);
    write(" |");
    writeComprehensionBody(open, close, body, headLoc, loc);
  }

  private void writeComprehensionBody(char open, char close, List<Expr> body, Loc term, Loc compr) {
    int lines = GeneratedVars.in(body) ? 1 : lineCount(body.stream().map(Expr::loc).toList(), term);
    if (body.get(0).loc().row() - term.row() > 0 || lines > 1) {
      endLine();
      level++;
      writeBody(body);
      insertComments(closingRow((char) 0, (char) 0, open, close, compr));
      level--;
      startLine();
      return;
    }
    write(" ");
    for (int i = 0; i < body.size(); i++) {
      if (i > 0) {
        write("; ");
      }
      writeExpr(body.get(i));
    }
    insertComments(closingRow((char) 0, (char) 0, open, close, compr));
  }

  private void writeObject(Obj o) {
    write("{");
    try {
      List<Object> pairs = new ArrayList<>();
      for (int i = 0; i < o.keys().size(); i++) {
        pairs.add(new Term[] {o.keys().get(i), o.values().get(i)});
      }
      writeIterable(
          pairs,
          o.loc(),
          closingRow((char) 0, (char) 0, '{', '}', o.loc()),
          (x, unused) -> {
            Term[] kv = (Term[]) x;
            listEntryUnion(kv[0], true);
            write(": ");
            listEntryUnion(kv[1], true);
          });
    } finally {
      write("}");
    }
  }

  private void writeSet(SetLit s) {
    if (s.items().isEmpty()) {
      write("set()");
      insertComments(closingRow((char) 0, (char) 0, '(', ')', s.loc()));
      return;
    }
    write("{");
    try {
      writeIterable(
          distinct(s.items()),
          s.loc(),
          closingRow((char) 0, (char) 0, '{', '}', s.loc()),
          (x, unused) -> listEntryUnion((Term) x, true));
    } finally {
      write("}");
    }
  }

  /**
   * A set literal's items without the scalars equal to an earlier one ({@code 1e2} and {@code
   * 100}).
   */
  private static List<Object> distinct(List<Term> items) {
    List<Object> out = new ArrayList<>();
    Set<String> seen = new java.util.HashSet<>();
    for (Term t : items) {
      String key = null;
      if (t instanceof Str s) {
        key = "s" + s.value();
      } else if (t instanceof Lit l && Character.isDigit(l.text().charAt(l.text().length() - 1))) {
        key = "n" + new java.math.BigDecimal(l.text()).stripTrailingZeros().toPlainString();
      } else if (t instanceof Lit l) {
        key = "l" + l.text();
      }
      if (key == null || seen.add(key)) {
        out.add(t);
      }
    }
    return out;
  }

  private void listEntry(Object x, Object unused) {
    listEntryUnion((Term) x, false);
  }

  private void listEntryUnion(Term t, boolean parenUnion) {
    boolean paren = isUnion(t) && (parenUnion || src.charAt(t.loc().start()) == '(');
    if (paren) {
      write("(");
    }
    try {
      writeTerm(t);
    } finally {
      if (paren) {
        write(")");
      }
    }
  }

  private static boolean isUnion(Term t) {
    return t instanceof Call c && c.name().equals("or") && c.args().size() == 2;
  }

  private static Loc locOf(Object x) {
    return x instanceof Term[] kv ? kv[0].loc() : ((Term) x).loc();
  }

  private int lineCount(List<Loc> locs, Loc last) {
    int lines = 1;
    Loc prev = last;
    for (int i = 0; i < locs.size(); i++) {
      if (locs.get(i).row() - prev.row() > 0 && i > 0) {
        lines++;
      }
      prev = locs.get(i);
    }
    return lines;
  }

  private void writeIterable(
      List<Object> elements, Loc last, int closeRow, BiConsumer<Object, Object> entry) {
    List<List<Object>> lines = new ArrayList<>();
    List<Object> cur = new ArrayList<>();
    Loc prev = last;
    boolean oneLine = elements.stream().anyMatch(GeneratedVars::in);
    for (int i = 0; i < elements.size(); i++) {
      Loc l = locOf(elements.get(i));
      if (!oneLine && l.row() - prev.row() > 0 && i > 0) {
        lines.add(cur);
        cur = new ArrayList<>();
      }
      prev = l;
      cur.add(elements.get(i));
    }
    lines.add(cur);
    boolean newlineFirst = false;
    if (lines.size() == 1) {
      for (Comment c : comments) {
        if (c.row() > last.row() && c.row() < closeRow) {
          throw new UnexpectedComment();
        }
      }
      if (!elements.isEmpty()) {
        String outer = text(last);
        int cut = outer.indexOf(text(locOf(elements.get(0))));
        if (cut > 0) {
          newlineFirst = outer.substring(0, cut).indexOf('\n') > 0;
        }
      }
    }
    boolean multi = lines.size() > 1 || newlineFirst;
    if (multi) {
      delay = true;
      endLine();
      level++;
      startLine();
    }
    for (int i = 0; i < lines.size(); i++) {
      List<Object> line = lines.get(i);
      for (int j = 0; j < line.size(); j++) {
        if (j > 0) {
          write(", ");
        }
        entry.accept(line.get(j), null);
      }
      if (i < lines.size() - 1) {
        write(",");
        endLine();
        startLine();
      }
    }
    if (multi) {
      write(",");
      endLine();
      insertComments(closeRow);
      level--;
      startLine();
    }
  }

  // ---- references

  private void writeRef(Ref r) {
    writeRef(r, false);
  }

  private void writeRef(Ref r, boolean keywordsAllowed) {
    List<Term> all = new ArrayList<>();
    all.add(r.head());
    all.addAll(r.path());
    writeRefElems(all, keywordsAllowed);
  }

  private void writeRefElems(List<Term> ref, boolean keywordsAllowed) {
    Term head = ref.get(0);
    boolean parens = head instanceof Call && src.charAt(head.loc().start()) == '(';
    writeTermParens(parens, head);
    for (Term t : ref.subList(1, ref.size())) {
      switch (t) {
        case Str s -> {
          if (shouldBracket(s, keywordsAllowed)) {
            write("[" + GoQuote.quote(s.value()) + "]");
          } else {
            write("." + s.value());
          }
        }
        case Var v -> write("[" + v.name() + "]");
        default -> {
          write("[");
          try {
            writeTerm(t);
          } catch (UnexpectedComment e) {
            write("\n");
          }
          write("]");
        }
      }
    }
  }

  private boolean shouldBracket(Str s, boolean keywordsAllowed) {
    if (!s.value().matches("[a-zA-Z_][a-zA-Z0-9_]*")) {
      return true;
    }
    String w = s.value();
    boolean keyword =
        Keywords.RESERVED.contains(w)
            && (!Keywords.FUTURE.contains(w) || regoV1 || futureKeywords.contains(w));
    return keyword && !keywordsAllowed && src.charAt(s.loc().start()) == '"';
  }

  /** A term as OPA's {@code String()} prints it, for the one place the formatter uses that. */
  private String plainString(Term t) {
    return switch (t) {
      case Str s -> GoQuote.quote(s.value());
      case Var v -> v.name();
      case Lit l -> l.text();
      default -> text(t.loc());
    };
  }

  // ---- comments

  private void insertComments(int row) {
    List<Comment> before = new ArrayList<>();
    Comment at = null;
    List<Comment> after = new ArrayList<>();
    for (Comment c : comments) {
      if (c.row() < row) {
        before.add(c);
      } else if (c.row() > row) {
        after.add(c);
      } else {
        at = c;
      }
    }
    if (before.isEmpty() && at == null) {
      return;
    }
    comments = after;
    writeComments(before);
    if (!before.isEmpty() && row - before.get(before.size() - 1).row() > 1) {
      blankLine();
    }
    beforeLineEnd(at);
  }

  private void beforeLineEnd(Comment c) {
    if (beforeEnd != null) {
      if (c == null) {
        return;
      }
      beforeEnd = null;
      throw new UnexpectedComment();
    }
    beforeEnd = c;
  }

  private void writeComments(List<Comment> list) {
    boolean inMetadata = false;
    for (int i = 0; i < list.size(); i++) {
      Comment c = list.get(i);
      if (i > 0) {
        int gap = c.row() - list.get(i - 1).row();
        if (gap > 1) {
          blankLine();
          inMetadata = false;
        } else if (gap == 1 && inMetadata && isMetadata(c)) {
          blankLine();
        }
      }
      if (isMetadata(c)) {
        inMetadata = true;
      }
      writeLine(c);
    }
  }

  private static boolean isMetadata(Comment c) {
    return c.text().strip().equals("METADATA");
  }

  // ---- output

  private String text(Loc l) {
    return src.substring(l.start(), l.end());
  }

  private int newlines(int start, int end) {
    int n = 0;
    for (int i = start; i < end; i++) {
      if (src.charAt(i) == '\n') {
        n++;
      }
    }
    return n;
  }

  /**
   * The row of the bracket closing the first {@code open} in {@code loc}'s text, after skipping a
   * first {@code skipOpen ... skipClose} group; -1 when there is none. Like OPA, it counts brackets
   * without regard to strings.
   */
  private int closingRow(char skipOpen, char skipClose, char open, char close, Loc loc) {
    String t = text(loc);
    int i = 0;
    int offset = 0;
    if (skipOpen != 0) {
      while (i < t.length() && t.charAt(i) != skipOpen) {
        i++;
      }
      int state = 1;
      while (state > 0) {
        i++;
        if (i >= t.length()) {
          break;
        }
        char c = t.charAt(i);
        if (c == skipOpen) {
          state++;
        } else if (c == skipClose) {
          state--;
        } else if (c == '\n') {
          offset++;
        }
      }
    }
    while (i < t.length() && t.charAt(i) != open) {
      i++;
    }
    if (i >= t.length()) {
      return -1;
    }
    int state = 1;
    while (state > 0) {
      i++;
      if (i >= t.length()) {
        return -1;
      }
      char c = t.charAt(i);
      if (c == open) {
        state++;
      } else if (c == close) {
        state--;
      } else if (c == '\n') {
        offset++;
      }
    }
    return loc.row() + offset;
  }

  private void startLine() {
    inline = true;
    for (int i = 0; i < level; i++) {
      buf.append('\t');
    }
  }

  private void endLine() {
    inline = false;
    if (beforeEnd != null && !delay) {
      buf.append(" #").append(beforeEnd.text());
      beforeEnd = null;
    }
    delay = false;
    buf.append('\n');
  }

  private void blankLine() {
    if (inline) {
      endLine();
    }
    buf.append('\n');
  }

  private void writeLine(Comment c) {
    if (!inline) {
      startLine();
    }
    buf.append('#').append(c.text());
    endLine();
  }

  private void write(String s) {
    buf.append(s);
  }
}
