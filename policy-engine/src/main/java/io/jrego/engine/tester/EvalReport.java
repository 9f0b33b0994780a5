package io.jrego.engine.tester;

import io.jrego.engine.PreparedPolicy.QueryResult;
import io.jrego.engine.base.RegoError;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Formats query results and errors as {@code opa eval} prints them ({@code --format json}, {@code
 * pretty}, {@code raw}).
 */
public final class EvalReport {

  private EvalReport() {}

  private static final OpaJson.Shape LOCATION = OpaJson.Shape.of("file", "row", "col");

  /** An error's {@code stack_trace}: frames of {@code query_id} and {@code location}. */
  static final OpaJson.Shape STACK_TRACE =
      OpaJson.Shape.of("query_id", "location").with("location", LOCATION);

  private static final OpaJson.Shape DOCUMENT =
      OpaJson.Shape.of("result", "errors")
          .with(
              "result",
              OpaJson.Shape.of("expressions", "bindings")
                  .with(
                      "expressions",
                      OpaJson.Shape.of("value", "text", "location").with("location", LOCATION)))
          .with(
              "errors",
              OpaJson.Shape.of("message", "code", "location", "details", "stack_trace")
                  .with("location", LOCATION)
                  .with("stack_trace", STACK_TRACE));

  /**
   * A {@link #resultDocument} or {@link #errorDocument} as {@code opa eval --format json} prints
   * it: indented, struct fields in OPA's order, values' keys sorted.
   */
  public static String json(Value document) {
    return OpaJson.pretty(document, DOCUMENT);
  }

  /**
   * One top-level expression of a query, where {@code opa eval} says it is.
   *
   * @param text the expression's source text
   * @param row its line, 1-based
   * @param col its column, 1-based
   */
  public record Expr(String text, int row, int col) {}

  /**
   * Splits a query into its top-level expressions: separated by {@code ;} or line breaks outside
   * brackets, strings and comments.
   */
  public static List<Expr> splitQuery(String query) {
    List<Expr> out = new ArrayList<>();
    int depth = 0;
    int start = -1;
    int startRow = 1;
    int startCol = 1;
    int row = 1;
    int col = 1;
    char quote = 0;
    for (int i = 0; i <= query.length(); i++) {
      char ch = i < query.length() ? query.charAt(i) : '\n';
      if (quote != 0) {
        if (quote == '"' && ch == '\\') {
          i++;
          col += 2;
          continue;
        }
        if (ch == quote) {
          quote = 0;
        }
      } else if (ch == '#') {
        while (i + 1 < query.length() && query.charAt(i + 1) != '\n') {
          i++;
        }
      } else if (ch == '"' || ch == '`') {
        quote = ch;
      } else if (ch == '(' || ch == '[' || ch == '{') {
        depth++;
      } else if (ch == ')' || ch == ']' || ch == '}') {
        depth--;
      } else if ((ch == ';' || ch == '\n') && depth <= 0) {
        if (start >= 0) {
          out.add(new Expr(query.substring(start, i).strip(), startRow, startCol));
          start = -1;
        }
      }
      if (start < 0 && quote == 0 && !Character.isWhitespace(ch) && ch != ';' && ch != '#') {
        start = i;
        startRow = row;
        startCol = col;
      } else if (start < 0 && quote != 0) {
        start = i;
        startRow = row;
        startCol = col;
      }
      if (ch == '\n') {
        row++;
        col = 1;
      } else {
        col++;
      }
    }
    return out;
  }

  /**
   * {@code opa eval --format json}'s document: {@code {"result": [{"expressions": [{"value",
   * "text", "location"}], "bindings": {...}}]}}, or {@code {}} when undefined. {@code bindings} is
   * left out when a result has none.
   */
  public static Value resultDocument(String query, List<QueryResult> results) {
    if (results.isEmpty()) {
      return ObjectValue.EMPTY;
    }
    List<Expr> exprs = splitQuery(query);
    List<Value> rs = new ArrayList<>(results.size());
    for (QueryResult r : results) {
      List<Value> es = new ArrayList<>(r.expressions().size());
      for (int i = 0; i < r.expressions().size(); i++) {
        Expr e = i < exprs.size() ? exprs.get(i) : new Expr("", 1, 1);
        es.add(
            new ObjectValue.Builder()
                .put("value", r.expressions().get(i))
                .put("text", StringValue.of(e.text()))
                .put(
                    "location",
                    new ObjectValue.Builder()
                        .put("row", NumberValue.of(e.row()))
                        .put("col", NumberValue.of(e.col()))
                        .build())
                .build());
      }
      ObjectValue.Builder o = new ObjectValue.Builder().put("expressions", ArrayValue.of(es));
      if (!r.bindings().isEmpty()) {
        ObjectValue.Builder b = new ObjectValue.Builder();
        r.bindings().forEach((k, v) -> b.put(k, v));
        o.put("bindings", b.build());
      }
      rs.add(o.build());
    }
    return ObjectValue.of(StringValue.of("result"), ArrayValue.of(rs));
  }

