package io.jrego.engine.builtins;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.jrego.engine.builtins.spi.BuiltinContext;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.builtins.spi.BuiltinRegistry;
import io.jrego.engine.builtins.spi.Declaration;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.NullValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code json.verify_schema} and {@code json.match_schema}. Validation is networknt's (draft 7);
 * messages, error types and field paths are reworded to the gojsonschema texts OPA returns. Remote
 * {@code $ref}s are never fetched.
 */
final class JsonSchemaBuiltins {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static final Set<String> PRIMITIVES =
      Set.of("array", "boolean", "integer", "number", "null", "object", "string");

  private static final JsonSchemaFactory FACTORY =
      JsonSchemaFactory.builder(JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7))
          .schemaLoaders(
              loaders ->
                  loaders.add(
                      iri -> {
                        String s = iri.toString();
                        if (!s.startsWith("classpath:") && !s.startsWith("resource:")) {
                          throw new IllegalStateException(
                              "remote schema references are disabled: " + s);
                        }
                        return null;
                      }))
          .build();

  private JsonSchemaBuiltins() {}

  static void register(BuiltinRegistry r) {
    r.add(
        Declaration.of(
                "json.verify_schema(schema: any<string, "
                    + "object[any: any]>) => output: array<boolean, any<null, string>>")
            .nondeterministic()
            .categories("object"),
        JsonSchemaBuiltins::verify);
    r.add(
        Declaration.of(
                "json.match_schema(document: any<string, object[any: any]>, "
                    + "schema: any<string, object[any: any]>) => output: array<boolean, "
                    + "array[object<desc: string, error: string, field: string, "
                    + "type: string>]>")
            .nondeterministic()
            .categories("object"),
        JsonSchemaBuiltins::match);
  }

  /** An invalid document or schema, with gojsonschema's wording. */
  private static final class SchemaError extends Exception {
    private static final long serialVersionUID = 1L;

    SchemaError(String message) {
      super(message, null, false, false);
    }
  }

  private static JsonNode node(Value v, int pos) throws BuiltinException, SchemaError {
    Value json;
    if (v instanceof StringValue s) {
      try {
        json = Json.parse(s.value());
      } catch (Json.JsonException e) {
        throw new SchemaError("invalid JSON string");
      }
    } else if (v instanceof ObjectValue || v instanceof BooleanValue) {
      json = v;
    } else {
      throw BuiltinException.operand(pos, "one of {string, object, boolean}", v);
    }
    try {
      return MAPPER.readTree(Json.write(json));
    } catch (java.io.IOException e) {
      throw new SchemaError("invalid JSON string");
    }
  }

  private static JsonSchema compile(Value schemaValue, int pos)
      throws BuiltinException, SchemaError {
    JsonNode schema = node(schemaValue, pos);
    checkTypes(schema);
    try {
      return FACTORY.getSchema(schema);
    } catch (RuntimeException e) {
      throw new SchemaError(e.getMessage());
    }
  }

  /** gojsonschema rejects unknown primitive type names when it loads a schema. */
  private static void checkTypes(JsonNode schema) throws SchemaError {
    if (schema.isArray()) {
      for (JsonNode e : schema) {
        checkTypes(e);
      }
      return;
    }
    if (!schema.isObject()) {
      return;
    }
    for (Map.Entry<String, JsonNode> e : schema.properties()) {
      String key = e.getKey();
      JsonNode v = e.getValue();
      switch (key) {
        case "enum", "const", "default", "examples" -> {}
        case "type" -> {
          if (v.isTextual()) {
            checkPrimitive(v.asText());
          } else if (v.isArray()) {
            for (JsonNode t : v) {
              if (!t.isTextual()) {
                throw new SchemaError(
                    "Invalid type. Expected: type, given: string/Array Of Strings");
              }
              checkPrimitive(t.asText());
            }
          } else {
            throw new SchemaError("Invalid type. Expected: type, given: string/Array Of Strings");
          }
        }
        default -> checkTypes(v);
      }
    }
  }

  private static void checkPrimitive(String t) throws SchemaError {
    if (!PRIMITIVES.contains(t)) {
      throw new SchemaError(
          "has a primitive type that is NOT VALID -- given: /"
              + t
              + "/ Expected valid values are:[array boolean integer number null object string]");
    }
  }

  private static Value verify(Value[] args, BuiltinContext ctx) throws BuiltinException {
    try {
      compile(args[0], 1);
      return ArrayValue.of(BooleanValue.TRUE, NullValue.INSTANCE);
    } catch (SchemaError e) {
      return ArrayValue.of(BooleanValue.FALSE, StringValue.of("jsonschema: " + e.getMessage()));
    }
  }

  private static Value match(Value[] args, BuiltinContext ctx) throws BuiltinException {
    JsonNode doc;
    JsonSchema schema;
    try {
      doc = node(args[0], 1);
      schema = compile(args[1], 2);
    } catch (SchemaError e) {
      throw BuiltinException.error(e.getMessage());
    }
    Set<ValidationMessage> messages;
    try {
      messages = schema.validate(doc);
    } catch (RuntimeException e) {
      throw BuiltinException.error(e.getMessage());
    }
    if (messages.isEmpty()) {
      return ArrayValue.of(BooleanValue.TRUE, ArrayValue.EMPTY);
    }
    List<Value> errors = new ArrayList<>();
    for (ValidationMessage m : messages) {
      String field = field(m.getInstanceLocation().toString());
      String[] td = describe(m, field);
      errors.add(
          new ObjectValue.Builder()
              .put("error", StringValue.of(field + ": " + td[1]))
              .put("type", StringValue.of(td[0]))
              .put("field", StringValue.of(field))
              .put("desc", StringValue.of(td[1]))
              .build());
    }
    return ArrayValue.of(BooleanValue.FALSE, ArrayValue.of(errors));
  }

  /** networknt's {@code $.a.b[0]} as gojsonschema's {@code a.b.0}; the root is {@code (Root)}. */
  static String field(String location) {
    if (location.equals("$")) {
      return "(Root)";
    }
    String f = location.startsWith("$.") ? location.substring(2) : location.substring(1);
    f = f.replaceAll("\\[(\\d+)]", ".$1").replaceAll("\\['([^']*)']", ".$1");
    return f.startsWith(".") ? f.substring(1) : f;
  }

  private static String typeName(JsonNode n) {
    if (n.isIntegralNumber()) {
      return "integer";
    }
    if (n.isNumber()) {
      return "number";
    }
    if (n.isTextual()) {
      return "string";
    }
    if (n.isBoolean()) {
      return "boolean";
    }
    if (n.isArray()) {
      return "array";
    }
    if (n.isObject()) {
      return "object";
    }
    return "null";
  }

  /** The keyword's own value in the schema that raised {@code m}. */
  private static JsonNode keywordValue(ValidationMessage m) {
    JsonNode s = m.getSchemaNode();
    if (s != null && s.isObject() && s.has(m.getType())) {
      return s.get(m.getType());
    }
    return s;
  }

  private static String text(JsonNode n) {
    return n == null ? "" : n.isTextual() ? n.asText() : n.toString();
  }

  /** gojsonschema's error type and description for a networknt message. */
  private static String[] describe(ValidationMessage m, String field) {
    JsonNode kv = keywordValue(m);
    JsonNode inst = m.getInstanceNode();
    return switch (m.getType()) {
      case "type" -> {
        String expected;
        if (kv != null && kv.isArray()) {
          List<String> names = new ArrayList<>();
          kv.forEach(t -> names.add(t.asText()));
          expected = "[" + String.join(",", names) + "]";
        } else {
          expected = text(kv);
        }
        yield new String[] {
          "invalid_type",
          "Invalid type. Expected: "
              + expected
              + ", given: "
              + (inst == null ? "null" : typeName(inst))
        };
      }
      case "required" -> new String[] {"required", m.getProperty() + " is required"};
      case "maximum" -> new String[] {"number_lte", "Must be less than or equal to " + text(kv)};
      case "minimum" -> new String[] {"number_gte", "Must be greater than or equal to " + text(kv)};
      case "exclusiveMaximum" -> new String[] {"number_lt", "Must be less than " + text(kv)};
      case "exclusiveMinimum" -> new String[] {"number_gt", "Must be greater than " + text(kv)};
      case "maxLength" ->
          new String[] {"string_lte", "String length must be less than or equal to " + text(kv)};
      case "minLength" ->
          new String[] {"string_gte", "String length must be greater than or equal to " + text(kv)};
      case "pattern" -> new String[] {"pattern", "Does not match pattern '" + text(kv) + "'"};
      case "enum" -> {
        List<String> vals = new ArrayList<>();
        if (kv != null) {
          kv.forEach(v -> vals.add(v.toString()));
        }
        yield new String[] {
          "enum", field + " must be one of the following: " + String.join(", ", vals)
        };
      }
      case "const" -> new String[] {"const", field + " does not match: " + kv};
      case "maxItems" ->
          new String[] {"array_max_items", "Array must have at most " + text(kv) + " items"};
      case "minItems" ->
          new String[] {"array_min_items", "Array must have at least " + text(kv) + " items"};
      case "uniqueItems" -> new String[] {"unique", uniqueDesc(inst)};
      case "multipleOf" -> new String[] {"multiple_of", "Must be a multiple of " + text(kv)};
      case "additionalProperties" -> {
        Object[] a = m.getArguments();
        String prop =
            m.getProperty() != null ? m.getProperty() : a.length > 0 ? a[0].toString() : "";
        yield new String[] {
          "additional_property_not_allowed", "Additional property " + prop + " is not allowed"
        };
      }
      case "minProperties" ->
          new String[] {"array_min_properties", "Must have at least " + text(kv) + " properties"};
      case "maxProperties" ->
          new String[] {"array_max_properties", "Must have at most " + text(kv) + " properties"};
      case "oneOf" ->
          new String[] {"number_one_of", "Must validate one and only one schema (oneOf)"};
      case "anyOf" -> new String[] {"number_any_of", "Must validate at least one schema (anyOf)"};
      case "allOf" -> new String[] {"number_all_of", "Must validate all the schemas (allOf)"};
      case "not" -> new String[] {"number_not", "Must not validate the schema (not)"};
      case "format" -> new String[] {"format", "Does not match format '" + text(kv) + "'"};
      default -> {
        String msg = m.getMessage();
        int colon = msg.indexOf(": ");
        yield new String[] {m.getType(), colon >= 0 ? msg.substring(colon + 2) : msg};
      }
    };
  }

  private static String uniqueDesc(JsonNode arr) {
    if (arr != null && arr.isArray()) {
      for (int i = 0; i < arr.size(); i++) {
        for (int j = i + 1; j < arr.size(); j++) {
          if (arr.get(i).equals(arr.get(j))) {
            return "array items[" + i + "," + j + "] must be unique";
          }
        }
      }
    }
    return "array items must be unique";
  }
}
