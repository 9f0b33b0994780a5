package io.jrego.server.body;

import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.ArrayList;
import java.util.List;

/**
 * How the text of a streamed answer is treated as it flows: a decision's {@code "stream": {"pii":
 * [rules], "restore": true, "hold_back": 64}}. The text is the {@code delta.content} (chat) or
 * {@code text} (completions) of each choice of each event.
 *
 * @param rules what to do with personal data and credentials found in it
 * @param restore put the request's placeholders back into it
 * @param holdBack characters held back so that a value split across events is caught
 */
public record StreamSpec(List<PiiRule> rules, boolean restore, int holdBack) {

  /** The default hold-back: longer than any spaced number the scanner finds. */
  public static final int DEFAULT_HOLD_BACK = 64;

  /** The most a decision may ask to hold back. */
  public static final int MAX_HOLD_BACK = 4_096;

  /** Nothing to do. */
  public static final StreamSpec NONE = new StreamSpec(List.of(), false, DEFAULT_HOLD_BACK);

  public StreamSpec {
    rules = List.copyOf(rules);
  }

  /** Whether it does anything to the text. */
  public boolean isEmpty() {
    return rules.isEmpty() && !restore;
  }

  /** Whether a rule blocks. */
  public boolean blocks() {
    return rules.stream().anyMatch(r -> r.action() == PiiRule.Action.BLOCK);
  }

  /**
   * Reads a decision's {@code stream} object: {@code pii} (a rule object or an array of them, see
   * {@link PiiRule#parse}), {@code restore} (boolean), {@code hold_back} (0 to {@value
   * #MAX_HOLD_BACK}).
   */
  public static StreamSpec parse(Value v, String where) throws BodyException {
    ObjectValue o = Fields.object(v, where);
    List<PiiRule> rules = new ArrayList<>();
    Value pii = o.getOrNull(StringValue.of("pii"));
    if (pii instanceof ObjectValue one) {
      rules.add(PiiRule.parse(one, where + ".pii"));
    } else if (pii != null) {
      List<Value> list = PiiRule.elements(pii, where + ".pii");
      for (int i = 0; i < list.size(); i++) {
        String at = where + ".pii[" + i + "]";
        rules.add(PiiRule.parse(Fields.object(list.get(i), at), at));
      }
    }
    boolean restore = Fields.bool(o, "restore", where).orElse(false);
    int holdBack = Fields.integer(o, "hold_back", where).orElse(DEFAULT_HOLD_BACK);
    if (holdBack < 0 || holdBack > MAX_HOLD_BACK) {
      throw new BodyException(
          where + ".hold_back must be within 0.." + MAX_HOLD_BACK + ", got " + holdBack);
    }
    for (Value k : o.keys()) {
      String key = k instanceof StringValue s ? s.value() : k.toString();
      if (!List.of("pii", "restore", "hold_back").contains(key)) {
        throw new BodyException(
            where + ": unknown key \"" + key + "\" (known: pii, restore, hold_back)");
      }
    }
    return new StreamSpec(rules, restore, holdBack);
  }
}
