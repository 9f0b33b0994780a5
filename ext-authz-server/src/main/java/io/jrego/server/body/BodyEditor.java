package io.jrego.server.body;

import io.jrego.engine.builtins.ai.PiiType;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Applies {@link BodyEdit}s to a JSON text by splicing: only the values an edit names are
 * rewritten; keys, their order, spacing and number spelling elsewhere stay byte for byte.
 *
 * <p>Blocking {@code pii} edits are checked first, on the body as received; if one finds what it
 * blocks, nothing is changed and the result says so. The other edits then apply in the order given,
 * each to the text the ones before left. An edit whose path leads nowhere (no such member or
 * element) is skipped: there is nothing there to redact or replace. One whose path meets the wrong
 * kind of value (spans on a number, {@code keep} on an object) is an error, as is a path through an
 * object with a duplicated key.
 */
public final class BodyEditor {

  /**
   * What applying edits gave.
   *
   * @param text the edited text (the input itself when nothing changed)
   * @param changed whether any edit changed it
   * @param blocked the types a blocking {@code pii} edit found; when not empty, nothing was changed
   */
  public record Result(String text, boolean changed, Set<PiiType> blocked) {
    public Result {
      blocked = Set.copyOf(blocked);
    }

    /** Whether a blocking rule matched. */
    public boolean isBlocked() {
      return !blocked.isEmpty();
    }
  }

  private BodyEditor() {}

  /**
   * Applies {@code edits} to {@code json}.
   *
   * @param redactions the request's placeholder numbering, restorable placeholders and counts
   * @throws BodyException naming the edit, when it cannot apply
   */
  public static Result apply(String json, List<BodyEdit> edits, Redactions redactions)
      throws BodyException {
    Set<PiiType> blocked = EnumSet.noneOf(PiiType.class);
    for (int i = 0; i < edits.size(); i++) {
      if (edits.get(i) instanceof BodyEdit.Pii p && p.rule().action() == PiiRule.Action.BLOCK) {
        JsonText t = new JsonText(json);
        for (JsonText.Span s : located(t, p)) {
          blocked.addAll(
              new PiiRules(List.of(p.rule())).apply(t.decodeString(s), redactions).blocked());
        }
      }
    }
    if (!blocked.isEmpty()) {
      return new Result(json, false, blocked);
    }
    String text = json;
    for (int i = 0; i < edits.size(); i++) {
      BodyEdit edit = edits.get(i);
      if (edit instanceof BodyEdit.Pii p && p.rule().action() == PiiRule.Action.BLOCK) {
        continue;
      }
      text = applyOne(new JsonText(text), edit, i, redactions);
    }
    return new Result(text, !text.equals(json), Set.of());
  }

  private static String where(BodyEdit e, int i) {
    return "body_edits[" + i + "] (path \"" + e.path() + "\")";
  }

  /** The string literals an edit works on: the value at its path, or every string under it. */
  private static List<JsonText.Span> located(JsonText t, BodyEdit e) throws BodyException {
    var loc = t.locate(e.path());
    if (loc.isEmpty()) {
      return List.of();
    }
    return strings(t, loc.get().value());
  }

  private static String applyOne(JsonText t, BodyEdit edit, int i, Redactions redactions)
      throws BodyException {
    var found = t.locate(edit.path());
    if (found.isEmpty()) {
      return t.text();
    }
    JsonText.Location loc = found.get();
    JsonText.Span v = loc.value();
    String s = t.text();
    return switch (edit) {
      case BodyEdit.Replace r -> splice(s, v, Json.write(r.value()));
      case BodyEdit.Remove r -> remove(s, loc);
      case BodyEdit.Redact r -> {
        if (!t.kind(v).equals("string")) {
          throw new BodyException(
              where(edit, i) + ": spans need a string there, found " + t.kind(v));
        }
        yield splice(s, v, JsonText.encodeString(redactSpans(t.decodeString(v), r, i, redactions)));
      }
      case BodyEdit.Pii p -> {
        PiiRules rules = new PiiRules(List.of(p.rule()));
        yield rewriteStrings(t, v, text -> rules.apply(text, redactions).text());
      }
      case BodyEdit.Restore r -> rewriteStrings(t, v, redactions::restore);
      case BodyEdit.Keep k -> {
        if (!t.kind(v).equals("array")) {
          throw new BodyException(where(edit, i) + ": keep needs an array, found " + t.kind(v));
        }
        yield splice(s, v, keep(t, v, k));
      }
    };
  }

