package io.jrego.engine.eval;

import io.jrego.engine.ast.Annotation;
import io.jrego.engine.compiler.CompiledRule;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.ArrayList;
import java.util.List;

/** {@code rego.metadata.rule()} and {@code rego.metadata.chain()}. */
final class Metadata {

  private Metadata() {}

  static Value rule(CompiledRule r) {
    if (r == null) {
      return ObjectValue.EMPTY;
    }
    for (Annotation a : r.annotations()) {
      if (a.scope().isEmpty() || a.scope().equals("rule") || a.scope().equals("document")) {
        return strip(a.content());
      }
    }
    return ObjectValue.EMPTY;
  }

  static Value chain(CompiledRule r) {
    if (r == null) {
      return ArrayValue.EMPTY;
    }
    List<Value> out = new ArrayList<>();
    List<Value> path = new ArrayList<>();
    path.add(StringValue.of("data"));
    path.addAll(r.path());
    ObjectValue.Builder entry = new ObjectValue.Builder().put("path", ArrayValue.of(path));
    Value ann = rule(r);
    if (ann instanceof ObjectValue o && !o.isEmpty()) {
      entry.put("annotations", ann);
    }
    out.add(entry.build());
    for (Annotation a : r.module().annotations()) {
      List<Value> pkgPath = new ArrayList<>();
      pkgPath.add(StringValue.of("data"));
      for (String p : r.module().packagePath()) {
        pkgPath.add(StringValue.of(p));
      }
      out.add(
          new ObjectValue.Builder()
              .put("path", ArrayValue.of(pkgPath))
              .put("annotations", strip(a.content()))
              .build());
    }
    return ArrayValue.of(out);
  }

  private static Value strip(ObjectValue o) {
    return o.without(StringValue.of("scope"))
        .with(StringValue.of("scope"), o.get("scope").orElse(StringValue.of("rule")));
  }
}
