package io.jrego.engine.builtins.ai;

import io.jrego.engine.builtins.spi.BuiltinContext;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.builtins.spi.BuiltinRegistry;
import io.jrego.engine.builtins.spi.Declaration;
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
    r.add(
        Declaration.of("jrego.tokens.count(text: string, model: string) => output: number")
            .categories("jrego.tokens")
            .describe(
                "Number of tokens of a string for a model (or encoding name) as OpenAI's tokenizers count; an estimate for unknown models.",
                "text to count",
                "model name such as gpt-4o, or an encoding such as cl100k_base",
                "token count"),
        TokenBuiltins::count);
    r.add(
        Declaration.of(
                "jrego.tokens.count_messages(messages: array[any], "
                    + "model: string) => output: number")
            .categories("jrego.tokens")
            .describe(
                "Number of prompt tokens of a chat messages array as OpenAI counts them (per-message overhead and reply priming).",
                "the chat messages array",
                "model name or encoding",
                "token count"),
        TokenBuiltins::countMessages);
    r.add(
        Declaration.of("jrego.tokens.encoding(model: string) => output: string")
            .categories("jrego.tokens")
            .describe(
                "The encoding jrego.tokens.count uses for a model, or \"estimate\".",
                "model name or encoding",
                "encoding name or \"estimate\""),
        TokenBuiltins::encoding);
  }

  private static Value count(Value[] args, BuiltinContext ctx) throws BuiltinException {
    String text = AiOperands.string(args, 0);
    String model = AiOperands.string(args, 1);
    loadVocabulary(model, ctx);
    return NumberValue.of(TokenCounter.standard().count(text, model));
  }

  private static Value countMessages(Value[] args, BuiltinContext ctx) throws BuiltinException {
    String model = AiOperands.string(args, 1);
    loadVocabulary(model, ctx);
    try {
      return NumberValue.of(TokenCounter.standard().countMessages(args[0], model));
    } catch (IllegalArgumentException e) {
      throw new BuiltinException(BuiltinException.Kind.TYPE, "operand 1: " + e.getMessage());
    }
  }

  private static Value encoding(Value[] args, BuiltinContext ctx) throws BuiltinException {
    return StringValue.of(TokenCounter.standard().encodingFor(AiOperands.string(args, 0)));
  }

  /**
   * The first use of an encoding loads its vocabulary (about 40 MB allocated for cl100k_base, held
   * by the JVM once): shared and cached, it is not charged to the query that happens to come first,
   * which would otherwise end with an eval_limit_error under jrego serve's default limit.
   */
  private static void loadVocabulary(String model, BuiltinContext ctx) {
    ctx.sharedLoad(
        () -> {
          TokenCounter.standard().load(model);
          return null;
        });
  }
}
