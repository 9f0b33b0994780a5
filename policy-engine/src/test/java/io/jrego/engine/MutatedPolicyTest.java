package io.jrego.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.base.RegoException;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.Value;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A broken policy gets an error that names what is wrong, never a crash: the shipped policy is
 * mutated at random (seeded, so failures reproduce) and each mutant is compiled and evaluated.
 * Anything but a {@link RegoException} with a user-facing code is a bug.
 */
class MutatedPolicyTest {

  private static final int MUTANTS = 400;
  private static final String ALPHABET = "{}[]()\"`$:=|&,;.\n _xin0-+*/%<>!#";

  @Test
  void mutatedPolicies_failWithRegoErrorsNeverCrashes() throws Exception {
    Path root = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().getParent();
    String src = Files.readString(root.resolve("rego-policies/ai-gateway/policy.rego"));
    Value data = Json.parse(Files.readAllBytes(root.resolve("rego-policies/ai-gateway/data.json")));
    Random rnd = new Random(7);
    List<String> problems = new ArrayList<>();
    int compiled = 0;
    for (int i = 0; i < MUTANTS; i++) {
      StringBuilder sb = new StringBuilder(src);
      int edits = 1 + rnd.nextInt(4);
      for (int e = 0; e < edits; e++) {
        int pos = rnd.nextInt(sb.length());
        if (rnd.nextBoolean()) {
          sb.deleteCharAt(pos);
        } else {
          sb.insert(pos, ALPHABET.charAt(rnd.nextInt(ALPHABET.length())));
        }
      }
      try {
        PreparedPolicy p = Rego.builder().module("policy.rego", sb.toString()).data(data).compile();
        compiled++;
        p.evaluate("envoy/authz/allow", ObjectValue.EMPTY);
      } catch (RegoException e) {
        if (e.code().equals("eval_internal_error")) {
          problems.add("mutant " + i + ": " + e.getMessage());
        }
      } catch (RuntimeException | StackOverflowError e) {
        problems.add("mutant " + i + ": " + e);
      }
    }
    assertThat(problems).as("mutants that crashed or hit an internal error").isEmpty();
    // The mutations must exercise the evaluator too, not only the parser.
    assertThat(compiled).isGreaterThan(MUTANTS / 20);
  }
}
