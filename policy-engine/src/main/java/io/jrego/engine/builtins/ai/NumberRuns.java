package io.jrego.engine.builtins.ai;

import java.util.ArrayList;
import java.util.List;

/**
 * The numeric detectors. A run is digit groups joined by short separators ({@code 4111 1111},
 * {@code 555-123-4567}, {@code (0191) 496 0377}, {@code 10.0.0.1}); every identifier written with
 * digits starts at a group and ends at a group of the run, so each contiguous range of groups is
 * tried against the shapes the identifiers are written in, then validated. Runs are capped in
 * groups and digits, so the work per character is bounded.
 *
 * <p>The arrays a run is read into are kept per thread and reused: every scan of a short message
 * with a digit in it would otherwise allocate them afresh (about 600 bytes, a seventh of what a
 * chat body's scans allocated). A run is read and judged within one call of {@link #scan(int)},
 * which nothing inside it re-enters, so no state passes from one call to the next; they are taken
 * once per walk ({@link #bind}) and cleared when it ends.
 */
final class NumberRuns {

  private static final int MAX_GROUPS = 24;
  private static final int MAX_DIGITS = 40;
  private static final int MAX_ENTITY_DIGITS = 19;

  private static final ThreadLocal<NumberRuns> PER_THREAD =
      ThreadLocal.withInitial(NumberRuns::new);

  private Scan scan;

  /** The text's chars ({@link Scan#chars}), read in place of the string's, and its length. */
  private char[] cs;

  private int n;
  private final int[] gs = new int[MAX_GROUPS];
  private final int[] ge = new int[MAX_GROUPS];
  private final int[] glen = new int[MAX_GROUPS];
  private final int[] off = new int[MAX_GROUPS + 1];
  private final char[] gap = new char[MAX_GROUPS];
  private final char[] digits = new char[MAX_DIGITS];
  private int groups;

  private NumberRuns() {}

  /**
   * This thread's runs, bound to {@code scan} for its walk: the walk reads every run of its text
   * with them, and {@link #unbind} ends that. The walk of a scan is a leaf (nothing it calls
   * scans), so a thread's runs are bound to one scan at a time.
   */
  static NumberRuns bind(Scan scan) {
    NumberRuns runs = PER_THREAD.get();
    if (runs.scan != null) {
      runs = new NumberRuns(); // in use further up this thread's stack (nothing does that today)
    }
    runs.scan = scan;
    runs.cs = scan.chars;
    runs.n = scan.length;
    return runs;
  }

  /** Ends the binding {@link #bind} made; called once the walk is over, whatever happened. */
  void unbind() {
    scan = null; // do not keep the text alive until the thread's next scan
    cs = null;
    java.util.Arrays.fill(digits, '\0'); // nor the digits of its last number
    java.util.Arrays.fill(gap, '\0');
  }

  /**
   * Reads the run of the bound scan's text whose first digit is at {@code s} (a token boundary),
   * adds what it finds to the scan; returns where the run ends.
   */
  int scan(int s) {
    return run(s);
  }

  /** Whether this thread's reused arrays hold no digits of the texts it read (for tests). */
  static boolean threadArraysClear() {
    NumberRuns runs = PER_THREAD.get();
    for (int k = 0; k < MAX_DIGITS; k++) {
      if (runs.digits[k] != 0) {
        return false;
      }
    }
    for (int k = 0; k < MAX_GROUPS; k++) {
      if (runs.gap[k] != 0) {
        return false;
      }
    }
    return true;
  }

