package io.jrego.engine.builtins.ai;

import java.text.Normalizer;
import java.util.Arrays;
import java.util.Locale;

/**
 * The folded view that detection reads: invisible characters removed; each remaining code point
 * compatibility-decomposed (NFKD, so fullwidth and mathematical letters become ASCII), stripped of
 * combining marks, case-folded and, when it is a look-alike from another script, replaced by its
 * ASCII confusable prototype; then leetspeak inside words is undone ({@code 1gn0r3} to {@code
 * ignore}) and letters spelled out one by one are joined ({@code i g n o r e}, {@code
 * i.g.n.o.r.e}). Every folded code point maps back to the original code point it came from.
 */
final class Folding {

  private Folding() {}

  /** Folded forms of BMP code points, computed on first use (idempotent, so races are benign). */
  private static final String[] BMP = new String[0x10000];

  private static final int MIN_SPACED_LETTERS = 4;

  /** The per-code-point fold of {@code cp}: lower-case ASCII where a look-alike exists. */
  static String fold(int cp) {
    if (cp < 0x80) {
      return ASCII[cp];
    }
    if (cp < 0x10000) {
      String f = BMP[cp];
      if (f == null) {
        f = computeFold(cp);
        BMP[cp] = f;
      }
      return f;
    }
    return computeFold(cp);
  }

  private static final String[] ASCII = new String[0x80];

  /** {@link #foldOne}'s answer for a code point that does not fold to exactly one char. */
  static final int NOT_ONE = -1;

  /**
   * Per 256 code points of the BMP (made on first use): the char each folds to when {@link #fold}
   * gives exactly one that is not a surrogate, {@link #NOT_ONE} when it gives none or several, 0
   * while not yet asked. Idempotent, so races are benign, as for {@link #BMP}.
   */
  private static final int[][] ONE = new int[0x100][];

  /**
   * The char {@code cp} folds to when {@link #fold} gives exactly one that is not a surrogate, else
   * {@link #NOT_ONE}; for {@code cp >= 0x80}. Read from an int table: the front pass asks it of
   * every code point outside ASCII, and taking the char out of the folded string (a UTF-16 one for
   * most scripts) cost as much as the rest of the pass did on such a text.
   */
  static int foldOne(int cp) {
    if (cp >= 0x10000) {
      return one(fold(cp));
    }
    int[] page = ONE[cp >>> 8];
    if (page == null) {
      page = new int[0x100];
      ONE[cp >>> 8] = page;
    }
    int f = page[cp & 0xFF];
    if (f == 0) {
      f = one(fold(cp));
      page[cp & 0xFF] = f;
    }
    return f;
  }

  private static int one(String f) {
    return f.length() == 1 && !Character.isSurrogate(f.charAt(0)) ? f.charAt(0) : NOT_ONE;
  }

  static {
    for (int c = 0; c < 0x80; c++) {
      ASCII[c] = String.valueOf((char) Character.toLowerCase(c));
    }
  }

