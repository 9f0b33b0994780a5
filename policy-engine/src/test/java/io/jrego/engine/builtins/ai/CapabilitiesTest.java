package io.jrego.engine.builtins.ai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jrego.engine.builtins.Builtin;
import io.jrego.engine.builtins.BuiltinRegistry;
import io.jrego.engine.testing.RealOpa;
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

/** The capabilities document against the registry, the committed copy and real OPA. */
class CapabilitiesTest {

  private static Path repo() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("rego-policies"))) {
      p = p.getParent();
    }
    return p;
  }

  @Test
  void declarations_matchTheRegisteredJregoBuiltinsByNameAndArity() {
    Map<String, Integer> registered = new TreeMap<>();
    for (Builtin b : BuiltinRegistry.standard().all().values()) {
      if (b.name().startsWith("jrego.")) {
        registered.put(b.name(), b.arity());
      }
    }
    Map<String, Integer> declared = new TreeMap<>();
    for (JsonNode d : Capabilities.jregoDeclarations()) {
      declared.put(d.get("name").asText(), d.get("decl").get("args").size());
    }
    assertThat(declared).isEqualTo(registered);
  }

  @Test
  void committedFile_isWhatJregoCapabilitiesPrints() throws IOException {
    String committed =
        Files.readString(
            repo().resolve("rego-policies/capabilities/jrego.json"), StandardCharsets.UTF_8);
    assertThat(committed)
        .as(
            "rego-policies/capabilities/jrego.json is stale: regenerate it with"
                + " `ext-authz-server/bin/jrego capabilities > rego-policies/capabilities/jrego.json`")
        .isEqualTo(Capabilities.json());
  }

  @Test
  void realOpa_checksPoliciesUsingJregoBuiltinsOnlyWithTheCapabilities(@TempDir Path dir)
      throws Exception {
    Path caps = repo().resolve("rego-policies/capabilities/jrego.json");
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
    Result r = opa("check", repo().resolve("rego-policies/ai-gateway").toString());
    assertThat(r.exit()).as(r.output()).isZero();
    Result withCaps =
        opa(
            "check",
            "--capabilities",
            repo().resolve("rego-policies/capabilities/jrego.json").toString(),
            repo().resolve("rego-policies/ai-gateway").toString(),
            repo().resolve("rego-policies/jrego-examples").toString());
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
