package io.jrego.engine.parser;

/**
 * One lexical token.
 *
 * @param kind what it is
 * @param text the source text (for strings: the decoded value)
 * @param offset where it starts in the source
 * @param row 1-based line
 * @param col 1-based column
 * @param newlineBefore whether a line break separates it from the previous token
 * @param end the offset just after it
 */
public record Token(
    Kind kind, String text, int offset, int row, int col, boolean newlineBefore, int end) {

  /** Token kinds. */
  public enum Kind {
    IDENT,
    NUMBER,
    STRING,
    TEMPLATE,
    RAW_TEMPLATE,
    LBRACE,
    RBRACE,
    LBRACK,
    RBRACK,
    LPAREN,
    RPAREN,
    DOT,
    COMMA,
    SEMI,
    COLON,
    ASSIGN, // :=
    UNIFY, // =
    EQ, // ==
    NEQ,
    LT,
    LTE,
    GT,
    GTE,
    PLUS,
    MINUS,
    STAR,
    SLASH,
    PERCENT,
    AMP,
    BAR,
    EOF,
    ILLEGAL,
  }

  /** Whether it is of kind {@code k}. */
  public boolean is(Kind k) {
    return kind == k;
  }

  /** Whether it is the identifier {@code word}. */
  public boolean isIdent(String word) {
    return kind == Kind.IDENT && text.equals(word);
  }
}
