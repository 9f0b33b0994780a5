package io.jrego.engine.builtins.ai;

import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * Credential detectors: tokens with a known prefix ({@code secret-prefixes.tsv}), JWTs, PEM
 * private-key blocks, and values assigned to secret-sounding names ({@code secret-names.txt}) that
 * are random enough to be credentials.
 */
final class Secrets {

  /** A row of {@code secret-prefixes.tsv}. */
  private record Prefix(
      String prefix,
      PiiType type,
      String subtype,
      String alphabet,
      int min,
      int max,
      String form,
      long low,
      long high) {

    Prefix(
        String prefix,
        PiiType type,
        String subtype,
        String alphabet,
        int min,
        int max,
        String form) {
      this(prefix, type, subtype, alphabet, min, max, form, bits(alphabet, 0), bits(alphabet, 64));
    }

    /**
     * {@link #inAlphabet} of the ASCII chars {@code from} to {@code from + 63} as bits: a token's
     * body is read a bit per char instead of choosing the alphabet by its name for each (every
     * alphabet is ASCII).
     */
    private static long bits(String alphabet, int from) {
      long b = 0;
      for (int c = from; c < from + 64; c++) {
        if (inAlphabet(alphabet, (char) c)) {
          b |= 1L << (c - from);
        }
      }
      return b;
    }

    boolean allows(char c) {
      return c < 64 ? (low & (1L << c)) != 0 : c < 128 && (high & (1L << (c - 64))) != 0;
    }
  }

  /** Prefixes by first character (ASCII), longest first. */
  private static final List<List<Prefix>> BY_FIRST = new ArrayList<>();

  /**
   * The second characters (ASCII) of the prefixes, by first character: bits 0-63 and 64-127. Most
   * words start with a prefix's first letter but not its first two ("sure", not "sk-"), and are
   * ruled out here without comparing every prefix.
   */
  private static final long[] SECOND_LOW = new long[128];

  private static final long[] SECOND_HIGH = new long[128];

  /** First characters of a prefix too short, or with a second character too wide, to filter. */
  private static final boolean[] UNFILTERED = new boolean[128];

  /** The first characters (ASCII) of the prefixes: {@code BY_FIRST} not null. */
  private static final boolean[] FIRST = new boolean[128];

  private static final List<String> SECRET_NAMES = new ArrayList<>();
  private static final List<String> PASSWORD_NAMES = new ArrayList<>();
  private static final Set<String> PLACEHOLDER_VALUES =
      Set.of(
          "password",
          "changeme",
          "secret",
          "example",
          "redacted",
          "xxxxxxxx",
          "none",
          "null",
          "undefined",
          "true",
          "false",
          "your_api_key",
          "your-api-key",
          "yourpassword",
          "required",
          "optional",
          "string",
          "hidden",
          "masked",
          "placeholder",
          "test",
          "dummy");

  /** How a JWT begins: the base64url of its JSON header's opening brace and quote. */
  static final String JWT_START = "eyJ";

  /** What the scanner looks for before trying a Slack incoming-webhook URL. */
  static final String SLACK_HOOKS = "hooks.slack.com/";

  /** How a Slack incoming-webhook URL begins; the token is the path after it. */
  private static final String SLACK_WEBHOOK = SLACK_HOOKS + "services/";

  /** Minimum Shannon entropy, in bits per character, of a generic secret value. */
  static final double ENTROPY_BITS = 3.0;

