package io.jrego.engine.builtins.gocompat;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a Go text/template source into text and action tokens, following Go's lexer: the left-trim
 * and right-trim markers (a dash beside the delimiter) remove the whitespace beside them, comments
 * vanish, and inside an action come fields, variables, literals and punctuation.
 */
public final class GoTemplateLexer {

  enum Kind {
    TEXT,
    LEFT,
    RIGHT,
    IDENT,
    KEYWORD,
    FIELD,
    VARIABLE,
    DOT,
    STRING,
    RAW_STRING,
    CHAR,
    NUMBER,
    BOOL,
    NIL,
    PIPE,
    DECLARE,
    ASSIGN,
    LPAREN,
    RPAREN,
    COMMA,
    EOF
  }

  /**
   * One token. {@code text} is the source text (for TEXT, the trimmed text); {@code spaceBefore}
   * tells a field chain ({@code .a.b}) from two operands ({@code .a .b}).
   */
  record Token(Kind kind, String text, int pos, boolean spaceBefore) {}

  private static final java.util.Set<String> KEYWORDS =
      java.util.Set.of(
          "block", "break", "continue", "define", "else", "end", "if", "range", "template", "with");

  private final String src;
  private final List<Token> out = new ArrayList<>();
  private int i;

  private GoTemplateLexer(String src) {
    this.src = src;
  }

  static List<Token> lex(String src) throws GoTemplate.ParseError {
    GoTemplateLexer l = new GoTemplateLexer(src);
    l.run();
    return l.out;
  }

  private GoTemplate.ParseError error(int pos, String msg) {
    return new GoTemplate.ParseError(GoTemplate.lineOf(src, pos), msg);
  }

  private static boolean isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
  }

  private void run() throws GoTemplate.ParseError {
    boolean trimNext = false;
    int n = src.length();
    while (i <= n) {
      int open = src.indexOf("{{", i);
      int textEnd = open < 0 ? n : open;
      boolean trimLeft =
          open >= 0 && src.startsWith("{{-", open) && open + 3 < n && isSpace(src.charAt(open + 3));
      int from = i;
      int to = textEnd;
      if (trimNext) {
        while (from < to && isSpace(src.charAt(from))) {
          from++;
        }
      }
      if (trimLeft) {
        while (to > from && isSpace(src.charAt(to - 1))) {
          to--;
        }
      }
      if (to > from) {
        out.add(new Token(Kind.TEXT, src.substring(from, to), from, false));
      }
      if (open < 0) {
        break;
      }
      i = open + (trimLeft ? 4 : 2);
      trimNext = action(open);
    }
    out.add(new Token(Kind.EOF, "", n, false));
  }

  /** Lexes one action after its left delimiter; returns whether it ended with a trim marker. */
  private boolean action(int open) throws GoTemplate.ParseError {
    int n = src.length();
    // A comment fills the whole action.
    if (src.startsWith("/*", i)) {
      int start = i;
      int close = src.indexOf("*/", start + 2);
      if (close < 0) {
        throw error(open, "unclosed comment");
      }
      int k = close + 2;
      if (src.startsWith(" -}}", k)) {
        i = k + 4;
        return true;
      }
      if (src.startsWith("}}", k)) {
        i = k + 2;
        return false;
      }
      throw error(open, "comment ends before closing delimiter");
    }
    out.add(new Token(Kind.LEFT, "{{", open, false));
    int parens = 0;
    boolean space = false;
    while (true) {
      if (i >= n) {
        throw error(open, "unclosed action");
      }
      char c = src.charAt(i);
      if (isSpace(c)) {
        if (src.startsWith(" -}}", i)
            || src.startsWith("\t-}}", i)
            || src.startsWith("\r-}}", i)
            || src.startsWith("\n-}}", i)) {
          if (parens > 0) {
            throw error(i, "unclosed left paren");
          }
          out.add(new Token(Kind.RIGHT, "}}", i + 1, true));
          i += 4;
          return true;
        }
        i++;
        space = true;
        continue;
      }
      if (src.startsWith("}}", i)) {
        if (parens > 0) {
          throw error(i, "unclosed left paren");
        }
        out.add(new Token(Kind.RIGHT, "}}", i, space));
        i += 2;
        return false;
      }
      int start = i;
      Kind kind;
      switch (c) {
        case '|' -> {
          i++;
          kind = Kind.PIPE;
        }
        case '(' -> {
          i++;
          parens++;
          kind = Kind.LPAREN;
        }
        case ')' -> {
          i++;
          if (--parens < 0) {
            throw error(start, "unexpected right paren");
          }
          kind = Kind.RPAREN;
        }
        case ',' -> {
          i++;
          kind = Kind.COMMA;
        }
        case ':' -> {
          if (i + 1 < n && src.charAt(i + 1) == '=') {
            i += 2;
            kind = Kind.DECLARE;
          } else {
            throw error(start, "expected :=");
          }
        }
        case '=' -> {
          i++;
          kind = Kind.ASSIGN;
        }
        case '"' -> {
          i = quoted(start, '"');
          kind = Kind.STRING;
        }
        case '\'' -> {
          i = quoted(start, '\'');
          kind = Kind.CHAR;
        }
        case '`' -> {
          int close = src.indexOf('`', i + 1);
          if (close < 0) {
            throw error(start, "unterminated raw quoted string");
          }
          i = close + 1;
          kind = Kind.RAW_STRING;
        }
        case '$' -> {
          i = word(i + 1);
          kind = Kind.VARIABLE;
        }
        case '.' -> {
          if (i + 1 < n && Character.isDigit(src.charAt(i + 1))) {
            i = number(i);
            kind = Kind.NUMBER;
          } else {
            i = word(i + 1);
            kind = i == start + 1 ? Kind.DOT : Kind.FIELD;
          }
        }
        default -> {
          if (Character.isDigit(c)
              || ((c == '-' || c == '+')
                  && i + 1 < n
                  && (Character.isDigit(src.charAt(i + 1)) || src.charAt(i + 1) == '.'))) {
            i = number(i);
            kind = Kind.NUMBER;
          } else if (Character.isLetter(c) || c == '_') {
            i = word(i);
            String w = src.substring(start, i);
            kind =
                KEYWORDS.contains(w)
                    ? Kind.KEYWORD
                    : w.equals("true") || w.equals("false")
                        ? Kind.BOOL
                        : w.equals("nil") ? Kind.NIL : Kind.IDENT;
          } else {
            throw error(start, "unexpected \"" + c + "\" in command");
          }
        }
      }
      out.add(new Token(kind, src.substring(start, i), start, space));
      space = false;
    }
  }

  private int word(int from) {
    int j = from;
    while (j < src.length() && (Character.isLetterOrDigit(src.charAt(j)) || src.charAt(j) == '_')) {
      j++;
    }
    return j;
  }

  private int number(int from) {
    int j = from;
    while (j < src.length()) {
      char c = src.charAt(j);
      boolean sign =
          (c == '+' || c == '-') && (j == from || "eEpP".indexOf(src.charAt(j - 1)) >= 0);
      if (Character.isLetterOrDigit(c) || c == '.' || c == '_' || sign) {
        j++;
      } else {
        break;
      }
    }
    return j;
  }

  private int quoted(int start, char quote) throws GoTemplate.ParseError {
    int j = start + 1;
    while (j < src.length()) {
      char c = src.charAt(j);
      if (c == '\\') {
        j += 2;
        continue;
      }
      if (c == '\n') {
        break;
      }
      if (c == quote) {
        return j + 1;
      }
      j++;
    }
    throw error(
        start, quote == '"' ? "unterminated quoted string" : "unterminated character constant");
  }
}
