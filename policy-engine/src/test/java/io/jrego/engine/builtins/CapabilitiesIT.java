package io.jrego.engine.builtins;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jrego.engine.builtins.capabilities.Capabilities;
import io.jrego.engine.builtins.spi.Declaration;
import io.jrego.engine.testing.RealOpa;
import io.jrego.engine.testing.RepoRoot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The capabilities document against real OPA's declarations and {@code opa check} ({@link
 * CapabilitiesTest} checks the committed copy and jrego's own declarations).
 */
class CapabilitiesIT {

  /**
   * Every builtin OPA 1.22.2 has is declared here with OPA's types, argument names, categories and
   * flags ({@code opa capabilities --current} of the real OPA; descriptions left aside, since jrego
   * does not copy OPA's prose): any difference fails, naming the builtin and both sides.
   */
  @Test
  void everyOpaBuiltin_isDeclaredAsRealOpaDeclaresIt() throws Exception {
    Result r = opa("capabilities", "--current");
    assertThat(r.exit()).as(r.output()).isZero();
    ObjectMapper json = new ObjectMapper();
    Map<String, JsonNode> ours = new TreeMap<>();
    for (Declaration d : Capabilities.declarations(StandardBuiltins.registry())) {
      ours.put(d.name(), Capabilities.json(d));
    }
    List<String> differences = new ArrayList<>();
    int compared = 0;
    for (JsonNode theirs : json.readTree(r.output()).get("builtins")) {
      String name = theirs.get("name").asText();
      JsonNode mine = ours.get(name);
      if (mine == null) {
        differences.add(name + ": not declared by jrego");
        continue;
      }
      JsonNode want = withoutDescriptions(theirs);
      JsonNode got = withoutDescriptions(mine);
      if (!want.equals(got)) {
        differences.add(name + ":\n  opa:   " + want + "\n  jrego: " + got);
      }
      compared++;
    }
    assertThat(differences).as("declarations differing from OPA's").isEmpty();
    assertThat(compared).isGreaterThanOrEqualTo(206);
  }

  private static JsonNode withoutDescriptions(JsonNode n) {
    JsonNode copy = n.deepCopy();
    strip(copy);
    return copy;
  }

  private static void strip(JsonNode n) {
    if (n instanceof ObjectNode o) {
      o.remove("description");
      o.forEach(CapabilitiesIT::strip);
    } else if (n instanceof ArrayNode a) {
      a.forEach(CapabilitiesIT::strip);
    }
  }

  @Test
  void realOpa_checksPoliciesUsingJregoBuiltinsOnlyWithTheCapabilities(@TempDir Path dir)
      throws Exception {
    Path caps = RepoRoot.path().resolve("rego-policies/capabilities/jrego.json");
    Files.writeString(
        dir.resolve("p.rego"),
        """
        package t

        import rego.v1

        deny if jrego.injection.scan(input.text, {"source": "tool"}).detected

        v := jrego.text.views(input.text).folded

        redacted := jrego.pii.redact(input.text, {}).text

        tokens := jrego.tokens.count_messages(input.messages, "gpt-4o")
        """);
    Result with = opa("check", "--capabilities", caps.toString(), dir.toString());
    assertThat(with.exit()).as(with.output()).isZero();
    Result without = opa("check", dir.toString());
    assertThat(without.exit()).isNotZero();
    assertThat(without.output())
        .contains("undefined function jrego.injection.scan")
        .contains("undefined function jrego.pii.redact")
        .contains("undefined function jrego.tokens.count_messages");
  }

  @Test
  void realOpa_acceptsTheShippedBundlesWithoutTheCapabilities() throws Exception {
    Result r = opa("check", RepoRoot.path().resolve("rego-policies/ai-gateway").toString());
    assertThat(r.exit()).as(r.output()).isZero();
    Result withCaps =
        opa(
            "check",
            "--capabilities",
            RepoRoot.path().resolve("rego-policies/capabilities/jrego.json").toString(),
            RepoRoot.path().resolve("rego-policies/ai-gateway").toString(),
            RepoRoot.path().resolve("rego-policies/jrego-examples").toString());
    assertThat(withCaps.exit()).as(withCaps.output()).isZero();
  }

  private record Result(int exit, String output) {}

  private static Result opa(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(RealOpa.binary().toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("opa did not finish in 60 s");
    }
    return new Result(p.exitValue(), out);
  }
}