  static {
    for (int i = 0; i < 128; i++) {
      BY_FIRST.add(null);
    }
    for (String[] r : Tables.rows("secret-prefixes.tsv", 7)) {
      PiiType type =
          PiiType.byId(r[1])
              .orElseThrow(() -> new IllegalStateException("secret-prefixes.tsv: type " + r[1]));
      Scores.of(type, r[6]); // fails early on a form without a score
      Prefix p =
          new Prefix(r[0], type, r[2], r[3], Integer.parseInt(r[4]), Integer.parseInt(r[5]), r[6]);
      char c = r[0].charAt(0);
      if (BY_FIRST.get(c) == null) {
        BY_FIRST.set(c, new ArrayList<>());
      }
      FIRST[c] = true;
      BY_FIRST.get(c).add(p);
    }
    for (List<Prefix> l : BY_FIRST) {
      if (l != null) {
        l.sort(Comparator.comparingInt((Prefix p) -> p.prefix.length()).reversed());
        for (Prefix p : l) {
          char second = p.prefix.length() > 1 ? p.prefix.charAt(1) : 0;
          if (p.prefix.length() < 2 || second >= 128) {
            UNFILTERED[p.prefix.charAt(0)] = true;
          } else if (second < 64) {
            SECOND_LOW[p.prefix.charAt(0)] |= 1L << second;
          } else {
            SECOND_HIGH[p.prefix.charAt(0)] |= 1L << (second - 64);
          }
        }
      }
    }
    List<String> target = SECRET_NAMES;
    for (String line : Tables.lines("secret-names.txt")) {
      if (line.startsWith("# [password_names]")) {
        target = PASSWORD_NAMES;
      }
      if (!line.isBlank() && !line.startsWith("#")) {
        target.add(line.strip());
      }
    }
  }

  /** The scan; its text is read from {@link Scan#chars}, in which the walk that calls us is. */
  private final Scan scan;

  private final String t;
  private int pemEndSearchedFrom = -1;
  private int pemEndFound = -1;

  Secrets(Scan scan) {
    this.scan = scan;
    this.t = scan.text;
  }

  /**
   * The fixed text with which the detectors recognise a value of {@code type}: the prefixes of
   * {@code secret-prefixes.tsv} with that type, {@value #JWT_START} for a JWT, {@code -----BEGIN }
   * for a private key, the webhook URL's head for Slack. Empty for a type found by its shape.
   */
  static List<String> starts(PiiType type) {
    List<String> out = new ArrayList<>();
    for (List<Prefix> l : BY_FIRST) {
      if (l != null) {
        for (Prefix p : l) {
          if (p.type == type) {
            out.add(p.prefix);
          }
        }
      }
    }
    switch (type) {
      case JWT -> out.add(JWT_START);
      case PRIVATE_KEY -> out.add(PEM_BEGIN);
      case SLACK_TOKEN -> out.add(SLACK_WEBHOOK);
      default -> {}
    }
    return out;
  }

  /** Tries the prefixed tokens at {@code s}; returns the end of a match, or -1. */
  int prefixed(int s) {
    char c = scan.chars[s];
    List<Prefix> candidates = c < 128 ? BY_FIRST.get(c) : null;
    if (candidates == null) {
      return -1;
    }
    if (s + 1 < t.length() && !mayContinue(c, scan.chars[s + 1])) {
      return -1;
    }
    for (Prefix p : candidates) {
      if (!Chars.startsWith(scan.chars, t.length(), s, p.prefix)) {
        continue;
      }
      int bodyStart = s + p.prefix.length();
      int i = bodyStart;
      int limit = Math.min(t.length(), bodyStart + p.max + 1);
      while (i < limit && p.allows(scan.chars[i])) {
        i++;
      }
      int len = i - bodyStart;
      if (len < p.min || len > p.max || (i < t.length() && p.allows(scan.chars[i]))) {
        continue;
      }
      if (i < t.length() && Chars.isAsciiAlnum(scan.chars[i])) {
        continue;
      }
      if (p.form.equals("legacy") && !mixed(t, bodyStart, i)) {
        continue; // a bare "sk-" is common; demand the letters and digits of a random key
      }
      String form = p.form;
      if (p.type == PiiType.GITHUB_TOKEN && p.max == 36) {
        form = githubChecksum(t.substring(s, i)) ? "checksum" : "prefix";
      }
      if (scan.wants(p.type)) {
        scan.add(p.type, s, i, form, p.subtype);
      }
      return i;
    }
    return -1;
  }

