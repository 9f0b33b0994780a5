package io.jrego.server.body;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class DecodingTest {

  private static byte[] gzip(String s) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(out)) {
      z.write(s.getBytes(StandardCharsets.UTF_8));
    }
    return out.toByteArray();
  }

  private static byte[] deflate(String s, boolean raw) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (DeflaterOutputStream z = new DeflaterOutputStream(out, new Deflater(6, raw))) {
      z.write(s.getBytes(StandardCharsets.UTF_8));
    }
    return out.toByteArray();
  }

  private static String oneByteAtATime(Decoding d, byte[] data) throws BodyException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte x : data) {
      out.writeBytes(d.push(new byte[] {x}));
    }
    d.finish();
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void gzip_inPiecesOfOneByte_andSeveralMembers() throws Exception {
    String text = "data: {\"x\":\"é\"}\n\n".repeat(50);
    byte[] two = concat(gzip(text), gzip("tail"));
    try (Decoding d = new Decoding(Decoding.Encoding.GZIP, 1 << 20)) {
      assertThat(oneByteAtATime(d, two)).isEqualTo(text + "tail");
    }
  }

  @Test
  void deflate_zlibAndRaw() throws Exception {
    for (boolean raw : new boolean[] {false, true}) {
      try (Decoding d = new Decoding(Decoding.Encoding.DEFLATE, 1 << 20)) {
        assertThat(oneByteAtATime(d, deflate("hello hello hello", raw)))
            .isEqualTo("hello hello hello");
      }
    }
  }

  @Test
  void truncatedCorruptOrNotGzip_areErrors() throws Exception {
    byte[] z = gzip("some text that is long enough to compress");
    try (Decoding d = new Decoding(Decoding.Encoding.GZIP, 1 << 20)) {
      d.push(java.util.Arrays.copyOf(z, z.length - 12));
      assertThatThrownBy(d::finish).hasMessageContaining("ends in the middle");
    }
    try (Decoding d = new Decoding(Decoding.Encoding.GZIP, 1 << 20)) {
      assertThatThrownBy(() -> d.push("plain text here".getBytes(StandardCharsets.UTF_8)))
          .hasMessageContaining("not gzip data");
    }
    byte[] bad = z.clone();
    for (int i = 12; i < bad.length - 8; i++) {
      bad[i] = (byte) 0xff;
    }
    try (Decoding d = new Decoding(Decoding.Encoding.GZIP, 1 << 20)) {
      assertThatThrownBy(() -> d.push(bad)).hasMessageContaining("corrupt");
    }
  }

  @Test
  void bomb_isStoppedAtTheLimit() throws Exception {
    byte[] bomb = gzip("0".repeat(10_000_000));
    assertThat(bomb.length).isLessThan(20_000);
    try (Decoding d = new Decoding(Decoding.Encoding.GZIP, 1 << 20)) {
      assertThatThrownBy(() -> d.push(bomb)).hasMessageContaining("more than 1048576 bytes");
    }
  }

  @Test
  void contentEncoding_namesWhatCanBeRead() throws Exception {
    assertThat(Decoding.of(null)).isEmpty();
    assertThat(Decoding.of("identity")).isEmpty();
    assertThat(Decoding.of(" GZIP ")).contains(Decoding.Encoding.GZIP);
    assertThat(Decoding.of("deflate")).contains(Decoding.Encoding.DEFLATE);
    assertThatThrownBy(() -> Decoding.of("br")).hasMessageContaining("\"br\" cannot be inspected");
    assertThatThrownBy(() -> Decoding.of("gzip, br")).isInstanceOf(BodyException.class);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
