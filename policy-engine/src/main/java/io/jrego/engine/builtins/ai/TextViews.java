package io.jrego.engine.builtins.ai;

import io.jrego.engine.builtins.ai.MappedText.Span;
import java.util.ArrayList;
import java.util.List;

/**
 * Every view of one text that detection reads, built once: the folded view, the text hidden in tag
 * characters, the decoded runs (nested encodings too, to a bounded depth), the hidden channels and
 * a summary of the invisible characters. Work and output are linear in the input: decoding stops
 * after {@link Limits#maxSegments} runs or when decoded text reaches {@link
 * Limits#decodeBudgetFactor} times the input.
 */
final class TextViews {

  /** Bounds on the work one text may cause. */
  record Limits(int maxChars, int maxSegments, int maxDepth, int decodeBudgetFactor) {
    static final Limits DEFAULT = new Limits(1 << 20, 64, 3, 4);
  }

  /** A decoded run: how it was encoded (outermost first), its original span, and its views. */
  record Segment(String encoding, int depth, Span span, String text, MappedText folded) {}

  /** Counts of invisible characters by kind, and their spans (merged runs, at most 64). */
  record Invisible(int count, List<Integer> byKind, List<Span> spans) {
    /** A text without invisible characters, which most texts are. */
    static final Invisible NONE =
        new Invisible(0, java.util.Collections.nCopies(Invisibles.KIND_NAMES.length, 0), List.of());
  }

  /** A hidden channel in original offsets. */
  record Hidden(String kind, Span span, String text) {}

  private final String text;
  private int[] cps;
  final boolean truncated;
  private MappedText plain;
  final MappedText folded;
  final Invisible invisible;
  final MappedText tags;
  final List<Segment> decoded = new ArrayList<>();
  final List<Hidden> hidden = new ArrayList<>();
  private int budget;

  /**
   * Where a marker literal may start in {@link #folded} ({@link MarkerLiterals#mayStart}), {@code
   * [0, literalCount)}, ascending, when the front pass found that on its way; else null.
   */
  final int[] literalStarts;

  final int literalCount;

  private TextViews(String text, Front front, Limits limits) {
    this.text = text;
    this.truncated = front.truncated;
    int n = front.length;
    int first = front.firstInvisible;
    // Most short texts need their code points only for the front pass: nothing invisible, every
    // code point folding to one, nothing to decode or look behind. Then the pass's reused array is
    // not copied, and the code points are read again from the text if they are ever asked for.
    boolean keep =
        first != n || front.foldedCount < n || front.mayDecode || front.mayHide || truncated;
    this.cps = !front.reused ? front.cps : keep ? java.util.Arrays.copyOf(front.cps, n) : null;
    if (front.reused) {
      // this thread's array keeps no text of the caller's (heap dumps, the next text's bugs)
      java.util.Arrays.fill(front.cps, 0, n, 0);
    }
    // counted only when something is invisible (most texts: nothing)
    int[] byKind = first == n ? null : new int[Invisibles.KIND_NAMES.length];
    List<Span> spans = first == n ? null : new ArrayList<>();
    int count = 0;
    // Most texts have no invisible characters: then the plain view is the code points themselves.
    if (keep) {
      plain = first == n ? MappedText.identity(cps) : new MappedText(n);
    }
    MappedText tagView = new MappedText(0);
    for (int i = first == n ? n : 0; i < n; i++) {
      int cp = cps[i];
      int kind = Invisibles.kind(cp);
      if (kind == Invisibles.NOT_INVISIBLE) {
        plain.append(cp, i, i + 1);
        continue;
      }
      count++;
      byKind[kind]++;
      if (!spans.isEmpty() && spans.get(spans.size() - 1).end() == i) {
        spans.set(spans.size() - 1, new Span(spans.get(spans.size() - 1).start(), i + 1));
      } else if (spans.size() < 64) {
        spans.add(new Span(i, i + 1));
      }
      if (kind == Invisibles.TAG && !Invisibles.inEmojiFlag(cps, i)) {
        int ascii = Invisibles.tagToAscii(cp);
        if (ascii >= 0x20 && ascii < 0x7F) {
          tagView.append(ascii, i, i + 1);
        }
      }
    }
    invisible = count == 0 ? Invisible.NONE : invisible(count, byKind, spans);
    tags = tagView;
    // When every code point folded to one, the front pass also walked the folded view's words.
    if (front.foldedCount < n) {
      front.walk.undoInPlace(front.folded); // the fold goes on from the code points as read
    }
    folded =
        front.foldedCount < n
            ? Folding.deobfuscate(Folding.foldChars(cps, front.folded, front.foldedCount))
            : Folding.deobfuscate(
                MappedText.identityPrefix(front.folded, n), front.walk, front.literals);
    boolean walked = front.foldedCount == n && front.literals != null;
    literalStarts = walked ? front.walk.literals : null;
    literalCount = walked ? front.walk.literalCount : 0;
    budget = Math.max(4096, limits.decodeBudgetFactor() * n);
    // Without an escape character or a long base64-alphabet run there is nothing to decode; the
    // run lengths were counted over the code points, which are the plain view when nothing is
    // invisible (removing an invisible character could join two runs).
    if (first != n) {
      decode(plain, "", 1, limits);
    } else if (front.mayDecode) {
      // The plain view is the code points: decoding starts only where the front pass saw a run
      // or an escape character begin.
      decodeFrom(plain, front.decodeStarts, front.decodeStartCount, limits);
    }
    if (tags.length() > 0) {
      decode(tags, "tags/", 1, limits);
    }
    // Every hidden channel starts with "<!--", "[...]: #" or "![": none without one of the pairs
    // "<!", "]:", "![" (or, when something invisible was removed, a '!' or a ']').
    if (front.mayHide) {
      // Nothing invisible and nothing cut off: the plain view is the text itself
      String s = first == n && !truncated ? text : plain.toString();
      int[] cpOfChar = s.length() == plain.length() ? null : cpIndexOfChar(s);
      for (HiddenChannels.Hidden h : HiddenChannels.find(s, 64)) {
        Span span =
            cpOfChar == null
                ? plain.span(h.from(), h.to())
                : plain.span(cpOfChar[h.from()], cpOfChar[h.to() - 1] + 1);
        hidden.add(new Hidden(h.kind(), span, h.text()));
      }
    }
  }

