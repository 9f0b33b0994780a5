package io.jrego.engine.parser;

import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Rego's reserved words, the one table the parser, the formatter and the compiler's printing of
 * terms read: which words are keywords of the grammar, which of them a v0 module has only once it
 * imports them, and which a reference must write in brackets ({@code x["in"]}, not {@code x.in}).
 */
public final class Keywords {

  /** Keywords in v1; in v0 only after {@code import future.keywords[.x]} or {@code rego.v1}. */
  public static final Set<String> FUTURE = Set.of("if", "contains", "in", "every");

  /** Every keyword of the grammar: the {@link #FUTURE} ones and those of every Rego version. */
  public static final Set<String> GRAMMAR =
      union(FUTURE, Set.of("some", "not", "with", "as", "else", "default", "import", "package"));

  /**
   * The words OPA writes a reference element in brackets for, though they look like names: every
   * keyword, and the literals {@code null}, {@code true} and {@code false}.
   */
  public static final Set<String> RESERVED = union(GRAMMAR, Set.of("null", "true", "false"));

  private Keywords() {}

  /**
   * Whether {@code word} is a keyword of the grammar where the future keywords {@code inForce} are
   * ({@link #FUTURE} in v1, the imported ones in v0).
   */
  public static boolean isKeyword(String word, Set<String> inForce) {
    return GRAMMAR.contains(word) && (!FUTURE.contains(word) || inForce.contains(word));
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    return Stream.concat(a.stream(), b.stream()).collect(Collectors.toUnmodifiableSet());
  }
}
