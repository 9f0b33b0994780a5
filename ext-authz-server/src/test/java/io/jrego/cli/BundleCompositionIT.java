package io.jrego.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.bundle.BundleLoader;
import io.jrego.engine.testing.RealOpa;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.Value;
import io.jrego.server.bundle.BundleManager;
import io.jrego.server.bundle.LocalBundleSource;
import io.jrego.server.policy.PolicyHolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve}, {@code eval -b}, {@code build} and {@code test} compose one bundle folder (data in
 * {@code data.json}, {@code data.yaml} and {@code data.yml} at several depths, a file that is no
 * data, {@code .manifest} roots) into the same documents, and those are the documents real {@code
 * opa eval -b} sees.
 */
class BundleCompositionIT {

  private static final String QUERY = "data.docs.all";

  @TempDir Path dir;
  private Path bundle;

  @BeforeEach
  void writeBundle() throws Exception {
    bundle = dir.resolve("b");
    write(".manifest", "{\"revision\": \"r1\", \"roots\": [\"app\", \"cfg\", \"sub\", \"docs\"]}");
    write("data.json", "{\"app\": {\"x\": 1.0, \"list\": [1, 2.50, \"s\"]}}");
    write("data.yaml", "cfg:\n  y: 2.50\n  on: yes\n  name: jrego\n");
    write("sub/data.json", "{\"z\": 3}");
    write("sub/deep/data.yml", "w: [a, b]\n");
    write("sub/deeper/data.yaml", "v: 1e2\n");
    write("sub/example-input.json", "{\"not\": \"data in a bundle\"}");
    write(
        "docs/docs.rego",
        "package docs\n\nall := {\"app\": data.app, \"cfg\": data.cfg, \"sub\": data.sub}\n");
    write("docs/docs_test.rego", "package docs\n\ntest_all if print(all)\n");
  }

  @Test
  void serveEvalBuildAndTest_seeTheSameDocuments_asOpaEvalBundle() throws Exception {
    Value opa = Json.parse(opaEval(bundle));
    assertThat(opa).isInstanceOf(ObjectValue.class);
    assertThat(((ObjectValue) opa).get("sub").orElseThrow().toString())
        .doesNotContain("not"); // example-input.json is no data in a bundle

    assertThat(serve(bundle)).as("serve").isEqualTo(opa);
    assertThat(evalBundle(bundle)).as("eval -b").isEqualTo(opa);

    Path built = dir.resolve("built.tar.gz");
    CommandRun b = CommandRun.of(new BuildCommand(), bundle.toString(), "-o", built.toString());
    assertThat(b.exit()).as(b.err()).isZero();
    assertThat(evalBundle(built)).as("build, then eval -b").isEqualTo(opa);
    assertThat(serve(built)).as("build, then serve").isEqualTo(opa);

    CommandRun t = CommandRun.of(new TestCommand(), "-v", bundle.toString());
    assertThat(t.exit()).as(t.out() + t.err()).isZero();
    String printed =
        t.out().lines().map(String::strip).filter(l -> l.startsWith("{")).findFirst().orElseThrow();
    assertThat(Json.parse(printed)).as("test").isEqualTo(opa);
  }

  private Value serve(Path source) throws Exception {
    PolicyHolder holder = new PolicyHolder();
    List<BundleManager.Event> events = new ArrayList<>();
    BundleManager manager =
        new BundleManager(
            List.of(
                new LocalBundleSource(
                    source, BundleLoader.Options.defaults(), Duration.ofSeconds(1))),
            holder,
            EngineOptions.defaults(),
            events::add);
    try {
      assertThat(manager.pollAll()).as(events.toString()).isTrue();
      return holder
          .current()
          .orElseThrow()
          .policy()
          .evaluate("docs/all", ObjectValue.EMPTY)
          .orElseThrow();
    } finally {
      manager.close();
    }
  }

  private static Value evalBundle(Path source) {
    CommandRun r = CommandRun.of(new EvalCommand(), "-b", source.toString(), "-f", "raw", QUERY);
    assertThat(r.exit()).as(r.err()).isZero();
    return Json.parse(r.out());
  }

  private static String opaEval(Path source) throws Exception {
    CommandRun r =
        OpaCli.run(RealOpa.binary(), "eval", "-b", source.toString(), "-f", "raw", QUERY);
    assertThat(r.exit()).as(r.err()).isZero();
    return r.out();
  }

  private void write(String rel, String text) throws Exception {
    Path f = bundle.resolve(rel);
    Files.createDirectories(f.getParent());
    Files.writeString(f, text);
  }
}
