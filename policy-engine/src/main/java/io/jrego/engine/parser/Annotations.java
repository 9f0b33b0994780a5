package io.jrego.engine.parser;

import io.jrego.engine.ast.Annotation;
import io.jrego.engine.base.RegoError;
import io.jrego.engine.base.RegoError.Location;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.NullValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/** Finds {@code # METADATA} comment blocks and parses their YAML. */
final class Annotations {

  private record Block(int firstRow, int lastRow, Annotation annotation) {}

  private final List<Block> blocks = new ArrayList<>();
  private final List<RegoError> errors = new ArrayList<>();
  private int used;

  Annotations(
      List<Lexer.Comment> comments, String file, BiFunction<Integer, Integer, Location> loc) {
    for (int i = 0; i < comments.size(); i++) {
      Lexer.Comment c = comments.get(i);
      if (!c.text().strip().equals("METADATA")) {
        continue;
      }
      StringBuilder yaml = new StringBuilder();
      int row = c.row();
      int j = i + 1;
      while (j < comments.size()
          && comments.get(j).row() == row + 1
          && comments.get(j).col() == c.col()
          && !comments.get(j).text().strip().equals("METADATA")) { // the next block's start
        String text = comments.get(j).text();
        yaml.append(text.startsWith(" ") ? text.substring(1) : text).append('\n');
        row++;
        j++;
      }
      Location l = loc.apply(c.row(), c.col());
      try {
        Object parsed = new Load(LoadSettings.builder().build()).loadFromString(yaml.toString());
        Value v = parsed == null ? ObjectValue.EMPTY : toValue(parsed);
        if (v instanceof ObjectValue o) {
          String scope =
              o.get("scope").map(x -> x instanceof StringValue s ? s.value() : "rule").orElse("");
          blocks.add(new Block(c.row(), row, new Annotation(scope, o, l)));
        } else {
          errors.add(RegoError.at(RegoError.PARSE, "invalid metadata: expected an object", l));
        }
      } catch (RuntimeException e) {
        errors.add(RegoError.at(RegoError.PARSE, "yaml: " + e.getMessage(), l));
      }
      i = j - 1;
    }
  }

  List<RegoError> errors() {
    return errors;
  }

  /** Annotations not yet attached that end before {@code row}. */
  List<Annotation> before(int row) {
    List<Annotation> out = new ArrayList<>();
    while (used < blocks.size() && blocks.get(used).lastRow() < row) {
      out.add(blocks.get(used).annotation());
      used++;
    }
    return out;
  }

  static Value toValue(Object o) {
    if (o == null) {
      return NullValue.INSTANCE;
    }
    if (o instanceof String s) {
      return StringValue.of(s);
    }
    if (o instanceof Boolean b) {
      return BooleanValue.of(b);
    }
    if (o instanceof Integer || o instanceof Long) {
      return NumberValue.of(((Number) o).longValue());
    }
    if (o instanceof BigInteger b) {
      return NumberValue.of(b);
    }
    if (o instanceof Double || o instanceof Float) {
      return NumberValue.of(new BigDecimal(o.toString()));
    }
    if (o instanceof Map<?, ?> m) {
      ObjectValue.Builder b = new ObjectValue.Builder();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        b.put(StringValue.of(String.valueOf(e.getKey())), toValue(e.getValue()));
      }
      return b.build();
    }
    if (o instanceof List<?> l) {
      ArrayValue.Builder b = new ArrayValue.Builder();
      for (Object x : l) {
        b.add(toValue(x));
      }
      return b.build();
    }
    return StringValue.of(o.toString());
  }
}