  private static Invisible invisible(int count, int[] byKind, List<Span> spans) {
    Integer[] kinds = new Integer[byKind.length];
    for (int k = 0; k < kinds.length; k++) {
      kinds[k] = byKind[k];
    }
    return new Invisible(count, List.of(kinds), List.copyOf(spans));
  }

  /** The views of {@code text}, of its first {@code limits.maxChars()} code points. */
  static TextViews of(String text, Limits limits) {
    return of(text, limits, null);
  }

  /**
   * {@link #of(String, Limits)}, also knowing where one of {@code literals} may start in the folded
   * view ({@link #literalStarts}) when the front pass could find that on its way.
   */
  static TextViews of(String text, Limits limits, MarkerLiterals literals) {
    return new TextViews(text, Front.of(text, limits.maxChars(), literals), limits);
  }

  /**
   * What one pass over the text finds: its code points, the start of their per-code-point fold
   * (written while each code point folds to exactly one, as {@link Folding#foldChars(int[], int[],
   * int)} continues it), the first invisible code point ({@code cps.length} when none), and whether
   * the text has what decoding and the hidden channels start from. While every code point folds to
   * one, the pass also walks the folded code points' words as {@link Folding#deobfuscate} does, and
   * looks for where a marker literal may start: one reading of each character for the three.
   */
  private static final class Front {
    /**
     * The code points, in {@code cps[0, length)}; with {@code reused}, in this thread's reused
     * array, which the next text's front pass overwrites.
     */
    final int[] cps;

    final int length;
    final boolean reused;
    final boolean truncated;
    final int[] folded;
    final int foldedCount;
    final int firstInvisible;
    final boolean mayDecode;
    final boolean mayHide;

    /**
     * Where {@link Decoders#find(MappedText, int, int[], int)} may start: each escape character and
     * the start of each base64-alphabet run of at least {@link Decoders#MIN_BASE64}, in order.
     */
    final int[] decodeStarts;

    final int decodeStartCount;

    /**
     * What the walk over the folded code points found ({@link Folding.Walk}); complete when every
     * code point folded to one ({@code foldedCount == length}), else of no use.
     */
    final Folding.Walk walk;

