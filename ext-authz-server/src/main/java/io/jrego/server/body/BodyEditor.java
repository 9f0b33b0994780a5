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
    JsonText received = new JsonText(json);
    for (BodyEdit edit : edits) {
      if (edit instanceof BodyEdit.Pii p && p.rule().action() == PiiRule.Action.BLOCK) {
        for (JsonText.Span s : located(received, p)) {
          blocked.addAll(
              new PiiRules(List.of(p.rule()))
                  .apply(received.decodeString(s), redactions)
                  .blocked());
        }
      }
    }
    if (!blocked.isEmpty()) {
      return new Result(json, false, blocked);
    }
    String text = json;
    JsonText t = received;
    int i = 0;
    while (i < edits.size()) {
      // Edits whose places do not overlap are located in one text and spliced in one copy, which
      // is what applying them one after the other would give: an edit changes only the bytes of
      // its place. A batch ends before an edit whose place overlaps one already taken or is not
      // there yet (it must see the text the earlier edits left), and after a removal (it shifts
      // the elements after it, so later paths must be followed in the new text).
      List<Splice> batch = new ArrayList<>();
      for (; i < edits.size(); i++) {
        BodyEdit edit = edits.get(i);
        if (edit instanceof BodyEdit.Pii p && p.rule().action() == PiiRule.Action.BLOCK) {
          continue;
        }
        var found = t.locate(edit.path());
        if (found.isEmpty()) {
          if (!batch.isEmpty()) {
            break; // an edit of this batch may create the place: look again in its text
          }
          continue; // nothing there to edit
        }
        if (overlaps(batch, found.get())) {
          break;
        }
        Splice sp = splice(t, found.get(), edit, i, redactions);
        if (sp != null) {
          batch.add(sp);
        }
        if (edit instanceof BodyEdit.Remove) {
          i++;
          break;
        }
      }
      if (!batch.isEmpty()) {
        text = spliced(text, batch);
        t = new JsonText(text);
      }
    }
    return new Result(text, !text.equals(json), Set.of());
  }

  /** Bytes {@code [from, to)} of the text become {@code with}. */
  private record Splice(int from, int to, String with) {}

  private static boolean overlaps(List<Splice> batch, JsonText.Location loc) {
    int from = loc.value().start();
    int to = loc.value().end();
    if (loc.container() != null) {
      // a removal's splice reaches past the value (its key, a comma): the whole entry counts
      JsonText.Entry e = loc.siblings().get(loc.entry());
      from = Math.min(from, e.whole().start());
      to = Math.max(to, e.whole().end());
    }
    for (Splice s : batch) {
      if (from < s.to() + 1 && s.from() < to + 1) {
        return true;
      }
    }
    return false;
  }

  private static String spliced(String text, List<Splice> batch) {
    List<Splice> ordered = new ArrayList<>(batch);
    ordered.sort(java.util.Comparator.comparingInt(Splice::from));
    StringBuilder out = new StringBuilder(text.length() + 64);
    int pos = 0;
    for (Splice s : ordered) {
      out.append(text, pos, s.from()).append(s.with());
      pos = s.to();
    }
    return out.append(text, pos, text.length()).toString();
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

  /** What {@code edit} makes of its place, or null when it changes nothing. */
  private static Splice splice(
      JsonText t, JsonText.Location loc, BodyEdit edit, int i, Redactions redactions)
      throws BodyException {
    JsonText.Span v = loc.value();
    return switch (edit) {
      case BodyEdit.Replace r -> new Splice(v.start(), v.end(), Json.write(r.value()));
      case BodyEdit.Remove r -> removal(loc);
      case BodyEdit.Redact r -> {
        if (!t.kind(v).equals("string")) {
          throw new BodyException(
              where(edit, i) + ": spans need a string there, found " + t.kind(v));
        }
        yield new Splice(
            v.start(),
            v.end(),
            JsonText.encodeString(redactSpans(t.decodeString(v), r, i, redactions)));
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
        yield new Splice(v.start(), v.end(), keep(t, v, k));
      }
    };
  }

  /** {@code s} without the entry at {@code loc} (and one comma next to it). */
  static String removeAt(String s, JsonText.Location loc) {
    Splice r = removal(loc);
    return s.substring(0, r.from()) + s.substring(r.to());
  }

  /** The removal of an entry and one comma next to it. */
  private static Splice removal(JsonText.Location loc) {
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
    return new Splice(from, to, "");
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

  /**
   * Rewrites every string value (not key) under {@code at}: the new text of {@code at}, or null
   * when no string changed.
   */
  private static Splice rewriteStrings(
      JsonText t, JsonText.Span at, java.util.function.UnaryOperator<String> f)
      throws BodyException {
    List<JsonText.Span> spans = strings(t, at);
    String s = t.text();
    StringBuilder out = new StringBuilder(at.end() - at.start() + 64);
    int pos = at.start();
    for (JsonText.Span span : spans) {
      String before = t.decodeString(span);
      String after = f.apply(before);
      if (!after.equals(before)) {
        out.append(s, pos, span.start()).append(JsonText.encodeString(after));
        pos = span.end();
      }
    }
    if (pos == at.start()) {
      return null;
    }
    return new Splice(at.start(), at.end(), out.append(s, pos, at.end()).toString());
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