  /**
   * Whether a prefixed token may start at {@code s} of the text held in {@code cs[0, n)}: some
   * prefix begins with its first character and, where there is one, its second (what {@link
   * #prefixed} tests first). The walk asks this of every word before calling {@link #prefixed}: on
   * a long text nearly every word fails it, and the call was most of what those words cost.
   */
  static boolean mayBePrefixed(char[] cs, int n, int s) {
    char c = cs[s];
    if (c >= 128 || !FIRST[c]) {
      return false;
    }
    return s + 1 >= n || mayContinue(c, cs[s + 1]);
  }

  /**
   * Where the name of an assignment that begins at {@code s}, its first word ending at {@code
   * wordEnd}, ends in the text held in {@code cs[0, n)}: ASCII letters and digits, {@code _},
   * {@code -} and {@code .}, at most 64 characters from {@code s}.
   */
  static int nameEnd(char[] cs, int n, int s, int wordEnd) {
    int nameEnd = wordEnd;
    while (nameEnd < n && nameEnd - s < 64) {
      char d = cs[nameEnd];
      if (Chars.isAsciiAlnum(d) || d == '_' || d == '-' || d == '.') {
        nameEnd++;
      } else {
        break;
      }
    }
    return nameEnd;
  }

  /**
   * Whether the name ending at {@code nameEnd} of the text held in {@code cs[0, n)} is followed by
   * an assignment's operator, as {@link #assignment} reads it (an optional closing quote, spaces,
   * then {@code :} or {@code =}): its necessary first condition, asked by the walk of every word
   * before calling it (one word in thirty passes on a PII-dense text).
   */
  static boolean mayAssign(char[] cs, int n, int nameEnd) {
    int i = nameEnd;
    if (i < n && (cs[i] == '"' || cs[i] == '\'')) {
      i++;
    }
    while (i < n && cs[i] == ' ') {
      i++;
    }
    return i < n && (cs[i] == ':' || cs[i] == '=');
  }

  /**
   * {@link #SECOND_LOW}/{@link #SECOND_HIGH} with the second chars of a JWT ({@code ey}) and of a
   * Slack webhook ({@code ho}): the pairs any token the walk hands to {@link #prefixed}, {@link
   * #jwt} or {@link #slackWebhook} begins with ({@link #mayStartToken}).
   */
  private static final long[] TOKEN_LOW = new long[128];

  private static final long[] TOKEN_HIGH = new long[128];

  static {
    System.arraycopy(SECOND_LOW, 0, TOKEN_LOW, 0, 128);
    System.arraycopy(SECOND_HIGH, 0, TOKEN_HIGH, 0, 128);
    for (String start : List.of(JWT_START, SLACK_HOOKS)) {
      TOKEN_HIGH[start.charAt(0)] |= 1L << (start.charAt(1) - 64);
    }
  }

  /**
   * Whether a prefixed token ({@link #mayBePrefixed}), a JWT or a Slack webhook may start at {@code
   * s} of the text held in {@code cs[0, n)}, whose char is ASCII: one table read of its first two
   * chars, true for few words, so the walk asks it of every word before telling the three apart.
   */
  static boolean mayStartToken(char[] cs, int n, int s) {
    char c = cs[s];
    if (s + 1 >= n) {
      return FIRST[c]; // a JWT's or a webhook's start is longer than one char
    }
    if (UNFILTERED[c]) {
      return true;
    }
    char c1 = cs[s + 1];
    if (c1 >= 128) {
      return false;
    }
    return c1 < 64 ? (TOKEN_LOW[c] & (1L << c1)) != 0 : (TOKEN_HIGH[c] & (1L << (c1 - 64))) != 0;
  }

  /** Whether some prefix begins with {@code c} (ASCII): {@link #mayBePrefixed}'s first test. */
  static boolean mayBeFirst(char c) {
    return c < 128 && FIRST[c];
  }

  /**
   * The chars that may follow a word whose name is assigned ({@link #mayAssign} after {@link
   * #nameEnd}): a name's own {@code -}, {@code .}, {@code _}, letters and digits, a closing quote,
   * a space, or the operator.
   */
  private static final boolean[] AFTER_NAME = new boolean[128];

