package io.jrego.engine.builtins.ai;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One scan of one text: walks it once, hands each token start to the detector for its first
 * character, and collects their candidates. Every detector looks at a bounded stretch of text from
 * the position it is given and the walk never moves backwards, so a scan is linear in the text.
 */
final class Scan {

  final String text;

  /** {@code text.length()}, read once: the walk asks it at every token. */
  final int length;

  final PiiOptions options;
  final List<Candidate> candidates = new ArrayList<>();
  private final Set<PiiType> types;
  private final boolean numbers;
  private final boolean words;
  private final boolean emails;
  private final boolean ips;
  private final boolean secrets;

  /** Whether generic secrets are wanted: asked at every word, so not of the set each time. */
  private final boolean genericSecrets;

  private final Secrets secretDetector;

  /**
   * What libphonenumber made of each phone candidate already seen in this scan, keyed by the
   * candidate as written: a long body repeats its numbers (a signature, a quoted thread), and
   * validating one costs more than the rest of the scan spends on it.
   */
  private Map<String, Optional<Phones.Match>> phoneReadings;

  Scan(String text, PiiOptions options) {
    this.text = text;
    this.length = text.length();
    this.options = options;
    this.types = options.types();
    this.secretDetector = new Secrets(this);
    Detectors d = Detectors.of(types);
    this.numbers = d.numbers();
    this.words = d.words();
    this.emails = d.emails();
    this.ips = d.ips();
    this.secrets = d.secrets();
    this.genericSecrets = d.secrets() && types.contains(PiiType.GENERIC_SECRET);
  }

  /**
   * Which detectors a set of types needs. Worked out once per set rather than per scan: the scans
   * of a chat body's many short messages all use the same options, and walking the set of types was
   * a fifth of a short message's scan.
   */
  private record Detectors(
      Set<PiiType> types,
      boolean numbers,
      boolean words,
      boolean emails,
      boolean ips,
      boolean secrets) {

    /** The last set asked about; a racy cache of an immutable value (at worst a recomputation). */
    private static Detectors last;

    static Detectors of(Set<PiiType> types) {
      Detectors d = last;
      if (d != null && d.types == types) {
        return d;
      }
      d = compute(types);
      last = d;
      return d;
    }

    private static Detectors compute(Set<PiiType> types) {
      boolean anyNumber = false;
      boolean anyWord = false;
      boolean anySecret = false;
      for (PiiType t : types) {
        switch (t) {
          case PHONE, CARD, US_SSN, UK_NHS, DE_TAX_ID, FR_NIR, ES_DNI, NL_BSN, IN_AADHAAR ->
              anyNumber = true;
          case IBAN, UK_NINO, ES_NIE, IT_FISCAL_CODE -> anyWord = true;
          case EMAIL, IP -> {}
          default -> anySecret = true;
        }
      }
      boolean ips = types.contains(PiiType.IP);
      return new Detectors(
          types,
          anyNumber || ips,
          anyWord,
          types.contains(PiiType.EMAIL) || types.contains(PiiType.GENERIC_SECRET),
          ips,
          anySecret);
    }
  }

  /** Context words of the words looked at most recently; made on first use. */
  private ContextWords.WordCache contextWords;

  /**
   * The context of the spans asked about most recently, by span and type in a small direct-mapped
   * table: the candidates tried on one run of digits (card, SSN, phone) ask about the same span one
   * after the other, and the scan asks again for every candidate when it scores them at the end.
   */
  private static final int NEAR_SLOTS = 16;

  private long[] nearSpans;
  private long[] nearBits;
  private boolean[] nearFound;

  /**
   * {@code score} of a {@code type} candidate at {@code [start, end)} after context words: see
   * {@link ContextWords}. The answer for a span and type is kept.
   */
  int withContext(PiiType type, int score, int start, int end) {
    if (score >= 100 || !ContextWords.hasWords(type)) {
      return score;
    }
    long bit = ContextWords.bit(type);
    if (nearSpans == null) {
      nearSpans = new long[NEAR_SLOTS];
      java.util.Arrays.fill(nearSpans, -1);
      nearBits = new long[NEAR_SLOTS];
      nearFound = new boolean[NEAR_SLOTS];
    }
    long span = ((long) start << 32) | end;
    int k = (start * 31 + end + Long.numberOfTrailingZeros(bit) * 7) & (NEAR_SLOTS - 1);
    boolean found;
    if (nearSpans[k] == span && nearBits[k] == bit) {
      found = nearFound[k];
    } else {
      if (contextWords == null) {
        contextWords = new ContextWords.WordCache();
      }
      found = (ContextWords.near(chars, length, start, end, bit, contextWords) & bit) != 0;
      nearSpans[k] = span;
      nearBits[k] = bit;
      nearFound[k] = found;
    }
    return ContextWords.boost(type, score, found ? bit : 0);
  }

