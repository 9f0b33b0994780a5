package io.jrego.engine.builtins.ai;

/**
 * One thing {@link PiiScanner} found.
 *
 * @param type what it is
 * @param start where it starts, in Unicode code points of the scanned text (inclusive)
 * @param end where it ends, in code points (exclusive); {@code [start, end)} is what OPA's {@code
 *     substring(text, start, end - start)} returns
 * @param charStart where it starts in UTF-16 units ({@link String#substring} indexes)
 * @param charEnd where it ends in UTF-16 units (exclusive)
 * @param score confidence from 0 to 100: the rule's base score, raised by context words nearby
 * @param subtype a refinement, or "" (card issuer such as {@code visa}, {@code ipv4}/{@code ipv6},
 *     IBAN country, token kind)
 * @param text the matched text, exactly as in the input
 */
public record Finding(
    PiiType type,
    int start,
    int end,
    int charStart,
    int charEnd,
    int score,
    String subtype,
    String text) {

  /** The confidence as a fraction from 0.00 to 1.00. */
  public double confidence() {
    return score / 100.0;
  }

  /**
   * This finding with its UTF-16 offsets moved {@code by} units to the left (found in a text that
   * starts {@code by} units into the one the caller indexes); code point offsets as they were.
   */
  public Finding charsShiftedLeft(int by) {
    return new Finding(type, start, end, charStart - by, charEnd - by, score, subtype, text);
  }
}
