package io.jrego.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jrego.engine.ast.Module;
import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.base.RegoVersion;
import io.jrego.engine.bundle.Bundle;
import io.jrego.engine.bundle.BundleException;
import io.jrego.engine.bundle.BundleLoader;
import io.jrego.engine.bundle.Composition;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, the cpu-policy phase's swap: each module parsed once per load, and not at all when it
 * did not change since the policy that serves; the compiled rules reused when no module changed.
 */
class ModuleCacheTest {

  private static final String POLICY = "package app\n\nallow if input.user == data.app.user\n";
  private static final String LIB = "package app\n\nname := \"lib\"\n";

  /** A bundle with roots [app]: policy.rego, lib.rego and data.json naming {@code user}. */
  private static SortedMap<String, byte[]> files(String policy, String lib, String user) {
    SortedMap<String, byte[]> m = new TreeMap<>();
    m.put(".manifest", bytes("{\"roots\":[\"app\"]}"));
    m.put("app/policy.rego", bytes(policy));
    m.put("app/lib.rego", bytes(lib));
    m.put("app/data.json", bytes("{\"user\":\"" + user + "\"}"));
    return m;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** One load as a server does it: read (package check), compile, keep. */
  private static PreparedPolicy load(ModuleCache cache, SortedMap<String, byte[]> files)
      throws Exception {
    Bundle b =
        BundleLoader.fromFiles(
            "b", false, files, BundleLoader.Options.defaults().withModules(cache));
    PreparedPolicy p = compile(cache, b);
    cache.keep();
    return p;
  }

  /**
   * A load of {@code policy} with a call of an undefined function added, which the compile refuses;
   * what the cache held then, after which the load is dropped as a server drops it.
   */
  private static int heldByARefusedLoad(ModuleCache cache, String policy, String user)
      throws Exception {
    Bundle b =
        BundleLoader.fromFiles(
            "b",
            false,
            files(policy + "bad := undefined_fn(1)\n", LIB, user),
            BundleLoader.Options.defaults().withModules(cache));
    assertThatThrownBy(() -> compile(cache, b)).isInstanceOf(RegoException.class);
    int held = cache.held();
    cache.dropPending();
    return held;
  }

  private static PreparedPolicy compile(ModuleCache cache, Bundle b) throws Exception {
    Composition c = new Composition(RegoVersion.V1);
    c.bundle("", b);
    return c.builder(EngineOptions.defaults()).parsedWith(cache).compile();
  }

  private static boolean allows(PreparedPolicy p, String user) throws RegoException {
    Optional<Value> v =
        p.evaluate(
            "app/allow", ObjectValue.EMPTY.with(StringValue.of("user"), StringValue.of(user)));
    return v.isPresent() && v.get().equals(io.jrego.engine.value.BooleanValue.TRUE);
  }

  @Test
  void theLoadersPackageCheckAndTheCompileShareOneParse() throws Exception {
    ModuleCache cache = new ModuleCache();
    PreparedPolicy p = load(cache, files(POLICY, LIB, "alice"));
    assertThat(cache.parsedTotal()).as("each module once, by the package check").isEqualTo(2);
    assertThat(cache.reusedTotal()).as("the compile found both").isEqualTo(2);
    assertThat(allows(p, "alice")).isTrue();
    assertThat(allows(p, "bob")).isFalse();
  }

  @Test
  void aModuleUnchangedSinceTheKeptLoadIsNotParsedAgain() throws Exception {
    ModuleCache cache = new ModuleCache();
    load(cache, files(POLICY, LIB, "alice"));
    String changed = "package app\n\nallow if input.user != data.app.user\n";
    PreparedPolicy p = load(cache, files(changed, LIB, "alice"));
    assertThat(cache.parsedTotal()).as("the changed policy.rego alone").isEqualTo(3);
    assertThat(cache.compilesReusedTotal()).isZero();
    assertThat(allows(p, "alice")).isFalse();
    assertThat(allows(p, "bob")).isTrue();
    assertThat(cache.held()).as("the kept load's two modules, nothing pending").isEqualTo(2);
  }

  @Test
  void aLoadOfDataAloneReusesTheCompiledRulesWithTheNewData() throws Exception {
    ModuleCache cache = new ModuleCache();
    PreparedPolicy first = load(cache, files(POLICY, LIB, "alice"));
    PreparedPolicy second = load(cache, files(POLICY, LIB, "bob"));
    assertThat(cache.parsedTotal()).isEqualTo(2);
    assertThat(cache.compilesReusedTotal()).isEqualTo(1);
    assertThat(allows(second, "bob")).isTrue();
    assertThat(allows(second, "alice")).isFalse();
    assertThat(allows(first, "alice")).as("the policy it replaces is unchanged").isTrue();
    assertThat(second.contentDigest()).isNotEqualTo(first.contentDigest());
  }

  @Test
  void aFailedLoadLeavesNothingBehindAndTheKeptLoadStays() throws Exception {
    ModuleCache cache = new ModuleCache();
    load(cache, files(POLICY, LIB, "alice"));
    Bundle bad =
        BundleLoader.fromFiles(
            "b",
            false,
            files("package app\n\nallow if undefined_fn(input.user)\n", LIB, "alice"),
            BundleLoader.Options.defaults().withModules(cache));
    assertThatThrownBy(() -> compile(cache, bad))
        .isInstanceOf(RegoException.class)
        .hasMessageContaining("undefined_fn");
    cache.dropPending();
    assertThat(cache.held()).isEqualTo(2);
    long parsed = cache.parsedTotal();
    PreparedPolicy p = load(cache, files(POLICY, LIB, "carol"));
    assertThat(cache.parsedTotal()).as("the kept modules serve the next load").isEqualTo(parsed);
    assertThat(cache.compilesReusedTotal()).isEqualTo(1);
    assertThat(allows(p, "carol")).isTrue();
  }

  /**
   * Nothing grows from one load to the next, whatever the loads bring: the kept load's modules and,
   * while a load is under way, what it parsed.
   */
  @Test
  void whatIsHeldIsBoundedByOneLoad() throws Exception {
    ModuleCache cache = new ModuleCache();
    for (int i = 0; i < 50; i++) {
      String policy = POLICY + "\nround := " + i + "\n";
      if (i % 3 == 1) { // after a good load: the first one has nothing kept
        assertThat(heldByARefusedLoad(cache, policy, "u" + i)).isLessThanOrEqualTo(4);
      } else {
        load(cache, files(policy, LIB, "u" + i));
      }
      assertThat(cache.held()).isEqualTo(2);
    }
  }

  private static final String OTHER = "package app\n\nallow if input.user != data.app.user\n";

  /**
   * The swap back: a load of the policy before the serving one parses nothing and reuses that
   * policy's compiled rules, with the data it comes with.
   */
  @Test
  void aSwapBackToThePreviousPolicyParsesAndCompilesNothing() throws Exception {
    ModuleCache cache = new ModuleCache(1 << 20);
    PreparedPolicy first = load(cache, files(POLICY, LIB, "alice"));
    assertThat(cache.holdsPrevious()).isFalse();
    PreparedPolicy other = load(cache, files(OTHER, LIB, "alice"));
    assertThat(cache.holdsPrevious()).isTrue();
    assertThat(cache.parsedTotal()).isEqualTo(3);
    PreparedPolicy back = load(cache, files(POLICY, LIB, "bob"));
    assertThat(cache.parsedTotal()).as("nothing parsed for the swap back").isEqualTo(3);
    assertThat(cache.compilesReusedTotal()).isEqualTo(1);
    assertThat(allows(back, "bob")).isTrue();
    assertThat(allows(back, "alice")).isFalse();
    assertThat(allows(other, "bob")).as("the policies swapped from are unchanged").isTrue();
    assertThat(allows(first, "alice")).isTrue();
    // and forth again: the other policy is now the previous one
    PreparedPolicy again = load(cache, files(OTHER, LIB, "bob"));
    assertThat(cache.parsedTotal()).isEqualTo(3);
    assertThat(cache.compilesReusedTotal()).isEqualTo(2);
    assertThat(allows(again, "alice")).isTrue();
    assertThat(allows(again, "bob")).isFalse();
  }

  /** One previous policy only: two swaps away, a policy is parsed and compiled again. */
  @Test
  void onlyThePolicyJustBeforeTheServingOneIsHeld() throws Exception {
    ModuleCache cache = new ModuleCache(1 << 20);
    load(cache, files(POLICY, LIB, "alice"));
    load(cache, files(OTHER, LIB, "alice"));
    load(cache, files("package app\n\nallow := false\n", LIB, "alice"));
    long parsed = cache.parsedTotal();
    PreparedPolicy p = load(cache, files(POLICY, LIB, "alice"));
    assertThat(cache.parsedTotal()).isEqualTo(parsed + 1);
    assertThat(cache.compilesReusedTotal()).isZero();
    assertThat(allows(p, "alice")).isTrue();
  }

  /** A data-only load keeps the previous policy: the serving one's rules did not change. */
  @Test
  void aLoadOfDataAloneKeepsThePreviousPolicy() throws Exception {
    ModuleCache cache = new ModuleCache(1 << 20);
    load(cache, files(POLICY, LIB, "alice"));
    load(cache, files(OTHER, LIB, "alice"));
    load(cache, files(OTHER, LIB, "bob"));
    assertThat(cache.compilesReusedTotal()).isEqualTo(1);
    PreparedPolicy back = load(cache, files(POLICY, LIB, "carol"));
    assertThat(cache.compilesReusedTotal()).isEqualTo(2);
    assertThat(allows(back, "carol")).isTrue();
  }

  /** A policy whose Rego is over the previous slot's size is not held once it is replaced. */
  @Test
  void aPreviousPolicyOverTheSizeIsNotHeld() throws Exception {
    long size = (long) POLICY.length() + LIB.length();
    ModuleCache small = new ModuleCache(size - 1);
    load(small, files(POLICY, LIB, "alice"));
    load(small, files(OTHER, LIB, "alice"));
    assertThat(small.holdsPrevious()).isFalse();
    assertThat(small.held()).isEqualTo(2);
    ModuleCache exact = new ModuleCache(size);
    load(exact, files(POLICY, LIB, "alice"));
    load(exact, files(OTHER, LIB, "alice"));
    assertThat(exact.holdsPrevious()).isTrue();
    assertThat(new ModuleCache().held()).isZero();
  }

  /** With the previous slot, what is held stays within two loads' modules, whatever comes. */
  @Test
  void whatIsHeldWithThePreviousSlotIsBoundedByTwoLoads() throws Exception {
    ModuleCache cache = new ModuleCache(1 << 20);
    for (int i = 0; i < 50; i++) {
      String policy = POLICY + "\nround := " + (i % 4 == 3 ? i - 2 : i) + "\n";
      if (i % 5 == 2) {
        assertThat(heldByARefusedLoad(cache, policy, "u" + i)).isLessThanOrEqualTo(5);
      } else {
        load(cache, files(policy, LIB, "u" + i));
      }
      assertThat(cache.held()).isLessThanOrEqualTo(4);
    }
  }

  /**
   * A module's locations name its file, and its parse depends on its Rego version: the same text
   * under another name or in another version is parsed again.
   */
  @Test
  void theSameTextUnderAnotherNameOrVersionIsParsedAgain() throws Exception {
    ModuleCache cache = new ModuleCache();
    Module a = cache.parse("a.rego", LIB, RegoVersion.V1);
    assertThat(cache.parse("a.rego", LIB, RegoVersion.V1)).isSameAs(a);
    Module b = cache.parse("b.rego", LIB, RegoVersion.V1);
    assertThat(b).isNotSameAs(a);
    assertThat(b.file()).isEqualTo("b.rego");
    assertThat(cache.parse("a.rego", LIB, RegoVersion.V0)).isNotSameAs(a);
    assertThat(cache.parse("a.rego", LIB + "\n", RegoVersion.V1)).isNotSameAs(a);
    assertThat(cache.parsedTotal()).isEqualTo(4);
  }

  /** The messages of a bad bundle are those of a load without the cache, with file and line. */
  @Test
  void errorsAreTheSameAsWithoutTheCache() throws Exception {
    SortedMap<String, byte[]> outside = files(POLICY, LIB, "alice");
    outside.put("x/p.rego", bytes("package x\n"));
    for (BundleLoader.Options o :
        new BundleLoader.Options[] {
          BundleLoader.Options.defaults(),
          BundleLoader.Options.defaults().withModules(new ModuleCache())
        }) {
      assertThatThrownBy(() -> BundleLoader.fromFiles("b", false, outside, o))
          .isInstanceOf(BundleException.class)
          .hasMessageContaining(
              "manifest roots [app] do not permit 'package x' in module 'x/p.rego'");
    }
    SortedMap<String, byte[]> broken = files("package app\n\nallow if {\n", LIB, "alice");
    String without = null;
    try {
      var unused =
          BundleLoader.fromFiles("b", false, broken, BundleLoader.Options.defaults())
              .compile(EngineOptions.defaults());
    } catch (RegoException e) {
      without = e.getMessage();
    }
    assertThat(without).isNotNull();
    ModuleCache cache = new ModuleCache();
    Bundle loaded =
        BundleLoader.fromFiles(
            "b", false, broken, BundleLoader.Options.defaults().withModules(cache));
    assertThatThrownBy(() -> compile(cache, loaded))
        .isInstanceOf(RegoException.class)
        .hasMessage(without)
        .hasMessageContaining("app/policy.rego:");
    assertThat(cache.parsedTotal()).as("a module that does not parse is never kept").isEqualTo(1);
  }

  /** A module that does not parse is never held, and its errors come again at every parse. */
  @Test
  void aModuleThatDoesNotParseIsNeverHeld() throws Exception {
    ModuleCache cache = new ModuleCache();
    String broken = "package app\n\nallow if {\n";
    String first = null;
    try {
      cache.parse("app.rego", broken, RegoVersion.V1);
    } catch (RegoException e) {
      first = e.getMessage();
    }
    assertThat(first).contains("app.rego:");
    assertThat(cache.held()).isZero();
    cache.keep();
    assertThat(cache.held()).isZero();
    assertThatThrownBy(() -> cache.parse("app.rego", broken, RegoVersion.V1))
        .isInstanceOf(RegoException.class)
        .hasMessage(first);
    assertThat(cache.parsedTotal() + cache.reusedTotal()).isZero();
  }

  /** A test run rewrites the modules it compiles: it neither uses nor fills the cache. */
  @Test
  void testModeLeavesTheCacheAlone() throws Exception {
    ModuleCache cache = new ModuleCache();
    var unused =
        Rego.builder()
            .module("t.rego", "package t\n\ntest_x if true\n")
            .parsedWith(cache)
            .testMode(true)
            .compile();
    assertThat(cache.parsedTotal() + cache.reusedTotal()).isZero();
  }
}