  /**
   * {@code {"errors": [{"message", "code", "location": {"file", "row", "col"}}]}}, with {@code
   * details} and {@code stack_trace} when the error has them.
   */
  public static Value errorDocument(List<RegoError> errors) {
    List<Value> es = new ArrayList<>();
    for (RegoError e : errors) {
      ObjectValue.Builder o = new ObjectValue.Builder().put("message", StringValue.of(e.message()));
      if (!e.code().isEmpty()) {
        o.put("code", StringValue.of(e.code()));
      }
      e.location()
          .ifPresent(
              l ->
                  o.put(
                      "location",
                      new ObjectValue.Builder()
                          .put("file", StringValue.of(l.file()))
                          .put("row", NumberValue.of(l.row()))
                          .put("col", NumberValue.of(l.col()))
                          .build()));
      e.details().ifPresent(d -> o.put("details", d.json()));
      if (!e.stackTrace().isEmpty()) {
        o.put("stack_trace", stackTrace(e));
      }
      es.add(o.build());
    }
    return ObjectValue.of(StringValue.of("errors"), ArrayValue.of(es));
  }

  /**
   * An evaluation error's {@code stack_trace} as OPA writes it: one {@code {"query_id",
   * "location"}} per query, innermost first ({@code location} left out when unknown).
   */
  static Value stackTrace(RegoError e) {
    ArrayValue.Builder frames = new ArrayValue.Builder(e.stackTrace().size());
    for (RegoError.Frame f : e.stackTrace()) {
      ObjectValue.Builder o =
          new ObjectValue.Builder().put("query_id", NumberValue.of(f.queryId()));
      if (f.location() != null) {
        o.put(
            "location",
            new ObjectValue.Builder()
                .put("file", StringValue.of(f.location().file()))
                .put("row", NumberValue.of(f.location().row()))
                .put("col", NumberValue.of(f.location().col()))
                .build());
      }
      frames.add(o.build());
    }
    return frames.build();
  }

  private static final OpaJson.Shape CHECK_ERRORS =
      OpaJson.Shape.of("errors")
          .with(
              "errors",
              OpaJson.Shape.of("message", "code", "location", "details")
                  .with("location", LOCATION)
                  .with("details", OpaJson.Shape.of("line", "idx")));

  /**
   * Errors as {@code opa check --format json} prints them: {@link #errorDocument}'s, with a parse
   * error's source line and column index under {@code details}.
   */
  public static String checkJson(List<RegoError> errors) {
    List<Value> es = new ArrayList<>();
    for (RegoError e : errors) {
      ObjectValue.Builder o = new ObjectValue.Builder().put("message", StringValue.of(e.message()));
      if (!e.code().isEmpty()) {
        o.put("code", StringValue.of(e.code()));
      }
      if (e.location().isPresent()) {
        RegoError.Location l = e.location().get();
        o.put(
            "location",
            new ObjectValue.Builder()
                .put("file", StringValue.of(l.file()))
                .put("row", NumberValue.of(l.row()))
                .put("col", NumberValue.of(l.col()))
                .build());
        if (e.code().equals(RegoError.PARSE) && !l.lineText().isEmpty()) {
          o.put(
              "details",
              new ObjectValue.Builder()
                  .put("line", StringValue.of(l.lineText()))
                  .put("idx", NumberValue.of(Math.max(0, l.col() - 1)))
                  .build());
        }
      }
      es.add(o.build());
    }
    return OpaJson.pretty(
        ObjectValue.of(StringValue.of("errors"), ArrayValue.of(es)), CHECK_ERRORS);
  }

