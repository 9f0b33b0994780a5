package io.jrego.engine.builtins.ai;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;

/**
 * Finds personal data and credentials in text, validating every candidate (checksums, issuer
 * ranges, numbering plans, structure) instead of trusting a pattern. Each finding gets a
 * confidence: the base score of its rule ({@code pii-scores.tsv}), raised when a word naming that
 * kind of data stands nearby ({@code pii-context.tsv}). Overlapping candidates are resolved in
 * favour of the most confident, then the longest.
 *
 * <p>The scan walks the text once; each detector examines a bounded window from where it is
 * started, so the time is linear in the length of the text and the output is capped by {@link
 * PiiOptions#maxFindings()}. Offsets are reported in code points of the text as given (and in
 * UTF-16 units for Java callers); nothing is normalised first, but digits of any script and
 * invisible characters inside numbers are read through, so {@code ４１１１…} and {@code
 * 4111\u200b1111…} are found with exact spans.
 *
 * <p>Instances are immutable and thread-safe. {@code PiiScanner.standard().scan(text,
 * PiiOptions.defaults())} is all a caller needs; {@link Redactor} and {@link StreamRedactor} build
 * on it.
 */
public final class PiiScanner {

  private static final PiiScanner STANDARD = new PiiScanner();

  /**
   * Orders candidates for overlap resolution: the most confident, then longest, then first, then by
   * type. Written out rather than composed from key extractors: a PII-dense body sorts thousands of
   * candidates.
   */
  static final Comparator<Candidate> PRIORITY =
      (a, b) -> {
        int c = Integer.compare(b.score(), a.score());
        if (c == 0) {
          c = Integer.compare(b.end() - b.start(), a.end() - a.start());
        }
        if (c == 0) {
          c = Integer.compare(a.start(), b.start());
        }
        return c != 0 ? c : a.type().compareTo(b.type());
      };

  private static final Comparator<Candidate> BY_START =
      (a, b) -> Integer.compare(a.start(), b.start());

  private PiiScanner() {}

  /** The scanner with the rule tables shipped in the jar. */
  public static PiiScanner standard() {
    return STANDARD;
  }

  /**
   * Where one scan's walk went: the walk takes a text a token at a time, and some tokens in one
   * step that may reach over spaces and separators (a spaced card number, an IBAN in groups, a key
   * assignment). A scan that starts where an earlier walk over the same text was at a position
   * finds what that walk would have found from there on; {@link #resumeAt} says where that is. Not
   * thread-safe; reused by the scans of one caller.
   */
  public static final class Walk {
    private int[] steps = new int[32];
    int count; // steps recorded: [2k] where one began, [2k + 1] where the walk went on

    void step(int start, int next) {
      if (2 * count + 2 > steps.length) {
        steps = Arrays.copyOf(steps, steps.length * 2);
      }
      steps[2 * count] = start;
      steps[2 * count + 1] = next;
      count++;
    }

    /** Forgets the steps recorded (as if no walk had been). */
    public void clear() {
      count = 0;
    }

    /**
     * Where a walk that is to go on at {@code p} starts: {@code p} itself if the walk was there,
     * else the start of the step that took it over {@code p} (that token is examined again).
     */
    public int resumeAt(int p) {
      int lo = 0;
      int hi = count - 1;
      while (lo <= hi) { // the last step starting before p
        int mid = (lo + hi) >>> 1;
        if (steps[2 * mid] < p) {
          lo = mid + 1;
        } else {
          hi = mid - 1;
        }
      }
      return hi >= 0 && steps[2 * hi + 1] > p ? steps[2 * hi] : p;
    }
  }

  /** What a scan returns. */
  public record Result(List<Finding> findings, boolean truncated) {
    public Result {
      findings = List.copyOf(findings);
    }
  }

  /** The result of a scan without candidates. */
  private static final Result NOTHING = new Result(List.of(), false);

  /**
   * Scans {@code text}.
   *
   * @return the findings in text order, non-overlapping, each at least {@code options.minScore()};
   *     {@code truncated} is true when more than {@code options.maxFindings()} were found
   */
  public Result scan(String text, PiiOptions options) {
    return scan(text, options, 0);
  }

  /**
   * Scans {@code text} from {@code from} on: the walk starts there, as if it had just reached it,
   * so only candidates starting at or after {@code from} are looked for (an e-mail address found at
   * its {@code @} may still begin before it), while the text before stays the context its context
   * words are read from. A caller that has already judged the text before {@code from} (a stream
   * that keeps its last characters as context) scans only what is new to it.
   *
   * @param from where the walk starts, {@code 0 <= from <= text.length()}
   */
  public Result scan(String text, PiiOptions options, int from) {
    return scan(text, options, from, null);
  }

  /**
   * {@link #scan(String, PiiOptions, int)}, recording in {@code walk} (if not null; what it held
   * before is dropped) where the walk went, so that a caller that scans the text again once more
   * has arrived can start where this walk was ({@link Walk#resumeAt}).
   */
  public Result scan(String text, PiiOptions options, int from, Walk walk) {
    if (from < 0 || from > text.length()) {
      throw new IndexOutOfBoundsException("from " + from + " outside a text of " + text.length());
    }
    if (walk != null) {
      walk.clear();
    }
    Scan scan = new Scan(text, options);
    try {
      scan.run(from, walk);
      return found(text, options, scan);
    } finally {
      scan.release();
    }
  }

