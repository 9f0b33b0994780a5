package io.jrego.engine.builtins;

import static io.jrego.engine.builtins.BuiltinCalls.callIn;
import static io.jrego.engine.builtins.BuiltinCalls.json;
import static io.jrego.engine.builtins.BuiltinCalls.s;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.Rego;
import io.jrego.engine.base.QueryOptions;
import io.jrego.engine.base.RegoError;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.builtins.spi.BuiltinContext;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: builtins whose work grows faster than their operands (pairs of two collections, every
 * path of a graph, a YAML document's aliases) run the query's limit check as they go, so a request
 * that supplies both operands cannot hold a check thread past its deadline or fill the heap. Each
 * test counts the limit checks a call runs (none before the change) or ends a call that would run
 * for hours.
 */
class Issue14BuiltinWorkTest {

  /** Far beyond what the calls take with their checks, far short of what they took without. */
  private static final Duration HANG = Duration.ofSeconds(60);

  private final AtomicInteger checks = new AtomicInteger();

  private BuiltinContext counting() {
    BuiltinContext ctx = BuiltinContext.standard();
    ctx.onCheckpoint(checks::incrementAndGet);
    return ctx;
  }

  private static ArrayValue strings(String prefix, int n) {
    Value[] out = new Value[n];
    for (int i = 0; i < n; i++) {
      out[i] = StringValue.of(prefix + i);
    }
    return ArrayValue.wrap(out);
  }

  @Test
  void issue14_anyPrefixMatchChecksItsLimitsAsItPairsSearchesWithBases() throws Exception {
    // 2,000 searches x 2,000 bases, no match: four million comparisons
    Value r =
        callIn(counting(), "strings.any_prefix_match", strings("a", 2000), strings("b", 2000));
    assertThat(r).isEqualTo(BooleanValue.FALSE);
    assertThat(checks.get()).isGreaterThanOrEqualTo(2000);

    checks.set(0);
    r = callIn(counting(), "strings.any_suffix_match", strings("a", 2000), strings("b", 2000));
    assertThat(r).isEqualTo(BooleanValue.FALSE);
    assertThat(checks.get()).isGreaterThanOrEqualTo(2000);
  }

  @Test
  void issue14_cidrContainsMatchesChecksItsLimitsForEveryThousandPairs() throws Exception {
    Value[] nets = new Value[200];
    Value[] ips = new Value[200];
    for (int i = 0; i < 200; i++) {
      nets[i] = s("10." + i + ".0.0/16");
      ips[i] = s("192.168.0." + i);
    }
    Value r =
        callIn(
            counting(), "net.cidr_contains_matches", ArrayValue.wrap(nets), ArrayValue.wrap(ips));
    assertThat(r).isEqualTo(SetValue.EMPTY);
    assertThat(checks.get()).isGreaterThanOrEqualTo(39); // 40,000 pairs
  }

  @Test
  void issue14_reachablePathsOfALayeredGraphEndAtTheDeadline() throws Exception {
    // 40 layers of two vertices, each joined to both of the next: 2^40 paths from the root
    ObjectValue.Builder g = new ObjectValue.Builder();
    g.put("r", json("[\"0a\", \"0b\"]"));
    for (int i = 0; i < 40; i++) {
      String next = "[\"" + (i + 1) + "a\", \"" + (i + 1) + "b\"]";
      g.put(i + "a", json(next));
      g.put(i + "b", json(next));
    }
    PreparedPolicy p =
        Rego.builder()
            .module("t.rego", "package t\np := count(graph.reachable_paths(input.g, [\"r\"]))")
            .compile();
    Value in = ObjectValue.of(s("g"), g.build());
    QueryOptions soon =
        QueryOptions.none().withDeadline(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50));
    assertTimeoutPreemptively(
        HANG,
        () ->
            assertThatThrownBy(() -> p.evaluate("t/p", in, soon))
                .isInstanceOfSatisfying(
                    RegoException.class,
                    e -> assertThat(e.code()).isEqualTo(RegoError.EVAL_CANCEL)));
  }

  @Test
  void issue14_reachableWalksEachVertexOnce() throws Exception {
    // a complete graph of 300 vertices: each was walked once per time it was queued before
    ObjectValue.Builder g = new ObjectValue.Builder();
    ArrayValue all = strings("v", 300);
    for (Value v : all) {
      g.put(v, all);
    }
    Value r = callIn(counting(), "graph.reachable", g.build(), ArrayValue.of(s("v0")));
    assertThat(((SetValue) r).size()).isEqualTo(300);
    // 300 vertices of 300 neighbours walked once each: a check every fourth vertex (1,024 units
    // or more). Walked again each time they were queued, as before, they made ~45,000 walks.
    assertThat(checks.get()).isBetween(70, 90);
  }

  @Test
  void issue14_aTemplateChecksItsLimitsAsItRuns() throws Exception {
    // two nested ranges over 1,000 items: a million steps writing nothing (under the template's
    // own cap of five million), seconds of work the query's deadline did not reach
    Value r =
        callIn(
            counting(),
            "strings.render_template",
            s("{{range .a}}{{range $.a}}{{end}}{{end}}"),
            ObjectValue.of(s("a"), strings("x", 1000)));
    assertThat(r).isEqualTo(s(""));
    assertThat(checks.get()).isGreaterThanOrEqualTo(900); // one per 1,024 steps
  }

  @Test
  void issue14_yamlWhoseAliasesExpandToABillionValuesIsRefusedAsOpaDoes() {
    StringBuilder doc =
        new StringBuilder("a: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\n");
    String prev = "a";
    for (String n : new String[] {"b", "c", "d", "e", "f", "g", "h", "i"}) {
      doc.append(n).append(": &").append(n).append(" [");
      for (int i = 0; i < 10; i++) {
        doc.append(i == 0 ? "" : ",").append('*').append(prev);
      }
      doc.append("]\n");
      prev = n;
    }
    assertTimeoutPreemptively(
        HANG,
        () ->
            assertThatThrownBy(() -> callIn(counting(), "yaml.unmarshal", s(doc.toString())))
                .isInstanceOf(BuiltinException.class)
                .hasMessage("yaml: document contains excessive aliasing"));
    assertThat(checks.get()).isLessThan(100); // refused after some thousands of values
  }

  @Test
  void ordinaryAliasesStillExpand() throws Exception {
    Value r = callIn(counting(), "yaml.unmarshal", s("a: &a [1, 2]\nb: [*a, *a]\nc: *a\n"));
    assertThat(r).isEqualTo(json("{\"a\": [1, 2], \"b\": [[1, 2], [1, 2]], \"c\": [1, 2]}"));
  }
}
