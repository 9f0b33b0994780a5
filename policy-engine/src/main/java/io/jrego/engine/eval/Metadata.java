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
      if (a.scope().isEmpty() || a.scope().equals("rule")) {
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
    List<Value> path = new ArrayList<>(r.path());
    ObjectValue.Builder entry = new ObjectValue.Builder().put("path", ArrayValue.of(path));
    Value ann = rule(r);
    if (ann instanceof ObjectValue o && !o.isEmpty()) {
      entry.put("annotations", ann);
    }
    out.add(entry.build());
    for (Annotation a : r.annotations()) {
      if (a.scope().equals("document")) {
        out.add(
            new ObjectValue.Builder()
                .put("path", ArrayValue.of(r.path()))
                .put("annotations", strip(a.content()))
                .build());
      }
    }
    for (Annotation a : r.module().annotations()) {
      List<Value> pkgPath = new ArrayList<>();
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

  /** The annotation as OPA returns it: scope filled in, authors as objects. */
  private static Value strip(ObjectValue o) {
    ObjectValue out =
        o.with(StringValue.of("scope"), o.get("scope").orElse(StringValue.of("rule")));
    Value authors = o.getOrNull(StringValue.of("authors"));
    if (authors instanceof ArrayValue a) {
      List<Value> list = new ArrayList<>();
      for (Value x : a) {
        list.add(x instanceof StringValue s ? author(s.value()) : x);
      }
      out = out.with(StringValue.of("authors"), ArrayValue.of(list));
    }
    return out;
  }

  private static Value author(String s) {
    String t = s.strip();
    int lt = t.lastIndexOf('<');
    if (lt >= 0 && t.endsWith(">")) {
      String name = t.substring(0, lt).strip();
      ObjectValue.Builder b = new ObjectValue.Builder();
      if (!name.isEmpty()) {
        b.put("name", StringValue.of(name));
      }
      return b.put("email", StringValue.of(t.substring(lt + 1, t.length() - 1))).build();
    }
    return new ObjectValue.Builder().put("name", StringValue.of(t)).build();
  }
}
