package io.jrego.engine.builtins.operand;

import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.List;

/**
 * Operand coercions shared by the builtins-b namespaces (json edits, crypto, jwt, net, graphql,
 * uuid). Each throws OPA's operand type error naming the 1-based position.
 */
public final class OperandChecks {

  private OperandChecks() {}

  public static String string(Value[] args, int index) throws BuiltinException {
    if (args[index] instanceof StringValue s) {
      return s.value();
    }
    throw BuiltinException.operand(index + 1, "string", args[index]);
  }

  public static ObjectValue object(Value[] args, int index) throws BuiltinException {
    if (args[index] instanceof ObjectValue o) {
      return o;
    }
    throw BuiltinException.operand(index + 1, "object", args[index]);
  }

  public static ArrayValue array(Value[] args, int index) throws BuiltinException {
    if (args[index] instanceof ArrayValue a) {
      return a;
    }
    throw BuiltinException.operand(index + 1, "array", args[index]);
  }

  public static NumberValue number(Value[] args, int index) throws BuiltinException {
    if (args[index] instanceof NumberValue n) {
      return n;
    }
    throw BuiltinException.operand(index + 1, "number", args[index]);
  }

  /** The elements of a set or array operand, in order (sets sorted). */
  public static List<Value> setOrArray(Value[] args, int index) throws BuiltinException {
    return switch (args[index]) {
      case ArrayValue a -> a.asList();
      case SetValue s -> s.elements();
      default -> throw BuiltinException.operand(index + 1, "one of {set, array}", args[index]);
    };
  }

  public static StringValue str(String s) {
    return StringValue.of(s);
  }
}
