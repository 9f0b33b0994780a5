package io.jrego.engine.builtins.ai;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * How the values of some types begin, as {@link PiiScanner}'s detectors recognise them, for a text
 * still arriving: whether what has arrived may already hold the start of such a value.
 *
 * <p>Credentials with a fixed start (a key's prefix from {@code secret-prefixes.tsv}, a JWT's
 * {@code eyJ}, a private key's {@code -----BEGIN }, a Slack webhook's URL) are tried only where the
 * scanner tries them: after a word boundary, or anywhere for a start that opens with a mark. A
 * value assigned to a secret-sounding name ({@link PiiType#GENERIC_SECRET}) has no fixed start: it
 * is what follows an assignment's operator or an authorization scheme. Personal data (every type
 * that is not a credential) has no fixed start either; of it, only an e-mail address (its local
 * part) and an IPv6 address (a group of hex letters) can begin with letters alone.
 *
 * <p>Immutable and thread-safe.
 */
public final class ValueStarts {

  /** The fixed starts by their first character (ASCII; every start is). */
  private final List<List<String>> byFirst = new ArrayList<>(128);

  private final boolean empty;
  private final boolean assignments;
  private final boolean personal;
  private final boolean letters;

  private ValueStarts(Set<PiiType> types) {
    for (int i = 0; i < 128; i++) {
      byFirst.add(null);
    }
    boolean personal = false;
    for (PiiType t : types) {
      for (String s : Secrets.starts(t)) {
        char c = s.charAt(0);
        if (byFirst.get(c) == null) {
          byFirst.set(c, new ArrayList<>());
        }
        byFirst.get(c).add(s);
      }
      personal |= !t.isSecret();
    }
    this.empty = types.isEmpty();
    this.assignments = types.contains(PiiType.GENERIC_SECRET);
    this.personal = personal;
    this.letters = types.contains(PiiType.EMAIL) || types.contains(PiiType.IP);
  }

  /** The starts of values of {@code types}. */
  public static ValueStarts of(Set<PiiType> types) {
    return new ValueStarts(types.isEmpty() ? EnumSet.noneOf(PiiType.class) : EnumSet.copyOf(types));
  }

  /** Whether no type is asked for (then nothing may start one). */
  public boolean isEmpty() {
    return empty;
  }

  /**
   * Whether a value assigned to a secret-sounding name is asked for: it begins after an operator
   * ({@code :}, {@code =}) or an authorization scheme, whatever its characters.
   */
  public boolean assignments() {
    return assignments;
  }

  /**
   * Whether personal data is asked for (some type that is not a credential): a value found by its
   * shape (digits, separators, capitals, {@code @}), with no fixed start.
   */
  public boolean personal() {
    return personal;
  }

  /**
   * Whether a value asked for may begin with letters alone (an e-mail address's local part, an IPv6
   * address's first group): then any word still being written may be one's start.
   */
  public boolean letters() {
    return letters;
  }

  /**
   * Whether a value with a fixed start begins at {@code at} of {@code text}, or may begin there as
   * the text grows: a start is there whole, or the text ends within one. Only where the scanner
   * tries the start: after a word boundary ({@link Chars#boundaryBefore}), or anywhere for a start
   * that opens with a mark.
   */
  public boolean startsAt(String text, int at) {
    int n = text.length();
    if (at < 0 || at >= n) {
      return false;
    }
    char c = text.charAt(at);
    List<String> starts = c < 128 ? byFirst.get(c) : null;
    if (starts == null || (Chars.isWord(c) && !Chars.boundaryBefore(text, at))) {
      return false;
    }
    for (String s : starts) {
      if (text.regionMatches(at, s, 0, Math.min(s.length(), n - at))) {
        return true;
      }
    }
    return false;
  }
}
