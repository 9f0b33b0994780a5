package io.jrego.engine.builtins.ai;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Counts tokens as OpenAI's tokenizers do (JTokkit, a Java tiktoken: {@code cl100k_base}, {@code
 * o200k_base}, {@code p50k_base}, {@code r50k_base}), for budgets and limits.
 *
 * <p>A model name picks the encoding ({@code token-models.tsv}, after tiktoken's table): {@code
 * gpt-4o-mini} counts with {@code o200k_base}, {@code gpt-4} with {@code cl100k_base}; an encoding
 * name may be given instead. Special-token text such as {@code <|endoftext|>} in the input counts
 * as ordinary text, as it does in a user's message. For any other model the count is an estimate,
 * {@link #estimate}: cheap, and meant to err high, so a budget reserved from it is rarely short.
 *
 * <p>Vocabularies load on first use of each encoding (o200k_base takes a few hundred milliseconds
 * and some tens of MB); afterwards counting is thread-safe.
 */
public final class TokenCounter {

  /** The encoding name reported for models counted by estimate. */
  public static final String ESTIMATE = "estimate";

  /** Tokens added per chat message ({@code <|start|>role ... <|end|>}), per OpenAI's guide. */
  public static final int TOKENS_PER_MESSAGE = 3;

  /** Tokens added when a message has a {@code name}. */
  public static final int TOKENS_PER_NAME = 1;

  /** Tokens that prime the reply ({@code <|start|>assistant<|message|>}). */
  public static final int REPLY_PRIMING = 3;

  private static final TokenCounter STANDARD = new TokenCounter();

  private final EncodingRegistry registry = Encodings.newLazyEncodingRegistry();
  private final Map<String, String> exact = new HashMap<>();
  private final List<String[]> prefixes = new ArrayList<>();

  private TokenCounter() {
    for (String[] r : Tables.rows("token-models.tsv", 3)) {
      if (EncodingType.fromName(r[2]).isEmpty()) {
        throw new IllegalStateException("token-models.tsv: unknown encoding " + r[2]);
      }
      switch (r[0]) {
        case "exact" -> exact.put(r[1], r[2]);
        case "prefix" -> prefixes.add(new String[] {r[1], r[2]});
        default -> throw new IllegalStateException("token-models.tsv: match " + r[0]);
      }
    }
    prefixes.sort((a, b) -> b[0].length() - a[0].length());
  }

  /** The shared counter. */
  public static TokenCounter standard() {
    return STANDARD;
  }

  /**
   * The encoding {@code model} is counted with: an encoding name as given, else the model's
   * encoding, else {@link #ESTIMATE}.
   */
  public String encodingFor(String model) {
    if (EncodingType.fromName(model).isPresent()) {
      return model;
    }
    String m = model;
    int slash = m.indexOf('/');
    if (slash > 0 && slash < m.length() - 1) {
      m = m.substring(slash + 1); // "openai/gpt-4o" as routers name it
    }
    String e = exact.get(m);
    if (e != null) {
      return e;
    }
    for (String[] p : prefixes) {
      if (m.startsWith(p[0])) {
        return p[1];
      }
    }
    return ESTIMATE;
  }

  /** The number of tokens of {@code text} for {@code model} (or an encoding name). */
  public int count(String text, String model) {
    Optional<Encoding> enc = encoding(model);
    return enc.isPresent() ? enc.get().countTokensOrdinary(text) : estimate(text);
  }

  /**
   * Loads the vocabulary {@code model} is counted with, if it has one and it is not loaded yet
   * (tens of MB allocated once per JVM; a no-op afterwards), so that a caller can keep that
   * one-time cost apart from the query that first asks.
   */
  public void load(String model) {
    encoding(model);
  }

  private Optional<Encoding> encoding(String model) {
    return EncodingType.fromName(encodingFor(model)).map(registry::getEncoding);
  }

  /**
   * The estimate for unknown models, in one pass with no tables, shaped after how BPE vocabularies
   * split text: a run of ASCII letters counts a token per four letters (at least one) plus one per
   * lower-to-upper change (camelCase, base64), a run of digits a token per three digits, other
   * ASCII symbols one each (half for a repeat), a line break or tab half, spaces nothing, and every
   * other character half a token per UTF-8 byte (a CJK character 1.5, an emoji 2); the sum is
   * rounded up. On the reference texts of the tests it is within 0.7 to 1.3 of cl100k_base's count
   * for English prose and code and runs high, up to about 2x, for non-Latin scripts.
   */
  public int estimate(String text) {
    long halves = 0; // counted in half tokens, so the arithmetic stays exact
    int n = text.length();
    int i = 0;
    while (i < n) {
      char c = text.charAt(i);
      if (c >= 0x80) {
        if (Character.isHighSurrogate(c)
            && i + 1 < n
            && Character.isLowSurrogate(text.charAt(i + 1))) {
          halves += 4;
          i += 2;
        } else {
          halves += c < 0x800 ? 2 : 3;
          i++;
        }
      } else if (Chars.isAsciiLetter(c)) {
        int j = i;
        int changes = 0;
        while (j < n && Chars.isAsciiLetter(text.charAt(j))) {
          if (j > i && Chars.isUpper(text.charAt(j)) && Character.isLowerCase(text.charAt(j - 1))) {
            changes++;
          }
          j++;
        }
        halves += 2L * (Math.max(1, (j - i + 3) / 4) + changes);
        i = j;
      } else if (Chars.isAsciiDigit(c)) {
        int j = i;
        while (j < n && Chars.isAsciiDigit(text.charAt(j))) {
          j++;
        }
        halves += 2L * ((j - i + 2) / 3);
        i = j;
      } else if (c == ' ') {
        i++;
      } else if (c == '\n' || c == '\t' || c == '\r') {
        halves += 1;
        i++;
      } else {
        halves += (i > 0 && text.charAt(i - 1) == c) ? 1 : 2;
        i++;
      }
    }
    return (int) Math.min(Integer.MAX_VALUE, (halves + 1) / 2);
  }

  /**
   * Counts a chat {@code messages} array as OpenAI's guide does: {@value #TOKENS_PER_MESSAGE} per
   * message, the tokens of every field's value, {@value #TOKENS_PER_NAME} more for a {@code name},
   * and {@value #REPLY_PRIMING} for the reply. A {@code content} array counts the {@code text} of
   * its parts (other parts, such as images, are not counted); any other non-string value counts as
   * its compact JSON.
   *
   * @throws IllegalArgumentException when {@code messages} is not an array of objects
   */
  public int countMessages(Value messages, String model) {
    if (!(messages instanceof ArrayValue arr)) {
      throw new IllegalArgumentException("messages must be an array, got " + messages.typeName());
    }
    Optional<Encoding> enc = encoding(model);
    long total = REPLY_PRIMING;
    int index = 0;
    for (Value m : arr) {
      if (!(m instanceof ObjectValue msg)) {
        throw new IllegalArgumentException(
            "messages[" + index + "] must be an object, got " + m.typeName());
      }
      total += TOKENS_PER_MESSAGE;
      for (Value k : msg.keys()) {
        Value v = msg.getOrNull(k);
        total += valueTokens(k, v, enc);
        if (k instanceof StringValue ks && ks.value().equals("name")) {
          total += TOKENS_PER_NAME;
        }
      }
      index++;
    }
    return (int) Math.min(Integer.MAX_VALUE, total);
  }

  private int valueTokens(Value key, Value v, Optional<Encoding> enc) {
    if (v instanceof StringValue s) {
      return tokens(s.value(), enc);
    }
    if (key instanceof StringValue ks
        && ks.value().equals("content")
        && v instanceof ArrayValue parts) {
      int sum = 0;
      for (Value p : parts) {
        if (p instanceof ObjectValue po && po.get("text").orElse(null) instanceof StringValue t) {
          sum += tokens(t.value(), enc);
        }
      }
      return sum;
    }
    if (v instanceof io.jrego.engine.value.NullValue) {
      return 0;
    }
    return tokens(Json.write(v), enc);
  }

  private int tokens(String text, Optional<Encoding> enc) {
    return enc.isPresent() ? enc.get().countTokensOrdinary(text) : estimate(text);
  }
}
