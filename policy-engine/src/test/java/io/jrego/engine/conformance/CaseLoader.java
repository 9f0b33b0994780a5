package io.jrego.engine.conformance;

import io.jrego.engine.tester.Yaml;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** Reads OPA's compliance case files (JSON or YAML, {@code {"cases": [...]}}) from a folder. */
final class CaseLoader {

  private CaseLoader() {}

  /** Every case under {@code root}, files in path order, cases in file order. */
  static List<ComplianceCase> loadAll(Path root) throws IOException {
    List<Path> files;
    try (Stream<Path> walk = Files.walk(root)) {
      files =
          walk.filter(Files::isRegularFile)
              .filter(p -> isCaseFile(p.getFileName().toString()))
              .sorted()
              .toList();
    }
    List<ComplianceCase> all = new ArrayList<>();
    for (Path f : files) {
      String rel = root.relativize(f).toString().replace('\\', '/');
      all.addAll(parseFile(rel, Files.readString(f, StandardCharsets.UTF_8)));
    }
    return all;
  }

  static boolean isCaseFile(String name) {
    return name.endsWith(".json") || name.endsWith(".yaml") || name.endsWith(".yml");
  }

  /** The cases of one file; {@code name} decides JSON or YAML and becomes each case's file. */
  static List<ComplianceCase> parseFile(String name, String text) {
    Value doc = name.endsWith(".json") ? Json.parse(text) : Yaml.parse(text);
    if (!(doc instanceof ObjectValue o)
        || !(o.get("cases").orElse(ArrayValue.EMPTY) instanceof ArrayValue cases)) {
      throw new IllegalArgumentException(name + ": expected an object with a \"cases\" array");
    }
    List<ComplianceCase> out = new ArrayList<>(cases.size());
    for (int i = 0; i < cases.size(); i++) {
      if (!(cases.get(i) instanceof ObjectValue c)) {
        throw new IllegalArgumentException(name + "#" + i + ": a case must be an object");
      }
      out.add(parseCase(name, i, c));
    }
    return out;
  }

  private static ComplianceCase parseCase(String file, int index, ObjectValue c) {
    List<String> modules = new ArrayList<>();
    c.get("modules")
        .ifPresent(
            m -> {
              if (m instanceof ArrayValue a) {
                a.asList().forEach(v -> modules.add(string(file, index, "modules[]", v)));
              }
            });
    Optional<List<Value>> wantResult =
        c.get("want_result")
            .map(
                v -> {
                  if (v instanceof ArrayValue a) {
                    return a.asList();
                  }
                  throw new IllegalArgumentException(
                      file + "#" + index + ": want_result must be an array");
                });
    return new ComplianceCase(
        file,
        index,
        c.get("note").map(v -> string(file, index, "note", v)).orElse(""),
        c.get("query").map(v -> string(file, index, "query", v)).orElse(""),
        List.copyOf(modules),
        c.get("data"),
        c.get("input"),
        c.get("input_term").map(v -> string(file, index, "input_term", v)),
        wantResult,
        c.get("want_error_code").map(v -> string(file, index, "want_error_code", v)),
        c.get("want_error").map(v -> string(file, index, "want_error", v)),
        flag(c, "sort_bindings"),
        flag(c, "strict_error"),
        flag(c, "ignore_generated_vars"));
  }

  private static String string(String file, int index, String field, Value v) {
    if (v instanceof StringValue s) {
      return s.value();
    }
    throw new IllegalArgumentException(
        file + "#" + index + ": " + field + " must be a string, got " + v.typeName());
  }

  private static boolean flag(ObjectValue c, String field) {
    return c.get(field).map(v -> v.equals(BooleanValue.TRUE)).orElse(false);
  }
}
