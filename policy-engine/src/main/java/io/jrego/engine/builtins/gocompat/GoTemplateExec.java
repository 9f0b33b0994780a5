package io.jrego.engine.builtins.gocompat;

import io.jrego.engine.builtins.gocompat.GoTemplate.ActionNode;
import io.jrego.engine.builtins.gocompat.GoTemplate.Arg;
import io.jrego.engine.builtins.gocompat.GoTemplate.BoolArg;
import io.jrego.engine.builtins.gocompat.GoTemplate.ChainArg;
import io.jrego.engine.builtins.gocompat.GoTemplate.Command;
import io.jrego.engine.builtins.gocompat.GoTemplate.Control;
import io.jrego.engine.builtins.gocompat.GoTemplate.ControlNode;
import io.jrego.engine.builtins.gocompat.GoTemplate.DotArg;
import io.jrego.engine.builtins.gocompat.GoTemplate.FieldArg;
import io.jrego.engine.builtins.gocompat.GoTemplate.IdentArg;
import io.jrego.engine.builtins.gocompat.GoTemplate.Jump;
import io.jrego.engine.builtins.gocompat.GoTemplate.ListNode;
import io.jrego.engine.builtins.gocompat.GoTemplate.NilArg;
import io.jrego.engine.builtins.gocompat.GoTemplate.Node;
import io.jrego.engine.builtins.gocompat.GoTemplate.NumberArg;
import io.jrego.engine.builtins.gocompat.GoTemplate.Parsed;
import io.jrego.engine.builtins.gocompat.GoTemplate.Pipe;
import io.jrego.engine.builtins.gocompat.GoTemplate.PipeArg;
import io.jrego.engine.builtins.gocompat.GoTemplate.StringArg;
import io.jrego.engine.builtins.gocompat.GoTemplate.TemplateCall;
import io.jrego.engine.builtins.gocompat.GoTemplate.TextNode;
import io.jrego.engine.builtins.gocompat.GoTemplate.VariableArg;
import io.jrego.engine.builtins.spi.BoundedOutput;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Executes a {@link GoTemplate} over Go-shaped data the way Go's {@code text/template} does.
 *
 * <p>Data values are Java objects standing for Go's: {@code null} (a nil interface), {@link
 * #MISSING} (Go's invalid value: a key not in a map), String, {@link JsonNumber}, Boolean, Long
 * (int constants), Double (float64 constants), {@code Map<String, Object>} (sorted) and {@code
 * List<Object>}. A nil reached inside a field chain fails ("nil pointer evaluating"), a missing key
 * yields MISSING, and both print as {@code <no value>}. Execution is bounded in steps, output and
 * template depth.
 */
public final class GoTemplateExec {

  /** Go's json.Number: a number kept as its text, of string kind. */
  public record JsonNumber(String text) {}

  /** Go's invalid reflect.Value. */
  static final Object MISSING =
      new Object() {
        @Override
        public String toString() {
          return "<no value>";
        }
      };

  /** No final argument from a previous pipeline stage. */
  private static final Object NONE = new Object();

  private static final long MAX_STEPS = 5_000_000;
  private static final int MAX_OUTPUT = 32 << 20;
  private static final int MAX_DEPTH = 1000;

  /** An execution failure, worded as Go words it. */
  public static final class ExecError extends Exception {
    private static final long serialVersionUID = 1L;

    ExecError(String msg) {
      super(msg);
    }
  }

  private static final class Var {
    final String name;
    Object value;

    Var(String name, Object value) {
      this.name = name;
      this.value = value;
    }
  }

  private enum Flow {
    NORMAL,
    BREAK,
    CONTINUE
  }

  private final Parsed tmpl;
  private final StringBuilder out = new StringBuilder();
  private BoundedOutput bound = BoundedOutput.NONE;
  private List<Var> vars = new ArrayList<>();
  private String name = GoTemplate.MAIN;
  private int atPos;
  private String atText = "";
  private long steps;
  private int depth;

  private GoTemplateExec(Parsed tmpl) {
    this.tmpl = tmpl;
  }

  public static String execute(Parsed tmpl, Object data) throws ExecError {
    return execute(tmpl, data, BoundedOutput.NONE);
  }

  /** Runs the template, checking {@code bound} as the output grows. */
  public static String execute(Parsed tmpl, Object data, BoundedOutput bound) throws ExecError {
    GoTemplateExec s = new GoTemplateExec(tmpl);
    s.bound = bound;
    s.vars.add(new Var("$", data));
    s.walk(data, tmpl.trees().get(GoTemplate.MAIN));
    return s.out.toString();
  }

  private void at(int pos, Object node) {
    atPos = pos;
    atText = node.toString();
  }

