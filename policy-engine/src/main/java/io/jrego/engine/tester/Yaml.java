package io.jrego.engine.tester;

import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.NullValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * Reads YAML data documents (as {@code opa} reads {@code data.yaml}) into values. YAML 1.2 core
 * schema; floats keep their decimal text, so {@code 0.1} stays exactly {@code 0.1}.
 */
public final class Yaml {

  private Yaml() {}

  /**
   * Parses one YAML document; an empty document is {@code null}.
   *
   * @throws IllegalArgumentException when the text is not YAML, or uses a type JSON lacks
   */
  public static Value parse(String text) {
    Load load = new Load(LoadSettings.builder().setLabel("yaml").build());
    try {
      return toValue(load.loadFromString(text));
    } catch (YamlEngineException e) {
      throw new IllegalArgumentException("invalid YAML: " + e.getMessage(), e);
    }
  }

  private static Value toValue(Object o) {
    return switch (o) {
      case null -> NullValue.INSTANCE;
      case Boolean b -> BooleanValue.of(b);
      case Integer i -> NumberValue.of(i.longValue());
      case Long l -> NumberValue.of(l);
      case BigInteger b -> NumberValue.of(b);
      case Double d -> numberOf(d);
      case Float f -> numberOf(f.doubleValue());
      case String s -> StringValue.of(s);
      case List<?> list -> {
        ArrayValue.Builder b = new ArrayValue.Builder(list.size());
        list.forEach(e -> b.add(toValue(e)));
        yield b.build();
      }
      case Map<?, ?> map -> {
        ObjectValue.Builder b = new ObjectValue.Builder();
        map.forEach(
            (k, v) -> b.put(k instanceof String s ? StringValue.of(s) : toValue(k), toValue(v)));
        yield b.build();
      }
      default ->
          throw new IllegalArgumentException(
              "invalid YAML: unsupported value of type " + o.getClass().getSimpleName());
    };
  }

  private static Value numberOf(double d) {
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      throw new IllegalArgumentException("invalid YAML: " + d + " is not a JSON number");
    }
    return NumberValue.of(new BigDecimal(Double.toString(d)));
  }
}
