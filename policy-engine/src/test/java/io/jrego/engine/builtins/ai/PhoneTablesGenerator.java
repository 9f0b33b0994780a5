package io.jrego.engine.builtins.ai;

import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonemetadata.NumberFormat;
import com.google.i18n.phonenumbers.Phonemetadata.PhoneMetadata;
import com.google.i18n.phonenumbers.Phonemetadata.PhoneNumberDesc;
import com.google.i18n.phonenumbers.metadata.DefaultMetadataDependenciesProvider;
import dk.brics.automaton.Automaton;
import dk.brics.automaton.RegExp;
import dk.brics.automaton.State;
import dk.brics.automaton.Transition;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Writes {@code phone-tables.txt}, the DFA tables {@link PhonePlans.Digits} reads, from the digit
 * patterns of libphonenumber's metadata for every region it supports, with dk.brics.automaton (a
 * test dependency only). Run from the repository root after changing the libphonenumber version:
 *
 * <pre>
 * ./mvnw -q -pl policy-engine test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=io.jrego.engine.builtins.ai.PhoneTablesGenerator
 * </pre>
 *
 * <p>{@code PhoneTablesTest} fails while the committed tables differ from what this writes.
 */
public final class PhoneTablesGenerator {

  static final String RESOURCE =
      "policy-engine/src/main/resources/io/jrego/engine/builtins/ai/phone-tables.txt";

  private PhoneTablesGenerator() {}

  public static void main(String[] args) throws IOException {
    Path out = Path.of(args.length > 0 ? args[0] : RESOURCE);
    Files.writeString(out, table(), StandardCharsets.UTF_8);
    System.out.println("wrote " + out);
  }

  /** The file's text. */
  static String table() {
    StringBuilder b = new StringBuilder();
    b.append("# libphonenumber's digit patterns as DFA tables, one a line:\n")
        .append("# kind <TAB> pattern <TAB> states, space-separated.\n")
        .append("# kind: m for Matcher.matches, p for lookingAt (a leading-digits pattern).\n")
        .append(
            "# A state: + (accepting) or -, then its next state for the digits 0-9, in base 36,\n")
        .append(
            "# comma-separated, empty for none. State 0 starts; every other state can reach an\n")
        .append("# accepting one. Derived from libphonenumber ")
        .append(libphonenumberVersion())
        .append(" with dk.brics.automaton by\n")
        .append("# PhoneTablesGenerator (tests). Do not edit by hand.\n");
    for (Map.Entry<String, Boolean> e : patterns().entrySet()) {
      String pattern = e.getKey().substring(2);
      boolean prefix = e.getValue();
      b.append(prefix ? 'p' : 'm').append('\t').append(pattern).append('\t');
      b.append(encode(dfa(pattern, prefix))).append('\n');
    }
    return b.toString();
  }

  /** A region's number descriptions whose national-number patterns the plans may ask. */
  static List<PhoneNumberDesc> descs(PhoneMetadata m) {
    return List.of(
        m.getGeneralDesc(),
        m.getFixedLine(),
        m.getMobile(),
        m.getTollFree(),
        m.getPremiumRate(),
        m.getSharedCost(),
        m.getVoip(),
        m.getPersonalNumber(),
        m.getPager(),
        m.getUan(),
        m.getVoicemail());
  }

  /**
   * Every pattern {@link PhonePlans} may ask, keyed by kind and pattern ("m " or "p " then the
   * pattern, in sorted order), with whether it is asked as a leading-digits pattern.
   */
  static Map<String, Boolean> patterns() {
    PhoneNumberUtil util = PhoneNumberUtil.getInstance();
    var source = DefaultMetadataDependenciesProvider.getInstance().getPhoneNumberMetadataSource();
    Map<String, Boolean> out = new java.util.TreeMap<>();
    for (String region : new TreeSet<>(util.getSupportedRegions())) {
      PhoneMetadata m = source.getMetadataForRegion(region);
      for (PhoneNumberDesc d : descs(m)) {
        if (!d.getNationalNumberPattern().isEmpty()) {
          out.put("m " + d.getNationalNumberPattern(), false);
        }
      }
      for (NumberFormat f : m.getNumberFormatList()) {
        out.put("m " + f.getPattern(), false);
        int n = f.getLeadingDigitsPatternCount();
        if (n > 0) {
          out.put("p " + f.getLeadingDigitsPattern(n - 1), true);
        }
      }
      if (m.hasLeadingDigits()) {
        out.put("p " + m.getLeadingDigits(), true);
      }
    }
    return out;
  }