    /** The literals whose starts the walk looked for, or null. */
    final MarkerLiterals literals;

    private Front(
        int[] cps,
        int length,
        boolean reused,
        boolean truncated,
        int[] folded,
        int foldedCount,
        int firstInvisible,
        int[] decodeStarts,
        int decodeStartCount,
        boolean mayHide,
        Folding.Walk walk,
        MarkerLiterals literals) {
      this.cps = cps;
      this.length = length;
      this.reused = reused;
      this.truncated = truncated;
      this.folded = folded;
      this.foldedCount = foldedCount;
      this.firstInvisible = firstInvisible;
      this.decodeStarts = decodeStarts;
      this.decodeStartCount = decodeStartCount;
      this.mayDecode = decodeStartCount > 0;
      this.mayHide = mayHide;
      this.walk = walk;
      this.literals = literals;
    }

    static Front of(String text, int maxChars, MarkerLiterals literals) {
      int len = text.length();
      int cap = Math.min(len, maxChars);
      int[] cps = SCRATCH.get();
      boolean reused = cap <= SCRATCH_MAX;
      if (!reused) {
        cps = new int[cap];
      } else if (cps.length < cap) {
        cps = new int[Math.max(cap, 256)];
        SCRATCH.set(cps);
      }
      int[] folded = new int[Math.max(16, cap)];
      // The chars in bulk copies of up to CHUNK, then read from this thread's array: a String's
      // charAt checks the index and the string's coding at every call, and UTF-16 strings (a text
      // with one char outside Latin-1) pay for both at every char. Only the chars the pass can
      // reach are copied: cap code points take at most 2 * cap chars, and one more is looked at
      // for a surrogate pair (each chunk copies one char past its end for that).
      int reach = (int) Math.min(len, 2L * cap + 1);
      int room = Math.min(reach, CHUNK + 1);
      char[] chars = CHARS.get();
      if (chars.length < room) {
        chars = new char[Math.max(room, 256)];
        CHARS.set(chars);
      }
      int base = 0; // chars[k] is the text's char base + k
      int i = 0; // the next char, in chars
      int end = 0; // the chunk's chars are chars[0, end)
      int copied = 0; // chars[0, copied) hold the text's
      int n = 0;
      int foldedCount = -1;
      int firstInvisible = -1;
      int seen = 0;
      boolean hidePair = false; // "<!", "]:" or "![" seen
      int run = 0;
      int[] starts = NO_STARTS;
      int startCount = 0;
      // The walk over the folded code points, one behind the fold (Folding.deobfuscate's walk):
      // the word being read starts at wordFrom (-1: none), has the kinds wordKinds, and its
      // letters-and-digits part being read starts at tokenFrom with the hash tokenHash.
      Folding.Walk walk = new Folding.Walk(cap, literals != null);
      Tokens.Builder words = walk;
      int wordFrom = -1;
      int wordKinds = 0;
      int tokenFrom = -1;
      int tokenHash = 0;
      int oneEnd = Integer.MIN_VALUE; // where the last word of one character ended
      int f1 = -1; // the folded code points one and two before this one
      int f2 = -1;
      byte[] rows = literals != null ? literals.rows : NO_ROWS;
      long[] afterAlnum = literals != null ? literals.afterAlnum : NO_AFTER_ALNUM;
      long[] afterSpace = literals != null ? literals.afterSpace : NO_AFTER_SPACE;
      byte[] alnumRows = literals != null ? literals.alnumRows : NO_ROWS;
      while (n < cap) {
        if (i >= end) {
          base += i; // past a surrogate pair at the chunk's end, one more than end
          if (base >= reach) {
            i = 0;
            break;
          }
          i = 0;
          end = Math.min(reach - base, CHUNK);
          copied = Math.min(reach - base, CHUNK + 1);
          text.getChars(base, base + copied, chars, 0);
        }
        int cp = chars[i];
        if (Character.isHighSurrogate((char) cp)
            && i + 1 < copied
            && Character.isLowSurrogate(chars[i + 1])) {
          cp = Character.toCodePoint((char) cp, chars[i + 1]);
          i += 2;
        } else {
          i++;
        }
        cps[n] = cp;
        int f = -1; // the code point's fold, while every one so far folded to one
        int k = 0; // the fold's Folding.kinds
        int cls = 0;
        if (cp < 0x80) {
          cls = ASCII[cp];
          seen |= cls;
          if ((cls & HIDE_SECOND) != 0 && n > 0 && cps[n - 1] == HIDE_FIRST[cp]) {
            hidePair = true;
          }
          run = (cls & BASE64) != 0 ? run + 1 : 0;
          if (run == Decoders.MIN_BASE64 || (cls & ESCAPE) != 0) {
            if (startCount == starts.length) {
              starts = java.util.Arrays.copyOf(starts, Math.max(16, 2 * startCount));
            }
            starts[startCount++] = (cls & ESCAPE) != 0 ? n : n + 1 - Decoders.MIN_BASE64;
          }
          if (foldedCount < 0) {
            f = cls >>> FOLD_SHIFT & FOLD_MASK;
            k = cls >>> KINDS_SHIFT & KINDS_MASK;
            folded[n] = f;
          }
        } else {
          run = 0;
          if (firstInvisible < 0 && Invisibles.kind(cp) != Invisibles.NOT_INVISIBLE) {
            firstInvisible = n;
            foldedCount = foldedCount < 0 ? n : foldedCount;
          } else if (foldedCount < 0) {
            f = Folding.foldOne(cp);
            if (f != Folding.NOT_ONE) {
              folded[n] = f;
              k = Folding.kinds(f);
            } else {
              foldedCount = n;
            }
          }
        }
        if (f >= 0) {
          if ((k & Folding.WORD) != 0) {
            if (wordFrom < 0) {
              wordFrom = n;
              wordKinds = 0;
            }
            wordKinds |= k;
            if ((k & Folding.TOKEN) != 0) {
              if (tokenFrom < 0) {
                tokenFrom = n;
                tokenHash = 0;
              }
              // as Tokens hashes: outside the BMP counts as 0xFFFF
              tokenHash = 31 * tokenHash + Math.min(f, 0xFFFF);
            } else if (tokenFrom >= 0) {
              words.add(tokenFrom, n, tokenHash);
              tokenFrom = -1;
            }
          } else if (wordFrom >= 0) {
            if (tokenFrom >= 0) {
              words.add(tokenFrom, n, tokenHash);
              tokenFrom = -1;
            }
            if ((wordKinds & LEET_WORD) == LEET_WORD
                && walk.leetWordInPlace(folded, wordFrom, n, literals)) {
              f2 = folded[n - 2];
              f1 = folded[n - 1];
            }
            if (n - wordFrom == 1) {
              // a word of one character, the one before it too, and one separator between them
              // that is also after it (or a space): maybe letters spelled out
              if (oneEnd == n - 2
                  && Folding.isSeparator(folded[n - 2])
                  && (f == folded[n - 2] || f == ' ')) {
                walk.spaced(n - 2);
              }
              oneEnd = n;
            }
            wordFrom = -1;
          }
          if (literals != null && n >= 2 && literals.mayStart(f2, f1, f)) {
            walk.literal(n - 2);
          }
          f2 = f1;
          f1 = f;
        }
        n++;
        if ((cls & ALNUM) != 0 && f >= 0) {
          // An ASCII letter or digit, folded while every code point so far folded to one: the
          // letters and digits after it go on the same word and token, so each needs only its
          // fold, the token hash, the base64 run and the literal test, read from tables without
          // the word-boundary branches above; and the separators between two words (spaces and
          // the punctuation that has no case of its own above) end one word and start the next
          // here too, a space after a letter or digit with its literal tests read from tables
          // (most characters of most texts are read in this loop).
          int limit = Math.min(end, i + (cap - n));
          int r2 = (f2 & ~0x7F) == 0 ? rows[f2] : 0; // f2's row, 0 when it starts no literal
          int a1 = cls >>> ALNUM_SHIFT; // f1's alnum index
          int kinds = 0;
          while (true) {
            // One index for the chars and the code points: off apart while every char is ASCII.
            int off = i - n;
            int q = n;
            int qLimit = limit - off;
            while (q < qLimit) {
              int c = chars[q + off];
              if (c >= 0x80) {
                break;
              }
              int cl = ASCII[c];
              if ((cl & ALNUM) == 0) {
                break;
              }
              int g = cl >>> FOLD_SHIFT & FOLD_MASK;
              int a = cl >>> ALNUM_SHIFT;
              cps[q] = c;
              folded[q] = g;
              kinds |= cl;
              tokenHash = 31 * tokenHash + g;
              long m = afterAlnum[(r2 << 6) | a1];
              if ((m & (1L << a)) != 0) {
                walk.literal(q - 2);
              }
              // the row of the char before this one, from its alnum index (read from a table, not
              // from m: the next read's index would then wait for this read)
              r2 = alnumRows[a1];
              a1 = a;
              q++;
            }
            if (q > n) {
              // the base64 run grew by the chars read: its start is recorded once it is long enough
              int grown = run + (q - n);
              if (run < Decoders.MIN_BASE64 && grown >= Decoders.MIN_BASE64) {
                if (startCount == starts.length) {
                  starts = java.util.Arrays.copyOf(starts, Math.max(16, 2 * startCount));
                }
                starts[startCount++] = n - run;
              }
              run = grown;
              f2 = folded[q - 2];
              f1 = folded[q - 1];
              n = q;
              i = q + off;
            }
            wordKinds |= kinds >>> KINDS_SHIFT & KINDS_MASK;
            if (i >= limit) {
              break;
            }
            int c = chars[i];
            int cl = c < 0x80 ? ASCII[c] : 0;
            if ((cl & SEPARATOR) == 0) {
              break; // the general step reads it
            }
            // A separator ends the word and its token, as the general step would end them.
            words.add(tokenFrom, n, tokenHash);
            if ((wordKinds & LEET_WORD) == LEET_WORD
                && walk.leetWordInPlace(folded, wordFrom, n, literals)) {
              // the word's last two code points may have changed: so have their literal rows
              f2 = folded[n - 2];
              f1 = folded[n - 1];
              r2 = (f2 & ~0x7F) == 0 ? rows[f2] : 0;
              a1 = MarkerLiterals.alnumIndex(f1);
            }
            if (n - wordFrom == 1) {
              int sf = cl >>> FOLD_SHIFT & FOLD_MASK;
              if (oneEnd == n - 2
                  && Folding.isSeparator(folded[n - 2])
                  && (sf == folded[n - 2] || sf == ' ')) {
                walk.spaced(n - 2);
              }
              oneEnd = n;
            }
            wordFrom = -1;
            tokenFrom = -1;
            boolean space = c == ' '; // a space after a letter or digit: its literal test by table
            while (true) {
              // the separator: its fold, the base64 run and the literal test
              int sf = cl >>> FOLD_SHIFT & FOLD_MASK;
              cps[n] = c;
              folded[n] = sf;
              run = (cl & BASE64) != 0 ? run + 1 : 0;
              if (run == Decoders.MIN_BASE64) {
                if (startCount == starts.length) {
                  starts = java.util.Arrays.copyOf(starts, Math.max(16, 2 * startCount));
                }
                starts[startCount++] = n + 1 - Decoders.MIN_BASE64;
              }
              if (space
                  ? (afterAlnum[(r2 << 6) | a1] & (1L << MarkerLiterals.SPACE_BIT)) != 0
                  : literals != null && n >= 2 && literals.mayStart(f2, f1, sf)) {
                walk.literal(n - 2);
              }
              f2 = f1;
              f1 = sf;
              n++;
              i++;
              if (i >= limit) {
                break;
              }
              c = chars[i];
              cl = c < 0x80 ? ASCII[c] : 0;
              if ((cl & SEPARATOR) == 0) {
                break;
              }
              space = false;
            }
            if ((cl & ALNUM) == 0) {
              break; // the general step reads what follows (or the limit was reached)
            }
            // The letter or digit after them starts the next word and its token.
            int g = cl >>> FOLD_SHIFT & FOLD_MASK;
            int a = cl >>> ALNUM_SHIFT;
            cps[n] = c;
            folded[n] = g;
            wordFrom = n;
            wordKinds = 0;
            tokenFrom = n;
            tokenHash = g;
            kinds = cl;
            if (++run == Decoders.MIN_BASE64) {
              if (startCount == starts.length) {
                starts = java.util.Arrays.copyOf(starts, Math.max(16, 2 * startCount));
              }
              starts[startCount++] = n + 1 - Decoders.MIN_BASE64;
            }
            // mayStart(f2, f1, g): by table after one space that followed a letter or digit
            if (space
                ? (afterSpace[MarkerLiterals.alnumIndex(f2)] & (1L << a)) != 0
                : literals != null && n >= 2 && literals.mayStart(f2, f1, g)) {
              walk.literal(n - 2);
            }
            r2 = rows[f1]; // f1, the separator before g, is ASCII
            a1 = a;
            f2 = f1;
            f1 = g;
            n++;
            i++;
          }
        }
      }
      if (foldedCount < 0) {
        if (tokenFrom >= 0) {
          words.add(tokenFrom, n, tokenHash);
        }
        if (wordFrom >= 0
            && (wordKinds & LEET_WORD) == LEET_WORD
            && walk.leetWordInPlace(folded, wordFrom, n, literals)) {
          f2 = folded[n - 2];
          f1 = folded[n - 1];
        }
        if (literals != null && n >= 2 && literals.mayStart(f2, f1, MarkerLiterals.PAST_END)) {
          walk.literal(n - 2);
        }
      }
      java.util.Arrays.fill(chars, 0, room, '\0'); // this thread's array keeps no text
      if (n < cap && !reused) {
        cps = java.util.Arrays.copyOf(cps, n);
      }
      return new Front(
          cps,
          n,
          reused,
          base + i < len,
          folded,
          foldedCount < 0 ? n : foldedCount,
          firstInvisible < 0 ? n : firstInvisible,
          starts,
          startCount,
          hidePair || (firstInvisible >= 0 && (seen & HIDE) != 0),
          walk,
          literals);
    }