  private int run(int s) {
    int pos = s;
    int total = 0;
    groups = 0;
    boolean overflow = false;
    while (true) {
      gs[groups] = pos;
      off[groups] = total;
      int cnt = 0;
      while (pos < n) {
        char c = cs[pos];
        if (Chars.isDigit(c)) {
          if (total < MAX_DIGITS) {
            digits[total] = Chars.asciiDigit(c);
          }
          total++;
          cnt++;
          pos++;
        } else if (Chars.separatorKind(c) == 0
            && Chars.isDigitSeparator(c)
            && pos + 1 < n
            && Chars.isDigit(cs[pos + 1])) {
          pos++; // an invisible character inside a group
        } else {
          break;
        }
      }
      ge[groups] = pos;
      glen[groups] = cnt;
      groups++;
      if (total > MAX_DIGITS || groups == MAX_GROUPS) {
        overflow = true;
        break;
      }
      int q = pos;
      int visible = 0;
      int spaces = 0;
      char kind = 0;
      boolean paren = false;
      boolean mixed = false;
      while (q < n && q - pos < 4) {
        char c = cs[q];
        if (c == '(' || c == ')') {
          paren = true;
          visible++;
        } else if (Chars.isDigitSeparator(c)) {
          char k = Chars.separatorKind(c);
          if (k != 0) {
            visible++;
            if (k == ' ') {
              spaces++;
            }
            if (kind == 0) {
              kind = k;
            } else if (kind != k) {
              mixed = true;
            }
          }
        } else {
          break;
        }
        q++;
      }
      if (q == pos || q >= n || !Chars.isDigit(cs[q]) || visible > 3 || spaces > 2) {
        break;
      }
      gap[groups - 1] = paren ? 'P' : mixed ? 'M' : kind;
      pos = q;
    }
    off[groups] = Math.min(total, MAX_DIGITS);
    int runEnd = ge[groups - 1];
    if (overflow) {
      return runEnd;
    }
    int last = groups - 1;
    int extEnd = -1;
    if (!Chars.boundaryAt(cs, n, runEnd)) {
      char c = cs[runEnd];
      if (glen[last] == 8 && Chars.isUpper(c) && Chars.boundaryAt(cs, n, runEnd + 1)) {
        dni(last, runEnd);
      } else if ((c == 'x' || c == 'X') && (extEnd = extension(runEnd + 1)) > 0) {
        // "555-123-4567x89": the extension belongs to the phone number
      } else {
        last--; // the last group is glued to letters: it is part of some other token
      }
    } else if (runEnd + 2 < n
        && cs[runEnd] == '-'
        && glen[last] == 8
        && Chars.isUpper(cs[runEnd + 1])
        && Chars.boundaryAt(cs, n, runEnd + 2)) {
      dni(last, runEnd + 1);
    }
    if (last < 0) {
      return runEnd;
    }
    ipv4(last);
    shapes(last);
    phones(s, last, extEnd);
    return runEnd;
  }

  private int extension(int from) {
    int i = from;
    while (i < n && i - from < 6 && Chars.isAsciiDigit(cs[i])) {
      i++;
    }
    return i > from && Chars.boundaryAt(cs, n, i) ? i : -1;
  }

  private String digitString(int a, int b) {
    return new String(digits, off[a], off[b + 1] - off[a]);
  }

  private int count(int a, int b) {
    return off[b + 1] - off[a];
  }

  /** The common separator of groups a..b: 0 for a single group, 'M' when they differ. */
  private char uniform(int a, int b) {
    if (a == b) {
      return 0;
    }
    char k = gap[a];
    for (int i = a + 1; i < b; i++) {
      if (gap[i] != k) {
        return 'M';
      }
    }
    return k;
  }

  private boolean lengths(int a, int b, int... want) {
    if (b - a + 1 != want.length) {
      return false;
    }
    for (int i = 0; i < want.length; i++) {
      if (glen[a + i] != want[i]) {
        return false;
      }
    }
    return true;
  }

  private void shapes(int last) {
    for (int a = 0; a <= last; a++) {
      for (int b = a; b <= last && count(a, b) <= MAX_ENTITY_DIGITS; b++) {
        char sep = uniform(a, b);
        int d = count(a, b);
        boolean single = a == b;
        boolean spaceOrDash = sep == ' ' || sep == '-';
        if (d >= 12 && d <= 19 && (single || spaceOrDash)) {
          card(a, b, single);
        }
        if (d == 9) {
          if (single || (lengths(a, b, 3, 2, 4) && (spaceOrDash || sep == '.'))) {
            ssn(a, b, single);
          }
          if (single || (lengths(a, b, 4, 2, 3) && sep == '.')) {
            add(PiiType.NL_BSN, a, b, "validated", "", NationalIds.nlBsn(digitString(a, b)));
          }
        } else if (d == 10 && (single || (lengths(a, b, 3, 3, 4) && spaceOrDash))) {
          add(
              PiiType.UK_NHS,
              a,
              b,
              single ? "plain" : "grouped",
              "",
              NationalIds.ukNhs(digitString(a, b)));
        } else if (d == 11 && (single || (lengths(a, b, 2, 3, 3, 3) && sep == ' '))) {
          add(
              PiiType.DE_TAX_ID,
              a,
              b,
              single ? "plain" : "grouped",
              "",
              NationalIds.deTaxId(digitString(a, b)));
        } else if (d == 12 && (single || (lengths(a, b, 4, 4, 4) && spaceOrDash))) {
          add(
              PiiType.IN_AADHAAR,
              a,
              b,
              single ? "plain" : "grouped",
              "",
              NationalIds.inAadhaar(digitString(a, b)));
        } else if (d == 15
            && (single
                || (lengths(a, b, 1, 2, 2, 2, 3, 3, 2) && sep == ' ')
                || (lengths(a, b, 13, 2) && sep == ' '))) {
          add(PiiType.FR_NIR, a, b, "validated", "", NationalIds.frNir(digitString(a, b)));
        }
      }
    }
  }

