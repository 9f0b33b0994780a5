package io.jrego.engine.builtins;

import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.Rego;
import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.testing.RealOpa;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.StringValue;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: {@code yaml.unmarshal} of a document whose aliases expand to a billion values ("billion
 * laughs") converted every expansion, for minutes, where OPA refuses it at once ("document contains
 * excessive aliasing"). Each document below, from a few aliases to the nine-level bomb and around
 * the point where go-yaml's rule starts refusing, must get real OPA's answer: the same value or the
 * same error.
 */
class Issue14YamlAliasIT {

  /** Nested lists of {@code width} aliases to the level before, {@code levels} deep. */
  private static String laughs(int levels, int width) {
    StringBuilder doc = new StringBuilder("a: &a [");
    for (int i = 0; i < width; i++) {
      doc.append(i == 0 ? "\"x\"" : ",\"x\"");
    }
    doc.append("]\n");
    char prev = 'a';
    for (int l = 1; l < levels; l++) {
      char name = (char) ('a' + l);
      doc.append(name).append(": &").append(name).append(" [");
      for (int i = 0; i < width; i++) {
        doc.append(i == 0 ? "*" : ",*").append(prev);
      }
      doc.append("]\n");
      prev = name;
    }
    return doc.toString();
  }

  private static Map<String, String> documents() {
    Map<String, String> docs = new LinkedHashMap<>();
    for (int levels = 2; levels <= 9; levels++) {
      docs.put("laughs " + levels + "x10", laughs(levels, 10));
    }
    for (int width = 4; width <= 12; width++) {
      docs.put("laughs 4x" + width, laughs(4, width));
    }
    docs.put("laughs 3x40", laughs(3, 40));
    docs.put("laughs 3x60", laughs(3, 60));
    docs.put("laughs 3x100", laughs(3, 100));
    docs.put("1,500 aliases of a list", "a: &a [1,2]\nb: [" + "*a,".repeat(1499) + "*a]\n");
    docs.put("3,000 aliases of a scalar", "a: &a x\nb: [" + "*a,".repeat(2999) + "*a]\n");
    docs.put("an alias as a key", "a: &k b\n*k : 2\n");
    docs.put("an anchor inside an anchor", "a: &a {b: &b [1], c: *b}\nd: [*a, *b, *a]\n");
    return docs;
  }

  @Test
  void issue14_aliasExpansionAnswersAsOpaDoes() throws Exception {
    Path opa = RealOpa.binary();
    PreparedPolicy policy =
        Rego.builder()
            .module("p.rego", "package p\nv := yaml.unmarshal(input.y)\n")
            .options(
                EngineOptions.defaults()
                    .withStrictBuiltinErrors(true)
                    .withTimeout(Duration.ofMinutes(2)))
            .compile();
    SoftAssertions soft = new SoftAssertions();
    for (Map.Entry<String, String> doc : documents().entrySet()) {
      String input = "{\"y\":" + Json.write(StringValue.of(doc.getValue())) + "}";
      String got;
      try {
        got = policy.evaluate("p/v", Json.parse(input)).map(Json::write).orElse("undefined");
      } catch (RegoException e) {
        got = e.errors().get(0).message();
      }
      soft.assertThat(got)
          .as(doc.getKey())
          .isEqualTo(RealOpa.answer(opa, "yaml.unmarshal(input.y)", input));
    }
    soft.assertAll();
  }
}