    /** A word's kinds when leetspeak may change it: a letter and a leetspeak character. */
    private static final int LEET_WORD = Folding.LETTER | Folding.LEETSPEAK;

    private static final int[] NO_STARTS = new int[0];

    /**
     * Texts up to this many code points are read into a per-thread array (64 KB at most per
     * thread): the front pass is a leaf, so one array per thread serves every text in turn.
     */
    private static final int SCRATCH_MAX = 1 << 14;

    private static final ThreadLocal<int[]> SCRATCH = ThreadLocal.withInitial(() -> NO_STARTS);

    /** The chars the pass reads at a time, in this thread's array (32 KB). */
    private static final int CHUNK = 1 << 14;

    /** The chars being read, {@link #CHUNK} and one more at most. */
    private static final ThreadLocal<char[]> CHARS = ThreadLocal.withInitial(() -> new char[0]);

    private static final int BASE64 = 1;
    private static final int ESCAPE = 2;
    private static final int HIDE = 4;

    /**
     * The second char of how every hidden channel starts ({@link HiddenChannels}: "<!--", "]: #",
     * "!["); {@link #HIDE_FIRST} the first. Without an invisible character the channels are looked
     * for in the code points themselves, so none is there unless one of the three pairs is; with
     * one (removing it can join a pair) a {@link #HIDE} char is enough.
     */
    private static final int HIDE_SECOND = 16;

