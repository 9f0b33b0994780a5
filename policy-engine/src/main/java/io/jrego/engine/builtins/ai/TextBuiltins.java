package io.jrego.engine.builtins.ai;

import static io.jrego.engine.builtins.ai.AiValues.span;
import static io.jrego.engine.builtins.ai.AiValues.string;

import io.jrego.engine.builtins.spi.BuiltinContext;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.builtins.spi.BuiltinRegistry;
import io.jrego.engine.builtins.spi.Declaration;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.text.Normalizer;
import java.util.Locale;

/**
 * {@code jrego.text.*}: views of a text for detection. See {@code docs/builtins.md} for each
 * builtin's result.
 *
 * <ul>
 *   <li>{@code jrego.text.views(text)}: every view at once (stripped, normalized, skeleton, folded,
 *       tags, decoded runs, hidden channels, invisible characters), spans in code points of {@code
 *       text}.
 *   <li>{@code jrego.text.normalize(text)}: invisible characters removed, NFKC, case folded.
 *   <li>{@code jrego.text.skeleton(text)}: the UTS #39 confusable skeleton.
 *   <li>{@code jrego.text.strip_invisible(text)}: the text without Cf/Co/Cn characters.
 * </ul>
 */
public final class TextBuiltins {

  private TextBuiltins() {}

  /** Adds the {@code jrego.text.*} builtins to {@code r}. */
  public static void register(BuiltinRegistry r) {
    r.add(
        Declaration.of("jrego.text.views(text: string) => views: object[string: any]")
            .categories("jrego.text")
            .describe(
                "Every detection view of a text: stripped, normalized, skeleton, "
                    + "folded, tags, decoded runs, hidden channels, "
                    + "invisible characters; spans in code points of the text."),
        TextBuiltins::views);
    r.add(
        Declaration.of("jrego.text.normalize(text: string) => normalized: string")
            .categories("jrego.text")
            .describe(
                "Removes invisible characters (Unicode Cf, Co, Cn), "
                    + "applies NFKC and case folding."),
        (a, c) -> StringValue.of(normalize(strip(string(a[0], 1)))));
    r.add(
        Declaration.of("jrego.text.skeleton(text: string) => skeleton: string")
            .categories("jrego.text")
            .describe(
                "The UTS #39 confusable skeleton of the text without its invisible characters."),
        (a, c) -> StringValue.of(Confusables.skeleton(strip(string(a[0], 1)))));
    r.add(
        Declaration.of("jrego.text.strip_invisible(text: string) => stripped: string")
            .categories("jrego.text")
            .describe(
                "The text without Unicode format (Cf), "
                    + "private-use (Co) and unassigned (Cn) characters."),
        (a, c) -> StringValue.of(strip(string(a[0], 1))));
  }

  static String strip(String s) {
    StringBuilder b = null;
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      int n = Character.charCount(cp);
      if (Invisibles.kind(cp) != Invisibles.NOT_INVISIBLE) {
        if (b == null) {
          b = new StringBuilder(s.length()).append(s, 0, i);
        }
      } else if (b != null) {
        b.appendCodePoint(cp);
      }
      i += n;
    }
    return b == null ? s : b.toString();
  }

  /** NFKC, then case folding (upper then lower case in the root locale: ß to ss), then NFKC. */
  static String normalize(String s) {
    String nfkc = Normalizer.normalize(s, Normalizer.Form.NFKC);
    String folded = nfkc.toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT);
    return Normalizer.normalize(folded, Normalizer.Form.NFKC);
  }

  private static Value views(Value[] a, BuiltinContext c) throws BuiltinException {
    TextViews v = TextViews.of(string(a[0], 1), TextViews.Limits.DEFAULT);
    String stripped = v.stripped();
    ArrayValue.Builder decoded = new ArrayValue.Builder(v.decoded.size());
    for (TextViews.Segment s : v.decoded) {
      decoded.add(
          new ObjectValue.Builder()
              .put("encoding", StringValue.of(s.encoding()))
              .put("depth", NumberValue.of(s.depth()))
              .put("span", span(s.span()))
              .put("text", StringValue.of(s.text()))
              .build());
    }
    ArrayValue.Builder hidden = new ArrayValue.Builder(v.hidden.size());
    for (TextViews.Hidden h : v.hidden) {
      hidden.add(
          new ObjectValue.Builder()
              .put("kind", StringValue.of(h.kind()))
              .put("span", span(h.span()))
              .put("text", StringValue.of(h.text()))
              .build());
    }
    return new ObjectValue.Builder()
        .put("stripped", StringValue.of(stripped))
        .put("normalized", StringValue.of(normalize(stripped)))
        .put("skeleton", StringValue.of(Confusables.skeleton(stripped)))
        .put("folded", StringValue.of(v.folded.toString()))
        .put("tags", StringValue.of(v.tagText()))
        .put("invisible", AiValues.invisible(v.invisible, true))
        .put("decoded", decoded.build())
        .put("hidden", hidden.build())
        .put("truncated", BooleanValue.of(v.truncated))
        .build();
  }
}
