package io.jrego.engine.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jrego.engine.base.RegoException;
import io.jrego.engine.base.RegoVersion;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The tricky cases of OPA's layout, each a module under {@code src/test/resources/format} beside
 * the {@code .formatted} text real {@code opa fmt} 1.22.2 wrote for it ({@code --v0-compatible} for
 * {@code v0*.rego}); {@code FormatOpaParityIT} checks those texts are still OPA's.
 */
class RegoFormatterTest {

  static Path casesDir() throws URISyntaxException {
    return Path.of(RegoFormatterTest.class.getResource("/format").toURI());
  }

  static List<Path> cases() throws IOException, URISyntaxException {
    try (Stream<Path> s = Files.list(casesDir())) {
      return s.filter(p -> p.toString().endsWith(".rego")).sorted().toList();
    }
  }

  static RegoVersion versionOf(Path p) {
    return p.getFileName().toString().startsWith("v0") ? RegoVersion.V0 : RegoVersion.V1;
  }

  @TestFactory
  Stream<DynamicTest> formatsAsOpaDoes() throws IOException, URISyntaxException {
    List<Path> cases = cases();
    assertThat(cases).hasSizeGreaterThanOrEqualTo(5);
    return cases.stream()
        .map(
            p ->
                DynamicTest.dynamicTest(
                    p.getFileName().toString(),
                    () -> {
                      String want = Files.readString(Path.of(p + ".formatted"));
                      String got =
                          RegoFormatter.format(p.toString(), Files.readString(p), versionOf(p));
                      assertThat(got).isEqualTo(want);
                      assertThat(RegoFormatter.format(p.toString(), got, versionOf(p)))
                          .as("formatting is idempotent")
                          .isEqualTo(got);
                    }));
  }

  @Test
  void keepsRawStringsNumberTextAndDotsWhereTheyFit() throws RegoException {
    String got =
        RegoFormatter.format(
            "x.rego",
            "package x\nr := `a\\b`\nn := 2.50\nv := input[\"a\"][\"b-c\"]\n",
            RegoVersion.V1);
    assertThat(got).isEqualTo("package x\n\nr := `a\\b`\nn := 2.50\nv := input.a[\"b-c\"]\n");
  }

  @Test
  void dropsV0ImportsOnlyWhenAsked() throws RegoException {
    String src = "package x\n\nimport rego.v1\nimport future.keywords.in\n\np if 1 in input\n";
    assertThat(RegoFormatter.format("x.rego", src, RegoVersion.V1))
        .isEqualTo("package x\n\nimport rego.v1\n\np if 1 in input\n");
    assertThat(RegoFormatter.format("x.rego", src, RegoVersion.V1, true))
        .isEqualTo("package x\n\np if 1 in input\n");
  }

  @Test
  void aModuleThatDoesNotParseIsRejectedWithTheParsersErrors() {
    assertThatThrownBy(
            () -> RegoFormatter.format("bad.rego", "package x\n\np if {\n", RegoVersion.V1))
        .isInstanceOf(RegoException.class)
        .satisfies(
            e -> {
              RegoException re = (RegoException) e;
              assertThat(re.code()).isEqualTo("rego_parse_error");
              assertThat(re.errors().get(0).location().orElseThrow().file()).isEqualTo("bad.rego");
            });
  }

  @Test
  void v0RulesWithoutIfAreRejectedInV1() {
    assertThatThrownBy(
            () -> RegoFormatter.format("v0.rego", "package x\n\np { true }\n", RegoVersion.V1))
        .isInstanceOf(RegoException.class)
        .hasMessageContaining("`if` keyword is required before rule body");
  }
}