  private static String splice(String s, JsonText.Span at, String with) {
    return s.substring(0, at.start()) + with + s.substring(at.end());
  }

  /** {@code s} without the entry at {@code loc} (and one comma next to it). */
  static String removeAt(String s, JsonText.Location loc) {
    return remove(s, loc);
  }

  /** Removes an entry and one comma next to it. */
  private static String remove(String s, JsonText.Location loc) {
    List<JsonText.Entry> all = loc.siblings();
    int k = loc.entry();
    int from;
    int to;
    if (all.size() == 1) {
      from = all.get(k).whole().start();
      to = all.get(k).whole().end();
    } else if (k + 1 < all.size()) {
      from = all.get(k).whole().start();
      to = all.get(k + 1).whole().start();
    } else {
      from = all.get(k - 1).whole().end();
      to = all.get(k).whole().end();
    }
    return s.substring(0, from) + s.substring(to);
  }

  private static String redactSpans(String text, BodyEdit.Redact r, int i, Redactions redactions)
      throws BodyException {
    int cps = text.codePointCount(0, text.length());
    StringBuilder out = new StringBuilder(text.length());
    int pos = 0;
    for (BodyEdit.Span span : r.spans()) {
      if (span.end() > cps) {
        throw new BodyException(
            where(r, i)
                + ": span "
                + span.start()
                + ".."
                + span.end()
                + " lies outside the string of "
                + cps
                + " code points");
      }
      int from = text.offsetByCodePoints(0, span.start());
      int to = text.offsetByCodePoints(from, span.end() - span.start());
      out.append(text, pos, from);
      String original = text.substring(from, to);
      if (span.type().isPresent()) {
        redactions.count(span.type().get(), PiiRule.Action.REDACT);
        out.append(redactions.placeholder(span.type().get(), original));
      } else {
        out.append(span.replacement().orElseThrow());
      }
      pos = to;
    }
    return out.append(text, pos, text.length()).toString();
  }

  /** Rewrites every string value (not key) under {@code at}, innermost spans first. */
  private static String rewriteStrings(
      JsonText t, JsonText.Span at, java.util.function.UnaryOperator<String> f)
      throws BodyException {
    List<JsonText.Span> spans = strings(t, at);
    String s = t.text();
    StringBuilder out = new StringBuilder(s.length());
    int pos = 0;
    for (JsonText.Span span : spans) {
      String before = t.decodeString(span);
      String after = f.apply(before);
      if (!after.equals(before)) {
        out.append(s, pos, span.start()).append(JsonText.encodeString(after));
        pos = span.end();
      }
    }
    return pos == 0 ? s : out.append(s, pos, s.length()).toString();
  }

  /** The spans of every string value under {@code at}, in text order. */
  static List<JsonText.Span> strings(JsonText t, JsonText.Span at) throws BodyException {
    List<JsonText.Span> out = new ArrayList<>();
    Deque<JsonText.Span> todo = new ArrayDeque<>();
    todo.push(at);
    while (!todo.isEmpty()) {
      JsonText.Span v = todo.pop();
      switch (t.kind(v)) {
        case "string" -> out.add(v);
        case "object", "array" -> {
          List<JsonText.Entry> entries = t.entries(v);
          for (int i = entries.size() - 1; i >= 0; i--) {
            todo.push(entries.get(i).value());
          }
        }
        default -> {}
      }
    }
    return out;
  }

  private static String keep(JsonText t, JsonText.Span array, BodyEdit.Keep k)
      throws BodyException {
    StringBuilder out = new StringBuilder("[");
    StringValue field = StringValue.of(k.field());
    boolean first = true;
    for (JsonText.Entry e : t.entries(array)) {
      String raw = t.text().substring(e.value().start(), e.value().end());
      Value element;
      try {
        element = Json.parse(raw);
      } catch (Json.JsonException bad) {
        throw new BodyException("keep: an element of \"" + k.path() + "\" is not valid JSON");
      }
      if (element instanceof ObjectValue o && k.values().contains(o.getOrNull(field))) {
        out.append(first ? "" : ",").append(raw);
        first = false;
      }
    }
    return out.append(']').toString();
  }
}