  static {
    for (char c = 0; c < 128; c++) {
      AFTER_NAME[c] =
          Chars.isAsciiAlnum(c)
              || c == '_'
              || c == '-'
              || c == '.'
              || c == '"'
              || c == '\''
              || c == ' '
              || c == ':'
              || c == '=';
    }
  }

  /**
   * Whether a word ending at {@code wordEnd} of the text held in {@code cs[0, n)} may begin an
   * assignment's name: false only where {@link #mayAssign} of its {@link #nameEnd} is false, read
   * from the one or two chars after the word. After most words a space and a letter: no operator
   * can follow.
   */
  static boolean mayAssignAfter(char[] cs, int n, int wordEnd) {
    if (wordEnd >= n) {
      return false;
    }
    char d = cs[wordEnd];
    if (d == ' ') {
      // the name ends at the space; only more spaces or the operator may follow it
      if (wordEnd + 1 >= n) {
        return false;
      }
      char d1 = cs[wordEnd + 1];
      return d1 == ' ' || d1 == ':' || d1 == '=';
    }
    return d < 128 && AFTER_NAME[d];
  }

  /**
   * Whether the six chars at {@code s} are {@code bearer} in any case: a six-letter word {@link
   * #bearer} can start with (its other schemes, {@code basic} and {@code token}, are five letters
   * followed by a space, never a six-letter word).
   */
  static boolean isBearer(char[] cs, int s) {
    return (cs[s] | 0x20) == 'b'
        && (cs[s + 1] | 0x20) == 'e'
        && (cs[s + 2] | 0x20) == 'a'
        && (cs[s + 3] | 0x20) == 'r'
        && (cs[s + 4] | 0x20) == 'e'
        && (cs[s + 5] | 0x20) == 'r';
  }

  /** Whether some prefix starting with {@code first} has {@code second} as its second character. */
  private static boolean mayContinue(char first, char second) {
    if (UNFILTERED[first]) {
      return true;
    }
    if (second >= 128) {
      return false;
    }
    return second < 64
        ? (SECOND_LOW[first] & (1L << second)) != 0
        : (SECOND_HIGH[first] & (1L << (second - 64))) != 0;
  }

  private static boolean inAlphabet(String alphabet, char c) {
    return switch (alphabet) {
      case "upper32" -> (c >= 'A' && c <= 'Z') || (c >= '2' && c <= '7');
      case "alnum" -> Chars.isAsciiAlnum(c);
      case "alnum_" -> Chars.isAsciiAlnum(c) || c == '_';
      case "alnum_dash" -> Chars.isAsciiAlnum(c) || c == '_' || c == '-';
      case "slack" -> Chars.isAsciiAlnum(c) || c == '-';
      default -> throw new IllegalStateException("secret-prefixes.tsv: alphabet " + alphabet);
    };
  }

  /** Whether a token body has both letters and digits, as random keys do and words do not. */
  private static boolean mixed(String s, int from, int to) {
    boolean letter = false;
    boolean digit = false;
    for (int i = from; i < to && !(letter && digit); i++) {
      char c = s.charAt(i);
      letter |= Chars.isAsciiLetter(c);
      digit |= Chars.isAsciiDigit(c);
    }
    return letter && digit;
  }

  private static final String BASE62 =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

  /** GitHub's classic tokens end with the CRC32 of the 30 random characters, in base 62. */
  static boolean githubChecksum(String token) {
    String body = token.substring(4);
    CRC32 crc = new CRC32();
    crc.update(body.substring(0, 30).getBytes(StandardCharsets.US_ASCII));
    long v = crc.getValue();
    char[] out = new char[6];
    for (int i = 5; i >= 0; i--) {
      out[i] = BASE62.charAt((int) (v % 62));
      v /= 62;
    }
    return body.substring(30).equals(new String(out));
  }

