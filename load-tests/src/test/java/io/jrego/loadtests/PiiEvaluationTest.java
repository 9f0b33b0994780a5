package io.jrego.loadtests;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.builtins.ai.PiiOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The ratchet on PII detection: the held-out test split of {@code corpora/pii} must score at least
 * the committed floor per type ({@code corpora/pii/floor.tsv}, raised when detection improves,
 * never lowered to make a change pass), and the checksum-validated types must meet the issue's
 * targets where the identifier is recognisable.
 */
class PiiEvaluationTest {

  private static Path corpus() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("load-tests/corpora/pii"))) {
      p = p.getParent();
    }
    return p.resolve("load-tests/corpora/pii");
  }

  @Test
  void testSplit_meetsTheFloorOfEveryTypeAndTheChecksumTargets() throws Exception {
    PiiEvaluation.Report r =
        PiiEvaluation.run(corpus().resolve("test.jsonl"), PiiOptions.defaults(), false);
    assertThat(r.samples()).isGreaterThan(2500);
    List<String> below = new ArrayList<>();
    int rows = 0;
    for (String line : Files.readAllLines(corpus().resolve("floor.tsv"))) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] f = line.split("\t", -1);
      PiiEvaluation.Counts c = r.byType().get(f[0]);
      assertThat(c).as("type " + f[0]).isNotNull();
      rows++;
      // Floors are the report's figures, rounded to three decimals; so is the comparison.
      if (round3(c.precision()) < Double.parseDouble(f[1])) {
        below.add(f[0] + " precision " + c.precision() + " < " + f[1]);
      }
      if (round3(c.recall()) < Double.parseDouble(f[2])) {
        below.add(f[0] + " recall " + c.recall() + " < " + f[2]);
      }
    }
    assertThat(rows).isEqualTo(26);
    assertThat(below).isEmpty();
    assertThat(r.checksumTypes().precision()).isGreaterThanOrEqualTo(0.95);
    assertThat(r.checksumRecognisable().recall()).isGreaterThanOrEqualTo(0.98);
    assertThat(r.checksumFair().recall()).as("fair set recall").isGreaterThanOrEqualTo(0.98);
    assertThat(r.checksumFair().precision()).as("fair set precision").isGreaterThanOrEqualTo(0.95);
    assertThat((double) r.negativesFlagged() / r.negatives()).isLessThanOrEqualTo(0.01);
  }

  private static double round3(double d) {
    return Math.round(d * 1000) / 1000.0;
  }
}
