package io.jrego.server.body;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.jrego.engine.builtins.ai.PiiType;
import java.io.ByteArrayOutputStream;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@link SseFilter} as it was before an event's bytes were kept around its answer text (main at
 * session 19): every event whose text changed was written again from its decoded data. Kept
 * unchanged as the reference {@code SseFilterTest} compares the new filter's output with: the same
 * text reaches the client, and the bytes differ only inside the rewritten answer text's literal.
 */
final class SseFilterBefore {

  /** Bytes that may go out now, and the types of a blocking finding (then nothing goes out). */
  public record Out(ByteString bytes, Set<PiiType> blocked) {
    public Out {
      blocked = Set.copyOf(blocked);
    }

    /** Whether a blocking rule matched. */
    public boolean isBlocked() {
      return !blocked.isEmpty();
    }
  }

  private static final Out NOTHING = new Out(ByteString.EMPTY, Set.of());

  /** The text of one choice, and where it sits in a chunk. */
  private record Choice(StreamText text, boolean delta) {}

  private final SseFramer framer;
  private final StreamSpec spec;
  private final PiiRules rules;
  private final List<BodyEdit> eventEdits;
  private final Redactions redactions;
  private final int maxHold;
  private final Map<Integer, Choice> choices = new TreeMap<>();
  private String template;
  private String templateEvent = "";
  private String newline = "\n";
  private final Set<PiiType> blocked = EnumSet.noneOf(PiiType.class);
  private static final JsonPointer CHOICES = JsonPointer.parse("/choices");
  private static final JsonPointer USAGE = JsonPointer.parse("/usage");

  private long released;
  private long events; // events with data so far, to name one in an error

  /**
   * @param spec what to do with the answer text
   * @param eventEdits edits applied to each event's JSON data
   * @param redactions the request's redaction state
   * @param maxEventBytes the largest event accepted
   * @param maxHold the most text held back for one choice, in characters
   */
  SseFilterBefore(
      StreamSpec spec,
      List<BodyEdit> eventEdits,
      Redactions redactions,
      int maxEventBytes,
      int maxHold) {
    this.framer = new SseFramer(maxEventBytes);
    this.spec = spec;
    this.rules = new PiiRules(spec.rules());
    this.eventEdits = List.copyOf(eventEdits);
    this.redactions = redactions;
    this.maxHold = Math.max(maxHold, spec.holdBack());
  }