  /**
   * Errors as the CLI prints them in text formats: {@code 1 error occurred: file:row: code: msg}.
   */
  public static String errorText(List<RegoError> errors) {
    String lines = errors.stream().map(EvalReport::errorLine).collect(Collectors.joining("\n"));
    return errors.size() == 1
        ? "1 error occurred: " + lines
        : errors.size() + " errors occurred:\n" + lines;
  }

  private static String errorLine(RegoError e) {
    return e.code().isEmpty() ? e.message() : e.toString();
  }

  /** {@code --format raw}: each result's expression values on one line, strings unquoted. */
  public static String raw(List<QueryResult> results) {
    StringBuilder sb = new StringBuilder();
    for (QueryResult r : results) {
      sb.append(
              r.expressions().stream()
                  .map(v -> v instanceof StringValue s ? s.value() : OpaJson.compact(v))
                  .collect(Collectors.joining(" ")))
          .append('\n');
    }
    return sb.toString();
  }

  /**
   * {@code --format pretty}: {@code undefined}; a lone value indented; otherwise a table with a
   * column per expression whose value is not {@code true} and per bound variable.
   */
  public static String pretty(String query, List<QueryResult> results) {
    if (results.isEmpty()) {
      return "undefined\n";
    }
    QueryResult first = results.get(0);
    if (results.size() == 1 && first.bindings().isEmpty() && first.expressions().size() == 1) {
      return OpaJson.pretty(first.expressions().get(0)) + "\n";
    }
    List<Expr> exprs = splitQuery(query);
    List<Integer> exprCols = new ArrayList<>();
    int n = first.expressions().size();
    for (int i = 0; i < n; i++) {
      final int idx = i;
      if (results.stream().anyMatch(r -> !BooleanValue.TRUE.equals(r.expressions().get(idx)))) {
        exprCols.add(i);
      }
    }
    TreeSet<String> vars = new TreeSet<>();
    results.forEach(r -> vars.addAll(r.bindings().keySet()));
    List<String> header = new ArrayList<>();
    exprCols.forEach(i -> header.add(i < exprs.size() ? exprs.get(i).text() : "expr" + i));
    header.addAll(vars);
    List<List<String>> rows = new ArrayList<>();
    for (QueryResult r : results) {
      List<String> row = new ArrayList<>();
      exprCols.forEach(i -> row.add(OpaJson.compact(r.expressions().get(i))));
      Map<String, Value> b = r.bindings();
      vars.forEach(v -> row.add(b.containsKey(v) ? OpaJson.compact(b.get(v)) : ""));
      rows.add(row);
    }
    if (header.isEmpty()) {
      return results.stream()
          .map(r -> r.expressions().stream().map(OpaJson::compact).collect(Collectors.joining(" ")))
          .collect(Collectors.joining("\n", "", "\n"));
    }
    return table(header, rows);
  }

  private static String table(List<String> header, List<List<String>> rows) {
    int[] w = new int[header.size()];
    for (int c = 0; c < w.length; c++) {
      w[c] = header.get(c).codePointCount(0, header.get(c).length());
      for (List<String> row : rows) {
        w[c] = Math.max(w[c], row.get(c).codePointCount(0, row.get(c).length()));
      }
    }
    StringBuilder sb = new StringBuilder();
    border(sb, w, '┌', '┬', '┐');
    sb.append('│');
    for (int c = 0; c < w.length; c++) {
      String h = header.get(c);
      int pad = w[c] - h.codePointCount(0, h.length());
      sb.append(' ')
          .append(" ".repeat(pad / 2))
          .append(h)
          .append(" ".repeat(pad - pad / 2))
          .append(" │");
    }
    sb.append('\n');
    border(sb, w, '├', '┼', '┤');
    for (List<String> row : rows) {
      sb.append('│');
      for (int c = 0; c < w.length; c++) {
        String v = row.get(c);
        sb.append(' ')
            .append(v)
            .append(" ".repeat(w[c] - v.codePointCount(0, v.length())))
            .append(" │");
      }
      sb.append('\n');
    }
    border(sb, w, '└', '┴', '┘');
    return sb.toString();
  }

  private static void border(StringBuilder sb, int[] w, char left, char mid, char right) {
    sb.append(left);
    for (int c = 0; c < w.length; c++) {
      sb.append("─".repeat(w[c] + 2)).append(c == w.length - 1 ? right : mid);
    }
    sb.append('\n');
  }
}
