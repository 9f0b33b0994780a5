package io.jrego.engine.builtins;

import io.jrego.engine.builtins.gocompat.GoTemplate;
import io.jrego.engine.builtins.gocompat.GoTemplateExec;
import io.jrego.engine.builtins.gocompat.GoTemplateExec.JsonNumber;
import io.jrego.engine.builtins.operand.Operands;
import io.jrego.engine.builtins.spi.BoundedOutput;
import io.jrego.engine.builtins.spi.BuiltinContext;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.builtins.spi.BuiltinRegistry;
import io.jrego.engine.builtins.spi.Declaration;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.NullValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code strings.render_template}: Go's text/template over the variables object, as OPA runs it.
 * OPA hands the template the object decoded from JSON (numbers as {@code json.Number}), so sets and
 * non-string keys fail as Go's JSON decoder words it; a missing key renders {@code <no value>},
 * which OPA then rewrites, with any literal {@code <no value>}, to {@code <undefined>}.
 */
final class TemplateBuiltins {

  private TemplateBuiltins() {}

  static void register(BuiltinRegistry r) {
    r.add(
        Declaration.of(
                "strings.render_template(value: string, "
                    + "vars: object[string: any]) => result: string")
            .categories("strings"),
        TemplateBuiltins::render);
  }

  private static Value render(Value[] args, BuiltinContext ctx) throws BuiltinException {
    String source = Operands.string(args[0], 1);
    ObjectValue vars = Operands.object(args[1], 2);
    Object data = toGo(vars);
    try {
      GoTemplate.Parsed parsed = GoTemplate.parse(source);
      String out = GoTemplateExec.execute(parsed, data, new BoundedOutput(ctx));
      return StringValue.of(out.replace("<no value>", "<undefined>"));
    } catch (GoTemplate.ParseError | GoTemplateExec.ExecError e) {
      throw BuiltinException.error(e.getMessage());
    }
  }

  /** The value as Go's JSON decoder (with UseNumber) would give it to the template. */
  static Object toGo(Value v) throws BuiltinException {
    return switch (v) {
      case NullValue n -> null;
      case BooleanValue b -> b.value();
      case NumberValue n -> new JsonNumber(n.toString());
      case StringValue s -> s.value();
      case ArrayValue a -> {
        List<Object> list = new ArrayList<>(a.size());
        for (Value e : a.asList()) {
          list.add(toGo(e));
        }
        yield Collections.unmodifiableList(list);
      }
      case ObjectValue o -> {
        Map<String, Object> m = new TreeMap<>();
        for (Value k : o.keys()) {
          if (!(k instanceof StringValue ks)) {
            throw BuiltinException.error(
                "invalid character '"
                    + k.toString().charAt(0)
                    + "' looking for beginning of object key string");
          }
          m.put(ks.value(), toGo(o.getOrNull(k)));
        }
        yield Collections.unmodifiableMap(m);
      }
      case SetValue s -> throw BuiltinException.error(setDecodeError(s));
    };
  }

  /** OPA writes a set as {@code {a, b}}, which Go's JSON decoder rejects at its first element. */
  private static String setDecodeError(SetValue s) {
    if (s.elements().isEmpty()) {
      return "invalid character 's' looking for beginning of value";
    }
    Value first = s.elements().get(0);
    if (first instanceof StringValue) {
      return "invalid character '" + (s.elements().size() > 1 ? ',' : '}') + "' after object key";
    }
    return "invalid character '"
        + first.toString().charAt(0)
        + "' looking for beginning of object key string";
  }
}
