package io.jrego.server.body;

import io.jrego.engine.builtins.ai.PiiType;
import io.jrego.engine.value.Value;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One change a decision asks for in a JSON body (or in the JSON data of each event of an SSE
 * stream), at a {@link JsonPointer}. Decisions write them as objects with an {@code op}, in the
 * spirit of JSON Patch (RFC 6902); see {@link BodyEdits#parse}.
 */
public sealed interface BodyEdit {

  /** Where the edit applies. */
  JsonPointer path();

  /** {@code {"op": "replace", "path": P, "value": V}}: the value at P becomes V. */
  record Replace(JsonPointer path, Value value) implements BodyEdit {}

  /** {@code {"op": "remove", "path": P}}: the member or element at P goes. */
  record Remove(JsonPointer path) implements BodyEdit {}

  /**
   * {@code {"op": "redact", "path": P, "spans": [...]}}: stretches of the string at P, in code
   * points as {@code jrego.pii.scan} reports them, replaced by a fixed text or a numbered
   * placeholder of a type.
   */
  record Redact(JsonPointer path, List<Span> spans) implements BodyEdit {}

  /**
   * One stretch to redact: {@code [start, end)} in code points, replaced by {@code replacement}, or
   * by this request's next placeholder for {@code type} ({@code <EMAIL_1>}).
   */
  record Span(int start, int end, Optional<String> replacement, Optional<PiiType> type) {}

  /**
   * {@code {"op": "pii", "path": P, "action": ..., "types": [...]}}: the server scans the string at
   * P (or every string under it) and redacts, blocks or logs what it finds.
   */
  record Pii(JsonPointer path, PiiRule rule) implements BodyEdit {}

  /**
   * {@code {"op": "keep", "path": P, "field": F, "values": [...]}}: of the array at P, only the
   * elements whose member F is one of the values stay (an MCP {@code tools/list} filtered to the
   * tools a caller may use).
   */
  record Keep(JsonPointer path, String field, Set<Value> values) implements BodyEdit {}

  /**
   * {@code {"op": "restore", "path": P}}: the placeholders this request's request phase put into
   * the prompt are turned back into the originals in the string at P (or every string under it).
   */
  record Restore(JsonPointer path) implements BodyEdit {}
}
