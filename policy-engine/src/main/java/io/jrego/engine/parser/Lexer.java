package io.jrego.engine.parser;

import io.jrego.engine.parser.Token.Kind;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits Rego source into tokens, keeping comments aside for METADATA annotations and the
 * formatter. Public for {@code io.jrego.engine.format}, which lays out the tokens' source text.
 */
public final class Lexer {

  /** A comment: its text after {@code #}, and where it is. */
  public record Comment(String text, int row, int col) {}

  private final String src;
  private int pos;
  private int row = 1;
  private int lineStart;
  private final List<Token> tokens = new ArrayList<>();
  private final List<Comment> comments = new ArrayList<>();
  private final List<String[]> errors = new ArrayList<>(); // {row, col, message}

  /** A lexer over {@code src}; {@link #run()} does the work. */
  public Lexer(String src) {
    this.src = src;
  }

  /** The tokens, the last one {@code EOF}. */
  public List<Token> tokens() {
    return tokens;
  }

  /** The comments, in source order. */
  public List<Comment> comments() {
    return comments;
  }

  /** Lexing errors as {row, col, message}. */
  List<String[]> errors() {
    return errors;
  }

  /** Splits the whole source. */
  public Lexer run() {
    boolean newline = true;
    while (true) {
      // skip whitespace and comments
      while (pos < src.length()) {
        char c = src.charAt(pos);
        if (c == '\n') {
          newline = true;
          pos++;
          row++;
          lineStart = pos;
        } else if (c == ' ' || c == '\t' || c == '\r') {
          pos++;
        } else if (c == '#') {
          int start = pos;
          while (pos < src.length() && src.charAt(pos) != '\n') {
            pos++;
          }
          comments.add(new Comment(src.substring(start + 1, pos), row, start - lineStart + 1));
        } else {
          break;
        }
      }
      int start = pos;
      int col = pos - lineStart + 1;
      int startRow = row;
      if (pos >= src.length()) {
        tokens.add(new Token(Kind.EOF, "", pos, row, col, true, pos));
        return this;
      }
      char c = src.charAt(pos);
      Kind kind;
      String text;
      if (Character.isLetter(c) || c == '_') {
        while (pos < src.length()
            && (Character.isLetterOrDigit(src.charAt(pos)) || src.charAt(pos) == '_')) {
          pos++;
        }
        kind = Kind.IDENT;
        text = src.substring(start, pos);
      } else if (Character.isDigit(c)) {
        lexNumber();
        kind = Kind.NUMBER;
        text = src.substring(start, pos);
      } else if (c == '"') {
        pos++;
        text = lexString(startRow, col);
        kind = Kind.STRING;
      } else if (c == '`') {
        pos++;
        text = lexRaw(startRow, col);
        kind = Kind.STRING;
      } else if (c == '$'
          && pos + 1 < src.length()
          && (src.charAt(pos + 1) == '"' || src.charAt(pos + 1) == '`')) {
        char quote = src.charAt(pos + 1);
        pos += 2;
        int contentStart = pos;
        int end = skipTemplate(src, pos, quote);
        if (end < 0) {
          errors.add(new String[] {"" + startRow, "" + col, "non-terminated template string"});
          end = src.length();
          pos = end;
        } else {
          pos = end + 1;
        }
        countLines(contentStart, pos);
        kind = quote == '"' ? Kind.TEMPLATE : Kind.RAW_TEMPLATE;
        text = src.substring(contentStart, end);
      } else {
        pos++;
        text = null;
        kind =
            switch (c) {
              case '{' -> Kind.LBRACE;
              case '}' -> Kind.RBRACE;
              case '[' -> Kind.LBRACK;
              case ']' -> Kind.RBRACK;
              case '(' -> Kind.LPAREN;
              case ')' -> Kind.RPAREN;
              case '.' -> Kind.DOT;
              case ',' -> Kind.COMMA;
              case ';' -> Kind.SEMI;
              case ':' -> match('=') ? Kind.ASSIGN : Kind.COLON;
              case '=' -> match('=') ? Kind.EQ : Kind.UNIFY;
              case '!' -> match('=') ? Kind.NEQ : Kind.ILLEGAL;
              case '<' -> match('=') ? Kind.LTE : Kind.LT;
              case '>' -> match('=') ? Kind.GTE : Kind.GT;
              case '+' -> Kind.PLUS;
              case '-' -> Kind.MINUS;
              case '*' -> Kind.STAR;
              case '/' -> Kind.SLASH;
              case '%' -> Kind.PERCENT;
              case '&' -> Kind.AMP;
              case '|' -> Kind.BAR;
              default -> Kind.ILLEGAL;
            };
        if (text == null) {
          text = src.substring(start, pos);
        }
      }
      tokens.add(new Token(kind, text, start, startRow, col, newline, pos));
      newline = false;
    }
  }

  String lineText(int r) {
    int i = 0;
    int cur = 1;
    while (cur < r && i < src.length()) {
      if (src.charAt(i) == '\n') {
        cur++;
      }
      i++;
    }
    int end = src.indexOf('\n', i);
    return src.substring(i, end < 0 ? src.length() : end);
  }