  private ExecError error(String msg) {
    String src = tmpl.source();
    int p = Math.min(atPos, src.length());
    int nl = src.lastIndexOf('\n', p - 1);
    int col = nl < 0 ? p : p - nl - 1;
    String ctx = atText.length() > 20 ? atText.substring(0, 20) + "..." : atText;
    return new ExecError(
        "template: template:"
            + GoTemplate.lineOf(src, p)
            + ":"
            + col
            + ": executing \""
            + name
            + "\" at <"
            + ctx
            + ">: "
            + msg);
  }

  private void step() throws ExecError {
    if (++steps > MAX_STEPS) {
      throw error("template execution exceeded " + MAX_STEPS + " steps");
    }
    bound.step(1); // millions of steps may take seconds: the query's deadline holds meanwhile
  }

  private Flow walk(Object dot, Node node) throws ExecError {
    step();
    switch (node) {
      case ListNode l -> {
        for (Node n : l.nodes()) {
          Flow f = walk(dot, n);
          if (f != Flow.NORMAL) {
            return f;
          }
        }
      }
      case TextNode t -> write(t.text());
      case ActionNode a -> {
        Object v = evalPipeline(dot, a.pipe());
        if (a.pipe().decl().isEmpty()) {
          write(v == MISSING || v == null ? "<no value>" : fmtV(v));
        }
      }
      case ControlNode c -> {
        if (c.kind() == Control.RANGE) {
          return walkRange(dot, c);
        }
        int mark = vars.size();
        try {
          Object v = evalPipeline(dot, c.pipe());
          if (truth(v)) {
            return walk(c.kind() == Control.WITH ? v : dot, c.list());
          } else if (c.elseList() != null) {
            return walk(dot, c.elseList());
          }
        } finally {
          pop(mark);
        }
      }
      case TemplateCall t -> walkTemplate(dot, t);
      case Jump j -> {
        return j.isBreak() ? Flow.BREAK : Flow.CONTINUE;
      }
      default -> throw new IllegalStateException("unexpected node " + node);
    }
    return Flow.NORMAL;
  }

  private void write(String s) throws ExecError {
    if (out.length() + s.length() > MAX_OUTPUT) {
      throw error("template output exceeds " + MAX_OUTPUT + " characters");
    }
    bound.adding(out.length(), s.length());
    out.append(s);
  }

  private void pop(int mark) {
    while (vars.size() > mark) {
      vars.remove(vars.size() - 1);
    }
  }

  private void walkTemplate(Object dot, TemplateCall t) throws ExecError {
    at(t.pos(), "{{template \"" + t.name() + "\"}}");
    ListNode tree = tmpl.trees().get(t.name());
    if (tree == null) {
      throw error("template \"" + t.name() + "\" not defined");
    }
    Object newDot = t.pipe() == null ? null : evalPipeline(dot, t.pipe());
    if (newDot == MISSING) {
      newDot = null;
    }
    if (++depth > MAX_DEPTH) {
      throw error("exceeded maximum template depth (" + MAX_DEPTH + ")");
    }
    List<Var> savedVars = vars;
    String savedName = name;
    vars = new ArrayList<>();
    vars.add(new Var("$", newDot));
    name = t.name();
    try {
      walk(newDot, tree);
    } finally {
      vars = savedVars;
      name = savedName;
      depth--;
    }
  }

  private Flow walkRange(Object dot, ControlNode r) throws ExecError {
    at(r.pos(), r.pipe());
    int mark = vars.size();
    try {
      Object val = evalPipeline(dot, r.pipe());
      Pipe p = r.pipe();
      List<Object[]> items = new ArrayList<>();
      switch (val) {
        case List<?> l -> {
          for (int k = 0; k < l.size(); k++) {
            items.add(new Object[] {(long) k, l.get(k)});
          }
        }
        case Map<?, ?> m -> m.forEach((k, v) -> items.add(new Object[] {k, v}));
        case Long n -> {
          if (p.decl().size() > 1) {
            throw error("can't use " + n + " to iterate over more than one variable");
          }
          for (long k = 0; k < n; k++) {
            step();
            items.add(new Object[] {k, k});
          }
        }
        default -> {
          if (val != null && val != MISSING) {
            throw error("range can't iterate over " + fmtV(val));
          }
        }
      }
      for (Object[] item : items) {
        int iterMark = vars.size();
        if (p.decl().size() == 1) {
          setDecl(p, 0, item[1]);
        } else if (p.decl().size() == 2) {
          setDecl(p, 0, item[0]);
          setDecl(p, 1, item[1]);
        }
        Flow f = walk(item[1], r.list());
        pop(iterMark);
        if (f == Flow.BREAK) {
          break;
        }
      }
      if (items.isEmpty() && r.elseList() != null) {
        return walk(dot, r.elseList());
      }
      return Flow.NORMAL;
    } finally {
      pop(mark);
    }
  }

