package io.jrego.server.body;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseFramerTest {

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Feeds {@code text} one byte at a time, the hardest split there is. */
  private static List<SseBlock> byteByByte(String text) throws BodyException {
    SseFramer f = new SseFramer(1 << 20);
    List<SseBlock> out = new ArrayList<>();
    for (byte x : b(text)) {
      out.addAll(f.push(new byte[] {x}));
    }
    f.finish().ifPresent(out::add);
    return out;
  }

  private static List<SseBlock> whole(String text) throws BodyException {
    SseFramer f = new SseFramer(1 << 20);
    List<SseBlock> out = new ArrayList<>(f.push(b(text)));
    f.finish().ifPresent(out::add);
    return out;
  }

  @Test
  void lfCrlfAndLoneCr_allEndLines_evenSplitBetweenPieces() throws Exception {
    String text = "data: a\n\ndata: b\r\n\r\ndata: c\r\rdata: d\r\n\n";
    for (List<SseBlock> blocks : List.of(whole(text), byteByByte(text))) {
      assertThat(blocks).hasSize(4);
      assertThat(blocks.stream().map(x -> x.data().orElseThrow()))
          .containsExactly("a", "b", "c", "d");
      assertThat(blocks.get(1).newline()).isEqualTo("\r\n");
      assertThat(blocks.get(2).newline()).isEqualTo("\r");
      // the bytes of all blocks are the stream, exactly
      StringBuilder joined = new StringBuilder();
      blocks.forEach(x -> joined.append(new String(x.raw(), StandardCharsets.UTF_8)));
      assertThat(joined.toString()).isEqualTo(text);
    }
  }

  @Test
  void nextBreak_findsTheFirstLfOrCrAsALoopOverTheBytesDoes() {
    java.util.Random r = new java.util.Random(20261207);
    // bytes next to \n and \r (0x0B, 0x0C, 0x0E, 0x09), 0x00, 0x01 and 0x80+: the word search's
    // borrows must mark neither them nor what follows a break
    byte[] alphabet = {
      'a', '\n', '\r', 0x0B, 0x0C, 0x0E, 0x09, 0x00, 0x01, (byte) 0x8A, (byte) 0x8D, -1
    };
    for (int n = 0; n < 20_000; n++) {
      byte[] bytes = new byte[r.nextInt(40)];
      int breaks = r.nextInt(4);
      for (int i = 0; i < bytes.length; i++) {
        byte x = alphabet[r.nextInt(alphabet.length)];
        bytes[i] = breaks == 0 && (x == '\n' || x == '\r') ? (byte) 'a' : x;
      }
      int from = bytes.length == 0 ? 0 : r.nextInt(bytes.length + 1);
      int to = from + r.nextInt(bytes.length - from + 1);
      int expected = to;
      for (int i = from; i < to; i++) {
        if (bytes[i] == '\n' || bytes[i] == '\r') {
          expected = i;
          break;
        }
      }
      assertThat(SseFramer.nextBreak(bytes, from, to))
          .as("%s from %d to %d", java.util.Arrays.toString(bytes), from, to)
          .isEqualTo(expected);
    }
  }

  @Test
  void crAtTheEndOfAPiece_waitsForTheNextToKnowIfLfFollows() throws Exception {
    SseFramer f = new SseFramer(1024);
    assertThat(f.push(b("data: x\r\n\r"))).isEmpty();
    List<SseBlock> out = f.push(b("\ndata: y"));
    assertThat(out).singleElement().satisfies(x -> assertThat(x.data()).contains("x"));
    assertThat(new String(out.get(0).raw(), StandardCharsets.UTF_8)).isEqualTo("data: x\r\n\r\n");
  }

  @Test
  void multiLineData_commentsIdRetryEventAndUnknownFields() throws Exception {
    String text =
        """
        : keep-alive

        event: delta
        id: 42
        retry: 3000
        data: first
        data:second
        data
        foo: bar

        """;
    List<SseBlock> blocks = byteByByte(text);
    assertThat(blocks).hasSize(2);
    SseBlock comment = blocks.get(0);
    assertThat(comment.data()).isEmpty();
    assertThat(comment.lines()).singleElement().satisfies(l -> assertThat(l.comment()).isTrue());
    SseBlock ev = blocks.get(1);
    assertThat(ev.data()).contains("first\nsecond\n");
    assertThat(ev.field("event")).contains("delta");
    assertThat(ev.field("id")).contains("42");
    assertThat(ev.field("retry")).contains("3000");
    assertThat(ev.field("foo")).contains("bar");
  }

  @Test
  void withData_replacesDataLinesInPlaceAndKeepsTheOthersAndTheLineEnding() throws Exception {
    SseBlock ev = whole("id: 7\r\ndata: a\r\ndata: b\r\n: note\r\n\r\n").get(0);
    assertThat(new String(ev.withData("x\ny"), StandardCharsets.UTF_8))
        .isEqualTo("id: 7\r\ndata: x\r\ndata: y\r\n: note\r\n\r\n");
  }

  @Test
  void utf8SplitBetweenPieces_isReadWhole_andBomIsSkipped() throws Exception {
    String text = "\ufeffdata: café 𝔸 ok\n\n";
    assertThat(byteByByte(text))
        .singleElement()
        .satisfies(x -> assertThat(x.data()).contains("café 𝔸 ok"));
  }

  @Test
  void unterminatedLastBlock_isReturnedByFinish() throws Exception {
    SseFramer f = new SseFramer(1024);
    assertThat(f.push(b("data: a\n\ndata: tail"))).hasSize(1);
    SseBlock rest = f.finish().orElseThrow();
    assertThat(rest.terminated()).isFalse();
    assertThat(rest.data()).contains("tail");
    assertThat(f.finish()).isEmpty();
  }

  @Test
  void blockLargerThanTheLimit_isAnError() throws Exception {
    SseFramer f = new SseFramer(16);
    assertThatThrownBy(() -> f.push(b("data: 0123456789abcdef\n\n")))
        .isInstanceOf(BodyException.class)
        .hasMessageContaining("larger than 16 bytes");
  }

  @Test
  void randomStreamsInRandomPieces_giveTheBlocksOfTheWholeStream() throws Exception {
    java.util.Random r = new java.util.Random(42);
    String[] lines = {
      "data: {\"a\":1}",
      "data:x",
      "data",
      ": comment",
      "event: e",
      "id: 7",
      "retry: 10",
      "",
      "data: caf\u00e9 \ud83d\ude00",
      "\ufeffdata: bom"
    };
    String[] ends = {"\n", "\r\n", "\r"};
    for (int n = 0; n < 2_000; n++) {
      StringBuilder text = new StringBuilder();
      for (int k = r.nextInt(12); k > 0; k--) {
        text.append(lines[r.nextInt(lines.length)]).append(ends[r.nextInt(ends.length)]);
      }
      if (r.nextBoolean()) {
        text.append(lines[r.nextInt(lines.length)]); // unterminated
      }
      byte[] bytes = b(text.toString());
      SseFramer f = new SseFramer(1 << 20);
      List<SseBlock> pieces = new ArrayList<>();
      for (int pos = 0; pos < bytes.length; ) {
        int len = Math.min(bytes.length - pos, 1 + r.nextInt(9));
        pieces.addAll(f.push(java.util.Arrays.copyOfRange(bytes, pos, pos + len)));
        pos += len;
      }
      f.finish().ifPresent(pieces::add);
      List<SseBlock> one = whole(text.toString());
      java.io.ByteArrayOutputStream joined = new java.io.ByteArrayOutputStream();
      pieces.forEach(x -> joined.writeBytes(x.raw()));
      assertThat(joined.toByteArray()).isEqualTo(bytes);
      assertThat(pieces).hasSameSizeAs(one);
      for (int i = 0; i < one.size(); i++) {
        assertThat(pieces.get(i).raw()).isEqualTo(one.get(i).raw());
        assertThat(pieces.get(i).lines()).isEqualTo(one.get(i).lines());
        assertThat(pieces.get(i).newline()).isEqualTo(one.get(i).newline());
        assertThat(pieces.get(i).terminated()).isEqualTo(one.get(i).terminated());
      }
    }
  }
}
