package io.jrego.engine.builtins;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every builtin call with literal operands in OPA's compliance cases for our namespaces, with what
 * real OPA 1.22.2 returned for it. The fixtures are made by {@code gen-opa-fixtures.py} (beside
 * them): {@code python3 gen-opa-fixtures.py <compliance v1 dir> io.jwt. 'jwt*'}.
 *
 * <p>Results must be equal. For errors, the error kind must match and our message must agree with
 * OPA's up to where OPA adds library-specific detail (OPA's compliance cases check only a leading
 * part of the message).
 */
class OpaFixturesTest {

  @ParameterizedTest
  @ValueSource(strings = {"jwt", "net", "json", "crypto", "x509", "jsonschema"})
  void builtinsAgreeWithOpa(String namespace) throws Exception {
    Value fixtures;
    try (InputStream in = getClass().getResourceAsStream("opa-fixtures-" + namespace + ".json")) {
      fixtures = Json.parse(in);
    }
    List<String> failures = new ArrayList<>();
    int checked = 0;
    for (Value f : (ArrayValue) fixtures) {
      ObjectValue fx = (ObjectValue) f;
      String name = str(fx, "builtin");
      ArrayValue rawArgs = (ArrayValue) fx.get("args").orElseThrow();
      Value[] args = new Value[rawArgs.size()];
      for (int i = 0; i < args.length; i++) {
        args[i] = untag(rawArgs.get(i));
      }
      String label = str(fx, "note") + " " + name;
      checked++;
      try {
        Value got = BuiltinCalls.call(name, args);
        if (fx.get("error").isPresent()) {
          failures.add(label + ": expected error " + str(fx, "error") + " but got " + got);
        } else if (fx.get("undefined").isPresent()) {
          if (got != null) {
            failures.add(label + ": expected undefined but got " + got);
          }
        } else {
          Value want = fx.get("want").orElseThrow();
          if (str(fx, "wantType").equals("set")) {
            want = SetValue.of(((ArrayValue) want).asList());
          }
          if (name.equals("json.match_schema")
              && want instanceof ArrayValue w
              && got instanceof ArrayValue g
              && g.size() == 2) {
            // gojsonschema and networknt walk a schema in different orders: compare the errors
            // as a set.
            want = ArrayValue.of(w.get(0), SetValue.of(((ArrayValue) w.get(1)).asList()));
            got = ArrayValue.of(g.get(0), SetValue.of(((ArrayValue) g.get(1)).asList()));
          }
          if (name.equals("crypto.parse_private_keys")) {
            // OPA renders Go's rsa.PrivateKey struct; we render JWKs. Compare the count only.
            boolean sameCount =
                (got instanceof ArrayValue ga && want instanceof ArrayValue wa)
                    ? ga.size() == wa.size()
                    : want.equals(got);
            if (!sameCount) {
              failures.add(label + ": expected " + want + " but got " + got);
            }
          } else if (mismatch(want, got, "") != null) {
            failures.add(
                label
                    + ": differs at "
                    + mismatch(want, got, "")
                    + "; expected "
                    + want
                    + " but got "
                    + got);
          }
        }
      } catch (BuiltinException e) {
        if (fx.get("error").isEmpty()) {
          failures.add(label + ": unexpected error " + e.getMessage());
          continue;
        }
        String opa = str(fx, "error");
        String prefix = name + ": ";
        if (opa.startsWith(prefix)) {
          opa = opa.substring(prefix.length());
        }
        String code = str(fx, "code");
        String wantCode =
            e.kind() == BuiltinException.Kind.TYPE ? "eval_type_error" : "eval_builtin_error";
        if (!code.equals(wantCode)) {
          failures.add(label + ": code " + wantCode + " but OPA gave " + code);
        }
        if (!agrees(opa, e.getMessage())) {
          failures.add(label + ": message '" + e.getMessage() + "' but OPA said '" + opa + "'");
        }
      }
    }
    assertThat(checked).isPositive();
    assertThat(failures).isEmpty();
  }

  /**
   * Whether {@code got} equals {@code want} on every object field {@code got} renders. OPA renders
   * all of Go's x509.Certificate fields; we render the ones policies use, and each must be exactly
   * OPA's.
   */
  private static String mismatch(Value want, Value got, String path) {
    if (want instanceof ObjectValue w && got instanceof ObjectValue g) {
      for (Value k : g.keys()) {
        Value wv = w.getOrNull(k);
        if (wv == null) {
          return path + "." + k + " (OPA has no such field)";
        }
        String m = mismatch(wv, g.getOrNull(k), path + "." + k);
        if (m != null) {
          return m;
        }
      }
      return null;
    }
    if (want instanceof ArrayValue w && got instanceof ArrayValue g) {
      if (w.size() != g.size()) {
        return path + " (length " + w.size() + " vs " + g.size() + ")";
      }
      for (int i = 0; i < w.size(); i++) {
        String m = mismatch(w.get(i), g.get(i), path + "[" + i + "]");
        if (m != null) {
          return m;
        }
      }
      return null;
    }
    return want.equals(got) ? null : path + " (" + want + " vs " + got + ")";
  }

  /** Equal, or equal up to a ": detail" tail where the libraries word things differently. */
  private static boolean agrees(String opa, String ours) {
    if (opa.equals(ours) || opa.startsWith(ours) || ours.startsWith(opa)) {
      return true;
    }
    int cut = ours.lastIndexOf(": ");
    while (cut > 0) {
      if (opa.startsWith(ours.substring(0, cut + 2))) {
        return true;
      }
      cut = ours.lastIndexOf(": ", cut - 1);
    }
    return false;
  }

  private static String str(ObjectValue o, String key) {
    return ((StringValue) o.get(key).orElseThrow()).value();
  }

  /** The fixture's JSON form of an operand: sets are written {@code {"$set": [...]}}. */
  private static Value untag(Value v) {
    if (v instanceof ObjectValue o) {
      if (o.size() == 1 && o.get("$set").isPresent()) {
        List<Value> elems = new ArrayList<>();
        for (Value e : (ArrayValue) o.get("$set").orElseThrow()) {
          elems.add(untag(e));
        }
        return SetValue.of(elems);
      }
      ObjectValue.Builder b = new ObjectValue.Builder();
      for (Map.Entry<Value, Value> e : o.asMap().entrySet()) {
        b.put(e.getKey(), untag(e.getValue()));
      }
      return b.build();
    }
    if (v instanceof ArrayValue a) {
      ArrayValue.Builder b = new ArrayValue.Builder();
      for (Value e : a) {
        b.add(untag(e));
      }
      return b.build();
    }
    return v;
  }
}