    /**
     * A char the run loop may read between two words as the general step would: ASCII, no word
     * char, and none of the general step's cases (escape, hidden-channel chars).
     */
    private static final int SEPARATOR = 32;

    private static final char[] HIDE_FIRST = new char[0x80];

    /**
     * Per ASCII character, all the pass asks of it in one read: its {@link #BASE64}, {@link
     * #ESCAPE} and {@link #HIDE} bits, its fold (lower case) from bit {@link #FOLD_SHIFT} and the
     * fold's {@link Folding#kinds} from bit {@link #KINDS_SHIFT}.
     */
    private static final int[] ASCII = new int[0x80];

    private static final int KINDS_SHIFT = 8;
    private static final int KINDS_MASK = 0xFF;
    private static final int FOLD_SHIFT = 16;
    private static final int FOLD_MASK = 0xFF;

    /** An ASCII letter or digit: its fold's {@link MarkerLiterals#alnumIndex} from bit 24. */
    private static final int ALNUM = 8;

    private static final int ALNUM_SHIFT = 24;

    private static final byte[] NO_ROWS = new byte[128];
    private static final long[] NO_AFTER_ALNUM = new long[64];
    private static final long[] NO_AFTER_SPACE = new long[64];

    static {
      HIDE_FIRST['!'] = '<';
      HIDE_FIRST[':'] = ']';
      HIDE_FIRST['['] = '!';
      for (int c = 0; c < 0x80; c++) {
        int fold = c >= 'A' && c <= 'Z' ? c + 32 : c;
        ASCII[c] =
            (Decoders.isBase64Char(c) ? BASE64 : 0)
                | (c == '\\' || c == '%' || c == '&' ? ESCAPE : 0)
                | (c == '!' || c == ']' ? HIDE : 0)
                | (c == '!' || c == ':' || c == '[' ? HIDE_SECOND : 0)
                | (Folding.kinds(fold) == 0
                        && c != '\\'
                        && c != '%'
                        && c != '&'
                        && c != '!'
                        && c != ']'
                        && c != ':'
                        && c != '['
                    ? SEPARATOR
                    : 0)
                | Folding.kinds(fold) << KINDS_SHIFT
                | fold << FOLD_SHIFT
                | (MarkerLiterals.alnumIndex(fold) >= 0
                    ? ALNUM | MarkerLiterals.alnumIndex(fold) << ALNUM_SHIFT
                    : 0);
      }
    }
  }

