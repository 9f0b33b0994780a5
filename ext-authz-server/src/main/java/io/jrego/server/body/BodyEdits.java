package io.jrego.server.body;

import io.jrego.engine.builtins.ai.PiiType;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;

/** Reads the {@code body_edits} of a decision. */
public final class BodyEdits {

  /** More edits than this in one decision is an error: each one rescans the body. */
  public static final int MAX_EDITS = 1_000;

  private BodyEdits() {}

  /**
   * Reads an array (or set) of edit objects.
   *
   * @param field the decision field, for messages ({@code body_edits})
   * @throws BodyException naming the edit ({@code body_edits[2].path}) and what is wrong with it
   */
  public static List<BodyEdit> parse(Value edits, String field) throws BodyException {
    List<Value> list = PiiRule.elements(edits, field);
    if (list.size() > MAX_EDITS) {
      throw new BodyException(
          field + " has " + list.size() + " edits, more than the " + MAX_EDITS + " allowed");
    }
    List<BodyEdit> out = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      out.add(edit(list.get(i), field + "[" + i + "]"));
    }
    return out;
  }

  private static BodyEdit edit(Value v, String where) throws BodyException {
    ObjectValue o = Fields.object(v, where);
    String op =
        Fields.string(o, "op", where)
            .orElseThrow(() -> new BodyException(where + ": needs an \"op\""));
    String pathText =
        Fields.string(o, "path", where)
            .orElseThrow(() -> new BodyException(where + ": needs a \"path\" (a JSON pointer)"));
    JsonPointer path;
    try {
      path = JsonPointer.parse(pathText);
    } catch (IllegalArgumentException e) {
      throw new BodyException(where + ".path: " + e.getMessage());
    }
    return switch (op) {
      case "replace" -> {
        Value value = o.getOrNull(StringValue.of("value"));
        if (value == null) {
          throw new BodyException(where + ": replace needs a \"value\"");
        }
        yield new BodyEdit.Replace(path, value);
      }
      case "remove" -> {
        if (path.tokens().isEmpty()) {
          throw new BodyException(where + ": remove cannot remove the whole body");
        }
        yield new BodyEdit.Remove(path);
      }
      case "redact" -> new BodyEdit.Redact(path, spans(o, where));
      case "pii" -> new BodyEdit.Pii(path, PiiRule.parse(o, where));
      case "keep" -> {
        String field =
            Fields.string(o, "field", where)
                .orElseThrow(() -> new BodyException(where + ": keep needs a \"field\""));
        Value values = o.getOrNull(StringValue.of("values"));
        if (values == null) {
          throw new BodyException(where + ": keep needs \"values\"");
        }
        yield new BodyEdit.Keep(
            path, field, new HashSet<>(PiiRule.elements(values, where + ".values")));
      }
      case "restore" -> new BodyEdit.Restore(path);
      default ->
          throw new BodyException(
              where
                  + ": unknown op \""
                  + op
                  + "\" (known: replace, remove, redact, pii, keep, restore)");
    };
  }

  private static List<BodyEdit.Span> spans(ObjectValue o, String where) throws BodyException {
    Value v = o.getOrNull(StringValue.of("spans"));
    if (v == null) {
      throw new BodyException(where + ": redact needs \"spans\"");
    }
    List<BodyEdit.Span> out = new ArrayList<>();
    List<Value> list = PiiRule.elements(v, where + ".spans");
    for (int i = 0; i < list.size(); i++) {
      String at = where + ".spans[" + i + "]";
      ObjectValue s = Fields.object(list.get(i), at);
      int start =
          Fields.integer(s, "start", at)
              .orElseThrow(() -> new BodyException(at + ": needs \"start\""));
      int end =
          Fields.integer(s, "end", at).orElseThrow(() -> new BodyException(at + ": needs \"end\""));
      if (start < 0 || end < start) {
        throw new BodyException(at + ": needs 0 <= start <= end, got " + start + ".." + end);
      }
      Optional<String> replacement = Fields.string(s, "replacement", at);
      Optional<String> typeName = Fields.string(s, "type", at);
      if (replacement.isPresent() == typeName.isPresent()) {
        throw new BodyException(at + ": give either \"replacement\" or \"type\"");
      }
      Optional<PiiType> type = Optional.empty();
      if (typeName.isPresent()) {
        type =
            Optional.of(
                PiiType.byId(typeName.get())
                    .orElseThrow(
                        () ->
                            new BodyException(
                                at + ".type: unknown type \"" + typeName.get() + "\"")));
      }
      out.add(new BodyEdit.Span(start, end, replacement, type));
    }
    out.sort((a, b) -> Integer.compare(a.start(), b.start()));
    for (int i = 1; i < out.size(); i++) {
      if (out.get(i).start() < out.get(i - 1).end()) {
        throw new BodyException(where + ".spans overlap");
      }
    }
    return out;
  }
}