  private void card(int a, int b, boolean single) {
    boolean shape = single;
    if (!shape) {
      boolean fours = true;
      for (int i = a; i < b; i++) {
        fours &= glen[i] == 4;
      }
      shape = (fours && glen[b] <= 4) || lengths(a, b, 4, 6, 5) || lengths(a, b, 4, 6, 4);
    }
    if (!shape || !scan.wants(PiiType.CARD)) {
      return;
    }
    String d = digitString(a, b);
    String issuer = CardIssuers.issuer(d);
    if (issuer != null && Checksums.luhn(d)) {
      scan.add(PiiType.CARD, gs[a], ge[b], "validated", issuer);
    }
  }

  private void ssn(int a, int b, boolean single) {
    add(
        PiiType.US_SSN,
        a,
        b,
        single ? "plain" : "grouped",
        "",
        NationalIds.usSsn(digitString(a, b)));
  }

  private void dni(int g, int letterAt) {
    if (scan.wants(PiiType.ES_DNI)
        && glen[g] == 8
        && (g == 0 || gap[g - 1] != '.')
        && NationalIds.esDni(digitString(g, g), cs[letterAt])) {
      scan.add(PiiType.ES_DNI, gs[g], letterAt + 1, "validated", "");
    }
  }

  private void add(PiiType type, int a, int b, String form, String subtype, boolean valid) {
    if (valid && scan.wants(type)) {
      scan.add(type, gs[a], ge[b], form, subtype);
    }
  }

  private void ipv4(int last) {
    if (!scan.wants(PiiType.IP) || last < 3) {
      return;
    }
    for (int k = 0; k + 3 <= last; k++) {
      if (gap[k] != '.' || gap[k + 1] != '.' || gap[k + 2] != '.') {
        continue;
      }
      if ((k > 0 && gap[k - 1] == '.') || (k + 3 < groups - 1 && gap[k + 3] == '.')) {
        continue; // five or more dotted parts: a version or an OID, not an address
      }
      boolean ok = true;
      for (int g = k; g <= k + 3 && ok; g++) {
        ok = glen[g] >= 1 && glen[g] <= 3 && octet(g) <= 255 && (glen[g] == 1 || cs[gs[g]] != '0');
      }
      if (ok) {
        String form = versionBefore(gs[k]) ? "ipv4_versionlike" : "ipv4";
        scan.add(PiiType.IP, gs[k], ge[k + 3], form, "ipv4");
      }
    }
  }

  private int octet(int g) {
    int v = 0;
    for (int i = off[g]; i < off[g + 1]; i++) {
      v = v * 10 + (digits[i] - '0');
    }
    return v;
  }

  /** Whether the word just before {@code i} announces a version number. */
  private boolean versionBefore(int i) {
    int j = i;
    while (j > 0 && cs[j - 1] == ' ') {
      j--;
    }
    int e = j;
    while (j > 0 && Chars.isAsciiLetter(cs[j - 1]) && e - j < 12) {
      j--;
    }
    String w = String.valueOf(cs, j, e - j).toLowerCase(java.util.Locale.ROOT);
    return switch (w) {
      case "v", "ver", "version", "versions", "release", "build", "firmware", "kernel", "update" ->
          true;
      default -> false;
    };
  }

  private void phones(int s, int last, int extEnd) {
    if (!scan.wants(PiiType.PHONE)) {
      return;
    }
    if (phone(s, 0, last, last == groups - 1 ? extEnd : -1)) {
      return;
    }
    // A stray group before or after a number ("in 2 0191 496 0377", "555 123 4567 2"): only
    // runs of three groups or more have one to spare.
    if (last >= 2 && phone(s, 1, last, last == groups - 1 ? extEnd : -1)) {
      return;
    }
    if (last >= 2) {
      phone(s, 0, last - 1, -1);
    }
  }

