package io.jrego.engine.builtins.capabilities;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jrego.engine.builtins.spi.Builtin;
import io.jrego.engine.builtins.spi.BuiltinRegistry;
import io.jrego.engine.builtins.spi.Declaration;
import io.jrego.engine.types.TypeJson;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.NullValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * jrego's capabilities document, in OPA's {@code capabilities.json} format, written from the
 * builtins' {@link Declaration}s: every builtin a policy may call (OPA's, with the types and facts
 * {@code opa capabilities --current} of OPA 1.22.2 gives them, and jrego's own), the future
 * keywords and the language features. {@code opa check --capabilities} and editors then accept
 * policies that call {@code jrego.*}; {@code jrego capabilities} prints it and {@code
 * rego-policies/capabilities/jrego.json} is the committed copy. OPA's builtins carry no
 * descriptions here (their prose is OPA's own); jrego's carry jrego's.
 */
public final class Capabilities {

  private Capabilities() {}

  /** The keywords {@code future.keywords} imports bring in, as OPA 1.22.2 lists them. */
  private static final List<String> FUTURE_KEYWORDS = List.of("and", "not", "or");

  /** The language features OPA 1.22.2 lists. */
  private static final List<String> FEATURES =
      List.of("keywords_in_refs", "rego_v1", "rego_v2", "rego_v2_import", "template_strings");

  /** The declarations the document lists: every builtin but jrego's compiler artefacts, by name. */
  public static List<Declaration> declarations(BuiltinRegistry registry) {
    List<Declaration> out = new ArrayList<>();
    for (Builtin b : registry.all().values()) {
      if (!b.declaration().isHidden()) {
        out.add(b.declaration());
      }
    }
    out.sort(Comparator.comparing(Declaration::name));
    return out;
  }

  /** One builtin as OPA writes it: name, description, categories, decl, then the flags. */
  public static ObjectNode json(Declaration d) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("name", d.name());
    if (!d.description().isEmpty()) {
      o.put("description", d.description());
    }
    if (!d.categories().isEmpty()) {
      ArrayNode cs = o.putArray("categories");
      d.categories().forEach(cs::add);
    }
    o.set("decl", jackson(TypeJson.of(d.type())));
    if (!d.infix().isEmpty()) {
      o.put("infix", d.infix());
    }
    if (d.isRelation()) {
      o.put("relation", true);
    }
    if (d.isDeprecated()) {
      o.put("deprecated", true);
    }
    if (!d.deterministic()) {
      o.put("nondeterministic", true);
    }
    return o;
  }

  /**
   * The whole document for {@code registry} ({@code StandardBuiltins.registry()} for jrego's own),
   * pretty-printed, ending with a newline.
   */
  public static String json(BuiltinRegistry registry) {
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode doc = mapper.createObjectNode();
    ArrayNode builtins = doc.putArray("builtins");
    for (Declaration d : declarations(registry)) {
      builtins.add(json(d));
    }
    ArrayNode kw = doc.putArray("future_keywords");
    FUTURE_KEYWORDS.forEach(kw::add);
    ArrayNode features = doc.putArray("features");
    FEATURES.forEach(features::add);
    try {
      return mapper.writeValueAsString(doc) + "\n";
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A value as a Jackson node, object keys in OPA's (sorted) order. */
  private static JsonNode jackson(Value v) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    return switch (v) {
      case NullValue n -> f.nullNode();
      case BooleanValue b -> f.booleanNode(b.value());
      case StringValue s -> f.textNode(s.value());
      case NumberValue n -> f.numberNode(n.bigDecimal());
      case ArrayValue a -> {
        ArrayNode arr = f.arrayNode();
        a.forEach(x -> arr.add(jackson(x)));
        yield arr;
      }
      case ObjectValue o -> {
        ObjectNode obj = f.objectNode();
        o.forEach((k, x) -> obj.set(((StringValue) k).value(), jackson(x)));
        yield obj;
      }
      default -> throw new IllegalArgumentException("not JSON: " + v.typeName());
    };
  }
}
