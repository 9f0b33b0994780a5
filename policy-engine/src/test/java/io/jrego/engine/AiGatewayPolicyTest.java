package io.jrego.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.base.RegoException;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.Value;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The default ai-gateway bundle, evaluated against the decisions real OPA gave. */
class AiGatewayPolicyTest {

  private static final Path REPO = findRepo();

  private static Path findRepo() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("rego-policies/ai-gateway"))) {
      p = p.getParent();
    }
    return p;
  }

  private static PreparedPolicy compile() throws IOException, RegoException {
    Path dir = REPO.resolve("rego-policies/ai-gateway");
    return Rego.builder()
        .module("policy.rego", Files.readString(dir.resolve("policy.rego")))
        .module("policy_test.rego", Files.readString(dir.resolve("policy_test.rego")))
        .module("process.rego", Files.readString(dir.resolve("process.rego")))
        .module("process_test.rego", Files.readString(dir.resolve("process_test.rego")))
        .data(Json.parse(Files.readString(dir.resolve("data.json"))))
        .compile();
  }

  @Test
  void evaluate_matchesOpaDecisionForEveryExampleInput() throws Exception {
    PreparedPolicy policy = compile();
    List<Path> inputs;
    try (Stream<Path> s = Files.list(REPO.resolve("rego-policies/examples"))) {
      inputs = s.filter(p -> p.toString().endsWith(".input.json")).sorted().toList();
    }
    assertThat(inputs).isNotEmpty();
    for (Path in : inputs) {
      Path expectedFile = Path.of(in.toString().replace(".input.json", ".expected.json"));
      Value input = Json.parse(Files.readString(in));
      Value expected = Json.parse(Files.readString(expectedFile));
      Optional<Value> got = policy.evaluate("envoy/authz/allow", input);
      assertThat(got).as(in.getFileName().toString()).contains(expected);
    }
  }

  @Test
  void query_passesEveryBundledOpaTest() throws Exception {
    PreparedPolicy policy = compile();
    List<String> failed = new ArrayList<>();
    int run = 0;
    for (RuleInfo r : policy.rules()) {
      if (!r.name().startsWith("test_") || r.function()) {
        continue;
      }
      run++;
      List<PreparedPolicy.QueryResult> res = policy.query(r.path(), Optional.empty());
      if (res.isEmpty()
          || !res.get(0).expressions().get(0).equals(io.jrego.engine.value.BooleanValue.TRUE)) {
        failed.add(r.path());
      }
    }
    assertThat(run).isEqualTo(93); // as `opa test rego-policies/ai-gateway` counts them
    assertThat(failed).isEmpty();
  }
}