  /** A JWT at {@code s} (which starts with {@code eyJ}); returns its end, or -1. */
  int jwt(int s) {
    int[] dots = new int[2];
    int i = s;
    int parts = 0;
    int n = t.length();
    int limit = Math.min(n, s + 16_384);
    while (i < limit) {
      char c = scan.chars[i];
      if (Chars.isAsciiAlnum(c) || c == '-' || c == '_') {
        i++;
      } else if (c == '.' && parts < 2) {
        dots[parts++] = i;
        i++;
      } else {
        break;
      }
    }
    if (parts < 2 || dots[0] - s < 10 || dots[1] - dots[0] < 2) {
      return -1;
    }
    if (i < n && (Chars.isAsciiAlnum(scan.chars[i]) || scan.chars[i] == '.')) {
      return -1;
    }
    if (!headerHasAlg(s, dots[0])) {
      return -1;
    }
    boolean payloadJson = decodeJson(dots[0] + 1, dots[1]) != null;
    if (scan.wants(PiiType.JWT)) {
      scan.add(PiiType.JWT, s, i, payloadJson ? "validated" : "header_only", "");
    }
    return i;
  }

  /**
   * The JWT headers this scan has read and whether each was a JSON object with a string {@code
   * alg}: a text's tokens come from a few signers, and parsing a header is most of what a token
   * costs.
   */
  private String[] headers; // made at the first token (most texts have none)

  private boolean[] headerAlg;
  private int headersSeen;

  /** Whether the base64url text at {@code [from, to)} is a JSON object with a string "alg". */
  private boolean headerHasAlg(int from, int to) {
    int len = to - from;
    if (headers == null) {
      headers = new String[4];
      headerAlg = new boolean[4];
    }
    for (int k = 0; k < Math.min(headersSeen, headers.length); k++) {
      String h = headers[k];
      if (h.length() == len && t.regionMatches(from, h, 0, len)) {
        return headerAlg[k];
      }
    }
    ObjectValue header = decodeJson(from, to);
    boolean alg = header != null && header.get("alg").orElse(null) instanceof StringValue;
    int slot = headersSeen++ % headers.length;
    headers[slot] = t.substring(from, to);
    headerAlg[slot] = alg;
    return alg;
  }

  private ObjectValue decodeJson(int from, int to) {
    if (to - from > 8192) {
      return null;
    }
    try {
      byte[] bytes = Base64.getUrlDecoder().decode(t.substring(from, to));
      if (bytes.length == 0 || bytes[0] != '{') {
        return null;
      }
      Value v = Json.parse(new String(bytes, StandardCharsets.UTF_8));
      return v instanceof ObjectValue o ? o : null;
    } catch (RuntimeException e) {
      return null;
    }
  }

  static final String PEM_BEGIN = "-----BEGIN ";
  private static final int PEM_MAX = 65_536;

  /** A PEM private-key block at {@code s} (which starts with {@code -----BEGIN }); or -1. */
  int pem(int s) {
    int labelStart = s + PEM_BEGIN.length();
    int labelEnd = t.indexOf("-----", labelStart);
    if (labelEnd < 0 || labelEnd - labelStart > 64) {
      return -1;
    }
    String label = t.substring(labelStart, labelEnd);
    if (!label.endsWith("PRIVATE KEY") && !label.endsWith("PRIVATE KEY BLOCK")) {
      return -1;
    }
    int headerEnd = labelEnd + 5;
    int end = findEnd(headerEnd, label);
    if (end > 0) {
      if (scan.wants(PiiType.PRIVATE_KEY)) {
        scan.add(PiiType.PRIVATE_KEY, s, end, "pem", pemKind(label));
      }
      return end;
    }
    // No END line: the key material is the base64 body that follows the header.
    int i = headerEnd;
    int limit = Math.min(t.length(), headerEnd + PEM_MAX);
    while (i < limit && isPemBodyChar(scan.chars[i])) {
      i++;
    }
    while (i > headerEnd && Character.isWhitespace(scan.chars[i - 1])) {
      i--;
    }
    if (scan.wants(PiiType.PRIVATE_KEY)) {
      scan.add(PiiType.PRIVATE_KEY, s, i, "pem_unterminated", pemKind(label));
    }
    return i;
  }

