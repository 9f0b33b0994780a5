package io.jrego.engine.builtins.ai;

import java.util.ArrayList;
import java.util.List;

/** Payment card issuers by prefix range and length ({@code card-issuers.tsv}). */
final class CardIssuers {

  private record Range(String issuer, long low, long high, int digits, int lengthMask) {}

  private static final List<Range> RANGES = load();

  private CardIssuers() {}

  private static List<Range> load() {
    List<Range> out = new ArrayList<>();
    for (String[] r : Tables.rows("card-issuers.tsv", 3)) {
      int mask = 0;
      for (String l : r[2].split(",", -1)) {
        mask |= 1 << Integer.parseInt(l.strip());
      }
      for (String p : r[1].split(",", -1)) {
        String[] lh = p.strip().split("-", -1);
        String lo = lh[0];
        String hi = lh.length > 1 ? lh[1] : lh[0];
        if (lo.length() != hi.length()) {
          throw new IllegalStateException("card-issuers.tsv: uneven range " + p);
        }
        out.add(new Range(r[0], Long.parseLong(lo), Long.parseLong(hi), lo.length(), mask));
      }
    }
    return List.copyOf(out);
  }

  /** The issuer of a card number of these digits, or null when no issuer has such numbers. */
  static String issuer(CharSequence digits) {
    int len = digits.length();
    for (Range r : RANGES) {
      if ((r.lengthMask & (1 << len)) == 0 || len < r.digits) {
        continue;
      }
      long p = 0;
      for (int i = 0; i < r.digits; i++) {
        p = p * 10 + (digits.charAt(i) - '0');
      }
      if (p >= r.low && p <= r.high) {
        return r.issuer;
      }
    }
    return null;
  }
}
