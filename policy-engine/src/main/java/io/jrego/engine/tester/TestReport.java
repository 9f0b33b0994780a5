package io.jrego.engine.tester;

import io.jrego.engine.RegoError;
import io.jrego.engine.tester.TestResult.Status;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.List;

/** Writes test results the way {@code opa test} prints them, as text or as JSON. */
public final class TestReport {

  private static final String RULE = "-".repeat(80);

  private static final OpaJson.Shape LOCATION = OpaJson.Shape.of("file", "row", "col");

  private static final OpaJson.Shape SHAPE =
      OpaJson.Shape.of("location", "package", "name", "fail", "skip", "error", "duration")
          .with("location", LOCATION)
          .with(
              "error", OpaJson.Shape.of("code", "message", "location").with("location", LOCATION));

  private TestReport() {}

  /**
   * {@code opa test}'s text report: each test that did not pass (every test when {@code verbose})
   * as {@code file:row:} and {@code name: STATUS (duration)}, then the counts ({@code PASS:
   * 63/63}). Empty when there are no results.
   */
  public static String pretty(List<TestResult> results, boolean verbose) {
    if (results.isEmpty()) {
      return "";
    }
    StringBuilder sb = new StringBuilder();
    boolean listed = false;
    for (TestResult r : results) {
      boolean show = verbose || r.status() != Status.PASS;
      if (!show) {
        continue;
      }
      listed = true;
      sb.append(r.location().file()).append(':').append(r.location().row()).append(":\n");
      sb.append(r.fullName()).append(": ").append(r.status());
      if (r.status() != Status.SKIPPED) {
        sb.append(" (").append(goDuration(r.duration())).append(')');
      }
      sb.append('\n');
      if (!r.errors().isEmpty()) {
        sb.append("  ").append(errorText(r.errors()).replace("\n", "\n  ")).append('\n');
      }
    }
    if (listed) {
      sb.append(RULE).append('\n');
    }
    int total = results.size();
    for (Status s : List.of(Status.PASS, Status.FAIL, Status.SKIPPED, Status.ERROR)) {
      long n = results.stream().filter(r -> r.status() == s).count();
      if (n > 0) {
        sb.append(s).append(": ").append(n).append('/').append(total).append('\n');
      }
    }
    return sb.toString();
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
      arr.add(o.build());
    }
    return OpaJson.pretty(arr.build(), SHAPE) + "\n";
  }

  /** An error as OPA writes one in JSON: {@code code}, {@code message}, {@code location}. */
  public static Value error(RegoError e) {
    ObjectValue.Builder o = new ObjectValue.Builder();
    o.put("code", StringValue.of(e.code()));
    o.put("message", StringValue.of(e.message()));
    e.location().ifPresent(l -> o.put("location", location(l)));
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