  /** The end of the matching END line, searching each stretch of text at most once. */
  private int findEnd(int from, String label) {
    String endLine = "-----END " + label + "-----";
    int at;
    if (pemEndSearchedFrom >= 0
        && from >= pemEndSearchedFrom
        && (pemEndFound < 0 || from <= pemEndFound)) {
      at = pemEndFound; // the first END after an earlier start is also the first after this one
    } else {
      at = t.indexOf("-----END ", from);
      pemEndSearchedFrom = from;
      pemEndFound = at;
    }
    if (at < 0 || at - from > PEM_MAX || !t.startsWith(endLine, at)) {
      return -1;
    }
    return at + endLine.length();
  }

  private static boolean isPemBodyChar(char c) {
    return Chars.isAsciiAlnum(c)
        || c == '+'
        || c == '/'
        || c == '='
        || c == '\n'
        || c == '\r'
        || c == ' '
        || c == ':'
        || c == '-'
        || c == ','
        || c == '\\';
  }

  private static String pemKind(String label) {
    String k = label.replace("PRIVATE KEY BLOCK", "").replace("PRIVATE KEY", "").strip();
    return k.isEmpty() ? "pkcs8" : k.toLowerCase(Locale.ROOT).replace(' ', '_');
  }

  /**
   * An assignment at {@code s} whose name looks like a secret's: adds its value when it is random
   * enough. Returns the end of the name, or -1 when {@code s} does not start an assignment.
   */
  int assignment(int s, int nameEnd) {
    int n = t.length();
    int i = nameEnd;
    if (i < n && (scan.chars[i] == '"' || scan.chars[i] == '\'')) {
      i++;
    }
    while (i < n && scan.chars[i] == ' ') {
      i++;
    }
    if (i >= n) {
      return -1;
    }
    char op = scan.chars[i];
    if (op == ':' && i + 1 < n && scan.chars[i + 1] == '=') {
      i += 2;
    } else if (op == '=' && i + 1 < n && scan.chars[i + 1] == '>') {
      i += 2;
    } else if (op == ':' || op == '=') {
      i++;
    } else {
      return -1;
    }
    if (!mayName(scan.chars, s, nameEnd)) {
      return -1;
    }
    CharSequence name = assignedName(s, nameEnd);
    boolean password = false;
    boolean secret = false;
    for (String p : PASSWORD_NAMES) {
      if (endsWith(name, p)) {
        password = true;
        break;
      }
    }
    if (!password) {
      for (String w : SECRET_NAMES) {
        if (indexOf(name, w) >= 0) {
          secret = true;
          break;
        }
      }
    }
    boolean authorization =
        "authorization".contentEquals(name) || "proxyauthorization".contentEquals(name);
    if (!password && !secret && !authorization) {
      return -1;
    }
    while (i < n && (scan.chars[i] == ' ' || scan.chars[i] == '\t')) {
      i++;
    }
    if (i < n && scan.chars[i] == '\\' && i + 1 < n && scan.chars[i + 1] == '"') {
      i += 2; // an escaped quote inside a JSON string
    } else if (i < n && (scan.chars[i] == '"' || scan.chars[i] == '\'' || scan.chars[i] == '`')) {
      i++;
    }
    if (authorization) {
      return bearer(i);
    }
    int specific = specific(i);
    if (specific > i) {
      return specific;
    }
    int vStart = i;
    while (i < n && i - vStart <= 512 && isValueChar(scan.chars[i])) {
      i++;
    }
    int vEnd = i;
    if (vEnd - vStart > 512) {
      return -1;
    }
    String value = t.substring(vStart, vEnd);
    if (password) {
      if (value.length() >= 6 && !placeholder(value)) {
        scan.add(PiiType.GENERIC_SECRET, vStart, vEnd, "password", "password");
      }
    } else if (value.length() >= 12
        && !placeholder(value)
        && entropy(value) >= ENTROPY_BITS
        && classes(value) >= 2) {
      scan.add(PiiType.GENERIC_SECRET, vStart, vEnd, "high_entropy", "assignment");
    }
    return vEnd;
  }

