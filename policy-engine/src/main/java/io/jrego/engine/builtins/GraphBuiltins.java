package io.jrego.engine.builtins;

import io.jrego.engine.builtins.operand.Operands;
import io.jrego.engine.builtins.spi.BuiltinContext;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.builtins.spi.BuiltinRegistry;
import io.jrego.engine.builtins.spi.Declaration;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.Value;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code graph.reachable} and {@code graph.reachable_paths}: walks over a directed graph given as
 * an object from vertex to a set or array of neighbours. Vertices missing from the graph are dead
 * ends that OPA leaves out of the result.
 */
final class GraphBuiltins {

  private GraphBuiltins() {}

  static void register(BuiltinRegistry r) {
    r.add(
        Declaration.of(
            "graph.reachable(graph: object[any: any<array[any], set[any]>], "
                + "initial: any<array[any], set[any]>) => output: set[any]"),
        GraphBuiltins::reachable);
    r.add(
        Declaration.of(
            "graph.reachable_paths(graph: object[any: any<array[any], set[any]>], "
                + "initial: any<array[any], set[any]>) => output: set[array[any]]"),
        GraphBuiltins::reachablePaths);
  }

  /** The neighbours in an array or set; nothing for any other value. */
  private static List<Value> vertices(Value collection) {
    return switch (collection) {
      case ArrayValue a -> a.asList();
      case SetValue s -> s.elements();
      default -> List.of();
    };
  }

  private static List<Value> initial(Value v) throws BuiltinException {
    if (v instanceof ArrayValue || v instanceof SetValue) {
      return vertices(v);
    }
    throw BuiltinException.operand(2, "{array, set}", v);
  }

  private static Value reachable(Value[] a, BuiltinContext c) throws BuiltinException {
    ObjectValue graph = Operands.object(a[0], 1);
    Deque<Value> queue = new ArrayDeque<>(initial(a[1]));
    Set<Value> reached = new HashSet<>();
    while (!queue.isEmpty()) {
      Value node = queue.poll();
      Value edges = graph.getOrNull(node);
      if (edges == null || reached.contains(node)) {
        continue; // a node queued again before it was reached is walked once
      }
      List<Value> neighbours = vertices(edges);
      c.checkpoint(neighbours.size());
      for (Value neighbour : neighbours) {
        if (!reached.contains(neighbour)) {
          queue.add(neighbour);
        }
      }
      reached.add(node);
    }
    return SetValue.of(reached);
  }

  private static Value reachablePaths(Value[] a, BuiltinContext c) throws BuiltinException {
    ObjectValue graph = Operands.object(a[0], 1);
    Set<Value> paths = new HashSet<>();
    for (Value root : initial(a[1])) {
      Value edges = graph.getOrNull(root);
      if (edges == null) {
        continue;
      }
      List<Value> neighbours = vertices(edges);
      if (neighbours.isEmpty()) {
        paths.add(ArrayValue.of(root));
        continue;
      }
      for (Value n : neighbours) {
        extend(graph, n, List.of(root), paths, Set.of(root), c);
      }
    }
    return SetValue.of(paths);
  }

  /** Extends {@code path} through {@code node}, adding each maximal path without a cycle. */
  private static void extend(
      ObjectValue graph,
      Value node,
      List<Value> path,
      Set<Value> paths,
      Set<Value> seen,
      BuiltinContext c) {
    // The paths of a graph can be exponentially many, each step copies its path and its seen set,
    // and graph and roots may come from the request: the step's copies are its work.
    c.checkpoint(2 * path.size());
    Value edges = graph.getOrNull(node);
    if (edges == null) {
      paths.add(ArrayValue.of(path));
      return;
    }
    List<Value> longer = new ArrayList<>(path);
    longer.add(node);
    List<Value> neighbours = vertices(edges);
    if (neighbours.isEmpty()) {
      paths.add(ArrayValue.of(longer));
      return;
    }
    Set<Value> seenHere = new HashSet<>(seen);
    seenHere.add(node);
    for (Value n : neighbours) {
      if (seenHere.contains(n)) {
        paths.add(ArrayValue.of(longer));
      } else {
        extend(graph, n, longer, paths, seenHere, c);
      }
    }
  }
}
