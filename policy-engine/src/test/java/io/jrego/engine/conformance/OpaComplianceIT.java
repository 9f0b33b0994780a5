package io.jrego.engine.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.jrego.engine.conformance.CaseRunner.Status;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * OPA's compliance suite against jrego, with a ratchet: the number of passing cases may never fall
 * below {@code conformance/floor.txt}. Writes {@code target/conformance/report.md}.
 *
 * <p>The cases come from system property {@code opa.compliance.dir}, by default the copy in the
 * repository, {@code policy-engine/compliance/v1} (OPA's licence beside it).
 */
class OpaComplianceIT {

  @Test
  void complianceCases_passAtLeastTheFloor() throws IOException {
    Path dir = ComplianceRun.casesDir();
    if (!Files.isDirectory(dir)) {
      fail(
          "OPA compliance cases not found at "
              + dir.toAbsolutePath()
              + "; point -Dopa.compliance.dir at a folder of OPA's v1 cases (an OPA checkout's"
              + " v1/test/cases/testdata/v1); the repository's copy is policy-engine/compliance/v1");
    }
    Map<String, String> skips =
        ComplianceRun.parseSkips(ComplianceRun.resource("skips.txt").orElse(""));
    ComplianceReport report = ComplianceRun.run(dir, skips, k -> true);

    Path out = moduleDir().resolve("target/conformance/report.md");
    Files.createDirectories(out.getParent());
    Files.writeString(out, report.toMarkdown(dir.toString()), StandardCharsets.UTF_8);
    System.out.println(report.summary());

    Set<String> ran = report.outcomes().stream().map(o -> o.c().key()).collect(Collectors.toSet());
    assertThat(skips.keySet())
        .as("skips.txt names cases that do not exist in %s", dir)
        .allSatisfy(k -> assertThat(ran).contains(k));

    long passed = report.count(Status.PASSED);
    long floor = Long.parseLong(ComplianceRun.resource("floor.txt").orElse("0").strip());
    assertThat(passed)
        .as(
            "OPA compliance: %s (floor %d, report %s); fix the regression or explain lowering"
                + " conformance/floor.txt",
            report.summary(), floor, out)
        .isGreaterThanOrEqualTo(floor);
  }

  private static Path moduleDir() {
    return Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
  }
}
