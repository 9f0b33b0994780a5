package io.jrego.server.budget;

/**
 * Tokens an upstream model reported for one request.
 *
 * @param input prompt tokens, cached ones included (Anthropic reports cache reads and writes apart
 *     from {@code input_tokens}; they are added here)
 * @param output completion tokens
 * @param total what a budget is charged: the upstream's {@code total_tokens} when it reports one,
 *     otherwise {@code input + output}
 */
public record TokenUsage(long input, long output, long total) {

  /**
   * Combines two partial reports of one stream (Anthropic's start and delta events): the larger.
   */
  TokenUsage merge(TokenUsage o) {
    long in = Math.max(input, o.input);
    long out = Math.max(output, o.output);
    return new TokenUsage(in, out, Math.max(Math.max(total, o.total), in + out));
  }
}
