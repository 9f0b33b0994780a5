package io.jrego.engine.builtins;

import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.NullValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Iterator;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * {@code yaml.marshal}, {@code yaml.unmarshal} and {@code yaml.is_valid} as OPA does them (through
 * sigs.k8s.io/yaml, i.e. YAML converted to and from JSON). SnakeYAML Engine parses; plain scalars
 * are then typed by Go's YAML resolver rules rather than YAML 1.2's, so {@code 0755} is octal,
 * {@code yes} stays a string and {@code 1_000} is a thousand, as in OPA.
 */
final class YamlBuiltins {

  private YamlBuiltins() {}

  /** The tag our resolver gives every plain scalar, so Go's rules can type it afterwards. */
  private static final Tag PLAIN = new Tag("tag:jrego.io,2025:plain");

  private static final LoadSettings SETTINGS =
      LoadSettings.builder()
          .setAllowDuplicateKeys(true)
          .setSchema(
              new org.snakeyaml.engine.v2.schema.Schema() {
                @Override
                public org.snakeyaml.engine.v2.resolver.ScalarResolver getScalarResolver() {
                  return (value, implicit) -> implicit ? PLAIN : Tag.STR;
                }

                @Override
                public java.util.Map<Tag, org.snakeyaml.engine.v2.api.ConstructNode>
                    getSchemaTagConstructors() {
                  return java.util.Map.of();
                }
              })
          .setMaxAliasesForCollections(1000)
          .build();

  /** Go's yaml.v3 float syntax, checked before parsing a plain scalar as a float. */
  private static final Pattern YAML_FLOAT =
      Pattern.compile("^[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?$");

  static void register(BuiltinRegistry r) {
    r.add(
        "yaml.marshal",
        1,
        (a, c) -> {
          c.reserve(4 * TextSize.of(a[0], c.allocationLimit())); // indentation included
          return StringValue.of(YamlEmitter.marshal(a[0]));
        });
    r.add("yaml.unmarshal", 1, (a, c) -> unmarshal(Operands.string(a[0], 1)));
    r.add(
        "yaml.is_valid",
        1,
        (a, c) -> {
          if (!(a[0] instanceof StringValue text)) {
            return BooleanValue.FALSE; // as OPA: anything but a string is not valid YAML
          }
          try {
            unmarshal(text.value());
            return BooleanValue.TRUE;
          } catch (BuiltinException e) {
            if (e.kind() == BuiltinException.Kind.TYPE) {
              throw e;
            }
            return BooleanValue.FALSE;
          }
        });
  }

  /** The first document of {@code text} as a value; {@code null} for an empty document. */
  static Value unmarshal(String text) throws BuiltinException {
    Node root;
    try {
      Iterator<Node> docs = new Compose(SETTINGS).composeAllFromString(text).iterator();
      if (!docs.hasNext()) {
        return NullValue.INSTANCE;
      }
      root = docs.next();
    } catch (MarkedYamlEngineException e) {
      String line = e.getProblemMark().map(m -> "line " + (m.getLine() + 1) + ": ").orElse("");
      throw BuiltinException.error("yaml: " + line + goProblem(e.getProblem()));
    } catch (YamlEngineException e) {
      throw BuiltinException.error("yaml: " + e.getMessage());
    }
    return toValue(root);
  }

  /**
   * SnakeYAML's wording of an unclosed flow collection ({@code expected ',' or ']', but got ...})
   * in go-yaml's, which OPA reports.
   */
  private static String goProblem(String problem) {
    for (String close : new String[] {"]", "}"}) {
      if (problem.startsWith("expected ',' or '" + close + "'")) {
        return "did not find expected ',' or '" + close + "'";
      }
    }
    return problem;
  }

  private static Value toValue(Node node) throws BuiltinException {
    return switch (node) {
      case ScalarNode s -> scalar(s);
      case SequenceNode seq -> {
        ArrayValue.Builder b = new ArrayValue.Builder();
        for (Node n : seq.getValue()) {
          b.add(toValue(n));
        }
        yield b.build();
      }
      case MappingNode m -> {
        ObjectValue.Builder b = new ObjectValue.Builder();
        for (NodeTuple t : m.getValue()) {
          b.put(StringValue.of(key(t.getKeyNode(), t.getValueNode())), toValue(t.getValueNode()));
        }
        yield b.build();
      }
      default -> throw BuiltinException.error("yaml: unsupported node " + node.getNodeType());
    };
  }

  /** A mapping key as sigs.k8s.io/yaml turns it into a JSON object key. */
  private static String key(Node k, Node v) throws BuiltinException {
    if (!(k instanceof ScalarNode s)) {
      throw BuiltinException.error("yaml: invalid map key: " + k.getNodeType().toString());
    }
    Value kv = scalar(s);
    return switch (kv) {
      case StringValue str -> str.value();
      case NullValue n ->
          throw BuiltinException.error(
              "unsupported map key of type: %!s(<nil>), key: <nil>, value: "
                  + (v instanceof ScalarNode vs ? vs.getValue() : v.getNodeType().toString()));
      default -> kv.toString();
    };
  }

  private static Value scalar(ScalarNode s) throws BuiltinException {
    String text = s.getValue();
    if (!s.getTag().equals(PLAIN)) {
      return s.getTag().equals(Tag.STR) ? StringValue.of(text) : resolvePlain(text);
    }
    return resolvePlain(text);
  }