  private boolean phone(int s, int a, int b, int extEnd) {
    if (validatedAlready(gs[a], ge[b])) {
      return true; // a card, SSN, IBAN... of exactly these digits already scores 60 or more
    }
    int d = count(a, b);
    char sep = uniform(a, b);
    if (d < 7 || d > 17 || sep == '/') {
      return false;
    }
    for (int k = a; k + 2 <= b; k++) {
      if (dateShape(k, k + 2, uniform(k, k + 2))) {
        return false; // a date, or a date and time: 2013-01-26 19:17
      }
    }
    int start = gs[a];
    boolean plus = false;
    if (a == 0 && s > 0) {
      char p = cs[s - 1];
      if (p == '(') {
        start = s - 1;
        if (start > 0 && cs[start - 1] == '+') {
          start--;
          plus = true;
        }
      } else if (p == '+') {
        start = s - 1;
        plus = true;
      }
      if (start < s && !Chars.boundaryBefore(cs, start)) {
        return false;
      }
    }
    // "00" dials out only at the start of what was written, not inside a longer run.
    boolean international =
        plus || (a == 0 && digits[off[a]] == '0' && digits[off[a] + 1] == '0' && d >= 10);
    if (!international && d > 12) {
      return false;
    }
    if (b - a == 2 && lengths(a, b, 3, 2, 4) && sep == '-') {
      return false; // ddd-dd-dddd is how SSNs are written, not phone numbers
    }
    int end = extEnd > 0 ? extEnd : ge[b];
    String shape =
        international
            ? "international"
            : (a == b && start == gs[a]) ? "national_plain" : "national_grouped";
    int base = Scores.of(PiiType.PHONE, shape);
    // Context words only raise a score: a shape that reaches the threshold without them needs
    // their walk here only to compare with a candidate of exactly these digits, if there is one.
    int best = -1; // the shape's score after context words, once they are read
    if (base < scan.options.minScore() || sameDigitsAlready(gs[a], ge[b])) {
      // Skip libphonenumber (most of a scan's time) when even a valid number of this shape could
      // not reach the threshold: a bare digit run with no phone word nearby.
      best = scan.withContext(PiiType.PHONE, base, start, end);
      if (best < scan.options.minScore()) {
        return false;
      }
      // a card, SSN, NHS number... of exactly these digits wins over any phone reading
      if (outscoredAlready(gs[a], ge[b], best)) {
        return true;
      }
    }
    String candidate = String.valueOf(cs, start, ge[b] - start);
    List<String> written = new ArrayList<>(b - a + 1);
    for (int g = a; g <= b; g++) {
      written.add(digitString(g, g));
    }
    Phones.Match m = scan.phone(candidate, international, written);
    if (m == null) {
      return false;
    }
    scan.add(PiiType.PHONE, start, end, m.valid() ? shape : shape + "_possible", m.region());
    if (best >= 0) {
      // the phone candidate's context is what was read for this shape: same type and span
      scan.contextRead(scan.candidates.size() - 1, best != base);
    }
    return true;
  }

  /** Whether a candidate scoring 60 or more before context already covers {@code [start, end)}. */
  private boolean validatedAlready(int start, int end) {
    for (int i = scan.candidates.size() - 1; i >= 0; i--) {
      Candidate c = scan.candidates.get(i);
      if (c.end() < start) {
        return false;
      }
      if (c.start() == start && c.end() == end && c.score() >= 60) {
        return true;
      }
    }
    return false;
  }

  /** Whether a candidate already covers exactly {@code [start, end)}. */
  private boolean sameDigitsAlready(int start, int end) {
    for (int i = scan.candidates.size() - 1; i >= 0; i--) {
      Candidate c = scan.candidates.get(i);
      if (c.end() < start) {
        return false;
      }
      if (c.start() == start && c.end() == end) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether a candidate already covers exactly {@code [start, end)} with a score, context words
   * included, above {@code phoneBest}, the most a phone reading of it could score: then the phone
   * reading would lose the overlap and need not be validated.
   */
  private boolean outscoredAlready(int start, int end, int phoneBest) {
    for (int i = scan.candidates.size() - 1; i >= 0; i--) {
      Candidate c = scan.candidates.get(i);
      if (c.end() < start) {
        return false;
      }
      if (c.start() == start && c.end() == end && scan.withContext(i, true) > phoneBest) {
        return true;
      }
    }
    return false;
  }

  /** yyyy-mm-dd, dd.mm.yyyy, mm/dd/yy and similar: a date, not a phone number. */
  private boolean dateShape(int a, int b, char sep) {
    if (b - a != 2 || !(sep == '-' || sep == '.' || sep == '/')) {
      return false;
    }
    int l0 = glen[a];
    int l1 = glen[a + 1];
    int l2 = glen[b];
    return (l0 == 4 && l1 <= 2 && l2 <= 2) || (l0 <= 2 && l1 <= 2 && (l2 == 4 || l2 == 2));
  }
}