  /**
   * By candidate index, whether its context words have been read ({@code contextRead}) and named
   * its type ({@code contextNear}): a phone number's were read before it was validated, and a
   * candidate of the same digits as a phone try is asked while the walk goes on; the scoring at the
   * end does not read them again. Made on first use.
   */
  private java.util.BitSet contextRead;

  private java.util.BitSet contextNear;

  /**
   * {@link #withContext(PiiType, int, int, int)} of candidate {@code i}: its own type, score and
   * span, its context read at most once in the scan. {@code keep}: remember the answer for the
   * scoring at the end (the walk's questions; the scoring asks each candidate once).
   */
  int withContext(int i, boolean keep) {
    Candidate c = candidates.get(i);
    PiiType type = c.type();
    int score = c.score();
    if (score >= 100 || !ContextWords.hasWords(type)) {
      return score;
    }
    if (contextRead != null && contextRead.get(i)) {
      return ContextWords.boost(type, score, contextNear.get(i) ? ContextWords.bit(type) : 0);
    }
    int boosted = withContext(type, score, c.start(), c.end());
    if (keep) {
      contextRead(i, boosted != score); // a found word always raises a score under 100
    }
    return boosted;
  }

  /**
   * Records that candidate {@code i}'s context words were read for its type and span, and whether
   * one named the type ({@code near}).
   */
  void contextRead(int i, boolean near) {
    if (contextRead == null) {
      contextRead = new java.util.BitSet();
      contextNear = new java.util.BitSet();
    }
    contextRead.set(i);
    if (near) {
      contextNear.set(i);
    }
  }

  boolean wants(PiiType t) {
    return types.contains(t);
  }

  /** {@link Phones#match} for a candidate, remembered for the rest of the scan. */
  Phones.Match phone(String candidate, boolean international, List<String> groups) {
    if (phoneReadings == null) {
      phoneReadings = new HashMap<>();
    }
    String key = international ? "+" + candidate : " " + candidate;
    Optional<Phones.Match> m = phoneReadings.get(key);
    if (m == null) {
      m =
          Optional.ofNullable(
              Phones.match(candidate, international, groups, options.phoneRegions()));
      phoneReadings.put(key, m);
    }
    return m.orElse(null);
  }

  void add(PiiType type, int start, int end, String form, String subtype) {
    candidates.add(new Candidate(type, start, end, Scores.of(type, form), subtype));
  }

  /**
   * Walks the text from {@code from} to its end and fills {@link #candidates}; with a {@code walk},
   * records in it each stretch the walk took in one step.
   */
  void run(int from, PiiScanner.Walk walk) {
    chars = chars(text);
    try {
      walk(from, walk);
    } finally {
      if (numberRuns != null) {
        numberRuns.unbind();
        numberRuns = null;
      }
    }
  }

  /** This thread's number runs while the walk is on, bound on the walk's first run of digits. */
  private NumberRuns numberRuns;

  private NumberRuns numberRuns() {
    NumberRuns runs = numberRuns;
    if (runs == null) {
      runs = NumberRuns.bind(this);
      numberRuns = runs;
    }
    return runs;
  }

  /**
   * Ends the scan's use of its copy of the text, which {@link #run} made and the scoring after the
   * walk still reads (context words): the caller calls it once, whatever happened.
   */
  void release() {
    char[] cs = chars;
    if (cs == null) {
      return;
    }
    // this thread's array keeps no text of the caller's (heap dumps, the next scan's bugs); a
    // longer text's array of its own is left to the collector
    int n = length;
    if (n <= SCRATCH_MAX) {
      java.util.Arrays.fill(cs, 0, n, '\0');
    }
    chars = null;
  }

