package io.jrego.engine.builtins.jose;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** PEM blocks as Go's {@code encoding/pem} finds them: text before a block is skipped. */
public final class PemBlocks {

  private static final Pattern BLOCK =
      Pattern.compile(
          "(?:^|\\n)-----BEGIN ([^\\r\\n]*?)-----\\r?\\n(.*?)(?:^|\\n)-----END \\1-----[ \\t]*(?:\\r?\\n|$)",
          Pattern.DOTALL | Pattern.MULTILINE);

  /** One block: its type (e.g. {@code CERTIFICATE}), its bytes, and the text after it. */
  public static final class Block {
    private final String type;
    private final byte[] bytes;
    private final String rest;

    Block(String type, byte[] bytes, String rest) {
      this.type = type;
      this.bytes = bytes;
      this.rest = rest;
    }

    public String type() {
      return type;
    }

    /** The decoded bytes; callers must not modify them. */
    public byte[] bytes() {
      return bytes;
    }

    public String rest() {
      return rest;
    }
  }

  private PemBlocks() {}

  /** The first well-formed block in {@code text}, or null when there is none. */
  public static Block decode(String text) {
    Matcher m = BLOCK.matcher(text);
    int from = 0;
    while (m.find(from)) {
      byte[] bytes = body(m.group(2));
      if (bytes != null) {
        return new Block(m.group(1), bytes, text.substring(m.end()));
      }
      from = m.end();
    }
    return null;
  }

  /** Every well-formed block in order. */
  public static List<Block> decodeAll(String text) {
    List<Block> out = new ArrayList<>();
    Block b = decode(text);
    while (b != null) {
      out.add(b);
      b = decode(b.rest());
    }
    return out;
  }

  private static byte[] body(String body) {
    StringBuilder b64 = new StringBuilder();
    for (String line : body.lines().toList()) {
      if (line.contains(":")) {
        continue; // RFC 1421 headers such as Proc-Type
      }
      for (int i = 0; i < line.length(); i++) {
        char c = line.charAt(i);
        if (!Character.isWhitespace(c)) {
          b64.append(c);
        }
      }
    }
    try {
      return Base64.getDecoder().decode(b64.toString().getBytes(StandardCharsets.US_ASCII));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
