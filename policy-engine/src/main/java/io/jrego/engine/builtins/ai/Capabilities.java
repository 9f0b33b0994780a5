package io.jrego.engine.builtins.ai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * jrego's capabilities document, in OPA's {@code capabilities.json} format: OPA 1.22.2's own list
 * (as {@code opa capabilities --current} prints it, kept in {@code capabilities/opa-1.22.2.json})
 * with jrego's builtins and their declared types added. {@code opa check --capabilities} and
 * editors then accept policies that call {@code jrego.*}; {@code jrego capabilities} prints it and
 * {@code rego-policies/capabilities/jrego.json} is the committed copy.
 */
public final class Capabilities {

  private Capabilities() {}

  /** One declaration file per namespace, under {@code capabilities/}; add a line per namespace. */
  static final List<String> NAMESPACE_FILES =
      List.of("jrego.injection.json", "jrego.pii.json", "jrego.text.json", "jrego.tokens.json");

  /** The declarations of jrego's own builtins, sorted by name. */
  public static List<JsonNode> jregoDeclarations() {
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> out = new ArrayList<>();
    for (String f : NAMESPACE_FILES) {
      for (JsonNode n : read(json, "capabilities/" + f)) {
        out.add(n);
      }
    }
    out.sort(Comparator.comparing(n -> n.get("name").asText()));
    return out;
  }

  /** The whole capabilities document as pretty-printed JSON, ending with a newline. */
  public static String json() {
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode doc = (ObjectNode) read(json, "capabilities/opa-1.22.2.json");
    List<JsonNode> builtins = new ArrayList<>();
    doc.get("builtins").forEach(builtins::add);
    builtins.addAll(jregoDeclarations());
    builtins.sort(Comparator.comparing(n -> n.get("name").asText()));
    ArrayNode arr = json.createArrayNode();
    builtins.forEach(arr::add);
    doc.set("builtins", arr);
    try {
      return json.writeValueAsString(doc) + "\n";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonNode read(ObjectMapper json, String resource) {
    try (InputStream in = Capabilities.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(resource + " is missing from the class path");
      }
      return json.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