  private void countLines(int from, int to) {
    for (int i = from; i < to; i++) {
      if (src.charAt(i) == '\n') {
        row++;
        lineStart = i + 1;
      }
    }
  }

  /**
   * Finds the closing {@code quote} of a template string whose content starts at {@code pos},
   * skipping escapes and the strings and braces inside {@code {...}} expressions; -1 if none.
   */
  static int skipTemplate(String s, int pos, char quote) {
    int i = pos;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == '\\' && quote == '"') {
        i += 2;
      } else if (c == '\\' && i + 1 < s.length() && s.charAt(i + 1) == '{') {
        i += 2;
      } else if (c == quote) {
        return i;
      } else if (c == '{') {
        i = skipExpr(s, i + 1);
        if (i < 0) {
          return -1;
        }
        i++;
      } else {
        i++;
      }
    }
    return -1;
  }

  /** From just after an opening brace, the index of the matching closing brace, or -1. */
  public static int skipExpr(String s, int pos) {
    int depth = 0;
    int i = pos;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == '"') {
        i = skipQuoted(s, i + 1);
      } else if (c == '`') {
        int e = s.indexOf('`', i + 1);
        i = e < 0 ? -1 : e + 1;
      } else if (c == '$'
          && i + 1 < s.length()
          && (s.charAt(i + 1) == '"' || s.charAt(i + 1) == '`')) {
        int e = skipTemplate(s, i + 2, s.charAt(i + 1));
        i = e < 0 ? -1 : e + 1;
      } else if (c == '{') {
        depth++;
        i++;
      } else if (c == '}') {
        if (depth == 0) {
          return i;
        }
        depth--;
        i++;
      } else {
        i++;
      }
      if (i < 0) {
        return -1;
      }
    }
    return -1;
  }

  private static int skipQuoted(String s, int pos) {
    int i = pos;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == '\\') {
        i += 2;
      } else if (c == '"') {
        return i + 1;
      } else if (c == '\n') {
        return -1;
      } else {
        i++;
      }
    }
    return -1;
  }

  private boolean match(char c) {
    if (pos < src.length() && src.charAt(pos) == c) {
      pos++;
      return true;
    }
    return false;
  }

  private void lexNumber() {
    while (pos < src.length() && Character.isDigit(src.charAt(pos))) {
      pos++;
    }
    if (pos + 1 < src.length()
        && src.charAt(pos) == '.'
        && Character.isDigit(src.charAt(pos + 1))) {
      pos++;
      while (pos < src.length() && Character.isDigit(src.charAt(pos))) {
        pos++;
      }
    }
    if (pos < src.length() && (src.charAt(pos) == 'e' || src.charAt(pos) == 'E')) {
      int save = pos;
      pos++;
      if (pos < src.length() && (src.charAt(pos) == '+' || src.charAt(pos) == '-')) {
        pos++;
      }
      if (pos < src.length() && Character.isDigit(src.charAt(pos))) {
        while (pos < src.length() && Character.isDigit(src.charAt(pos))) {
          pos++;
        }
      } else {
        pos = save;
      }
    }
  }

  /** Lexes a quoted string after its opening quote; returns the decoded value. */
  private String lexString(int startRow, int col) {
    StringBuilder sb = new StringBuilder();
    while (true) {
      if (pos >= src.length() || src.charAt(pos) == '\n') {
        errors.add(new String[] {"" + startRow, "" + col, "non-terminated string"});
        return sb.toString();
      }
      char c = src.charAt(pos++);
      if (c == '"') {
        return sb.toString();
      }
      if (c != '\\') {
        sb.append(c);
        continue;
      }
      if (pos >= src.length()) {
        continue;
      }
      char e = src.charAt(pos++);
      switch (e) {
        case '"' -> sb.append('"');
        case '\\' -> sb.append('\\');
        case '/' -> sb.append('/');
        case 'b' -> sb.append('\b');
        case 'f' -> sb.append('\f');
        case 'n' -> sb.append('\n');
        case 'r' -> sb.append('\r');
        case 't' -> sb.append('\t');
        case 'u' -> {
          if (pos + 4 <= src.length()) {
            try {
              sb.append((char) Integer.parseInt(src.substring(pos, pos + 4), 16));
            } catch (NumberFormatException ex) {
              errors.add(new String[] {"" + row, "" + col, "illegal unicode escape"});
            }
            pos += 4;
          }
        }
        default -> errors.add(new String[] {"" + row, "" + col, "illegal escape sequence"});
      }
    }
  }

  private String lexRaw(int startRow, int col) {
    int start = pos;
    while (pos < src.length() && src.charAt(pos) != '`') {
      if (src.charAt(pos) == '\n') {
        row++;
        lineStart = pos + 1;
      }
      pos++;
    }
    if (pos >= src.length()) {
      errors.add(new String[] {"" + startRow, "" + col, "non-terminated raw string"});
      return src.substring(start);
    }
    pos++;
    return src.substring(start, pos - 1);
  }
}