  private void setDecl(Pipe p, int k, Object v) {
    String n = p.decl().get(k);
    if (p.isAssign()) {
      setVar(n, v);
    } else {
      // evalPipeline pushed the declared variables; they are the topmost.
      vars.get(vars.size() - p.decl().size() + k).value = v;
    }
  }

  private void setVar(String n, Object v) {
    for (int k = vars.size() - 1; k >= 0; k--) {
      if (vars.get(k).name.equals(n)) {
        vars.get(k).value = v;
        return;
      }
    }
  }

  private Object varValue(String n) throws ExecError {
    for (int k = vars.size() - 1; k >= 0; k--) {
      if (vars.get(k).name.equals(n)) {
        return vars.get(k).value;
      }
    }
    throw error("undefined variable: " + n);
  }

  private Object evalPipeline(Object dot, Pipe pipe) throws ExecError {
    at(pipe.pos(), pipe);
    Object value = NONE;
    for (Command cmd : pipe.cmds()) {
      value = evalCommand(dot, cmd, value);
      if (value == null) {
        value = MISSING;
      }
    }
    for (String d : pipe.decl()) {
      if (pipe.isAssign()) {
        setVar(d, value);
      } else {
        vars.add(new Var(d, value));
      }
    }
    return value;
  }

  private Object evalCommand(Object dot, Command cmd, Object fin) throws ExecError {
    step();
    Arg first = cmd.args().get(0);
    switch (first) {
      case FieldArg f -> {
        at(f.pos(), f);
        return fieldChain(dot, true, f.names(), cmd.args(), fin);
      }
      case ChainArg c -> {
        at(c.pos(), c);
        Object recv = evalArg(dot, c.node());
        return fieldChain(recv, false, c.fields(), cmd.args(), fin);
      }
      case IdentArg id -> {
        return call(dot, id, cmd, cmd.args(), fin);
      }
      case VariableArg v -> {
        return variable(v, cmd.args(), fin);
      }
      case PipeArg p -> {
        at(p.pos(), p);
        notAFunction(cmd.args(), fin);
        return evalPipeline(dot, p.pipe());
      }
      default -> {
        at(first.pos(), first);
        notAFunction(cmd.args(), fin);
        return constant(dot, first);
      }
    }
  }

  private Object constant(Object dot, Arg a) throws ExecError {
    return switch (a) {
      case BoolArg b -> b.value();
      case DotArg d -> dot;
      case NumberArg n -> n.value();
      case StringArg s -> s.value();
      case NilArg n -> throw error("nil is not a command");
      default -> throw error("can't evaluate command " + a);
    };
  }

  private void notAFunction(List<Arg> args, Object fin) throws ExecError {
    if (args.size() > 1 || fin != NONE) {
      throw error("can't give argument to non-function " + args.get(0));
    }
  }

  private Object variable(VariableArg v, List<Arg> args, Object fin) throws ExecError {
    at(v.pos(), v);
    Object value = varValue(v.names().get(0));
    if (v.names().size() == 1) {
      notAFunction(args, fin);
      return value;
    }
    return fieldChain(value, false, v.names().subList(1, v.names().size()), args, fin);
  }

  private Object fieldChain(
      Object recv, boolean ifaceRecv, List<String> names, List<Arg> args, Object fin)
      throws ExecError {
    Object r = recv;
    int n = names.size();
    for (int k = 0; k < n - 1; k++) {
      r = field(names.get(k), List.of(), NONE, r, k > 0 || ifaceRecv);
    }
    return field(names.get(n - 1), args, fin, r, n > 1 || ifaceRecv);
  }

  private Object field(String fieldName, List<Arg> args, Object fin, Object recv, boolean nested)
      throws ExecError {
    if (recv == MISSING) {
      return MISSING;
    }
    if (recv == null) {
      throw error("nil pointer evaluating interface {}." + fieldName);
    }
    if (recv instanceof Map<?, ?> m) {
      if (args.size() > 1 || fin != NONE) {
        throw error(fieldName + " is not a method but has arguments");
      }
      return m.containsKey(fieldName) ? m.get(fieldName) : MISSING;
    }
    String type = nested ? "interface {}" : typeName(recv);
    throw error("can't evaluate field " + fieldName + " in type " + type);
  }

