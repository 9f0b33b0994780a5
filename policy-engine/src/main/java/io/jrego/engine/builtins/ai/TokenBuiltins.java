package io.jrego.engine.builtins.ai;

import io.jrego.engine.builtins.Builtin;
import io.jrego.engine.builtins.BuiltinContext;
import io.jrego.engine.builtins.BuiltinException;
import io.jrego.engine.builtins.BuiltinRegistry;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;

/**
 * {@code jrego.tokens.count}, {@code jrego.tokens.count_messages} and {@code
 * jrego.tokens.encoding}: the policy face of {@link TokenCounter}. Documented in {@code
 * docs/builtins.md}.
 */
public final class TokenBuiltins {

  private TokenBuiltins() {}

  /** Adds the {@code jrego.tokens.*} builtins to {@code r}. */
  public static void register(BuiltinRegistry r) {
    r.add(Builtin.of("jrego.tokens.count", 2, TokenBuiltins::count));
    r.add(Builtin.of("jrego.tokens.count_messages", 2, TokenBuiltins::countMessages));
    r.add(Builtin.of("jrego.tokens.encoding", 1, TokenBuiltins::encoding));
  }

  private static Value count(Value[] args, BuiltinContext ctx) throws BuiltinException {
    String text = AiOperands.string(args, 0);
    String model = AiOperands.string(args, 1);
    return NumberValue.of(TokenCounter.standard().count(text, model));
  }

  private static Value countMessages(Value[] args, BuiltinContext ctx) throws BuiltinException {
    String model = AiOperands.string(args, 1);
    try {
      return NumberValue.of(TokenCounter.standard().countMessages(args[0], model));
    } catch (IllegalArgumentException e) {
      throw new BuiltinException(BuiltinException.Kind.TYPE, "operand 1: " + e.getMessage());
    }
  }

  private static Value encoding(Value[] args, BuiltinContext ctx) throws BuiltinException {
    return StringValue.of(TokenCounter.standard().encodingFor(AiOperands.string(args, 0)));
  }
}