  /** Whether this thread's reused arrays hold nothing of the texts it read (for tests). */
  static boolean threadArraysClear() {
    for (char c : Front.CHARS.get()) {
      if (c != 0) {
        return false;
      }
    }
    for (int cp : Front.SCRATCH.get()) {
      if (cp != 0) {
        return false;
      }
    }
    return true;
  }

  private void decode(MappedText view, String prefix, int depth, Limits limits) {
    if (depth <= limits.maxDepth()) {
      decoded(view, Decoders.find(view, limits.maxSegments()), prefix, depth, limits);
    }
  }

  /** {@link #decode} of the plain view at depth 1, from the front pass's start positions. */
  private void decodeFrom(MappedText view, int[] starts, int count, Limits limits) {
    decoded(view, Decoders.find(view, limits.maxSegments(), starts, count), "", 1, limits);
  }

  private void decoded(
      MappedText view, List<Decoders.Decoded> runs, String prefix, int depth, Limits limits) {
    for (Decoders.Decoded d : runs) {
      if (decoded.size() >= limits.maxSegments() || budget < d.text().length()) {
        return;
      }
      budget -= d.text().length();
      Span span = view.span(d.from(), d.to());
      int[] dcps = d.text().codePoints().toArray();
      Folding.Offsets fixed =
          new Folding.Offsets() {
            @Override
            public int start(int i) {
              return span.start();
            }

            @Override
            public int end(int i) {
              return span.end();
            }
          };
      MappedText f = Folding.deobfuscate(Folding.foldChars(dcps, 0, dcps.length, fixed));
      String encoding = prefix + d.encoding();
      decoded.add(new Segment(encoding, depth, span, d.text(), f));
      MappedText inner = MappedText.fixed(d.text(), span);
      decode(inner, encoding + "/", depth + 1, limits);
    }
  }

  /** For each char index of {@code s}, the index of the code point it belongs to; plus one. */
  static int[] cpIndexOfChar(String s) {
    int[] out = new int[s.length() + 1];
    int cp = 0;
    for (int i = 0; i < s.length(); i++) {
      out[i] = cp;
      if (!Character.isHighSurrogate(s.charAt(i))) {
        cp++;
      }
    }
    out[s.length()] = cp;
    return out;
  }

  /** The code points read (the first {@link Limits#maxChars()} of the text), read-only. */
  int[] codePoints() {
    if (cps == null) {
      cps = text.codePoints().toArray(); // not kept: the whole text was read, nothing invisible
    }
    return cps;
  }

  /** The code points without the invisible ones, each mapped to itself in the original. */
  MappedText plain() {
    if (plain == null) {
      plain = MappedText.identity(codePoints());
    }
    return plain;
  }

  /** The original text without its invisible characters. */
  String stripped() {
    return plain().toString();
  }

  /** The decoded tag characters. */
  String tagText() {
    return tags.toString();
  }
}
