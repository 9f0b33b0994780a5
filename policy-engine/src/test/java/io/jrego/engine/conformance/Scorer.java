package io.jrego.engine.conformance;

import io.jrego.engine.base.RegoError;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Decides whether what the engine did matches what a case wants, as OPA's own runner does: the
 * error text is checked when {@code want_error} is given, the error code when {@code
 * want_error_code} is, an error nobody asked for fails, and the result set (compared as a set of
 * binding objects, after the values went through JSON as OPA's do) is checked when {@code
 * want_result} is given. A case that wants both an error and a result passes on the error alone.
 */
final class Scorer {

  private Scorer() {}

  /** Why a case failed, or empty when it passed. */
  static Optional<String> score(
      ComplianceCase c, List<Map<String, Value>> bindings, Optional<RegoException> error) {
    if (c.wantError().isPresent()) {
      String want = c.wantError().get();
      if (error.isEmpty()) {
        return Optional.of("expected an error containing \"" + want + "\" but got success");
      }
      if (!errorTextContains(error.get(), want)) {
        return Optional.of(
            "expected error text \"" + want + "\" but got: " + describe(error.get()));
      }
    }
    if (c.wantErrorCode().isPresent()) {
      String want = c.wantErrorCode().get();
      if (error.isEmpty()) {
        return Optional.of("expected error code " + want + " but got success");
      }
      if (!want.equals(error.get().code())) {
        return Optional.of(
            "expected error code "
                + want
                + " but got "
                + error.get().code()
                + ": "
                + describe(error.get()));
      }
    }
    if (error.isPresent() && !c.expectsError()) {
      return Optional.of("unexpected error: " + describe(error.get()));
    }
    if (c.wantResult().isPresent() && error.isPresent()) {
      // A case wanting both (one in OPA's suite): OPA's topdown runner collects strict builtin
      // errors, finishes the query and returns its results with the first error. opa eval and
      // OPA's rego API, like jrego's API, return the error alone, which was checked above.
      return Optional.empty();
    }
    if (c.wantResult().isPresent()) {
      SetValue want = SetValue.of(c.wantResult().get());
      SetValue got = normalize(bindings, c.sortBindings(), c.ignoreGeneratedVars());
      if (!want.equals(got)) {
        return Optional.of("unexpected result: want " + want + " got " + got);
      }
    }
    if (c.wantResult().isEmpty() && !c.expectsError()) {
      return Optional.of("the case wants neither a result nor an error");
    }
    return Optional.empty();
  }

  /**
   * The bindings as OPA's runner sees them: each value converted to JSON (sets become sorted
   * arrays, non-string keys their JSON text), arrays sorted when asked, generated variables dropped
   * when asked, and the results collected into a set.
   */
  static SetValue normalize(
      List<Map<String, Value>> results, boolean sortBindings, boolean ignoreGeneratedVars) {
    List<Value> objects = new ArrayList<>(results.size());
    for (Map<String, Value> b : results) {
      ObjectValue.Builder o = new ObjectValue.Builder();
      b.forEach(
          (name, value) -> {
            if (ignoreGeneratedVars && name.startsWith("__")) {
              return;
            }
            Value v = Json.parse(Json.write(value));
            if (sortBindings && v instanceof ArrayValue a) {
              v = ArrayValue.of(a.asList().stream().sorted().toList());
            }
            o.put(StringValue.of(name), v);
          });
      objects.add(o.build());
    }
    return SetValue.of(objects);
  }

  private static boolean errorTextContains(RegoException e, String want) {
    if (e.getMessage() != null && e.getMessage().contains(want)) {
      return true;
    }
    return e.errors().stream().map(RegoError::toString).anyMatch(s -> s.contains(want));
  }

  /** The first error, and how many there were when there were several. */
  static String describe(RegoException e) {
    String first = firstLine(e.errors().get(0).toString());
    return e.errors().size() == 1 ? first : first + " (and " + (e.errors().size() - 1) + " more)";
  }

  static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
