package io.jrego.engine.conformance;

import io.jrego.engine.conformance.CaseRunner.Outcome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Runs OPA's compliance cases from a folder against jrego and tallies them. Used by {@link
 * OpaComplianceIT} in the build and by {@link #main} on its own:
 *
 * <pre>
 * java -cp ... io.jrego.engine.conformance.ComplianceRun [cases-dir] [report.md]
 * </pre>
 */
final class ComplianceRun {

  /** The engine's time limit per case; the worker thread gets twice that plus a second. */
  static final Duration CASE_TIMEOUT = Duration.ofSeconds(5);

  private ComplianceRun() {}

  /** Runs every case under {@code casesDir} except those {@code skips} names, in file order. */
  static ComplianceReport run(Path casesDir, Map<String, String> skips, Predicate<String> select)
      throws IOException {
    List<ComplianceCase> cases = CaseLoader.loadAll(casesDir);
    List<Outcome> outcomes = new ArrayList<>(cases.size());
    try (CaseRunner runner = new CaseRunner(CASE_TIMEOUT)) {
      for (ComplianceCase c : cases) {
        if (!select.test(c.key())) {
          continue;
        }
        String skip = skips.get(c.key());
        outcomes.add(skip != null ? Outcome.skipped(c, skip) : runner.run(c));
      }
    }
    return new ComplianceReport(outcomes);
  }

  /** {@code file#index reason} lines; blank lines and {@code #} comments ignored. */
  static Map<String, String> parseSkips(String text) {
    Map<String, String> skips = new LinkedHashMap<>();
    for (String line : text.lines().map(String::strip).toList()) {
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int space = line.indexOf(' ');
      if (space < 0 || line.substring(space).isBlank()) {
        throw new IllegalArgumentException("skip without a reason: " + line);
      }
      skips.put(line.substring(0, space), line.substring(space + 1).strip());
    }
    return skips;
  }

  /** Case keys, one a line; blank lines and {@code #} comments ignored. */
  static Set<String> parseKeys(String text) {
    return Set.copyOf(
        text.lines()
            .map(String::strip)
            .filter(l -> !l.isEmpty() && !l.startsWith("#"))
            .map(l -> l.split("\\s+", 2)[0])
            .toList());
  }

  /** A classpath resource under {@code conformance/}, or empty when absent. */
  static Optional<String> resource(String name) throws IOException {
    try (var in = ComplianceRun.class.getResourceAsStream("/conformance/" + name)) {
      return in == null
          ? Optional.empty()
          : Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  /**
   * Finds the repository root: the nearest folder at or above {@code from} holding {@code mvnw} and
   * a {@code pom.xml} that lists modules.
   */
  static Optional<Path> repositoryRoot(Path from) throws IOException {
    for (Path p = from.toAbsolutePath().normalize(); p != null; p = p.getParent()) {
      Path pom = p.resolve("pom.xml");
      if (Files.isRegularFile(p.resolve("mvnw"))
          && Files.isRegularFile(pom)
          && Files.readString(pom, StandardCharsets.UTF_8).contains("<modules>")) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /**
   * The cases folder: system property {@code opa.compliance.dir}, else the copy in the repository,
   * {@code policy-engine/compliance/v1}.
   */
  static Path casesDir() throws IOException {
    String prop = System.getProperty("opa.compliance.dir");
    if (prop != null && !prop.isBlank()) {
      return Path.of(prop);
    }
    String mvnRoot = System.getProperty("maven.multiModuleProjectDirectory");
    Path root =
        mvnRoot != null
            ? Path.of(mvnRoot)
            : repositoryRoot(Path.of(System.getProperty("basedir", System.getProperty("user.dir"))))
                .orElse(Path.of(System.getProperty("user.dir")));
    return root.resolve("policy-engine/compliance/v1").normalize();
  }

  public static void main(String[] args) throws IOException {
    Path dir = args.length > 0 ? Path.of(args[0]) : casesDir();
    Path out = args.length > 1 ? Path.of(args[1]) : Path.of("target/conformance/report.md");
    if (!Files.isDirectory(dir)) {
      System.err.println(
          "no compliance cases at " + dir + "; pass the folder as the first argument");
      System.exit(1);
    }
    Map<String, String> skips = parseSkips(resource("skips.txt").orElse(""));
    ComplianceReport report = run(dir, skips, k -> true);
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, report.toMarkdown(dir.toString()), StandardCharsets.UTF_8);
    System.out.println("report: " + out.toAbsolutePath());
    System.out.println(report.summary());
  }
}
