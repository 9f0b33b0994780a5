package io.jrego.engine.tester;

import io.jrego.engine.base.RegoError;
import io.jrego.engine.tester.TestResult.Status;
import io.jrego.engine.tester.TestResult.SubResult;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/** Writes test results the way {@code opa test} prints them, as text or as JSON. */
public final class TestReport {

  private static final String RULE = "-".repeat(80);

  private static final OpaJson.Shape LOCATION = OpaJson.Shape.of("file", "row", "col");

  private static final OpaJson.Shape SUB = subShape(8);

  private static final OpaJson.Shape SHAPE =
      OpaJson.Shape.of(
              "location",
              "package",
              "name",
              "fail",
              "skip",
              "error",
              "duration",
              "output",
              "sub_results")
          .with("location", LOCATION)
          .with(
              "error",
              OpaJson.Shape.of("code", "message", "location", "stack_trace")
                  .with("location", LOCATION)
                  .with("stack_trace", EvalReport.STACK_TRACE))
          .with("sub_results", OpaJson.Shape.mapOf(SUB));

  private TestReport() {}

  /** A sub-result's fields in OPA's order, nested {@code depth} levels deep. */
  private static OpaJson.Shape subShape(int depth) {
    OpaJson.Shape s = OpaJson.Shape.of("name", "fail", "sub_results");
    return depth == 0 ? s : s.with("sub_results", OpaJson.Shape.mapOf(subShape(depth - 1)));
  }

  /**
   * {@code opa test}'s text report: each test that did not pass (every test when {@code verbose})
   * as {@code file:row:} and {@code name: STATUS (duration)}, the cases of a parametrized test that
   * failed (all when {@code verbose}), the test's {@code print} output, its error; with {@code
   * verbose}, a FAILURES section naming each failed test and case; then the counts ({@code PASS:
   * 63/63}), where a parametrized test counts once per case. Empty when there are no results.
   *
   * <p>OPA's FAILURES section also shows each failure's evaluation trace; jrego has no tracer and
   * leaves the trace out.
   */
  public static String pretty(List<TestResult> results, boolean verbose) {
    StringBuilder sb = new StringBuilder();
    int pass = 0;
    int fail = 0;
    int skip = 0;
    int errs = 0;
    boolean dirty = false;
    String lastFile = "";
    List<TestResult> failures = new ArrayList<>();
    for (TestResult r : results) {
      switch (r.status()) {
        case SKIPPED -> skip++;
        case ERROR -> errs++;
        default -> {
          if (r.status() == Status.FAIL) {
            failures.add(r);
          }
          if (r.subResults().isEmpty()) {
            if (r.status() == Status.PASS) {
              pass++;
            } else {
              fail++;
            }
          } else {
            int[] counts = new int[2];
            countLeaves(r.subResults(), counts);
            pass += counts[0];
            fail += counts[1];
          }
        }
      }
      if (verbose || r.status() != Status.PASS) {
        String file = r.location().file();
        if (!lastFile.isEmpty() && !lastFile.equals(file)) {
          sb.append('\n');
        }
        lastFile = file;
        sb.append(file).append(':').append(r.location().row()).append(":\n");
        dirty = true;
        sb.append(line(r)).append('\n');
        subLines(sb, r.subResults(), 1, verbose);
        if (!r.output().isEmpty()) {
          sb.append('\n').append(indented(r.output().strip(), 2)).append("\n\n");
        }
      }
      if (!r.errors().isEmpty()) {
        sb.append("  ").append(errorText(r.errors())).append('\n');
      }
    }
    if (fail > 0 && verbose) {
      sb.append(RULE).append("\nFAILURES\n").append(RULE).append('\n');
      for (TestResult f : failures) {
        sb.append(line(f)).append('\n');
        sb.append('\n'); // OPA prints the evaluation trace here
        if (!f.subResults().isEmpty()) {
          sb.append('\n');
          failedLeaves(sb, f.subResults(), new ArrayList<>());
        }
        sb.append('\n');
      }
    }
    if (dirty) {
      sb.append(RULE).append('\n');
    }
    int total = pass + fail + skip + errs;
    count(sb, "PASS", pass, total);
    count(sb, "FAIL", fail, total);
    count(sb, "SKIPPED", skip, total);
    count(sb, "ERROR", errs, total);
    return sb.toString();
  }

  private static String line(TestResult r) {
    if (r.status() == Status.SKIPPED) {
      return r.fullName() + ": SKIPPED";
    }
    return r.fullName() + ": " + r.status() + " (" + goDuration(r.duration()) + ")";
  }

  private static void count(StringBuilder sb, String label, int n, int total) {
    if (n != 0) {
      sb.append(label).append(": ").append(n).append('/').append(total).append('\n');
    }
  }

  private static void countLeaves(Map<String, SubResult> subs, int[] counts) {
    for (SubResult s : subs.values()) {
      if (s.subResults().isEmpty()) {
        counts[s.fail() ? 1 : 0]++;
      } else {
        countLeaves(s.subResults(), counts);
      }
    }
  }