  /**
   * The minimal DFA of {@code pattern} over the ten digits, without dead states, as rows of ten
   * next states (-1 for none) and an accepting flag in a last column (1 or 0). With {@code prefix},
   * of the digit strings that start with a match ({@code lookingAt}).
   */
  static List<int[]> dfa(String pattern, boolean prefix) {
    for (int i = 0; i < pattern.length(); i++) {
      char c = pattern.charAt(i);
      boolean known =
          (c >= '0' && c <= '9')
              || "()[]{}|?,-".indexOf(c) >= 0
              || (c == '\\' && pattern.startsWith("\\d", i))
              || (c == 'd' && i > 0 && pattern.charAt(i - 1) == '\\')
              || (c == ':' && i > 1 && pattern.startsWith("(?:", i - 2));
      if (!known) {
        throw new IllegalStateException(
            "phone pattern with syntax PhoneTablesGenerator does not read, at "
                + i
                + ": "
                + pattern);
      }
    }
    String p = pattern.replace("(?:", "(").replace("\\d", "[0-9]");
    if (prefix) {
      p = "(" + p + ")[0-9]*";
    }
    Automaton a = new RegExp(p, RegExp.NONE).toAutomaton();
    a.determinize();
    a.minimize();
    Set<State> live = live(a);
    // states numbered in breadth-first order from the initial one, digits in order: the
    // numbering depends on the language alone, so the file is the same on every run
    List<State> order = new ArrayList<>();
    Map<State, Integer> index = new HashMap<>();
    ArrayDeque<State> queue = new ArrayDeque<>();
    State start = a.getInitialState();
    index.put(start, 0);
    order.add(start);
    queue.add(start);
    while (!queue.isEmpty()) {
      State s = queue.poll();
      for (int d = 0; d < 10; d++) {
        State t = step(s, (char) ('0' + d));
        if (t != null && live.contains(t) && !index.containsKey(t)) {
          index.put(t, order.size());
          order.add(t);
          queue.add(t);
        }
      }
    }
    List<int[]> rows = new ArrayList<>();
    for (State s : order) {
      int[] row = new int[11];
      for (int d = 0; d < 10; d++) {
        State t = step(s, (char) ('0' + d));
        row[d] = t != null && live.contains(t) ? index.get(t) : -1;
      }
      row[10] = s.isAccept() ? 1 : 0;
      rows.add(row);
    }
    return rows;
  }

  private static State step(State s, char c) {
    List<Transition> ts = new ArrayList<>(s.getTransitions());
    ts.sort(Comparator.comparingInt(Transition::getMin));
    for (Transition t : ts) {
      if (t.getMin() <= c && c <= t.getMax()) {
        return t.getDest();
      }
    }
    return null;
  }

  /** The states from which an accepting state can be reached. */
  private static Set<State> live(Automaton a) {
    Map<State, List<State>> into = new HashMap<>();
    for (State s : a.getStates()) {
      for (Transition t : s.getTransitions()) {
        into.computeIfAbsent(t.getDest(), k -> new ArrayList<>()).add(s);
      }
    }
    Set<State> live = new HashSet<>(a.getAcceptStates());
    ArrayDeque<State> queue = new ArrayDeque<>(live);
    while (!queue.isEmpty()) {
      for (State from : into.getOrDefault(queue.poll(), List.of())) {
        if (live.add(from)) {
          queue.add(from);
        }
      }
    }
    return live;
  }

  private static String encode(List<int[]> rows) {
    StringBuilder b = new StringBuilder();
    for (int[] row : rows) {
      if (b.length() > 0) {
        b.append(' ');
      }
      b.append(row[10] == 1 ? '+' : '-');
      for (int d = 0; d < 10; d++) {
        if (d > 0) {
          b.append(',');
        }
        if (row[d] >= 0) {
          b.append(Integer.toString(row[d], 36));
        }
      }
    }
    return b.toString();
  }

  /** The version in libphonenumber's jar (its Maven properties), so a stale file says so. */
  static String libphonenumberVersion() {
    String name = "/META-INF/maven/com.googlecode.libphonenumber/libphonenumber/pom.properties";
    try (var in = PhoneNumberUtil.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("libphonenumber's jar has no " + name);
      }
      var props = new java.util.Properties();
      props.load(in);
      return props.getProperty("version");
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
