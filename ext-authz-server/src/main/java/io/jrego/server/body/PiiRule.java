package io.jrego.server.body;

import io.jrego.engine.builtins.ai.PiiType;
import io.jrego.engine.builtins.ai.Redactor;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What to do with personal data and credentials the server's scanner finds in a text: a decision's
 * {@code {"action": "redact", "types": ["email", "secret"], "mode": "placeholder"}}.
 *
 * @param action what a finding of these types causes
 * @param types the types looked for (ids or groups such as {@code secret}, {@code pii}, {@code
 *     all})
 * @param mode how a redacted finding is replaced ({@link Action#REDACT} only)
 * @param mask the replacement in {@link Redactor.Mode#MASK} mode
 * @param minScore findings scoring below this (0 to 100) are ignored
 */
public record PiiRule(
    Action action, Set<PiiType> types, Redactor.Mode mode, String mask, int minScore) {

  /** What a finding causes. */
  public enum Action {
    /** Replace it ({@code <EMAIL_1>}, {@code <EMAIL>} or the mask), pass the rest. */
    REDACT,
    /** Refuse the whole message. */
    BLOCK,
    /** Count and log its type, change nothing. */
    LOG
  }

  public PiiRule {
    types = Set.copyOf(types);
  }

  /** Redact every type with numbered placeholders at the default threshold. */
  public static PiiRule redactAll() {
    return new PiiRule(
        Action.REDACT,
        EnumSet.allOf(PiiType.class),
        Redactor.Mode.PLACEHOLDER,
        Redactor.Options.DEFAULT_MASK,
        50);
  }

  /**
   * Reads a rule from a decision object: {@code action} (required: {@code redact}, {@code block},
   * {@code log}), {@code types} (default every type), {@code mode} ({@code placeholder}, {@code
   * type}, {@code mask}), {@code mask}, {@code min_confidence} (0 to 1, default 0.5). Other keys
   * are left for the caller ({@code op}, {@code path}).
   *
   * @param where names the rule in error messages, such as {@code body_edits[2]}
   */
  static PiiRule parse(ObjectValue o, String where) throws BodyException {
    String action =
        Fields.string(o, "action", where)
            .orElseThrow(
                () -> new BodyException(where + ": needs \"action\": redact, block or log"));
    Action a =
        switch (action) {
          case "redact" -> Action.REDACT;
          case "block" -> Action.BLOCK;
          case "log" -> Action.LOG;
          default ->
              throw new BodyException(
                  where + ": action must be redact, block or log, got \"" + action + "\"");
        };
    Set<PiiType> types = EnumSet.noneOf(PiiType.class);
    Value t = o.getOrNull(StringValue.of("types"));
    if (t == null) {
      types = EnumSet.allOf(PiiType.class);
    } else {
      for (Value name : elements(t, where + ".types")) {
        if (!(name instanceof StringValue s)) {
          throw new BodyException(where + ".types: names must be strings, got " + name.typeName());
        }
        types.addAll(
            PiiType.resolve(s.value())
                .orElseThrow(
                    () ->
                        new BodyException(
                            where
                                + ".types: unknown type or group \""
                                + s.value()
                                + "\" (types such as email, card, iban, phone, openai_key; groups"
                                + " contact, financial, national_id, secret, pii, all)")));
      }
    }
    String modeName = Fields.string(o, "mode", where).orElse("placeholder");
    Redactor.Mode mode =
        switch (modeName) {
          case "placeholder" -> Redactor.Mode.PLACEHOLDER;
          case "type" -> Redactor.Mode.TYPE;
          case "mask" -> Redactor.Mode.MASK;
          default ->
              throw new BodyException(
                  where + ": mode must be placeholder, type or mask, got \"" + modeName + "\"");
        };
    String mask = Fields.string(o, "mask", where).orElse(Redactor.Options.DEFAULT_MASK);
    int minScore = 50;
    Value mc = o.getOrNull(StringValue.of("min_confidence"));
    if (mc != null) {
      if (!(mc instanceof NumberValue n)) {
        throw new BodyException(where + ".min_confidence must be a number, got " + mc.typeName());
      }
      BigDecimal d = n.bigDecimal();
      if (d.signum() < 0 || d.compareTo(BigDecimal.ONE) > 0) {
        throw new BodyException(where + ".min_confidence must be within 0..1, got " + n);
      }
      minScore = d.movePointRight(2).setScale(0, java.math.RoundingMode.HALF_UP).intValue();
    }
    return new PiiRule(a, types, mode, mask, minScore);
  }

  static List<Value> elements(Value v, String where) throws BodyException {
    if (v instanceof ArrayValue a) {
      return a.asList();
    }
    if (v instanceof SetValue s) {
      return new ArrayList<>(s.elements());
    }
    throw new BodyException(where + " must be an array, got " + v.typeName());
  }

  /** The action's name as policies write it. */
  public String actionName() {
    return action.name().toLowerCase(Locale.ROOT);
  }
}
