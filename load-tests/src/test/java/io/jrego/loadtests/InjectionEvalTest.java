package io.jrego.loadtests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The ratchet on the held-out injection test split: the figures may only get better. */
class InjectionEvalTest {

  private static Path repo() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("load-tests/corpora/injection"))) {
      p = p.getParent();
    }
    return p;
  }

  @Test
  void testSplit_staysAtOrAboveTheCommittedFloor() throws Exception {
    Path corpus = repo().resolve("load-tests/corpora/injection");
    Properties floor = new Properties();
    try (Reader r = Files.newBufferedReader(corpus.resolve("floor.properties"))) {
      floor.load(r);
    }
    List<InjectionEval.Outcome> outcomes = InjectionEval.run(corpus.resolve("test.jsonl"));
    assertFloor(InjectionEval.total(outcomes), floor, "", "source labels");
    assertFloor(
        InjectionEval.total(outcomes.stream().map(InjectionEval.Outcome::corrected).toList()),
        floor,
        "corrected.",
        "corrected labels");
  }

  private static void assertFloor(
      InjectionEval.Counts c, Properties floor, String prefix, String labels) {
    assertThat(c.tp + c.fn).as("injections in the test split (%s)", labels).isGreaterThan(500);
    assertThat(c.fp + c.tn).as("benign texts in the test split (%s)", labels).isGreaterThan(500);
    assertThat(c.recall())
        .as("recall on test.jsonl (%s)", labels)
        .isGreaterThanOrEqualTo(Double.parseDouble(floor.getProperty(prefix + "recall.min")));
    assertThat(c.fpr())
        .as("false-positive rate on test.jsonl (%s)", labels)
        .isLessThanOrEqualTo(Double.parseDouble(floor.getProperty(prefix + "fpr.max")));
  }
}
