package io.jrego.engine;

import io.jrego.engine.ast.Term;
import io.jrego.engine.parser.Parser;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import io.jrego.engine.value.Values;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The engine team's quick loop over OPA's compliance cases (the official runner lives on the
 * conformance branch). Run: {@code java -cp <test classpath> io.jrego.engine.ComplianceMain <dir>
 * [topic-filter] [-v]}; prints per-topic counts and failures.
 */
final class ComplianceMain {

  private ComplianceMain() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    String filter = args.length > 1 ? args[1] : "";
    boolean verbose = args.length > 2;
    List<Path> files;
    try (Stream<Path> s = Files.walk(dir)) {
      files = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }
    int pass = 0;
    int fail = 0;
    Map<String, int[]> topics = new TreeMap<>();
    for (Path f : files) {
      String topic = dir.relativize(f).getName(0).toString();
      if (!topic.contains(filter)) {
        continue;
      }
      ObjectValue root = (ObjectValue) Json.parse(Files.readString(f));
      ArrayValue cases = (ArrayValue) root.get("cases").orElseThrow();
      for (Value cv : cases) {
        ObjectValue c = (ObjectValue) cv;
        String result;
        try {
          result = run(c);
        } catch (Throwable t) {
          result = "crash: " + t;
        }
        if (result != null
            && (result.contains("eval_internal_error") || result.startsWith("crash"))) {
          System.out.println("INTERNAL " + f.getFileName() + " " + str(c, "note") + ": " + result);
        }
        int[] cnt = topics.computeIfAbsent(topic, k -> new int[2]);
        if (result == null) {
          pass++;
          cnt[0]++;
        } else {
          fail++;
          cnt[1]++;
          if (verbose) {
            System.out.println(
                "FAIL "
                    + f.getFileName()
                    + " "
                    + str(c, "note")
                    + ": "
                    + result.replace("\n", " | "));
          }
        }
      }
    }
    for (Map.Entry<String, int[]> e : topics.entrySet()) {
      System.out.println(
          e.getKey() + " " + e.getValue()[0] + "/" + (e.getValue()[0] + e.getValue()[1]));
    }
    System.out.println(pass + " passed, " + fail + " failed");
  }

  private static String str(ObjectValue c, String k) {
    return c.get(k).map(v -> v instanceof StringValue s ? s.value() : v.toString()).orElse("");
  }

  private static String run(ObjectValue c) throws Exception {
    Rego.Builder b = Rego.builder();
    int i = 0;
    for (Value m : c.get("modules").map(v -> (ArrayValue) v).orElse(ArrayValue.EMPTY)) {
      b.module("test-" + i++ + ".rego", ((StringValue) m).value());
    }
    c.get("data").ifPresent(b::data);
    boolean strict =
        c.get("strict_error")
            .map(v -> v.equals(io.jrego.engine.value.BooleanValue.TRUE))
            .orElse(false);
    b.options(EngineOptions.defaults().withStrictBuiltinErrors(strict));
    Optional<Value> input = c.get("input");
    if (c.get("input_term").isPresent()) {
      input = Optional.of(termValue(Parser.parseTerm(str(c, "input_term"))));
    }
    String wantCode = str(c, "want_error_code");
    String wantErr = str(c, "want_error");
    List<PreparedPolicy.QueryResult> results;
    try {
      PreparedPolicy p = b.compile();
      results = p.query(str(c, "query"), input);
    } catch (RegoException e) {
      if (!wantCode.isEmpty() || !wantErr.isEmpty()) {
        boolean ok =
            (wantCode.isEmpty() || e.code().equals(wantCode))
                && (wantErr.isEmpty() || e.getMessage().contains(wantErr));
        return ok ? null : "wrong error: " + e.getMessage() + " want " + wantCode + " " + wantErr;
      }
      return "error: " + e.getMessage();
    }
    if (!wantCode.isEmpty() || !wantErr.isEmpty()) {
      return "no error, want " + wantCode + " " + wantErr + "; got " + results.size() + " results";
    }
    Optional<Value> want = c.get("want_result");
    if (want.isEmpty()) {
      return null;
    }
    boolean sort =
        c.get("sort_bindings")
            .map(v -> v.equals(io.jrego.engine.value.BooleanValue.TRUE))
            .orElse(false);
    Set<Value> got = new HashSet<>();
    for (PreparedPolicy.QueryResult r : results) {
      Map<Value, Value> m = new HashMap<>();
      r.bindings()
          .forEach(
              (k, v0) -> {
                Value v = Json.parse(Json.write(v0));
                m.put(StringValue.of(k), sort ? sorted(v) : v);
              });
      got.add(ObjectValue.of(m));
    }
    Set<Value> expected = new HashSet<>();
    for (Value w : (ArrayValue) want.get()) {
      if (sort) {
        Map<Value, Value> m = new HashMap<>();
        ((ObjectValue) w).forEach((k, v) -> m.put(k, sorted(v)));
        expected.add(ObjectValue.of(m));
      } else {
        expected.add(w);
      }
    }
    return got.equals(expected) ? null : "got " + got + " want " + expected;
  }

  private static Value sorted(Value v) {
    if (v instanceof ArrayValue a) {
      List<Value> l = new ArrayList<>(a.asList());
      l.sort(Values::compare);
      return ArrayValue.of(l);
    }
    return v;
  }

  static Value termValue(Term t) {
    return switch (t) {
      case Term.Scalar s -> s.value();
      case Term.ArrayTerm a ->
          ArrayValue.of(a.items().stream().map(ComplianceMain::termValue).toList());
      case Term.SetTerm s ->
          SetValue.of(s.items().stream().map(ComplianceMain::termValue).toList());
      case Term.ObjectTerm o -> {
        Map<Value, Value> m = new HashMap<>();
        for (int i = 0; i < o.keys().size(); i++) {
          m.put(termValue(o.keys().get(i)), termValue(o.values().get(i)));
        }
        yield ObjectValue.of(m);
      }
      default -> throw new IllegalArgumentException("not a constant: " + t);
    };
  }
}