  private void walk(int from, PiiScanner.Walk walk) {
    int n = length;
    char[] cs = chars;
    int i = from;
    // whether cs[i - 1] is a char that is not a word's, stepped over alone: then a word at i starts
    // at a token boundary without asking (most words follow a space)
    boolean afterSeparator = false;
    while (i < n) {
      char c = cs[i];
      int next;
      boolean word = isWord(c);
      if (word) {
        next = token(i, afterSeparator);
      } else if (c == '@') {
        if (emails) {
          Addresses.email(this, i);
        }
        next = i + 1;
      } else if (c == '-') {
        int e = -1;
        if (secrets && Chars.startsWith(cs, n, i, Secrets.PEM_BEGIN)) {
          e = secretDetector.pem(i);
        }
        next = e > i ? e : i + 1;
      } else if (c == ':') {
        int e = -1;
        if (ips && i + 1 < n && cs[i + 1] == ':' && Chars.boundaryBefore(cs, i)) {
          e = Addresses.ipv6(this, i);
        }
        next = e > i ? e : i + 1;
      } else {
        next = i + 1;
      }
      if (walk != null && next > i + 1) {
        walk.step(i, next);
      }
      afterSeparator = !word && next == i + 1;
      i = next;
    }
  }

  /**
   * The text's chars, read in one bulk copy from {@link #run} to {@link #release}: {@link
   * String#charAt} checks the index and the string's coding at every call, and a UTF-16 string (any
   * text with a char outside Latin-1) made the number detectors and context words cost about twice
   * what they cost on the same text in Latin-1. Valid in {@code [0, text.length())} only: a short
   * text's array is this thread's, longer than the text.
   */
  char[] chars;

  /**
   * Texts up to this many chars are copied into one array per thread (64 KB at most): a scan is a
   * leaf, nothing it calls scans again, so one array serves every scan of a thread in turn.
   */
  private static final int SCRATCH_MAX = 1 << 15;

  private static final ThreadLocal<char[]> SCRATCH = ThreadLocal.withInitial(() -> new char[256]);

  /** Whether this thread's reused arrays hold nothing of the texts it scanned (for tests). */
  static boolean threadArraysClear() {
    for (char c : SCRATCH.get()) {
      if (c != 0) {
        return false;
      }
    }
    return NumberRuns.threadArraysClear();
  }

  private static char[] chars(String t) {
    int n = t.length();
    char[] a;
    if (n > SCRATCH_MAX) {
      a = new char[n];
    } else {
      a = SCRATCH.get();
      if (a.length < n) {
        a = new char[n];
        SCRATCH.set(a);
      }
    }
    t.getChars(0, n, a, 0);
    return a;
  }

  /** {@link Chars#isWord} by a table for ASCII: the walk asks it of nearly every character. */
  private static final boolean[] ASCII_WORD = new boolean[128];

  static {
    for (char c = 0; c < 128; c++) {
      ASCII_WORD[c] = Chars.isWord(c);
    }
  }

  private static boolean isWord(char c) {
    return c < 128 ? ASCII_WORD[c] : Chars.isWord(c);
  }

  /** {@link #ASCII_WORD} as 0 and 1, for the sums in {@link #wordEnd}. */
  private static final int[] ASCII_WORD_BIT = new int[128];

  static {
    for (char c = 0; c < 128; c++) {
      ASCII_WORD_BIT[c] = ASCII_WORD[c] ? 1 : 0;
    }
  }

  /**
   * The first char at or after {@code i} of {@code cs[0, n)} that is not a word's ({@link
   * #isWord}), or {@code n}. Four ASCII chars at a time: how many of them continue the word is a
   * sum of their table bits, so a word that ends within the four costs no branch on where, and a
   * short word (most of them) leaves the loop the way it did the last time.
   */
  static int wordEnd(char[] cs, int n, int i) {
    while (i + 4 <= n) {
      char c0 = cs[i];
      char c1 = cs[i + 1];
      char c2 = cs[i + 2];
      char c3 = cs[i + 3];
      if ((c0 | c1 | c2 | c3) >= 128) {
        break; // a char outside ASCII: one at a time
      }
      int t0 = ASCII_WORD_BIT[c0];
      int t01 = t0 & ASCII_WORD_BIT[c1];
      int t012 = t01 & ASCII_WORD_BIT[c2];
      int t0123 = t012 & ASCII_WORD_BIT[c3];
      int run = t0 + t01 + t012 + t0123;
      i += run;
      if (run < 4) {
        return i;
      }
    }
    while (i < n && isWord(cs[i])) {
      i++;
    }
    return i;
  }

  /**
   * What a word's first character (ASCII) may start, as bits: the walk reads one table entry for a
   * word and asks only the detectors whose bit is set (most words: none but an assignment's).
   */
  private static final byte[] FIRST_CHAR = new byte[128];