  private static void subLines(
      StringBuilder sb, Map<String, SubResult> subs, int depth, boolean verbose) {
    for (SubResult s : subs.values()) {
      if (s.fail() || verbose) {
        sb.append("  ".repeat(depth)).append(subLine(s)).append('\n');
      }
      subLines(sb, s.subResults(), depth + 1, verbose);
    }
  }

  private static String subLine(SubResult s) {
    return s.name() + ": " + (s.fail() ? "FAIL" : "PASS");
  }

  /** Every failed leaf case with the cases above it, each one level deeper. */
  private static void failedLeaves(StringBuilder sb, Map<String, SubResult> subs, List<String> up) {
    for (SubResult s : subs.values()) {
      List<String> lineage = new ArrayList<>(up);
      lineage.add(s.name());
      if (s.fail() && s.subResults().isEmpty()) {
        for (int i = 0; i < lineage.size(); i++) {
          sb.append("  ".repeat(i + 1)).append(lineage.get(i)).append(": FAIL\n");
        }
      }
      failedLeaves(sb, s.subResults(), lineage);
    }
  }

  private static String indented(String text, int n) {
    String pad = " ".repeat(n);
    return pad + text.replace("\n", "\n" + pad);
  }

  /** Compile-time errors as OPA's error list prints them; evaluation errors on their own. */
  private static String errorText(List<RegoError> errors) {
    if (errors.size() == 1 && !errors.get(0).code().startsWith("rego_")) {
      return errors.get(0).toString();
    }
    return EvalReport.errorText(errors);
  }

  /**
   * {@code opa test --format json}: an array with one object per test ({@code location}, {@code
   * package}, {@code name}, {@code fail} or {@code skip} when set, {@code error} when it errored,
   * {@code duration} in nanoseconds).
   */
  public static String json(List<TestResult> results) {
    ArrayValue.Builder arr = new ArrayValue.Builder(results.size());
    for (TestResult r : results) {
      ObjectValue.Builder o = new ObjectValue.Builder();
      o.put("location", location(r.location()));
      o.put("package", StringValue.of(r.packagePath()));
      o.put("name", StringValue.of(r.name()));
      if (r.status() == Status.FAIL) {
        o.put("fail", BooleanValue.TRUE);
      }
      if (r.status() == Status.SKIPPED) {
        o.put("skip", BooleanValue.TRUE);
      }
      if (r.status() == Status.ERROR) {
        o.put(
            "error",
            r.errors().size() == 1
                ? error(r.errors().get(0))
                : ArrayValue.of(r.errors().stream().map(TestReport::error).toList()));
      }
      o.put("duration", NumberValue.of(r.duration().toNanos()));
      if (!r.output().isEmpty()) {
        o.put(
            "output",
            StringValue.of(
                Base64.getEncoder().encodeToString(r.output().getBytes(StandardCharsets.UTF_8))));
      }
      if (!r.subResults().isEmpty()) {
        o.put("sub_results", subJson(r.subResults()));
      }
      arr.add(o.build());
    }
    return OpaJson.pretty(arr.build(), SHAPE) + "\n";
  }

  private static Value subJson(Map<String, SubResult> subs) {
    ObjectValue.Builder o = new ObjectValue.Builder();
    subs.forEach(
        (k, s) -> {
          ObjectValue.Builder b = new ObjectValue.Builder();
          b.put("name", StringValue.of(s.name()));
          if (s.fail()) {
            b.put("fail", BooleanValue.TRUE);
          }
          if (!s.subResults().isEmpty()) {
            b.put("sub_results", subJson(s.subResults()));
          }
          o.put(k, b.build());
        });
    return o.build();
  }

  /**
   * An error as OPA writes one in JSON: {@code code}, {@code message}, {@code location}, and an
   * evaluation error's {@code stack_trace}.
   */
  public static Value error(RegoError e) {
    ObjectValue.Builder o = new ObjectValue.Builder();
    o.put("code", StringValue.of(e.code()));
    o.put("message", StringValue.of(e.message()));
    e.location().ifPresent(l -> o.put("location", location(l)));
    if (!e.stackTrace().isEmpty()) {
      o.put("stack_trace", EvalReport.stackTrace(e));
    }
    return o.build();
  }

  private static Value location(RegoError.Location l) {
    return new ObjectValue.Builder()
        .put("file", StringValue.of(l.file()))
        .put("row", NumberValue.of(l.row()))
        .put("col", NumberValue.of(l.col()))
        .build();
  }

  /**
   * A duration as Go prints one: {@code 1.952271ms}, {@code 362.53µs}, {@code 2.5s}, {@code 0s}.
   */
  static String goDuration(Duration d) {
    long ns = d.toNanos();
    if (ns == 0) {
      return "0s";
    }
    if (ns < 1_000) {
      return ns + "ns";
    }
    if (ns < 1_000_000) {
      return trim(ns, 1_000) + "µs";
    }
    if (ns < 1_000_000_000) {
      return trim(ns, 1_000_000) + "ms";
    }
    return trim(ns, 1_000_000_000) + "s";
  }

  private static String trim(long ns, long unit) {
    return BigDecimal.valueOf(ns)
        .divide(BigDecimal.valueOf(unit), 9, RoundingMode.UNNECESSARY)
        .stripTrailingZeros()
        .toPlainString();
  }
}