  /**
   * Takes the next piece of the stream. (What goes out wraps an array made for it and never written
   * again, so it is not copied into the {@link ByteString}.)
   */
  public Out push(byte[] piece) throws BodyException {
    if (!blocked.isEmpty()) {
      return NOTHING;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(piece.length + 64);
    List<SseBlock> blocks = framer.push(piece);
    for (int i = 0; i < blocks.size(); i++) {
      // the answer text of the piece's events is judged once, at its last event (see class doc)
      handle(blocks.get(i), out, i == blocks.size() - 1);
      if (!blocked.isEmpty()) {
        return new Out(ByteString.EMPTY, blocked);
      }
    }
    return new Out(UnsafeByteOperations.unsafeWrap(out.toByteArray()), Set.of());
  }

  /** Ends the stream: whatever is still held, filtered. */
  public Out finish() throws BodyException {
    if (!blocked.isEmpty()) {
      return NOTHING;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Optional<SseBlock> rest = framer.finish();
    if (rest.isPresent()) {
      handle(rest.get(), out, true);
    }
    flushAll(out);
    if (!blocked.isEmpty()) {
      return new Out(ByteString.EMPTY, blocked);
    }
    return new Out(UnsafeByteOperations.unsafeWrap(out.toByteArray()), Set.of());
  }

  /**
   * Characters of answer text let out so far, over every choice: until there are some, every piece
   * of answer text seen is still held back (and could still be blocked).
   */
  public long released() {
    return released;
  }

  /** Characters of answer text held back now, over every choice. */
  public int held() {
    int n = 0;
    for (Choice c : choices.values()) {
      n += c.text().held();
    }
    return n;
  }

  private void handle(SseBlock block, ByteArrayOutputStream out, boolean judge)
      throws BodyException {
    Optional<String> data = block.data();
    if (data.isEmpty()) {
      out.writeBytes(block.bytes());
      return;
    }
    newline = block.newline();
    events++;
    try {
      handleData(block, data.get(), out, judge);
    } catch (BodyException e) {
      throw new BodyException("event " + events + " of the response stream: " + e.getMessage());
    }
  }

  private void handleData(SseBlock block, String d, ByteArrayOutputStream out, boolean judge)
      throws BodyException {
    if (d.strip().equals("[DONE]")) {
      flushAll(out);
      out.writeBytes(block.bytes());
      return;
    }
    boolean json = d.stripLeading().startsWith("{");
    String edited = d;
    if (json && !eventEdits.isEmpty()) {
      BodyEditor.Result r = BodyEditor.apply(edited, eventEdits, redactions);
      if (r.isBlocked()) {
        blocked.addAll(r.blocked());
        return;
      }
      edited = r.text();
    }
    if (!spec.isEmpty()) {
      // an event made for text held back goes out before this one: straight into out
      edited = json ? answerText(edited, block, out, judge) : plainText(edited);
      if (!blocked.isEmpty()) {
        return;
      }
    }
    if (edited.equals(d)) {
      out.writeBytes(block.bytes());
    } else {
      out.writeBytes(block.withData(edited));
    }
  }

  /** Data that is not JSON: the rules apply to it whole (nothing is held across events). */
  private String plainText(String d) {
    PiiRules.Applied a = rules.apply(d, redactions);
    blocked.addAll(a.blocked());
    return spec.restore() ? redactions.restore(a.text()) : a.text();
  }

  private String answerText(String d, SseBlock block, ByteArrayOutputStream before, boolean judge)
      throws BodyException {
    List<ChunkScan.Choice> found = ChunkScan.scan(d);
    if (found == null) {
      return d;
    }
    template = d;
    templateEvent = block.field("event").orElse("");
    StringBuilder out = null;
    int pos = 0;
    for (ChunkScan.Choice f : found) {
      int index = f.index();
      Choice c = choices.get(index);
      if (f.hasText()) {
        if (c == null) {
          c = new Choice(newText(), f.fromDelta());
          choices.put(index, c);
        }
        String emitted = take(c.text().push(ChunkScan.text(d, f), judge || f.finishing()));
        if (f.finishing()) {
          emitted += take(c.text().finish());
          choices.remove(index);
        }
        if (out == null) {
          out = new StringBuilder(d.length() + 16);
        }
        JsonText.appendString(out.append(d, pos, f.start()), emitted);
        pos = f.end();
      } else if (f.finishing() && c != null) {
        String rest = take(c.text().finish());
        choices.remove(index);
        if (!rest.isEmpty()) {
          before.writeBytes(synthetic(index, c.delta(), rest));
        }
      }
      if (!blocked.isEmpty()) {
        return d;
      }
    }
    return out == null ? d : out.append(d, pos, d.length()).toString();
  }

  private StreamText newText() {
    return new StreamText(rules, redactions, spec.restore(), spec.holdBack(), maxHold);
  }

  private String take(StreamText.Out o) {
    blocked.addAll(o.blocked());
    released += o.text().length();
    return o.text();
  }

  private void flushAll(ByteArrayOutputStream out) throws BodyException {
    for (Map.Entry<Integer, Choice> e : choices.entrySet()) {
      String rest = take(e.getValue().text().finish());
      if (!rest.isEmpty() && blocked.isEmpty()) {
        out.writeBytes(synthetic(e.getKey(), e.getValue().delta(), rest));
      }
    }
    choices.clear();
  }

  /** An event carrying held-back text of one choice, shaped as the last chunk seen. */
  private byte[] synthetic(int index, boolean delta, String text) throws BodyException {
    String choice =
        "[{\"index\":"
            + index
            + (delta ? ",\"delta\":{\"content\":" : ",\"text\":")
            + JsonText.encodeString(text)
            + (delta ? "}" : "")
            + ",\"finish_reason\":null}]";
    String data = template;
    JsonText t = new JsonText(data);
    JsonText.Location choices = t.locate(CHOICES).orElseThrow();
    data =
        data.substring(0, choices.value().start()) + choice + data.substring(choices.value().end());
    JsonText u = new JsonText(data);
    Optional<JsonText.Location> usage = u.locate(USAGE);
    if (usage.isPresent()) {
      data = BodyEditor.removeAt(data, usage.get());
    }
    return SseBlock.event(templateEvent, data, newline);
  }
}