  /** {@code secret-names.txt}'s secret names, as {@link #assignment} reads them. */
  static List<String> secretNames() {
    return Collections.unmodifiableList(SECRET_NAMES);
  }

  /** {@code secret-names.txt}'s password names, as {@link #assignment} reads them. */
  static List<String> passwordNames() {
    return Collections.unmodifiableList(PASSWORD_NAMES);
  }

  /**
   * The letters (bit {@code c - 'a'}) of each name {@link #assignment} looks for: of {@code
   * secret-names.txt}'s secret and password names and of {@code authorization}.
   */
  private static final int[] NAME_LETTERS = nameLetters();

  private static int[] nameLetters() {
    List<String> names = new ArrayList<>(SECRET_NAMES);
    names.addAll(PASSWORD_NAMES);
    names.add("authorization");
    int[] out = new int[names.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = letters(names.get(i), 0, names.get(i).length());
    }
    return out;
  }

  private static int letters(String s, int from, int to) {
    int m = 0;
    for (int k = from; k < to; k++) {
      char c = s.charAt(k);
      if (c >= 'A' && c <= 'Z') {
        c = (char) (c + 32);
      }
      if (c >= 'a' && c <= 'z') {
        m |= 1 << (c - 'a');
      }
    }
    return m;
  }

  /**
   * Whether the assignment's name {@code [s, nameEnd)} has every letter of some name looked for, a
   * necessary condition for containing it (a password name, a secret name, or being {@code
   * authorization}): most names before a colon ("card", "phone", "ssn") lack one of each, and are
   * ruled out before a lower-cased copy is made and searched for every name. A name with a char
   * outside ASCII (whose lower case may be ASCII) is never ruled out.
   */
  static boolean mayName(char[] cs, int s, int nameEnd) {
    int m = 0;
    for (int k = s; k < nameEnd; k++) {
      char c = cs[k];
      if (c >= 0x80) {
        return true;
      }
      if (c >= 'A' && c <= 'Z') {
        c = (char) (c + 32);
      }
      if (c >= 'a' && c <= 'z') {
        m |= 1 << (c - 'a');
      }
    }
    for (int need : NAME_LETTERS) {
      if ((m & need) == need) {
        return true;
      }
    }
    return false;
  }

  /**
   * A reused buffer for {@link #assignedName}: one per scan, so no copy is made per name; made at
   * the first name (most short messages have none).
   */
  private StringBuilder nameBuffer;

  /**
   * The name of an assignment {@code [s, nameEnd)} lower-cased without {@code _}, {@code -} and
   * {@code .}, as {@code toLowerCase(Locale.ROOT)} and removing them gives; an ASCII name (nearly
   * all) is written into a buffer that is reused for the scan.
   */
  private CharSequence assignedName(int s, int nameEnd) {
    StringBuilder b = nameBuffer;
    if (b == null) {
      b = new StringBuilder();
      nameBuffer = b;
    }
    b.setLength(0);
    for (int k = s; k < nameEnd; k++) {
      char c = scan.chars[k];
      if (c >= 0x80) {
        return t.substring(s, nameEnd)
            .toLowerCase(Locale.ROOT)
            .replace("_", "")
            .replace("-", "")
            .replace(".", "");
      }
      if (c != '_' && c != '-' && c != '.') {
        b.append(c >= 'A' && c <= 'Z' ? (char) (c + 32) : c);
      }
    }
    return b;
  }