  private static String computeFold(int cp) {
    if (Character.isSpaceChar(cp)) {
      return " ";
    }
    String nfkd = Normalizer.normalize(Character.toString(cp), Normalizer.Form.NFKD);
    StringBuilder marksOff = new StringBuilder(nfkd.length());
    nfkd.codePoints().filter(c -> !isMark(c)).forEach(marksOff::appendCodePoint);
    // Upper then lower case folds ß to ss and final sigma to sigma, as full case folding does.
    String lower = marksOff.toString().toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT);
    StringBuilder out = new StringBuilder(lower.length());
    lower
        .codePoints()
        .forEach(
            c -> {
              String proto = c >= 0x80 ? Confusables.prototype(c) : null;
              if (proto != null && isAsciiAlnum(proto)) {
                out.append(proto.toLowerCase(Locale.ROOT));
              } else {
                out.appendCodePoint(c);
              }
            });
    return out.toString();
  }

  private static boolean isMark(int c) {
    int t = Character.getType(c);
    return t == Character.NON_SPACING_MARK
        || t == Character.ENCLOSING_MARK
        || t == Character.COMBINING_SPACING_MARK;
  }

  private static boolean isAsciiAlnum(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
        return false;
      }
    }
    return true;
  }

  /**
   * The per-code-point fold of {@code cps[from, to)} without invisible characters; {@code offsets}
   * says which original span each of those code points stands for.
   */
  static MappedText foldChars(int[] cps, int from, int to, Offsets offsets) {
    MappedText t = new MappedText(to - from);
    foldInto(t, cps, from, to, offsets);
    return t;
  }

  /**
   * The per-code-point fold of all of {@code cps}, code point i standing for original code point i,
   * when the caller already wrote the fold of the first {@code done} code points into {@code out}
   * (each folding to exactly one, so index i maps to itself there; {@link TextViews} does it while
   * reading the text). The general path goes on from {@code done}: an invisible character, a
   * ligature or ß folds to none or several. The view takes {@code out} over.
   */
  static MappedText foldChars(int[] cps, int[] out, int done) {
    MappedText t = MappedText.identityPrefix(out, done);
    foldInto(t, cps, done, cps.length, Offsets.IDENTITY);
    return t;
  }

  private static void foldInto(MappedText t, int[] cps, int from, int to, Offsets offsets) {
    for (int i = from; i < to; i++) {
      int cp = cps[i];
      if (Invisibles.kind(cp) != Invisibles.NOT_INVISIBLE) {
        continue;
      }
      int s = offsets.start(i);
      int e = offsets.end(i);
      if (cp < 0x80) {
        t.append(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp, s, e);
        continue;
      }
      int one = foldOne(cp);
      if (one != NOT_ONE) {
        t.append(one, s, e);
        continue;
      }
      String f = fold(cp);
      for (int k = 0; k < f.length(); ) {
        int c = f.codePointAt(k);
        t.append(c, s, e);
        k += Character.charCount(c);
      }
    }
  }

  /** Where the code points being folded came from. */
  interface Offsets {
    int start(int i);

    int end(int i);

    /** Code point i is original code point i. */
    Offsets IDENTITY =
        new Offsets() {
          @Override
          public int start(int i) {
            return i;
          }

          @Override
          public int end(int i) {
            return i + 1;
          }
        };
  }

  /**
   * Leetspeak undone inside words and spelled-out letters joined; see the class comment. One walk
   * over the words finds both: letters spelled out (which change the length, so the view is
   * rebuilt) and the words leetspeak undoing would change. Those are undone only when some
   * leetspeak character stands next to a letter; only words with both a letter and a leetspeak
   * character can change.
   *
   * <p>Takes {@code in} over: leetspeak is undone in its code points, in place (every caller passes
   * a view it has just made and keeps only the result). The words to change are all found before
   * the first is changed, they do not overlap, and undoing one reads only its own characters, so
   * the answer is the one a copy would give; a 100 KB view is not copied for a few identifiers.
   */
  static MappedText deobfuscate(MappedText in) {
    int n = in.length();
    int[] c = in.codePoints();
    // The view's words as Tokens splits them (letters and digits), found in the same walk: a word
    // here may hold several of them ("h@ck" holds "h" and "ck"). Kept with the view when it comes
    // back unchanged, so the scanner does not walk it again.
    Walk walk = new Walk(n, false);
    Tokens.Builder words = walk;
    int i = 0;
    while (i < n) {
      int ch = c[i];
      if (!isWordChar(ch)) {
        if (spacedLettersAt(in, i)) {
          return rewrite(in); // spelled-out letters change the length: rebuild the view
        }
        i++;
        continue;
      }
      int j = i;
      int kinds = 0;
      int tokenFrom = -1;
      int h = 0;
      while (j < n) {
        int cj = c[j];
        int k = kinds(cj);
        if ((k & WORD) == 0) {
          break;
        }
        kinds |= k;
        if ((k & TOKEN) != 0) {
          if (tokenFrom < 0) {
            tokenFrom = j;
            h = 0;
          }
          h = 31 * h + Math.min(cj, 0xFFFF); // as Tokens hashes: outside the BMP counts as 0xFFFF
        } else if (tokenFrom >= 0) {
          words.add(tokenFrom, j, h);
          tokenFrom = -1;
        }
        j++;
      }
      if (tokenFrom >= 0) {
        words.add(tokenFrom, j, h);
      }
      if ((kinds & (LETTER | LEETSPEAK)) == (LETTER | LEETSPEAK)) {
        walk.leetWord(c, i, j);
      }
      i = j;
    }
    return deobfuscate(in, walk, null);
  }

  /**
   * {@link #deobfuscate(MappedText)} of a view whose code points a walk has already read ({@link
   * TextViews}' front pass, while folding them): {@code walk} holds what that walk found, and the
   * view is not read again but where it found something. With {@code literals}, the walk also found
   * where {@link MarkerLiterals#mayStart} holds; those positions are left in {@code walk} for the
   * view returned (asked again around the words leetspeak undoing changed), or dropped ({@link
   * Walk#literals} null) when spelled-out letters made a new view.
   */
  static MappedText deobfuscate(MappedText in, Walk walk, MarkerLiterals literals) {
    for (int k = 0; k < walk.spacedCount; k++) {
      if (spacedLettersAt(in, walk.spaced[k])) {
        walk.literals = null;
        walk.undoInPlace(in.codePoints()); // the view as read, before any leetspeak undone
        return rewrite(in); // spelled-out letters change the length: rebuild the view
      }
    }
    int[] changed = walk.changed;
    int changedCount = walk.changedCount;
    if (!walk.leet || changedCount == 0) {
      in.words = walk.build(in);
      return in;
    }
    for (int k = 0; k < changedCount; k += 2) {
      unleetChanging(in, changed[k], changed[k + 1]);
    }
    in.words = respliced(in, walk, changed, changedCount);
    if (literals != null && walk.literals != null) {
      int[] starts =
          literals.afterChanges(
              in.codePoints(),
              in.length(),
              walk.literals,
              walk.literalCount,
              changed,
              changedCount);
      walk.literals = starts;
      walk.literalCount = starts.length;
    }
    return in;
  }

  /**
   * What a walk over a view's words found for {@link #deobfuscate(MappedText, Walk,
   * MarkerLiterals)}: the words as {@link Tokens} splits them, the words leetspeak undoing changes,
   * the separators that may join spelled-out letters and, when asked, where a marker literal may
   * start.
   */
  static final class Walk extends Tokens.Builder {
    /** Whether some word has a leetspeak character next to a letter. */
    boolean leet;

    /** {@code [from, to)} pairs of the words leetspeak undoing changes, ascending. */
    int[] changed;

    int changedCount;

    /**
     * The separators between two words of one character each, ascending, where the character after
     * the second is that separator again or a space: where spelled-out letters may be joined
     * ({@link #spacedLettersAt} decides).
     */
    int[] spaced = NONE;

    int spacedCount;

    /** Where {@link MarkerLiterals#mayStart} holds, ascending; null when not looked for. */
    int[] literals;

    int literalCount;

    private static final int[] NONE = new int[0];

    /**
     * A walk over a view of about {@code n} code points, also looking for marker literals. The walk
     * is its own builder of the words (one object less per text).
     */
    Walk(int n, boolean literals) {
      super(Math.max(8, n / 5));
      this.literals = literals ? NONE : null;
    }

    /**
     * Word {@code [i, j)} of {@code c} has a letter and a leetspeak character: whether one stands
     * next to a letter ({@link #leetNextToLetter}) and whether {@link #unleet} would replace any
     * ({@link #changesUnderUnleet}), in one reading of the word.
     */
    void leetWord(int[] c, int i, int j) {
      boolean nextToLetter = false;
      boolean replaceable = false; // a leetspeak char that is a digit or inside the word
      boolean leetBefore = false; // one before the char being read
      boolean innerLeet = false; // one before the last letter
      boolean prevLetter = false;
      int lastLetter = -1;
      for (int k = i; k < j; k++) {
        int ch = c[k];
        boolean letter = isLetter(ch);
        if (letter) {
          lastLetter = k;
          innerLeet = leetBefore;
        } else if (leetLetter(ch) != 0) {
          leetBefore = true;
          nextToLetter |= (k > i && prevLetter) || (k + 1 < j && isLetter(c[k + 1]));
          replaceable |= (ch >= '0' && ch <= '9') || (k != i && k != j - 1);
        }
        prevLetter = letter;
      }
      leet |= nextToLetter;
      boolean skip = lastLetter < 0 || (!innerLeet && j - lastLetter - 1 > 1); // leetskip
      if (!skip && replaceable) {
        if (changed == null) {
          changed = new int[16];
        } else if (changedCount + 2 > changed.length) {
          changed = Arrays.copyOf(changed, changed.length * 2);
        }
        changed[changedCount++] = i;
        changed[changedCount++] = j;
      }
    }

    /**
     * {@link #leetWord} for the walk of {@link TextViews}' front pass, which has just added word
     * {@code [i, j)} of {@code c} ({@code c[0, j)} read so far) and its tokens, and, with {@code
     * literals}, the literal starts before {@code j - 2}. When the word changes and some word has
     * already had a leetspeak character next to a letter (so undoing leetspeak will happen), it is
     * undone here, in place: the word's tokens are split again and the literal starts from two
     * before it asked again on its new code points, in the same reading, instead of by {@link
     * #deobfuscate(MappedText, Walk, MarkerLiterals)} afterwards (a binary search, a copy and the
     * word read again per word, and a PII-dense text has a changed word in every ten). Other words
     * are left for that as before. Returns whether the word was changed here: the caller's last two
     * code points may then be others.
     */
    boolean leetWordInPlace(int[] c, int i, int j, MarkerLiterals literalTest) {
      // leetWord's reading, which also notes the code points undoing would change (in undo,
      // dropped again when the word does not change here) and hashes the word as it would read
      // after: inside it every code point is then a letter or digit, and only a leetspeak
      // character that is no digit at either end stays and is no part of its one token.
      int undoFrom = undoCount;
      int a = isTokenAfterUndo(c[i]) ? i : i + 1; // the token after undoing: [a, b)
      int b = isTokenAfterUndo(c[j - 1]) ? j : j - 1;
      if (undoCount + 2 * (j - i) > undo.length) {
        undo =
            Arrays.copyOf(undo, Math.max(32, Math.max(undo.length * 2, undoCount + 2 * (j - i))));
      }
      // Per code point, its bits from one table and what they change as arithmetic, not branches:
      // the words read here are mostly keys and hex or base64 runs, where letters and digits
      // alternate at random, and a branch on either was mispredicted about every other char.
      int hash = 0;
      int before = 0; // the hash without the last code point
      int nextToLetter = 0;
      int leetBefore = 0;
      int innerLeet = 0;
      int prevLetter = 0;
      int prevLeet = 0;
      int lastLetter = -1;
      for (int k = i; k < j; k++) {
        int ch = c[k];
        int bits = ch < 128 ? LEET_BITS[ch] : Character.isLetter(ch) ? L_LETTER : 0;
        int letter = bits & L_LETTER;
        int leetChar = (bits >>> 1) & 1;
        // a leetspeak char undoing changes: a digit, or one inside the word
        int inner = (((k - i - 1) | (j - 2 - k)) >>> 31) ^ 1;
        int change = leetChar & ((bits >>> 2) | inner);
        nextToLetter |= (leetChar & prevLetter) | (prevLeet & letter);
        lastLetter += (k - lastLetter) & -letter;
        innerLeet ^= (innerLeet ^ leetBefore) & -letter;
        leetBefore |= leetChar;
        undo[undoCount] = k; // kept when it changes
        undo[undoCount + 1] = ch;
        undoCount += change << 1;
        int v = ch + (((bits >>> 8) - ch) & -change);
        before = hash;
        hash = 31 * hash + Math.min(v, 0xFFFF);
        hash &= -((a - 1 - k) >>> 31); // 0 until the token starts (k >= a)
        prevLetter = letter;
        prevLeet = leetChar;
      }
      if (b < j) {
        hash = before; // the last code point is no part of the token
      }
      leet |= nextToLetter != 0;
      boolean skip = lastLetter < 0 || (innerLeet == 0 && j - lastLetter - 1 > 1); // leetskip
      if (skip || undoCount == undoFrom) {
        undoCount = undoFrom;
        return false; // the word does not change
      }
      if (!leet) {
        undoCount = undoFrom;
        if (changed == null) {
          changed = new int[16];
        } else if (changedCount + 2 > changed.length) {
          changed = Arrays.copyOf(changed, changed.length * 2);
        }
        changed[changedCount++] = i; // undone afterwards, if at all
        changed[changedCount++] = j;
        return false;
      }
      for (int u = undoFrom; u < undoCount; u += 2) {
        c[undo[u]] = leetLetter(undo[u + 1]);
      }
      // the word's tokens are the last ones added: now the one token [a, b)
      int w = count;
      while (w > 0 && from[w - 1] >= i) {
        w--;
      }
      count = w;
      add(a, b, hash);
      if (literals != null) {
        againAround(c, i, j, undoFrom, literalTest);
      }
      return true;
    }

    /** {@link #LEET_BITS}: a letter, a leetspeak char, a digit; the leetspeak letter from bit 8. */
    private static final int L_LETTER = 1;

    private static final int L_LEET = 2;
    private static final int L_DIGIT = 4;

    /** Per ASCII char, what {@link #leetWordInPlace} asks of it in one read. */
    private static final int[] LEET_BITS = new int[128];

    static {
      for (int ch = 0; ch < 128; ch++) {
        LEET_BITS[ch] =
            (isLetter(ch) ? L_LETTER : 0)
                | (leetLetter(ch) != 0 ? L_LEET : 0)
                | (ch >= '0' && ch <= '9' ? L_DIGIT : 0)
                | leetLetter(ch) << 8;
      }
    }

    /**
     * Whether a code point of a word that changes is a letter or digit after undoing (a token's):
     * all but a leetspeak character that is no digit, which stays at either end of the word.
     */
    private static boolean isTokenAfterUndo(int ch) {
      return ch >= 128 || (ASCII_KINDS[ch] & TOKEN) != 0 || (ch >= '0' && ch <= '9');
    }

    /**
     * The literal starts of {@code [i - 2, j - 2)} after the code points in {@code undo[from, ...)}
     * (ascending positions) changed: a start reads its code point and the two after it, so only
     * those within two before a changed one are asked again; the rest keep their answers.
     */
    private void againAround(int[] c, int i, int j, int from, MarkerLiterals literalTest) {
      int lo = Math.max(0, i - 2);
      int keep = literalCount;
      while (keep > 0 && literals[keep - 1] >= lo) {
        keep--;
      }
      int[] old = keep == literalCount ? NONE : Arrays.copyOfRange(literals, keep, literalCount);
      literalCount = keep;
      int o = 0;
      int next = lo; // positions below are decided
      for (int u = from; u < undoCount; u += 2) {
        int k = undo[u];
        int lo2 = Math.max(next, k - 2);
        int hi = Math.min(k, j - 3);
        while (o < old.length && old[o] < lo2) {
          literal(old[o++]); // before the changed code point's three: kept
        }
        for (int r = lo2; r <= hi; r++) {
          if (literalTest.mayStart(c[r], c[r + 1], c[r + 2])) {
            literal(r);
          }
        }
        while (o < old.length && old[o] <= hi) {
          o++; // asked again above
        }
        next = Math.max(next, hi + 1);
      }
      while (o < old.length) {
        literal(old[o++]);
      }
    }

    /**
     * The code points {@link #leetWordInPlace} changed, as position and old code point pairs: put
     * back when the walk's view is not the one kept ({@link #undoInPlace}).
     */
    private int[] undo = NONE;

    private int undoCount;

    /** Puts back in {@code c} what {@link #leetWordInPlace} changed. */
    void undoInPlace(int[] c) {
      for (int k = 0; k < undoCount; k += 2) {
        c[undo[k]] = undo[k + 1];
      }
      undoCount = 0;
    }

    /** The separator at {@code p} is between two words of one character. */
    void spaced(int p) {
      if (spacedCount == spaced.length) {
        spaced = Arrays.copyOf(spaced, Math.max(4, 2 * spacedCount));
      }
      spaced[spacedCount++] = p;
    }

    /** A marker literal may start at {@code p}. */
    void literal(int p) {
      if (literalCount == literals.length) {
        literals = Arrays.copyOf(literals, Math.max(4, 2 * literalCount));
      }
      literals[literalCount++] = p;
    }
  }

  /**
   * Whether the code point at {@code i}, which is no word character, is a separator between letters
   * spelled out one by one ({@code i g n o r e}): a run of at least {@link #MIN_SPACED_LETTERS}
   * starts just before it.
   */
  private static boolean spacedLettersAt(MappedText in, int i) {
    int n = in.length();
    int ch = in.cp(i);
    return ch < 128
        && isSeparator(ch)
        && i > 0
        && i + 3 < n
        && (in.cp(i + 2) == ch || in.cp(i + 2) == ' ')
        && isSingleLetter(in, i - 1)
        && isSingleLetter(in, i + 1)
        && spacedRun(in, i - 1, null) > i - 1;
  }

  /**
   * The words of {@code v} after leetspeak was undone in the ranges {@code changed[2k], changed[2k
   * + 1]} (ascending whole words of the walk, each between characters that are not word characters,
   * which undoing leaves alone): the words found before, but those ranges split again. No word
   * crosses a range's end, so this is the split of the whole view.
   *
   * <p>Written over {@code found}'s own arrays (a 100 KB view's words are three arrays of 20,000
   * ints, which a second list made again): undoing leetspeak only turns characters into letters, so
   * it can join the words of a range but not split them, and a range's words go where its old ones
   * were, never past a word not yet read. Should a range ever give more words than it had, the view
   * is split afresh.
   */
  private static Tokens respliced(
      MappedText v, Tokens.Builder found, int[] changed, int changedCount) {
    int[] c = v.codePoints();
    int[] from = found.from;
    int[] to = found.to;
    int[] hash = found.hash;
    int size = found.count;
    int out = 0; // words written; always at most w, the next word to read
    int w = 0;
    for (int k = 0; k <= changedCount; k += 2) {
      int a = k < changedCount ? changed[k] : Integer.MAX_VALUE;
      // the words before the range, moved down as one block (in place while none was dropped)
      int e = k < changedCount ? firstFrom(from, w, size, a) : size;
      if (out != w) {
        System.arraycopy(from, w, from, out, e - w);
        System.arraycopy(to, w, to, out, e - w);
        System.arraycopy(hash, w, hash, out, e - w);
      }
      out += e - w;
      w = e;
      if (k == changedCount) {
        break;
      }
      int b = changed[k + 1];
      while (w < size && from[w] < b) {
        w++; // a word of the changed range: found again below
      }
      int p = a;
      while (p < b) {
        if ((kinds(c[p]) & TOKEN) == 0) {
          p++;
          continue;
        }
        int q = p;
        int x = 0;
        while (q < b && (kinds(c[q]) & TOKEN) != 0) {
          x = 31 * x + Math.min(c[q], 0xFFFF);
          q++;
        }
        if (out >= w) {
          return Tokens.split(v, false); // more words than the range had: not expected
        }
        from[out] = p;
        to[out] = q;
        hash[out] = x;
        out++;
        p = q;
      }
    }
    found.count = out;
    return found.build(v);
  }

  /**
   * The first index in {@code [lo, hi)} of ascending {@code a} whose value is at least {@code x}.
   */
  static int firstFrom(int[] a, int lo, int hi, int x) {
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (a[mid] < x) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /**
   * Whether word {@code [i, j)} has a leetspeak character next to a letter. A letter is a word
   * character, so a leetspeak character's letter neighbour is always inside its word.
   */
  static boolean leetNextToLetter(int[] c, int i, int j) {
    for (int k = i; k < j; k++) {
      if (leetLetter(c[k]) != 0
          && ((k > i && isLetter(c[k - 1])) || (k + 1 < j && isLetter(c[k + 1])))) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@link #unleet} would replace anything in word {@code [i, j)}. */
  static boolean changesUnderUnleet(int[] c, int i, int j) {
    if (leetskip(c, i, j)) {
      return false;
    }
    for (int k = i; k < j; k++) {
      int ch = c[k];
      if (leetLetter(ch) != 0 && (Character.isDigit(ch) || (k != i && k != j - 1))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether word {@code [i, j)} is not leetspeak: no letters, or letters then two or more digits
   * ({@code rot13}, {@code h264}) with no leetspeak character before its last letter.
   */
  private static boolean leetskip(int[] c, int i, int j) {
    int lastLetter = -1;
    for (int k = i; k < j; k++) {
      if (isLetter(c[k])) {
        lastLetter = k;
      }
    }
    boolean innerLeet = false;
    for (int k = i; k < lastLetter; k++) {
      innerLeet |= leetLetter(c[k]) != 0;
    }
    return lastLetter < 0 || (!innerLeet && j - lastLetter - 1 > 1);
  }

  /**
   * {@link #unleet} of word {@code [i, j)} of {@code in}, in place, for a word {@link
   * Walk#leetWord} found it changes (so not {@link #leetskip}).
   */
  private static void unleetChanging(MappedText in, int i, int j) {
    int[] c = in.codePoints();
    for (int k = i; k < j; k++) {
      int l = leetLetter(c[k]);
      if (l != 0 && (Character.isDigit(c[k]) || (k != i && k != j - 1))) {
        in.set(k, l);
      }
    }
  }

  /**
   * Replaces leetspeak characters in word {@code [i, j)} when the word also has letters; a word's
   * trailing digits ({@code rot13}, {@code mp3}) and a leading or trailing {@code ! | $ @} are not
   * leetspeak.
   */
  private static void unleet(MappedText in, int i, int j, MappedText out) {
    if (leetskip(in.codePoints(), i, j)) {
      return;
    }
    for (int k = i; k < j; k++) {
      int c = in.cp(k);
      int l = leetLetter(c);
      if (l == 0 || (!Character.isDigit(c) && (k == i || k == j - 1))) {
        continue;
      }
      out.set(k, l);
    }
  }

  private static MappedText rewrite(MappedText in) {
    int n = in.length();
    MappedText out = new MappedText(n);
    int i = 0;
    while (i < n) {
      if (isSingleLetter(in, i)) {
        int end = spacedRun(in, i, out);
        if (end > i) {
          i = end;
          continue;
        }
      }
      if (isWordChar(in.cp(i)) && (i == 0 || !isWordChar(in.cp(i - 1)))) {
        int j = i;
        while (j < n && isWordChar(in.cp(j))) {
          j++;
        }
        int at = out.length();
        for (int k = i; k < j; k++) {
          out.append(in.cp(k), in.start(k), in.end(k));
        }
        MappedText word = in.slice(i, j);
        MappedText fixed = word.copy();
        unleet(word, 0, j - i, fixed);
        for (int k = 0; k < j - i; k++) {
          out.set(at + k, fixed.cp(k));
        }
        i = j;
        continue;
      }
      out.append(in.cp(i), in.start(i), in.end(i));
      i++;
    }
    return out;
  }

  /**
   * Joins letters spelled out one at a time with one separator ({@code i g n o r e}); a longer gap
   * of separators between letters is a word break, kept as one space. Returns the index after the
   * run, or {@code start} when there is no run of at least {@link #MIN_SPACED_LETTERS} letters.
   */
  private static int spacedRun(MappedText in, int start, MappedText out) {
    int n = in.length();
    if (start + 2 >= n) {
      return start;
    }
    int sep = in.cp(start + 1);
    if (!isSeparator(sep)) {
      return start;
    }
    int letters = 1;
    int j = start;
    while (true) {
      int k = j + 1;
      int gap = 0;
      while (k < n && (in.cp(k) == sep || in.cp(k) == ' ') && gap < 4) {
        k++;
        gap++;
      }
      if (gap == 0 || k >= n || !isSingleLetter(in, k)) {
        break;
      }
      letters++;
      j = k;
    }
    if (letters < MIN_SPACED_LETTERS) {
      return start;
    }
    if (out == null) {
      return j + 1; // only asked whether there is a run
    }
    out.append(unleet(in.cp(start)), in.start(start), in.end(start));
    int k = start + 1;
    while (k <= j) {
      int gapStart = k;
      while (k <= j && !isWordChar(in.cp(k))) {
        k++;
      }
      if (k - gapStart > 1) {
        out.append(' ', in.start(gapStart), in.end(k - 1));
      }
      out.append(unleet(in.cp(k)), in.start(k), in.end(k));
      k++;
    }
    return j + 1;
  }

  private static int unleet(int c) {
    int l = Character.isDigit(c) ? leetLetter(c) : 0;
    return l != 0 ? l : c;
  }

  private static boolean isSingleLetter(MappedText t, int i) {
    int c = t.cp(i);
    if (!(isLetter(c) || (leetLetter(c) != 0 && c >= '0' && c <= '9'))) {
      return false;
    }
    return (i == 0 || !isWordChar(t.cp(i - 1)))
        && (i + 1 == t.length() || !isWordChar(t.cp(i + 1)));
  }

  static boolean isSeparator(int c) {
    return c == ' ' || c == '.' || c == '-' || c == '_' || c == '*' || c == '/' || c == ',';
  }

  static boolean isWordChar(int c) {
    return c < 128 ? ASCII_WORD[c] : Character.isLetterOrDigit(c);
  }

  private static final boolean[] ASCII_WORD = new boolean[128];
  private static final boolean[] ASCII_LETTER = new boolean[128];

  static {
    for (int c = 0; c < 128; c++) {
      ASCII_WORD[c] = Character.isLetterOrDigit(c) || c == '@' || c == '$' || c == '!' || c == '|';
      ASCII_LETTER[c] = Character.isLetter(c);
    }
  }

  static final int WORD = 1;
  static final int LETTER = 2;
  static final int LEETSPEAK = 4;

  /** A character of a word as {@link Tokens} splits words: a letter or a digit. */
  static final int TOKEN = 8;

  /**
   * {@link #WORD}, {@link #LETTER} and {@link #LEETSPEAK} bits of {@code c}, ASCII from one table.
   */
  static int kinds(int c) {
    if (c < 128) {
      return ASCII_KINDS[c];
    }
    return Character.isLetter(c)
        ? WORD | LETTER | TOKEN
        : Character.isLetterOrDigit(c) ? WORD | TOKEN : 0;
  }

  private static final byte[] ASCII_KINDS = new byte[128];

  static {
    for (int c = 0; c < 128; c++) {
      ASCII_KINDS[c] =
          (byte)
              ((ASCII_WORD[c] ? WORD : 0)
                  | (ASCII_LETTER[c] ? LETTER : 0)
                  | (leetSwitch(c) != 0 ? LEETSPEAK : 0)
                  | (Character.isLetterOrDigit(c) ? TOKEN : 0));
    }
  }

  private static boolean isLetter(int c) {
    return c < 128 ? ASCII_LETTER[c] : Character.isLetter(c);
  }

  private static final char[] LEET = new char[128];

  static {
    for (int c = 0; c < 128; c++) {
      LEET[c] = (char) leetSwitch(c);
    }
  }

  /** The letter a leetspeak character stands for, or 0. */
  static int leetLetter(int c) {
    return c < 128 ? LEET[c] : 0;
  }

  private static int leetSwitch(int c) {
    return switch (c) {
      case '0' -> 'o';
      case '1', '!', '|' -> 'i';
      case '3' -> 'e';
      case '4', '@' -> 'a';
      case '5', '$' -> 's';
      case '7' -> 't';
      case '8' -> 'b';
      case '9' -> 'g';
      default -> 0;
    };
  }
}
