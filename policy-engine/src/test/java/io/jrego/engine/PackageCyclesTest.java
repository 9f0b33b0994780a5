package io.jrego.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The engine's packages depend one way: the facade ({@code io.jrego.engine}) on the stages, the
 * stages on {@code base} and {@code value}, the builtins' namespace classes on their sub-packages
 * and those on {@code builtins.spi}; no package is in a cycle. Read from the compiled classes with
 * the JDK's {@code jdeps}, so a dependency through a field type or a lambda counts as much as an
 * import.
 */
class PackageCyclesTest {

  private static final String ROOT = "io.jrego.engine";

  @Test
  void theRootPackageIsInNoCycle() throws Exception {
    Map<String, Set<String>> graph = packageGraph();
    assertThat(graph).containsKeys(ROOT, ROOT + ".base", ROOT + ".compiler", ROOT + ".eval");
    Set<String> cycle = reachable(graph, ROOT);
    cycle.retainAll(reachingTo(graph, ROOT));
    cycle.remove(ROOT);
    assertThat(cycle).as("packages in a cycle with " + ROOT).isEmpty();
  }

  @Test
  void baseDependsOnlyOnValue() throws Exception {
    assertThat(packageGraph().get(ROOT + ".base"))
        .as("what " + ROOT + ".base depends on")
        .isSubsetOf(ROOT + ".value");
  }

  @Test
  void noPackageIsInACycle() throws Exception {
    Map<String, Set<String>> graph = packageGraph();
    assertThat(graph)
        .containsKeys(ROOT + ".builtins", ROOT + ".builtins.spi", ROOT + ".builtins.ai");
    assertThat(cycles(graph)).as("packages in a cycle (each set depends on itself)").isEmpty();
  }

  @Test
  void builtinsSubPackagesDependOnlyOnTheSpiNotBack() throws Exception {
    Map<String, Set<String>> graph = packageGraph();
    graph.forEach(
        (from, tos) -> {
          if (from.startsWith(ROOT + ".builtins.")) {
            assertThat(tos).as("what " + from + " depends on").doesNotContain(ROOT + ".builtins");
          }
        });
  }

  @Test
  void aCycleIsFound() {
    assertThat(
            cycles(
                Map.of(
                    "a",
                    Set.of("b"),
                    "b",
                    Set.of("c"),
                    "c",
                    Set.of("a"),
                    "d",
                    Set.of("a", "e"),
                    "e",
                    Set.of("d"),
                    "f",
                    Set.of("a"))))
        .containsExactlyInAnyOrder(Set.of("a", "b", "c"), Set.of("d", "e"));
    Map<String, Set<String>> graph =
        Map.of(ROOT, Set.of("a"), "a", Set.of("b"), "b", Set.of(ROOT), "c", Set.of(ROOT));
    Set<String> cycle = reachable(graph, ROOT);
    cycle.retainAll(reachingTo(graph, ROOT));
    assertThat(cycle).containsExactlyInAnyOrder(ROOT, "a", "b");
  }

  /** Package to the other io.jrego packages its classes use. */
  private static Map<String, Set<String>> packageGraph() throws URISyntaxException, IOException {
    Path classes = Path.of(Rego.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    assertThat(Files.isDirectory(classes)).as("compiled classes at " + classes).isTrue();
    ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    Path copy = withoutDescriptor(classes);
    int exit;
    try {
      exit =
          jdeps.run(
              new PrintWriter(out),
              new PrintWriter(err),
              "-verbose:package",
              "-filter:none",
              copy.toString());
    } finally {
      try (Stream<Path> s = Files.walk(copy)) {
        for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
    assertThat(exit).as("jdeps: " + err).isZero();
    // "   io.jrego.engine.eval    -> io.jrego.engine.value    classes"
    Pattern edge =
        Pattern.compile("^\\s+(io\\.jrego\\.[\\w.]+)\\s+->\\s+(io\\.jrego\\.[\\w.]+)\\s");
    Map<String, Set<String>> graph = new TreeMap<>();
    for (String line : out.toString().lines().toList()) {
      Matcher m = edge.matcher(line);
      if (m.find() && !m.group(1).equals(m.group(2))) {
        graph.computeIfAbsent(m.group(1), k -> new TreeSet<>()).add(m.group(2));
        graph.computeIfAbsent(m.group(2), k -> new TreeSet<>());
      }
    }
    return graph;
  }

  /**
   * A copy of the compiled classes without {@code module-info.class}: given the descriptor, jdeps
   * would read the folder as a module and stop at the first module it requires that is not there.
   */
  private static Path withoutDescriptor(Path classes) throws IOException {
    Path copy = Files.createTempDirectory("engine-classes");
    try (Stream<Path> s = Files.walk(classes)) {
      for (Path p : s.filter(f -> f.toString().endsWith(".class")).toList()) {
        if (p.getFileName().toString().equals("module-info.class")) {
          continue;
        }
        Path to = copy.resolve(classes.relativize(p).toString());
        Files.createDirectories(to.getParent());
        Files.copy(p, to);
      }
    }
    return copy;
  }

  /** The sets of packages that reach each other (strongly connected, more than one package). */
  private static List<Set<String>> cycles(Map<String, Set<String>> graph) {
    List<Set<String>> out = new java.util.ArrayList<>();
    Set<String> placed = new TreeSet<>();
    for (String p : new TreeSet<>(graph.keySet())) {
      if (placed.contains(p)) {
        continue;
      }
      Set<String> scc = reachable(graph, p);
      scc.retainAll(reachingTo(graph, p));
      placed.addAll(scc);
      if (scc.size() > 1) {
        out.add(scc);
      }
    }
    return out;
  }

  private static Set<String> reachable(Map<String, Set<String>> graph, String from) {
    Set<String> seen = new TreeSet<>();
    Deque<String> todo = new ArrayDeque<>(List.of(from));
    while (!todo.isEmpty()) {
      String p = todo.pop();
      if (seen.add(p)) {
        todo.addAll(graph.getOrDefault(p, Set.of()));
      }
    }
    return seen;
  }

  private static Set<String> reachingTo(Map<String, Set<String>> graph, String to) {
    Map<String, Set<String>> reversed = new TreeMap<>();
    graph.forEach(
        (from, tos) ->
            tos.forEach(t -> reversed.computeIfAbsent(t, k -> new TreeSet<>()).add(from)));
    return reachable(reversed, to);
  }
}
