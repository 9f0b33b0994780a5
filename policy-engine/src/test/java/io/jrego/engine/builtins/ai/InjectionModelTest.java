package io.jrego.engine.builtins.ai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class InjectionModelTest {

  private static Path repo() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("load-tests/corpora/injection"))) {
      p = p.getParent();
    }
    return p;
  }

  @Test
  void shippedModel_isWhatTrainingOnTheDevSplitGives() throws Exception {
    Path root = repo();
    String trained = InjectionModelTrainer.train(root.resolve("load-tests/corpora/injection"));
    String shipped =
        Files.readString(
            root.resolve(
                "policy-engine/src/main/resources/io/jrego/engine/builtins/ai/injection-model.tsv"),
            StandardCharsets.UTF_8);
    assertThat(shipped)
        .as("injection-model.tsv is stale: rerun InjectionModelTrainer (see its Javadoc)")
        .isEqualTo(trained);
  }

  private static InjectionModel model(String text) throws Exception {
    return InjectionModel.parse("test", new BufferedReader(new StringReader(text)));
  }

  private static Tokens words(String text) {
    return Tokens.of(TextViews.of(text, TextViews.Limits.DEFAULT).folded, false);
  }

  @Test
  void score_sumsUnigramsAndBigramsOverTheRootOfTheWordCount() throws Exception {
    InjectionModel m = model("# bias -1\n# threshold 0\n2\tignore\n1\tignore previous\n");
    // 16 words at least: (2 + 1) / sqrt(16) - 1
    assertThat(m.score(words("Ignore previous instructions")).logit()).isEqualTo(-0.25);
    assertThat(m.points(-0.25)).isEqualTo(48);
  }

  @Test
  void longText_isScoredInWindowsAndKeepsTheBestOne() throws Exception {
    InjectionModel m = model("# bias 0\n# threshold 0\n1\tevil\n");
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 2000; i++) {
      b.append(i == 1500 ? "evil evil evil " : "plain ");
    }
    InjectionModel.Window w = m.score(words(b.toString()));
    assertThat(w.to() - w.from()).isEqualTo(InjectionModel.WINDOW);
    assertThat(w.from()).isLessThanOrEqualTo(1500);
    assertThat(w.to()).isGreaterThan(1502);
    assertThat(w.logit()).isEqualTo(3 / Math.sqrt(InjectionModel.WINDOW));
  }

  @Test
  void badModelFile_namesTheLine() {
    assertThatThrownBy(() -> model("# bias 0\n# threshold 0\n1.5 ignore\n"))
        .hasMessageContaining("test:3");
    assertThatThrownBy(() -> model("1\tignore\n")).hasMessageContaining("# bias");
  }
}