  /**
   * The candidates kept after overlaps are resolved, in text order: taken by priority ({@link
   * #PRIORITY}), a candidate is accepted when it overlaps none accepted before it.
   *
   * <p>Only candidates that overlap others compete: the candidates are put in text order (the walk
   * finds them nearly in that order, so this sort is about one pass), and split into groups in
   * which each overlaps one before it in its group; no candidate overlaps one of another group, so
   * the priority order decides within a group alone, and a group of one (most candidates) is
   * accepted as it is. Both sorts are stable, so candidates equal under {@link #PRIORITY} keep the
   * order the walk found them in, as one sort of them all by priority kept it.
   */
  static List<Candidate> resolve(List<Candidate> kept, int textLength) {
    kept.sort(BY_START);
    List<Candidate> accepted = new ArrayList<>(kept.size());
    BitSet taken = null;
    List<Candidate> group = null;
    int n = kept.size();
    int i = 0;
    while (i < n) {
      Candidate first = kept.get(i);
      int end = first.end();
      int j = i + 1;
      while (j < n && kept.get(j).start() < end) {
        end = Math.max(end, kept.get(j).end());
        j++;
      }
      if (j == i + 1) {
        accepted.add(first);
        i = j;
        continue;
      }
      if (group == null) {
        group = new ArrayList<>();
        taken = new BitSet(textLength);
      }
      group.clear();
      group.addAll(kept.subList(i, j));
      group.sort(PRIORITY);
      // The characters taken by the group's candidates accepted so far: a candidate that overlaps
      // none of them is accepted. Candidates are never empty, so "overlaps" is "takes one of its
      // characters".
      int at = accepted.size();
      for (Candidate c : group) {
        int next = taken.nextSetBit(c.start());
        if (next < 0 || next >= c.end()) {
          taken.set(c.start(), c.end());
          accepted.add(c);
        }
      }
      // accepted candidates do not overlap, so their starts differ: one order by start
      accepted.subList(at, accepted.size()).sort(BY_START);
      i = j;
    }
    return accepted;
  }

  /**
   * Takes a scan's findings one at a time, in text order, without a {@link Finding} or the text of
   * each: what {@code jrego.pii.scan} reports of them (a PII-dense body has hundreds).
   */
  interface Sink {
    /**
     * One finding: its type, span in code points {@code [start, end)} and in UTF-16 units {@code
     * [charStart, charEnd)}, score and subtype.
     */
    void found(
        PiiType type, int start, int end, int charStart, int charEnd, int score, String subtype);

    /** There were more findings than the options allow; called after the last one handed. */
    void truncated();
  }

  /**
   * {@link #scan(String, PiiOptions)}, handing each finding to a sink: made by {@code sinks} when
   * there is something to hand it (a finding, or truncation), so that a text with none (most
   * messages) makes no sink.
   *
   * @return the sink, or null when nothing was found
   */
  <S extends Sink> S scan(String text, PiiOptions options, Supplier<S> sinks) {
    Scan scan = new Scan(text, options);
    try {
      scan.run(0, null);
      return found(text, options, scan, sinks);
    } finally {
      scan.release();
    }
  }

  /** The findings of a scan as a list, for {@link Result}. */
  private static final class Findings implements Sink {
    final List<Finding> list = new ArrayList<>();
    final String text;
    boolean truncated;

    Findings(String text) {
      this.text = text;
    }

    @Override
    public void found(
        PiiType type, int start, int end, int charStart, int charEnd, int score, String subtype) {
      list.add(
          new Finding(
              type,
              start,
              end,
              charStart,
              charEnd,
              score,
              subtype,
              text.substring(charStart, charEnd)));
    }

    @Override
    public void truncated() {
      truncated = true;
    }
  }

  /** The findings of a scan whose walk has run, its text still in {@link Scan#chars}. */
  private static Result found(String text, PiiOptions options, Scan scan) {
    Findings f = found(text, options, scan, () -> new Findings(text));
    return f == null ? NOTHING : new Result(f.list, f.truncated);
  }

  /**
   * Hands the findings of a scan whose walk has run to a sink made on the first of them (or on
   * truncation); returns it, or null when there was nothing to hand.
   */
  private static <S extends Sink> S found(
      String text, PiiOptions options, Scan scan, Supplier<S> sinks) {
    if (scan.candidates.isEmpty()) {
      return null; // most messages: no lists, no set of taken chars
    }
    List<Candidate> kept = new ArrayList<>();
    for (int i = 0; i < scan.candidates.size(); i++) {
      Candidate c = scan.candidates.get(i);
      int score = scan.withContext(i, false);
      if (score >= options.minScore() && options.types().contains(c.type())) {
        kept.add(
            score == c.score()
                ? c
                : new Candidate(c.type(), c.start(), c.end(), score, c.subtype()));
      }
    }
    List<Candidate> accepted = resolve(kept, text.length());
    S sink = null;
    int cp = 0;
    int pos = 0;
    int count = 0;
    for (Candidate c : accepted) {
      if (sink == null) {
        sink = sinks.get();
      }
      if (count == options.maxFindings()) {
        sink.truncated();
        return sink;
      }
      cp += text.codePointCount(pos, c.start());
      int startCp = cp;
      cp += text.codePointCount(c.start(), c.end());
      pos = c.end();
      sink.found(c.type(), startCp, cp, c.start(), c.end(), c.score(), c.subtype());
      count++;
    }
    return sink;
  }
}
