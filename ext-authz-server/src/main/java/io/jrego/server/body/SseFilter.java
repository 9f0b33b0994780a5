package io.jrego.server.body;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.jrego.engine.builtins.ai.PiiType;
import io.jrego.engine.builtins.ai.ValueStarts;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Filters a {@code text/event-stream} as it flows: each event's JSON data gets the decision's
 * {@link BodyEdit}s, and the answer text of OpenAI-style chunks ({@code choices[].delta.content},
 * or {@code choices[].text}) goes through {@link StreamText} per choice, so a value split across
 * events or network pieces is caught. Text held back from one event goes out in a later one; what
 * is still held when a choice finishes ({@code finish_reason}), at {@code data: [DONE]} or at the
 * end of the stream goes out in the finishing event, or in an event made for it just before (same
 * {@code id}, {@code model} and {@code created}). Comments, events without JSON data, {@code
 * [DONE]} and the usage chunk pass as they came; an event nothing changed keeps its bytes, and one
 * whose answer text changed keeps every byte but its text's string literal, which is written anew
 * into the bytes as they came (no data rebuilt, no block written again). Only an event with several
 * {@code data} lines, or bytes that are not UTF-8 before a character outside ASCII, is written from
 * its decoded data.
 *
 * <p>Several events in one network piece (a fast upstream, or Envoy reading behind it) are judged
 * together: their answer text is held as it is read and scanned once, at the piece's last event (a
 * comment or block without data after it does not count), which then carries what is released; the
 * earlier events of the piece go out with empty text. Scanning per event would scan the held-back
 * window again for every few characters; a piece holding one event (a model streaming at reading
 * speed) is judged as before.
 *
 * <p>Once a blocking rule matches, {@link Out#blocked()} says which types, and everything after is
 * dropped. Not thread-safe: one per stream.
 */
public final class SseFilter {

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
  private final ValueStarts blocking; // how the values a block rule refuses begin
  private final List<BodyEdit> eventEdits;
  private final Redactions redactions;
  private final int maxHold;
  private final Map<Integer, Choice> choices = new TreeMap<>();
  private final ChunkScan.Prefix prefix = new ChunkScan.Prefix();
  private String template; // the data of the last chunk with choices, and its event
  private SseBlock templateBlock;
  private final Bytes out = new Bytes();
  private String newline = "\n";
  private final Set<PiiType> blocked = EnumSet.noneOf(PiiType.class);
  private static final JsonPointer CHOICES = JsonPointer.parse("/choices");
  private static final JsonPointer USAGE = JsonPointer.parse("/usage");

  private long released;
  private long seen; // characters of answer text taken in, over every choice
  private long events; // events with data so far, to name one in an error

  /**
   * @param spec what to do with the answer text
   * @param eventEdits edits applied to each event's JSON data
   * @param redactions the request's redaction state
   * @param maxEventBytes the largest event accepted
   * @param maxHold the most text held back for one choice, in characters
   */
  public SseFilter(
      StreamSpec spec,
      List<BodyEdit> eventEdits,
      Redactions redactions,
      int maxEventBytes,
      int maxHold) {
    this.framer = new SseFramer(maxEventBytes);
    this.spec = spec;
    this.rules = new PiiRules(spec.rules());
    Set<PiiType> blockedTypes = EnumSet.noneOf(PiiType.class);
    for (PiiRule r : spec.rules()) {
      if (r.action() == PiiRule.Action.BLOCK) {
        blockedTypes.addAll(r.types());
      }
    }
    this.blocking = ValueStarts.of(blockedTypes);
    this.eventEdits = List.copyOf(eventEdits);
    this.redactions = redactions;
    this.maxHold = Math.max(maxHold, spec.holdBack());
  }

  /**
   * Takes the next piece of the stream. (What goes out is a view of an array made for it and never
   * written again, so it is not copied into the {@link ByteString}, nor cut to its length.)
   */
  public Out push(byte[] piece) throws BodyException {
    if (!blocked.isEmpty()) {
      return NOTHING;
    }
    out.reset(piece.length + 64);
    List<SseBlock> blocks = framer.push(piece);
    int last = blocks.size() - 1;
    while (last > 0 && !blocks.get(last).isEvent()) {
      last--; // a comment or a retry after it does not put the judgment off
    }
    for (int i = 0; i < blocks.size(); i++) {
      // the answer text of the piece's events is judged once, at its last event (see class doc)
      handle(blocks.get(i), i >= last);
      if (!blocked.isEmpty()) {
        return new Out(ByteString.EMPTY, blocked);
      }
    }
    return new Out(out.toByteString(), Set.of());
  }

  /** Ends the stream: whatever is still held, filtered. */
  public Out finish() throws BodyException {
    if (!blocked.isEmpty()) {
      return NOTHING;
    }
    out.reset(256);
    Optional<SseBlock> rest = framer.finish();
    if (rest.isPresent()) {
      handle(rest.get(), true);
    }
    flushAll();
    if (!blocked.isEmpty()) {
      return new Out(ByteString.EMPTY, blocked);
    }
    return new Out(out.toByteString(), Set.of());
  }

  /**
   * Characters of answer text let out so far, over every choice: until there are some, every piece
   * of answer text seen is still held back (and could still be blocked).
   */
  public long released() {
    return released;
  }

  /**
   * Whether the answer's headers may go out, when a block rule could still refuse it: answer text
   * has been let out (so the first text has been judged), and nothing held could still be, or
   * become as more text comes, part of a value a block rule refuses ({@link StreamText#mayHold}). A
   * value that begins in text not yet held can only be cut off once the headers have gone; one that
   * has begun is refused whole (a {@code 502} before the first byte) as long as they wait.
   *
   * <p>They wait no longer than the fixed hold-back made them wait before text was released as soon
   * as it was safe: once more than {@code hold_back} characters of answer text have come, they go
   * with the first text let out, whatever is held (an answer of code holds an assignment or a
   * number nearly all the time, and would otherwise keep them to its end); a value held then is cut
   * off if it is found, as one held by that fixed hold-back was.
   */
  public boolean headersMayGo() {
    if (released == 0) {
      return false;
    }
    if (seen > spec.holdBack()) {
      return true;
    }
    for (Choice c : choices.values()) {
      if (c.text().mayHold(blocking)) {
        return false;
      }
    }
    return true;
  }

  /** Characters of answer text held back now, over every choice. */
  public int held() {
    int n = 0;
    for (Choice c : choices.values()) {
      n += c.text().held();
    }
    return n;
  }

  private void handle(SseBlock block, boolean judge) throws BodyException {
    Optional<String> data = block.data();
    if (data.isEmpty()) {
      out.write(block.bytes());
      return;
    }
    newline = block.newline();
    events++;
    try {
      handleData(block, data.get(), judge);
    } catch (BodyException e) {
      throw new BodyException("event " + events + " of the response stream: " + e.getMessage());
    }
  }

  private void handleData(SseBlock block, String d, boolean judge) throws BodyException {
    if (d.strip().equals("[DONE]")) {
      flushAll();
      out.write(block.bytes());
      return;
    }
    boolean json = d.stripLeading().startsWith("{");
    String edited = d;
    boolean asCame = true; // whether edited is the data as it came
    if (json && !eventEdits.isEmpty()) {
      BodyEditor.Result r = BodyEditor.apply(edited, eventEdits, redactions);
      if (r.isBlocked()) {
        blocked.addAll(r.blocked());
        return;
      }
      edited = r.text();
      asCame = !r.changed();
    }
    if (!spec.isEmpty()) {
      if (!json) {
        edited = plainText(edited);
      } else if (answerText(edited, block, judge) && blocked.isEmpty()) {
        // an event made for text held back has gone out before this one
        if (asCame && spliceBytes(block, d)) {
          return;
        }
        edited = spliceText(edited);
      }
      if (!blocked.isEmpty()) {
        return;
      }
    }
    if (edited.equals(d)) {
      out.write(block.bytes());
    } else {
      out.write(block.withData(edited));
    }
  }

  /** Data that is not JSON: the rules apply to it whole (nothing is held across events). */
  private String plainText(String d) {
    PiiRules.Applied a = rules.apply(d, redactions);
    blocked.addAll(a.blocked());
    return spec.restore() ? redactions.restore(a.text()) : a.text();
  }

  // the answer text literals answerText(...) found changed in the event's data: the literal at
  // [at[2k], at[2k + 1]) (chars of the data) becomes texts[k]
  private int[] at = new int[4];
  private String[] texts = new String[2];
  private int changes;
  private final StringBuilder literal = new StringBuilder(64);

  /**
   * Passes the answer text of each choice of the chunk {@code d} through its {@link StreamText},
   * and notes the literals whose text that changed; an event made for text held back goes straight
   * out. Returns whether a literal changed.
   */
  private boolean answerText(String d, SseBlock block, boolean judge) throws BodyException {
    changes = 0;
    List<ChunkScan.Choice> found = ChunkScan.scan(d, prefix);
    if (found == null) {
      return false;
    }
    template = d;
    templateBlock = block;
    for (ChunkScan.Choice f : found) {
      int index = f.index();
      Choice c = choices.get(index);
      if (f.hasText()) {
        if (c == null) {
          c = new Choice(newText(), f.fromDelta());
          choices.put(index, c);
        }
        String text = ChunkScan.text(d, f);
        seen += text.length();
        String emitted = take(c.text().push(text, judge || f.finishing()));
        if (f.finishing()) {
          emitted += take(c.text().finish());
          choices.remove(index);
        }
        if (!emitted.equals(text)) {
          change(f.start(), f.end(), emitted);
        }
      } else if (f.finishing() && c != null) {
        String rest = take(c.text().finish());
        choices.remove(index);
        if (!rest.isEmpty()) {
          out.write(synthetic(index, c.delta(), rest));
        }
      }
      if (!blocked.isEmpty()) {
        return false;
      }
    }
    return changes > 0;
  }

  private void change(int start, int end, String text) {
    if (2 * changes + 2 > at.length) {
      at = Arrays.copyOf(at, at.length * 2);
      texts = Arrays.copyOf(texts, texts.length * 2);
    }
    at[2 * changes] = start;
    at[2 * changes + 1] = end;
    texts[changes++] = text;
  }

  /** {@code d} with the literals {@link #answerText} changed written anew. */
  private String spliceText(String d) {
    StringBuilder s = new StringBuilder(d.length() + 16);
    int pos = 0;
    for (int k = 0; k < changes; k++) {
      JsonText.appendString(s.append(d, pos, at[2 * k]), texts[k]);
      pos = at[2 * k + 1];
    }
    return s.append(d, pos, d.length()).toString();
  }

  /**
   * Writes the event with the literals {@link #answerText} changed written anew, every other byte
   * as it came (the data's other members, its spacing and escapes, the other lines, the line
   * endings). False, writing nothing, when the event's data is not one line, or not valid UTF-8
   * (its chars then do not map onto its bytes): it is written from its data then.
   */
  private boolean spliceBytes(SseBlock block, String d) {
    int start = block.dataStart();
    if (start < 0) {
      return false;
    }
    int length = block.dataEnd() - start;
    // as many chars as bytes: every byte was one char (ASCII, or each bad byte one U+FFFD)
    boolean ascii = d.length() == length;
    if (!ascii && d.indexOf('\uFFFD') >= 0) {
      return false; // some bytes were not UTF-8: the chars' UTF-8 is not the bytes
    }
    byte[] raw = block.bytes();
    int pos = 0; // in raw
    int ch = 0; // chars of d before byteAt
    int byteAt = start; // where char ch of d starts in raw
    for (int k = 0; k < changes; k++) {
      int from = ascii ? start + at[2 * k] : advance(d, ch, at[2 * k], byteAt);
      int to = ascii ? start + at[2 * k + 1] : advance(d, at[2 * k], at[2 * k + 1], from);
      ch = at[2 * k + 1];
      byteAt = to;
      out.write(raw, pos, from - pos);
      literal.setLength(0);
      JsonText.appendString(literal, texts[k]);
      out.writeUtf8(literal);
      pos = to;
    }
    out.write(raw, pos, raw.length - pos);
    return true;
  }

  /**
   * Where char {@code to} of {@code d} starts in UTF-8, char {@code from} starting at {@code b}.
   */
  private static int advance(String d, int from, int to, int b) {
    for (int i = from; i < to; i++) {
      char c = d.charAt(i);
      if (c < 0x80) {
        b++;
      } else if (c < 0x800) {
        b += 2;
      } else if (Character.isHighSurrogate(c)) {
        b += 4; // with its low surrogate: the text was valid UTF-8, so it has one
        i++;
      } else {
        b += 3;
      }
    }
    return b;
  }

  private StreamText newText() {
    return new StreamText(rules, redactions, spec.restore(), spec.holdBack(), maxHold);
  }

  private String take(StreamText.Out o) {
    blocked.addAll(o.blocked());
    released += o.text().length();
    return o.text();
  }

  private void flushAll() throws BodyException {
    for (Map.Entry<Integer, Choice> e : choices.entrySet()) {
      String rest = take(e.getValue().text().finish());
      if (!rest.isEmpty() && blocked.isEmpty()) {
        out.write(synthetic(e.getKey(), e.getValue().delta(), rest));
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
    String templateEvent = templateBlock.field("event").orElse("");
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

  /** What a piece lets out, as it grows: an unsynchronized {@code ByteArrayOutputStream}. */
  private static final class Bytes {
    private byte[] buf = new byte[0];
    private int size;

    void reset(int capacity) {
      buf = new byte[capacity];
      size = 0;
    }

    void write(byte[] b) {
      write(b, 0, b.length);
    }

    void write(byte[] b, int from, int length) {
      if (size + length > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + length));
      }
      System.arraycopy(b, from, buf, size, length);
      size += length;
    }

    void writeUtf8(CharSequence s) {
      write(s.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** What was written, as a view of the array (never written again: reset makes a new one). */
    ByteString toByteString() {
      return UnsafeByteOperations.unsafeWrap(buf, 0, size);
    }
  }
}