  private static boolean endsWith(CharSequence s, String suffix) {
    int off = s.length() - suffix.length();
    if (off < 0) {
      return false;
    }
    for (int k = 0; k < suffix.length(); k++) {
      if (s.charAt(off + k) != suffix.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  private static int indexOf(CharSequence s, String w) {
    return s instanceof StringBuilder b ? b.indexOf(w) : s.toString().indexOf(w);
  }

  /** A credential of a known kind at {@code i} (a prefixed token or a JWT); its end, or -1. */
  private int specific(int i) {
    if (i >= t.length() || !Chars.boundaryBefore(scan.chars, i)) {
      return -1;
    }
    int e = prefixed(i);
    if (e < 0 && t.startsWith(JWT_START, i)) {
      e = jwt(i);
    }
    return e;
  }

  /** After {@code Bearer }/{@code Basic }: the credential. */
  int bearer(int i) {
    int n = t.length();
    int w = i;
    while (w < n && Chars.isAsciiLetter(scan.chars[w])) {
      w++;
    }
    String scheme = t.substring(i, w).toLowerCase(Locale.ROOT);
    if (!(scheme.equals("bearer") || scheme.equals("basic") || scheme.equals("token"))
        || w >= n
        || scan.chars[w] != ' ') {
      return -1;
    }
    int vStart = w + 1;
    int specific = specific(vStart);
    if (specific > vStart) {
      return specific;
    }
    int v = vStart;
    while (v < n && v - vStart <= 8192 && isTokenChar(scan.chars[v])) {
      v++;
    }
    if (v - vStart >= 16 && v - vStart <= 8192 && classes(t.substring(vStart, v)) >= 2) {
      scan.add(PiiType.GENERIC_SECRET, vStart, v, "bearer", scheme);
      return v;
    }
    return -1;
  }

  private static boolean isTokenChar(char c) {
    return Chars.isAsciiAlnum(c) || "-._~+/=".indexOf(c) >= 0;
  }

  private static boolean isValueChar(char c) {
    return Chars.isAsciiAlnum(c) || "-_.~+/=!@#$%^&*?".indexOf(c) >= 0;
  }

  private static boolean placeholder(String v) {
    String l = v.toLowerCase(Locale.ROOT);
    if (PLACEHOLDER_VALUES.contains(l) || l.startsWith("${") || l.startsWith("{{")) {
      return true;
    }
    int stars = 0;
    for (int i = 0; i < l.length(); i++) {
      char c = l.charAt(i);
      if (c == '*' || c == 'x' || c == '.') {
        stars++;
      }
    }
    return stars == l.length();
  }

  /** How many of lower, upper, digit, other occur in {@code v}. */
  static int classes(String v) {
    boolean lo = false;
    boolean up = false;
    boolean di = false;
    boolean ot = false;
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c >= 'a' && c <= 'z') {
        lo = true;
      } else if (c >= 'A' && c <= 'Z') {
        up = true;
      } else if (c >= '0' && c <= '9') {
        di = true;
      } else {
        ot = true;
      }
    }
    return (lo ? 1 : 0) + (up ? 1 : 0) + (di ? 1 : 0) + (ot ? 1 : 0);
  }

  /** Shannon entropy of the characters of {@code v}, in bits per character. */
  static double entropy(String v) {
    if (v.isEmpty()) {
      return 0;
    }
    int[] counts = new int[128];
    int otherCount = 0; // non-ASCII characters, counted as one symbol: a lower bound
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c < 128) {
        counts[c]++;
      } else {
        otherCount++;
      }
    }
    double h = 0;
    double n = v.length();
    for (int c : counts) {
      if (c > 0) {
        double p = c / n;
        h -= p * (Math.log(p) / Math.log(2));
      }
    }
    if (otherCount > 0) {
      double p = otherCount / n;
      h -= p * (Math.log(p) / Math.log(2));
    }
    return h;
  }

  /** A Slack incoming-webhook URL at {@code s} ({@code hooks.slack.com/services/...}); or -1. */
  int slackWebhook(int s) {
    String head = SLACK_WEBHOOK;
    if (!t.startsWith(head, s)) {
      return -1;
    }
    int i = s + head.length();
    int slashes = 0;
    int start = i;
    while (i < t.length() && i - start < 120) {
      char c = scan.chars[i];
      if (c == '/') {
        slashes++;
      } else if (!Chars.isAsciiAlnum(c)) {
        break;
      }
      i++;
    }
    if (slashes == 2 && i - start >= 30) {
      if (scan.wants(PiiType.SLACK_TOKEN)) {
        scan.add(PiiType.SLACK_TOKEN, start, i, "webhook", "webhook");
      }
      return i;
    }
    return -1;
  }
}