  /** Go yaml.v3's resolution of a plain scalar, with floats going through Go's JSON encoding. */
  static Value resolvePlain(String text) throws BuiltinException {
    switch (text) {
      case "", "~", "null", "Null", "NULL" -> {
        return NullValue.INSTANCE;
      }
      case "true", "True", "TRUE" -> {
        return BooleanValue.TRUE;
      }
      case "false", "False", "FALSE" -> {
        return BooleanValue.FALSE;
      }
      case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF" ->
          throw BuiltinException.error("json: unsupported value: +Inf");
      case "-.inf", "-.Inf", "-.INF" ->
          throw BuiltinException.error("json: unsupported value: -Inf");
      case ".nan", ".NaN", ".NAN" -> throw BuiltinException.error("json: unsupported value: NaN");
      default -> {}
    }
    char c0 = text.charAt(0);
    if ("+-.0123456789".indexOf(c0) < 0) {
      return StringValue.of(text);
    }
    if (isTimestamp(text)) {
      return StringValue.of(text);
    }
    String plain = text.replace("_", "");
    BigInteger i = goParseInt(plain);
    if (i != null) {
      return NumberValue.of(i);
    }
    if (YAML_FLOAT.matcher(plain).matches()) {
      double d;
      try {
        d = Double.parseDouble(plain);
      } catch (NumberFormatException e) {
        return StringValue.of(text);
      }
      if (Double.isInfinite(d)) {
        return StringValue.of(text);
      }
      return NumberValue.parse(GoFloats.jsonText(d));
    }
    return StringValue.of(text);
  }

  private static final Pattern TIMESTAMP =
      Pattern.compile("^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ].*)?$");

  static boolean isTimestamp(String s) {
    return TIMESTAMP.matcher(s).matches();
  }

  private static final BigInteger INT64_MIN = BigInteger.valueOf(Long.MIN_VALUE);
  private static final BigInteger UINT64_MAX =
      BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

  /**
   * Go's {@code strconv.ParseInt(s, 0, 64)}, falling back to {@code ParseUint}: sign, then {@code
   * 0x}/{@code 0o}/{@code 0b}/leading-zero octal prefixes; null when it is not such an integer or
   * out of range.
   */
  static BigInteger goParseInt(String s) {
    boolean neg = false;
    String body = s;
    if (body.startsWith("+") || body.startsWith("-")) {
      neg = body.charAt(0) == '-';
      body = body.substring(1);
    }
    int radix = 10;
    if (body.length() > 1 && body.charAt(0) == '0') {
      char p = Character.toLowerCase(body.charAt(1));
      switch (p) {
        case 'x' -> {
          radix = 16;
          body = body.substring(2);
        }
        case 'o' -> {
          radix = 8;
          body = body.substring(2);
        }
        case 'b' -> {
          radix = 2;
          body = body.substring(2);
        }
        default -> {
          radix = 8;
          body = body.substring(1);
        }
      }
    }
    if (body.isEmpty()) {
      return null;
    }
    for (int k = 0; k < body.length(); k++) {
      if (Character.digit(body.charAt(k), radix) < 0) {
        return null;
      }
    }
    BigInteger v = new BigInteger(body, radix);
    if (neg) {
      v = v.negate();
      return v.compareTo(INT64_MIN) >= 0 ? v : null;
    }
    return v.compareTo(UINT64_MAX) <= 0 ? v : null;
  }

  /** Go's float formatting, as yaml.v3 and encoding/json write a float64. */
  static final class GoFloats {
    private GoFloats() {}

    /** Shortest round-trip digits and decimal point position of {@code d} (not zero). */
    private static String[] digits(double d) {
      BigDecimal b = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
      String ds = b.unscaledValue().toString();
      int dp = ds.length() - b.scale();
      return new String[] {ds, Integer.toString(dp)};
    }

    /** {@code strconv.FormatFloat(d, 'g', -1, 64)}. */
    static String g(double d) {
      if (d == 0) {
        return (1 / d < 0) ? "-0" : "0";
      }
      String[] dd = digits(d);
      int exp = Integer.parseInt(dd[1]) - 1;
      if (exp < -4 || exp >= 6) {
        return e(d, dd);
      }
      return f(d, dd);
    }

    /**
     * encoding/json's float64: {@code 'f'} within [1e-6, 1e21), else {@code 'e'} with e-7 not e-07.
     */
    static String jsonText(double d) {
      if (d == 0) {
        return (1 / d < 0) ? "-0" : "0";
      }
      String[] dd = digits(d);
      double abs = Math.abs(d);
      if (abs < 1e-6 || abs >= 1e21) {
        String s = e(d, dd);
        int n = s.length();
        if (n >= 4 && s.charAt(n - 4) == 'e' && s.charAt(n - 3) == '-' && s.charAt(n - 2) == '0') {
          s = s.substring(0, n - 2) + s.charAt(n - 1);
        }
        return s;
      }
      return f(d, dd);
    }

    private static String e(double d, String[] dd) {
      String ds = dd[0];
      int exp = Integer.parseInt(dd[1]) - 1;
      StringBuilder sb = new StringBuilder();
      if (d < 0) {
        sb.append('-');
      }
      sb.append(ds.charAt(0));
      if (ds.length() > 1) {
        sb.append('.').append(ds, 1, ds.length());
      }
      sb.append('e').append(exp < 0 ? '-' : '+');
      int ax = Math.abs(exp);
      if (ax < 10) {
        sb.append('0');
      }
      sb.append(ax);
      return sb.toString();
    }

    private static String f(double d, String[] dd) {
      String ds = dd[0];
      int dp = Integer.parseInt(dd[1]);
      StringBuilder sb = new StringBuilder();
      if (d < 0) {
        sb.append('-');
      }
      if (dp <= 0) {
        sb.append("0.").append("0".repeat(-dp)).append(ds);
      } else if (dp >= ds.length()) {
        sb.append(ds).append("0".repeat(dp - ds.length()));
      } else {
        sb.append(ds, 0, dp).append('.').append(ds, dp, ds.length());
      }
      return sb.toString();
    }
  }
}
