package io.jrego.engine.builtins.ai;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;

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
  private static final Comparator<Candidate> PRIORITY =
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

  /** What a scan returns. */
  public record Result(List<Finding> findings, boolean truncated) {
    public Result {
      findings = List.copyOf(findings);
    }
  }

  /**
   * Scans {@code text}.
   *
   * @return the findings in text order, non-overlapping, each at least {@code options.minScore()};
   *     {@code truncated} is true when more than {@code options.maxFindings()} were found
   */
  public Result scan(String text, PiiOptions options) {
    Scan scan = new Scan(text, options);
    scan.run();
    List<Candidate> kept = new ArrayList<>();
    for (Candidate c : scan.candidates) {
      int score = scan.withContext(c.type(), c.score(), c.start(), c.end());
      if (score >= options.minScore() && options.types().contains(c.type())) {
        kept.add(
            score == c.score()
                ? c
                : new Candidate(c.type(), c.start(), c.end(), score, c.subtype()));
      }
    }
    kept.sort(PRIORITY);
    // The characters taken by candidates accepted so far: a candidate that overlaps none of them
    // is accepted. Candidates are never empty, so "overlaps" is "takes one of its characters".
    BitSet taken = new BitSet(text.length());
    List<Candidate> accepted = new ArrayList<>();
    for (Candidate c : kept) {
      int next = taken.nextSetBit(c.start());
      if (next < 0 || next >= c.end()) {
        taken.set(c.start(), c.end());
        accepted.add(c);
      }
    }
    accepted.sort(BY_START);
    List<Finding> out = new ArrayList<>(Math.min(accepted.size(), options.maxFindings()));
    int cp = 0;
    int pos = 0;
    for (Candidate c : accepted) {
      if (out.size() == options.maxFindings()) {
        return new Result(out, true);
      }
      cp += text.codePointCount(pos, c.start());
      int startCp = cp;
      cp += text.codePointCount(c.start(), c.end());
      pos = c.end();
      out.add(
          new Finding(
              c.type(),
              startCp,
              cp,
              c.start(),
              c.end(),
              c.score(),
              c.subtype(),
              text.substring(c.start(), c.end())));
    }
    return new Result(out, false);
  }
}