  private static final int HEX = 1; // an IPv6 address's first group
  private static final int DIGIT = 2; // a run of digits
  private static final int PREFIX = 4; // a prefixed token's first character (Secrets.FIRST)
  private static final int E = 8; // a JWT's "eyJ"
  private static final int H = 16; // a Slack webhook's "hooks.slack.com/"
  private static final int B = 32; // "Bearer", "bearer"

  static {
    for (char c = 0; c < 128; c++) {
      int f = 0;
      f |= Chars.isHex(c) ? HEX : 0;
      f |= Chars.isAsciiDigit(c) ? DIGIT : 0;
      f |= Secrets.mayBeFirst(c) ? PREFIX : 0;
      f |= c == 'e' ? E : 0;
      f |= c == 'h' ? H : 0;
      f |= c == 'B' || c == 'b' ? B : 0;
      FIRST_CHAR[c] = (byte) f;
    }
  }

  /**
   * A token starting at {@code s}; returns where scanning continues (past the token). {@code
   * boundary}: the char before {@code s} is known not to be a word's.
   */
  private int token(int s, boolean boundary) {
    char[] cs = chars;
    int n = length;
    int wordEnd = wordEnd(cs, n, s + 1);
    if (!boundary && !Chars.boundaryBefore(cs, s)) {
      return wordEnd;
    }
    char c = cs[s];
    if (c >= 128) {
      // no detector but the number runs starts with a char outside ASCII
      return Chars.isDigit(c) && numbers && Chars.numberBoundaryBefore(cs, s)
          ? Math.max(numberRuns().scan(s), wordEnd)
          : wordEnd;
    }
    int f = FIRST_CHAR[c];
    // an IPv6 address starting at a word needs one to four hex digits, then ':' (which ends the
    // word)
    if (wordEnd < n && cs[wordEnd] == ':' && (f & HEX) != 0 && ips && wordEnd - s <= 4) {
      int k = s;
      while (k < n && k - s < 5 && Chars.isHex(cs[k])) {
        k++;
      }
      if (k < n && cs[k] == ':' && k - s <= 4) {
        int e = Addresses.ipv6(this, s);
        if (e > s) {
          return e;
        }
      }
    }
    if ((f & DIGIT) != 0) {
      if (numbers && Chars.numberBoundaryBefore(cs, s)) {
        return Math.max(numberRuns().scan(s), wordEnd);
      }
      return wordEnd;
    }
    if (secrets && Secrets.mayStartToken(cs, n, s)) {
      int e = secretWord(s, c, f);
      if (e > s) {
        return e;
      }
    }
    if (words
        && Identifiers.mayStartPair(cs, n, s, wordEnd)
        && Identifiers.mayStart(cs, n, s, wordEnd)) {
      int e = Identifiers.at(this, s, wordEnd);
      if (e > s) {
        return e;
      }
    }
    if (genericSecrets) {
      if (Secrets.mayAssignAfter(cs, n, wordEnd)) {
        int nameEnd = Secrets.nameEnd(cs, n, s, wordEnd);
        if (Secrets.mayAssign(cs, n, nameEnd)) {
          int e = secretDetector.assignment(s, nameEnd);
          if (e > s) {
            return e;
          }
        }
      }
      if ((f & B) != 0 && wordEnd - s == 6 && Secrets.isBearer(cs, s)) {
        int e = secretDetector.bearer(s);
        if (e > s) {
          return e;
        }
      }
    }
    return wordEnd;
  }

  /** The prefixed token, JWT or Slack webhook at word {@code s}, first char {@code c}; or -1. */
  private int secretWord(int s, char c, int f) {
    char[] cs = chars;
    int n = length;
    int e;
    if ((f & PREFIX) != 0 && Secrets.mayBePrefixed(cs, n, s)) {
      e = secretDetector.prefixed(s);
      if (e > s) {
        return e;
      }
    }
    if (c == 'e' && Chars.startsWith(cs, n, s, Secrets.JWT_START)) {
      e = secretDetector.jwt(s);
      if (e > s) {
        return e;
      }
    }
    if (c == 'h' && Chars.startsWith(cs, n, s, Secrets.SLACK_HOOKS)) {
      e = secretDetector.slackWebhook(s);
      if (e > s) {
        return e;
      }
    }
    return -1;
  }
}
