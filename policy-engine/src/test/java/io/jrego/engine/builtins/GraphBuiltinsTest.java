package io.jrego.engine.builtins;

import static io.jrego.engine.builtins.BuiltinCalls.call;
import static io.jrego.engine.builtins.BuiltinCalls.json;
import static io.jrego.engine.builtins.BuiltinCalls.s;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.SetValue;
import org.junit.jupiter.api.Test;

class GraphBuiltinsTest {

  @Test
  void reachable_leavesOutVerticesMissingFromTheGraph() throws Exception {
    // As OPA 1.22.2: b's neighbours are neither array nor set, so b is a dead end; zz is unknown.
    assertThat(
            call(
                "graph.reachable",
                json("{\"a\": [\"b\"], \"b\": {\"c\": 1}, \"c\": null, \"d\": [\"a\"]}"),
                json("[\"a\", \"zz\"]")))
        .isEqualTo(SetValue.of(s("a"), s("b")));
  }

  @Test
  void reachable_followsCyclesOnce() throws Exception {
    assertThat(
            call(
                "graph.reachable",
                json("{\"a\": [\"b\"], \"b\": [\"c\"], \"c\": [\"a\"]}"),
                SetValue.of(s("b"))))
        .isEqualTo(SetValue.of(s("a"), s("b"), s("c")));
  }

  @Test
  void reachablePaths_stopsAtCyclesAndLeaves() throws Exception {
    assertThat(
            call(
                "graph.reachable_paths",
                json("{\"a\": [\"b\", \"c\"], \"b\": [], \"c\": [\"a\"]}"),
                json("[\"a\", \"q\"]")))
        .isEqualTo(SetValue.of(ArrayValue.of(s("a"), s("b")), ArrayValue.of(s("a"), s("c"))));
  }

  @Test
  void reachablePaths_keepsEachBranchItsOwnVisitedSet() throws Exception {
    // OPA 1.22.2's answer; OPA 1.14's compliance case expected ["one","five","six"] instead.
    String g =
        "{\"one\": [\"two\",\"five\"], \"two\": [\"four\"], \"three\": [\"\"], \"four\":"
            + " [\"three\"], \"five\": [\"seven\",\"six\"], \"six\": [\"nine\",\"seven\"],"
            + " \"seven\": [\"eight\"], \"eight\": [\"three\"], \"nine\": [\"\"]}";
    assertThat(call("graph.reachable_paths", json(g), SetValue.of(s("one"))))
        .isEqualTo(
            json(
                        "[[\"one\", \"five\", \"seven\", \"eight\", \"three\"], [\"one\", \"five\","
                            + " \"six\", \"nine\"], [\"one\", \"five\", \"six\", \"seven\", \"eight\","
                            + " \"three\"], [\"one\", \"two\", \"four\", \"three\"]]")
                    instanceof ArrayValue a
                ? SetValue.of(a.asList())
                : null);
  }

  @Test
  void reachable_rejectsOperandsOfTheWrongType() {
    assertThatThrownBy(() -> call("graph.reachable", json("{}"), s("a")))
        .hasMessage("operand 2 must be {array, set} but got string");
    assertThatThrownBy(() -> call("graph.reachable_paths", s("a"), json("[]")))
        .hasMessage("operand 1 must be object but got string");
  }
}
