package io.jrego.engine.builtins.ai;

import io.jrego.engine.builtins.ai.MappedText.Span;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.List;

/** Operand checks and result building shared by the {@code jrego.text} and injection builtins. */
final class AiValues {

  private AiValues() {}

  static String string(Value v, int pos) throws BuiltinException {
    if (v instanceof StringValue s) {
      return s.value();
    }
    throw BuiltinException.operand(pos, "string", v);
  }

  static ObjectValue object(Value v, int pos) throws BuiltinException {
    if (v instanceof ObjectValue o) {
      return o;
    }
    throw BuiltinException.operand(pos, "object", v);
  }

  static Value span(Span s) {
    return ArrayValue.of(NumberValue.of(s.start()), NumberValue.of(s.end()));
  }

  static Value strings(List<String> list) {
    if (list.isEmpty()) {
      return ArrayValue.EMPTY;
    }
    ArrayValue.Builder b = new ArrayValue.Builder(list.size());
    for (String s : list) {
      b.add(StringValue.of(s));
    }
    return b.build();
  }

  private static final Value NO_INVISIBLE = build(TextViews.Invisible.NONE, false);
  private static final Value NO_INVISIBLE_SPANS = build(TextViews.Invisible.NONE, true);

  static Value invisible(TextViews.Invisible inv, boolean withSpans) {
    if (inv.count() == 0) {
      return withSpans ? NO_INVISIBLE_SPANS : NO_INVISIBLE;
    }
    return build(inv, withSpans);
  }

  private static Value build(TextViews.Invisible inv, boolean withSpans) {
    ObjectValue.Builder kinds = new ObjectValue.Builder();
    for (int k = 0; k < Invisibles.KIND_NAMES.length; k++) {
      if (inv.byKind().get(k) > 0) {
        kinds.put(Invisibles.KIND_NAMES[k], NumberValue.of(inv.byKind().get(k)));
      }
    }
    ObjectValue.Builder o =
        new ObjectValue.Builder()
            .put("count", NumberValue.of(inv.count()))
            .put("kinds", kinds.build());
    if (withSpans) {
      ArrayValue.Builder spans = new ArrayValue.Builder(inv.spans().size());
      inv.spans().forEach(s -> spans.add(span(s)));
      o.put("spans", spans.build());
    }
    return o.build();
  }
}