  private Object evalArg(Object dot, Arg a) throws ExecError {
    at(a.pos(), a);
    Object v =
        switch (a) {
          case DotArg d -> dot;
          case NilArg n -> null;
          case FieldArg f -> fieldChain(dot, true, f.names(), List.of(a), NONE);
          case VariableArg v2 -> variable(v2, List.of(a), NONE);
          case PipeArg p -> evalPipeline(dot, p.pipe());
          case IdentArg id -> call(dot, id, id, List.of(a), NONE);
          case ChainArg c -> {
            Object recv = evalArg(dot, c.node());
            yield fieldChain(recv, false, c.fields(), List.of(a), NONE);
          }
          case BoolArg b -> b.value();
          case NumberArg n -> n.value();
          case StringArg s -> s.value();
        };
    return v == MISSING ? null : v;
  }

  private Object call(Object dot, IdentArg id, Object cmd, List<Arg> args, Object fin)
      throws ExecError {
    at(id.pos(), id);
    String fn = id.name();
    int cmdPos = cmd instanceof Command c ? c.pos() : id.pos();
    int argc = args.size() - 1 + (fin != NONE ? 1 : 0);
    if (fn.equals("and") || fn.equals("or")) {
      if (argc < 1) {
        throw error("wrong number of args for " + fn + ": want at least 1 got 0");
      }
      Object v = null;
      for (int k = 1; k < args.size(); k++) {
        v = evalArg(dot, args.get(k));
        if (truth(v) == fn.equals("or")) {
          return v;
        }
      }
      return fin != NONE ? (fin == MISSING ? null : fin) : v;
    }
    checkArity(fn, argc);
    List<Object> argv = new ArrayList<>(argc);
    for (int k = 1; k < args.size(); k++) {
      argv.add(evalArg(dot, args.get(k)));
    }
    if (fin != NONE) {
      argv.add(fin == MISSING ? null : fin);
    }
    try {
      return GoTemplateFuncs.call(fn, argv, bound);
    } catch (GoTemplateFuncs.FuncError e) {
      at(cmdPos, cmd);
      throw error("error calling " + fn + ": " + e.getMessage());
    } catch (GoTemplateFuncs.ArgTypeError e) {
      throw error(e.getMessage());
    }
  }

  private void checkArity(String fn, int got) throws ExecError {
    int want =
        switch (fn) {
          case "not", "len" -> 1;
          case "ne", "lt", "le", "gt", "ge" -> 2;
          default -> -1;
        };
    int atLeast =
        switch (fn) {
          case "index", "slice", "eq", "call" -> 1;
          case "printf" -> 1;
          default -> 0;
        };
    if (want >= 0 && got != want) {
      throw error("wrong number of args for " + fn + ": want " + want + " got " + got);
    }
    if (got < atLeast) {
      throw error("wrong number of args for " + fn + ": want at least " + atLeast + " got " + got);
    }
  }

  static boolean truth(Object v) {
    return switch (v) {
      case null -> false;
      case Boolean b -> b;
      case String s -> !s.isEmpty();
      case JsonNumber n -> !n.text().isEmpty();
      case Long l -> l != 0;
      case Double d -> d != 0;
      case Map<?, ?> m -> !m.isEmpty();
      case List<?> l -> !l.isEmpty();
      default -> false;
    };
  }

  static String typeName(Object v) {
    return switch (v) {
      case null -> "interface {}";
      case Boolean b -> "bool";
      case String s -> "string";
      case JsonNumber n -> "json.Number";
      case Long l -> "int";
      case Double d -> "float64";
      case Map<?, ?> m -> "map[string]interface {}";
      case List<?> l -> "[]interface {}";
      default -> "interface {}";
    };
  }

  /** Go's {@code %v}. */
  static String fmtV(Object v) {
    StringBuilder sb = new StringBuilder();
    fmtV(sb, v);
    return sb.toString();
  }

  private static void fmtV(StringBuilder sb, Object v) {
    switch (v) {
      case null -> sb.append("<nil>");
      case String s -> sb.append(s);
      case JsonNumber n -> sb.append(n.text());
      case Double d -> sb.append(goFloat(d));
      case Map<?, ?> m -> {
        sb.append("map[");
        boolean first = true;
        for (Map.Entry<?, ?> e : m.entrySet()) {
          if (!first) {
            sb.append(' ');
          }
          first = false;
          sb.append(e.getKey()).append(':');
          fmtV(sb, e.getValue());
        }
        sb.append(']');
      }
      case List<?> l -> {
        sb.append('[');
        for (int k = 0; k < l.size(); k++) {
          if (k > 0) {
            sb.append(' ');
          }
          fmtV(sb, l.get(k));
        }
        sb.append(']');
      }
      default -> sb.append(v == MISSING ? "<nil>" : v.toString());
    }
  }

  static String goFloat(double d) {
    if (Double.isNaN(d)) {
      return "NaN";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "+Inf" : "-Inf";
    }
    boolean neg = d < 0 || (d == 0 && 1 / d < 0);
    return (neg ? "-" : "") + GoFormat.formatFloatBody(Math.abs(d), 'g', -1, false);
  }
}
