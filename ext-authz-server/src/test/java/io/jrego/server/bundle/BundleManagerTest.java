package io.jrego.server.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.bundle.BundleLimits;
import io.jrego.engine.bundle.BundleLoader;
import io.jrego.engine.bundle.BundleSignatures;
import io.jrego.engine.bundle.BundleWriter;
import io.jrego.engine.bundle.SigningConfig;
import io.jrego.engine.bundle.VerificationConfig;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import io.jrego.server.policy.ActivePolicy;
import io.jrego.server.policy.PolicyHolder;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleManagerTest {

  /**
   * A bundle server on loopback: serves {@link #body} with {@link #etag}, honouring If-None-Match;
   * with an empty {@link #etag} it sends none, and answers every poll with the whole body.
   */
  private HttpServer http;

  private final AtomicReference<byte[]> body = new AtomicReference<>();
  private final AtomicReference<String> etag = new AtomicReference<>("");
  private final AtomicInteger notModified = new AtomicInteger();
  private final List<String> authorizations = new CopyOnWriteArrayList<>();
  private final List<BundleManager.Event> events = new CopyOnWriteArrayList<>();
  private final PolicyHolder holder = new PolicyHolder();

  @TempDir Path dir;

  @BeforeEach
  void startServer() throws IOException {
    http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
    http.createContext(
        "/bundles/",
        ex -> {
          try (ex) {
            authorizations.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            String tag = etag.get();
            if (tag.equals(ex.getRequestHeaders().getFirst("If-None-Match"))) {
              notModified.incrementAndGet();
              ex.sendResponseHeaders(304, -1);
              return;
            }
            byte[] b = body.get();
            if (!tag.isEmpty()) {
              ex.getResponseHeaders().set("ETag", tag);
            }
            ex.sendResponseHeaders(200, b.length);
            try (OutputStream out = ex.getResponseBody()) {
              out.write(b);
            }
          }
        });
    http.start();
  }

  @AfterEach
  void stopServer() {
    http.stop(0);
  }

  private URI url(String name) {
    return URI.create("http://127.0.0.1:" + http.getAddress().getPort() + "/bundles/" + name);
  }

  private static SortedMap<String, byte[]> files(String rev, String root, String rego) {
    SortedMap<String, byte[]> m = new TreeMap<>();
    m.put(
        ".manifest",
        ("{\"revision\":\"" + rev + "\",\"roots\":[\"" + root + "\"]}")
            .getBytes(StandardCharsets.UTF_8));
    m.put(root + "/policy.rego", rego.getBytes(StandardCharsets.UTF_8));
    m.put(root + "/data.json", ("{\"rev\":\"" + rev + "\"}").getBytes(StandardCharsets.UTF_8));
    return m;
  }

  /** The module and the data each carry the revision: a mixed answer would show two. */
  private static SortedMap<String, byte[]> revision(String rev) {
    return files(
        rev,
        "swap",
        "package swap\n\nanswer := {\"module\": \"" + rev + "\", \"data\": data.swap.rev}\n");
  }

  private void serve(SortedMap<String, byte[]> files, String tag) {
    body.set(BundleWriter.toBytes(files));
    etag.set(tag);
  }

  private BundleManager manager(BundleLoader.Options options, URI... urls) {
    List<BundleSource> sources = new ArrayList<>();
    for (URI u : urls) {
      sources.add(
          new HttpBundleSource(
              u,
              options,
              new HttpBundleSource.HttpOptions(
                  Duration.ofMillis(10),
                  Duration.ofMillis(20),
                  Duration.ofSeconds(5),
                  Optional.of("t0ken"),
                  Optional.empty())));
    }
    return new BundleManager(sources, holder, EngineOptions.defaults(), events::add);
  }

  private String activeRevision() {
    return holder.current().map(ActivePolicy::revision).orElse("none");
  }

  private static String answer(ActivePolicy p) throws Exception {
    Value v = p.policy().evaluate("swap/answer", ObjectValue.EMPTY).orElseThrow();
    ObjectValue o = (ObjectValue) v;
    String module = ((StringValue) o.get("module").orElseThrow()).value();
    String data = ((StringValue) o.get("data").orElseThrow()).value();
    return module.equals(data) ? module : "MIX " + module + "/" + data;
  }

  private String lastFailure(BundleManager m) {
    return m.lastFailure().map(BundleManager.Failed::message).orElse("");
  }

  @Test
  void http_pollsWithETagAndSwapsAtomicallyUnderLoad() throws Exception {
    serve(revision("r1"), "\"e1\"");
    BundleManager m = manager(BundleLoader.Options.defaults(), url("swap.tar.gz"));
    assertThat(holder.current()).isEmpty();
    assertThat(m.pollAll()).isTrue();
    assertThat(activeRevision()).isEqualTo("r1");
    assertThat(m.pollAll()).isFalse();
    assertThat(notModified.get()).isEqualTo(1);
    assertThat(authorizations).allMatch("Bearer t0ken"::equals);

    // each thread checks before, during and after the swap: 500 checks, then checks until the
    // swap is done (at most 200,000), then 1,500 more
    int threads = 4;
    Map<String, AtomicInteger> answers = new ConcurrentHashMap<>();
    AtomicInteger failures = new AtomicInteger();
    AtomicInteger total = new AtomicInteger();
    CountDownLatch warm = new CountDownLatch(threads);
    java.util.concurrent.atomic.AtomicBoolean swapped =
        new java.util.concurrent.atomic.AtomicBoolean();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      done.add(
          pool.submit(
              () -> {
                int after = 0;
                for (int i = 0; i < 200_000 && after < 1_500; i++) {
                  if (i == 500) {
                    warm.countDown();
                  }
                  if (i >= 500 && swapped.get()) {
                    after++;
                  }
                  try {
                    ActivePolicy p = holder.current().orElseThrow(); // one snapshot per check
                    answers.computeIfAbsent(answer(p), k -> new AtomicInteger()).incrementAndGet();
                  } catch (Exception e) {
                    failures.incrementAndGet();
                  }
                  total.incrementAndGet();
                }
              }));
    }
    assertThat(warm.await(60, TimeUnit.SECONDS)).isTrue();
    serve(revision("r2"), "\"e2\"");
    assertThat(m.pollAll()).isTrue();
    swapped.set(true);
    for (Future<?> f : done) {
      f.get(120, TimeUnit.SECONDS);
    }
    pool.shutdown();

    assertThat(failures.get()).isZero();
    assertThat(answers.keySet()).containsExactlyInAnyOrder("r1", "r2");
    assertThat(answers.values().stream().mapToInt(AtomicInteger::get).sum()).isEqualTo(total.get());
    assertThat(answers.get("r2").get()).isGreaterThanOrEqualTo(threads * 1_500);
    assertThat(activeRevision()).isEqualTo("r2");
    assertThat(events).filteredOn(e -> e instanceof BundleManager.Activated).hasSize(2);
  }

  private void assertRefusedKeepingR2(BundleManager m, String tag, String... messageParts)
      throws Exception {
    etag.set(tag);
    assertThat(m.pollAll()).as("poll of %s", tag).isFalse();
    assertThat(lastFailure(m)).contains(messageParts);
    assertThat(activeRevision()).isEqualTo("r2");
    assertThat(answer(holder.current().orElseThrow())).isEqualTo("r2");
  }

  @Test
  void http_refusesBadBundlesAndKeepsTheLastGoodOne() throws Exception {
    serve(revision("r2"), "\"good\"");
    BundleManager m = manager(BundleLoader.Options.defaults(), url("swap.tar.gz"));
    assertThat(m.pollAll()).isTrue();

    body.set("this is not gzip".getBytes(StandardCharsets.UTF_8));
    assertRefusedKeepingR2(m, "\"garbage\"", "not a gzip archive");

    body.set(BundleWriter.toBytes(files("r3", "swap", "package swap\nanswer := {\n")));
    assertRefusedKeepingR2(m, "\"parse\"", "does not compile", "rego_parse_error");

    body.set(BundleWriter.toBytes(files("r4", "swap", "package swap\nanswer := nope(1)\n")));
    assertRefusedKeepingR2(m, "\"compile\"", "does not compile", "nope");

    SortedMap<String, byte[]> traversal = revision("r5");
    traversal.put("../../etc/evil.rego", "package swap\n".getBytes(StandardCharsets.UTF_8));
    body.set(BundleWriter.toBytes(traversal));
    assertRefusedKeepingR2(m, "\"traversal\"", "../../etc/evil.rego", "path traversal");

    body.set(BundleWriter.toBytes(files("r6", "swap", "package other\nx := 1\n")));
    assertRefusedKeepingR2(m, "\"roots\"", "do not permit 'package other'");

    // the same refused version is not reported again at every poll, and a fixed one activates
    int before = events.size();
    assertThat(m.pollAll()).isFalse();
    assertThat(events).hasSize(before);
    serve(revision("r7"), "\"fixed\"");
    assertThat(m.pollAll()).isTrue();
    assertThat(activeRevision()).isEqualTo("r7");
    assertThat(m.lastFailure()).isEmpty();
  }

  @Test
  void http_withoutAnETag_reportsABadVersionOnceUntilItChanges() throws Exception {
    serve(revision("r2"), "");
    BundleManager m = manager(BundleLoader.Options.defaults(), url("swap.tar.gz"));
    assertThat(m.pollAll()).isTrue();
    // the same bytes again: not activated (nor warmed up) again
    assertThat(m.pollAll()).isFalse();
    assertThat(events).filteredOn(e -> e instanceof BundleManager.Activated).hasSize(1);

    List<String> refusals = new ArrayList<>();
    List<SortedMap<String, byte[]>> versions =
        List.of(
            files("r3", "swap", "package swap\nanswer := {\n"),
            files("r4", "swap", "package swap\nanswer := nope(1)\n"));
    for (SortedMap<String, byte[]> bad : versions) {
      body.set(BundleWriter.toBytes(bad));
      for (int poll = 0; poll < 3; poll++) {
        assertThat(m.pollAll()).isFalse();
      }
      refusals.add(lastFailure(m));
    }
    body.set("this is not gzip".getBytes(StandardCharsets.UTF_8));
    for (int poll = 0; poll < 3; poll++) {
      assertThat(m.pollAll()).isFalse();
    }
    refusals.add(lastFailure(m));
    assertThat(events)
        .filteredOn(e -> e instanceof BundleManager.Failed)
        .extracting(e -> ((BundleManager.Failed) e).message())
        .containsExactlyElementsOf(refusals);
    assertThat(refusals.get(0)).contains("rego_parse_error");
    assertThat(refusals.get(1)).contains("nope");
    assertThat(refusals.get(2)).contains("not a gzip archive");
    assertThat(activeRevision()).isEqualTo("r2");
    assertThat(notModified).hasValue(0); // every poll downloaded the whole body

    // a version seen before is reported again once another came between
    body.set(BundleWriter.toBytes(versions.get(0)));
    assertThat(m.pollAll()).isFalse();
    assertThat(m.pollAll()).isFalse();
    assertThat(events).filteredOn(e -> e instanceof BundleManager.Failed).hasSize(4);
    serve(revision("r5"), "");
    assertThat(m.pollAll()).isTrue();
    assertThat(activeRevision()).isEqualTo("r5");
  }

  @Test
  void http_refusesABadSignatureAndKeepsTheLastGoodOne() throws Exception {
    String secret = "the-shared-secret-of-the-bundle-signer";
    VerificationConfig vc = new VerificationConfig("HS256", secret, "default", "", List.of());
    BundleLoader.Options opts = new BundleLoader.Options(BundleLimits.defaults(), Optional.of(vc));
    serve(
        BundleSignatures.sign(
            revision("r2"), new SigningConfig("HS256", secret, "default", Optional.empty())),
        "\"signed\"");
    BundleManager m = manager(opts, url("swap.tar.gz"));
    assertThat(m.pollAll()).isTrue();

    body.set(
        BundleWriter.toBytes(
            BundleSignatures.sign(
                revision("r3"),
                new SigningConfig(
                    "HS256", "another-secret-entirely", "default", Optional.empty()))));
    assertRefusedKeepingR2(m, "\"forged\"", "failed to verify the bundle signature");

    SortedMap<String, byte[]> tampered =
        new TreeMap<>(
            BundleSignatures.sign(
                revision("r3"), new SigningConfig("HS256", secret, "default", Optional.empty())));
    tampered.put("swap/data.json", "{\"rev\":\"r2\"}".getBytes(StandardCharsets.UTF_8));
    body.set(BundleWriter.toBytes(tampered));
    assertRefusedKeepingR2(m, "\"tampered\"", "swap/data.json: digest mismatch");

    body.set(BundleWriter.toBytes(revision("r3")));
    assertRefusedKeepingR2(m, "\"unsigned\"", "bundle missing .signatures.json file");
  }

  @Test
  void severalBundles_withDisjointRootsServeTogetherAndOverlapsAreRefused() throws Exception {
    serve(revision("r2"), "\"a\"");
    Path other = dir.resolve("other");
    Files.createDirectories(other.resolve("extra"));
    Files.writeString(other.resolve(".manifest"), "{\"revision\":\"x1\",\"roots\":[\"extra\"]}");
    Files.writeString(other.resolve("extra/p.rego"), "package extra\n\nn := 42\n");
    BundleSource local =
        new LocalBundleSource(other, BundleLoader.Options.defaults(), Duration.ofMillis(10));
    BundleSource remote =
        new HttpBundleSource(
            url("swap.tar.gz"),
            BundleLoader.Options.defaults(),
            new HttpBundleSource.HttpOptions(
                Duration.ZERO,
                Duration.ZERO,
                Duration.ofSeconds(5),
                Optional.empty(),
                Optional.empty()));
    BundleManager m =
        new BundleManager(List.of(remote, local), holder, EngineOptions.defaults(), events::add);
    m.pollAll();
    ActivePolicy both = holder.current().orElseThrow();
    assertThat(both.revision()).isEqualTo(remote.name() + "=r2," + local.name() + "=x1");
    assertThat(answer(both)).isEqualTo("r2");
    assertThat(both.policy().evaluate("extra/n", ObjectValue.EMPTY)).isPresent();

    // the folder now claims a root inside the other bundle's: refused, both keep serving
    Files.writeString(
        other.resolve(".manifest"), "{\"revision\":\"x2\",\"roots\":[\"extra\",\"swap/sub\"]}");
    Files.setLastModifiedTime(
        other.resolve(".manifest"), FileTime.fromMillis(System.currentTimeMillis() + 5_000));
    assertThat(m.pollAll()).isFalse();
    assertThat(lastFailure(m)).contains("overlapping roots 'swap' and 'swap/sub'");
    assertThat(holder.current().orElseThrow()).isSameAs(both);
  }

  @Test
  void localTarball_isReloadedWhenItChanges() throws Exception {
    Path tgz = dir.resolve("b.tar.gz");
    Files.write(tgz, BundleWriter.toBytes(revision("r1")));
    BundleManager m = polling(tgz);
    assertThat(m.pollAll()).isTrue();
    assertThat(m.pollAll()).isFalse();
    Files.write(tgz, BundleWriter.toBytes(revision("r2")));
    Files.setLastModifiedTime(tgz, FileTime.fromMillis(System.currentTimeMillis() + 5_000));
    assertThat(m.pollAll()).isTrue();
    assertThat(answer(holder.current().orElseThrow())).isEqualTo("r2");
  }

  /** A check's answer from {@code decider} under the active policy, at {@code swap/answer}. */
  private String decide(io.jrego.server.decide.Decider decider) {
    var outcome =
        decider.decide(
            holder.current(),
            "swap/answer",
            io.jrego.server.decide.Kind.CHECK,
            new io.jrego.server.decide.Decider.Call<String>() {
              @Override
              public ObjectValue input(long deadline) {
                return ObjectValue.EMPTY;
              }

              @Override
              public String answer(Value decision, String decisionId) {
                return ((StringValue) ((ObjectValue) decision).get("module").orElseThrow()).value();
              }

              @Override
              public io.jrego.server.decide.Decider.Verdict verdict(Value decision, String answer) {
                return new io.jrego.server.decide.Decider.Verdict("allow", "policy");
              }
            },
            System.nanoTime());
    return ((io.jrego.server.decide.Outcome.Answered<String>) outcome).answer();
  }

  /**
   * The bundle thread prepares, before the activation, the decisions the checks under the policy it
   * replaces asked for: the first check under the new policy prepares nothing (it deoptimised the
   * check path's compiled lookup in the fault matrix's cpu-policy swap, session 18). The first
   * policy has no predecessor, so its first check prepares: the counter does move when a check
   * prepares.
   */
  @Test
  void swap_preparesTheDecisionsTheChecksUsedBeforeTheNewPolicyServes() throws Exception {
    Path tgz = dir.resolve("b.tar.gz");
    Files.write(tgz, BundleWriter.toBytes(revision("r1")));
    BundleManager m = polling(tgz);
    var decider =
        new io.jrego.server.decide.Decider(
            new io.jrego.server.admin.ServerMetrics(), Duration.ofSeconds(5), true);
    assertThat(m.pollAll()).isTrue();
    ActivePolicy r1 = holder.current().orElseThrow();
    assertThat(r1.decisions().preparations()).isZero();
    assertThat(decide(decider)).isEqualTo("r1");
    assertThat(r1.decisions().preparations()).isEqualTo(1);
    assertThat(decide(decider)).isEqualTo("r1");
    assertThat(r1.decisions().preparations()).isEqualTo(1);

    List<Long> preparedWhenActivated = new CopyOnWriteArrayList<>();
    holder.onActivate(p -> preparedWhenActivated.add(p.decisions().preparations()));
    Files.write(tgz, BundleWriter.toBytes(revision("r2")));
    Files.setLastModifiedTime(tgz, FileTime.fromMillis(System.currentTimeMillis() + 5_000));
    assertThat(m.pollAll()).isTrue();
    ActivePolicy r2 = holder.current().orElseThrow();
    assertThat(r2).isNotSameAs(r1);
    // r1's listener call at registration, then r2's: prepared before it was active
    assertThat(preparedWhenActivated).containsExactly(1L, 1L);
    assertThat(r2.decisions().paths()).containsExactly("swap/answer");
    assertThat(decide(decider)).isEqualTo("r2");
    assertThat(r2.decisions().preparations()).isEqualTo(1);
  }

  /**
   * A poll decided on the files' sizes and modification times, then read them: a rewrite with the
   * same size and the same modification time (two writes within the file system's clock tick) was
   * never loaded. The poll now decides on the bytes it reads and loads.
   */
  @Test
  void localFolder_aRewriteWithTheSameSizeAndTimeIsLoaded() throws Exception {
    Path folder = Files.createDirectories(dir.resolve("same-size"));
    FileTime then = FileTime.fromMillis(1_700_000_000_000L);
    List<Path> written = writeFolder(folder, revision("r1"));
    for (Path p : written) {
      Files.setLastModifiedTime(p, then);
    }
    BundleManager m = polling(folder);
    assertThat(m.pollAll()).isTrue();
    assertThat(answer(holder.current().orElseThrow())).isEqualTo("r1");
    assertThat(m.pollAll()).as("the same bytes are not loaded again").isFalse();

    // r2: every file the same length as r1's, and the same modification times
    for (Path p : writeFolder(folder, revision("r2"))) {
      Files.setLastModifiedTime(p, then);
    }
    for (Path p : written) {
      assertThat(Files.getLastModifiedTime(p)).isEqualTo(then);
    }
    assertThat(m.pollAll()).isTrue();
    assertThat(answer(holder.current().orElseThrow())).isEqualTo("r2");
  }

  @Test
  void localTarball_aRewriteWithTheSameSizeAndTimeIsLoaded() throws Exception {
    Path tgz = dir.resolve("same-size.tar.gz");
    byte[] r1 = BundleWriter.toBytes(revision("r1"));
    byte[] r2 = BundleWriter.toBytes(revision("r2"));
    assertThat(r2).hasSameSizeAs(r1);
    FileTime then = FileTime.fromMillis(1_700_000_000_000L);
    Files.write(tgz, r1);
    Files.setLastModifiedTime(tgz, then);
    BundleManager m = polling(tgz);
    assertThat(m.pollAll()).isTrue();
    assertThat(m.pollAll()).isFalse();
    Files.write(tgz, r2);
    Files.setLastModifiedTime(tgz, then);
    assertThat(m.pollAll()).isTrue();
    assertThat(answer(holder.current().orElseThrow())).isEqualTo("r2");
  }

  /**
   * A folder read while it was being rewritten is refused; the complete files are loaded at the
   * next poll even when their sizes and times are those the refused read saw.
   */
  @Test
  void localFolder_aReadRefusedMidRewriteIsFollowedByTheCompleteFiles() throws Exception {
    Path folder = Files.createDirectories(dir.resolve("mid-write"));
    FileTime then = FileTime.fromMillis(1_700_000_000_000L);
    for (Path p : writeFolder(folder, revision("r1"))) {
      Files.setLastModifiedTime(p, then);
    }
    BundleManager m = polling(folder);
    assertThat(m.pollAll()).isTrue();
    // r2's data.json caught half written: same length (padded), same time, not JSON
    SortedMap<String, byte[]> r2 = revision("r2");
    String dataFile =
        r2.keySet().stream().filter(k -> k.endsWith("data.json")).findFirst().orElseThrow();
    byte[] whole = r2.get(dataFile);
    byte[] half = Arrays.copyOf(whole, whole.length);
    Arrays.fill(half, whole.length / 2, whole.length, (byte) ' ');
    SortedMap<String, byte[]> torn = new TreeMap<>(r2);
    torn.put(dataFile, half);
    for (Path p : writeFolder(folder, torn)) {
      Files.setLastModifiedTime(p, then);
    }
    assertThat(m.pollAll()).isFalse();
    assertThat(lastFailure(m)).contains(dataFile);
    assertThat(answer(holder.current().orElseThrow())).isEqualTo("r1");

    for (Path p : writeFolder(folder, r2)) {
      Files.setLastModifiedTime(p, then);
    }
    assertThat(m.pollAll()).isTrue();
    assertThat(answer(holder.current().orElseThrow())).isEqualTo("r2");
  }

  /**
   * Issue 14, the cpu-policy phase's swap: a swap parsed every module twice (the package check
   * against the manifest's roots, then the compile) and compiled the whole policy, on the bundle
   * thread, beside the checks. Now the check and the compile share one parse, a module whose text
   * did not change since the serving policy's is not parsed again, and a swap of data alone reuses
   * the compiled rules; a bundle that is refused leaves nothing behind, and the next good one still
   * finds the serving policy's modules. Each swap still serves exactly the new bundle's answers.
   */
  @Test
  void issue14_aSwapParsesEachChangedModuleOnceAndReusesWhatDidNotChange() throws Exception {
    Path folder = dir.resolve("reuse");
    writeFolder(folder, twoModules("r1", "r1", "one"));
    BundleManager m = polling(folder);
    assertThat(m.pollAll()).isTrue();
    assertThat(answer(holder.current().orElseThrow())).isEqualTo("r1");
    assertThat(lastLoad())
        .as("each module parsed once, by the package check; the compile found both parsed")
        .isEqualTo(loadCounts(2, 2, false));

    writeFolder(folder, twoModules("r2", "r1", "one")); // data.json alone changes
    assertThat(m.pollAll()).isTrue();
    assertThat(holder.current().orElseThrow().policy().evaluate("swap/data_rev", ObjectValue.EMPTY))
        .contains(StringValue.of("r2"));
    assertThat(lastLoad()).isEqualTo(loadCounts(0, 4, true));

    writeFolder(folder, twoModules("r3", "r3", "one")); // policy.rego changes, lib.rego does not
    assertThat(m.pollAll()).isTrue();
    assertThat(answer(holder.current().orElseThrow())).isEqualTo("r3");
    assertThat(lastLoad()).isEqualTo(loadCounts(1, 3, false));

    Files.writeString(
        folder.resolve("swap/policy.rego"), "package swap\n\nanswer := undefined_fn(1)\n");
    assertThat(m.pollAll()).isFalse();
    assertThat(lastFailure(m)).contains("does not compile", "undefined_fn");
    assertThat(answer(holder.current().orElseThrow())).isEqualTo("r3");

    writeFolder(folder, twoModules("r3", "r3", "two")); // back to r3's policy; lib.rego changes
    assertThat(m.pollAll()).isTrue();
    assertThat(answer(holder.current().orElseThrow())).isEqualTo("r3");
    assertThat(holder.current().orElseThrow().policy().evaluate("swap/lib", ObjectValue.EMPTY))
        .contains(StringValue.of("two"));
    assertThat(lastLoad())
        .as("the refused module left nothing behind; r3's policy.rego is still kept")
        .isEqualTo(loadCounts(1, 3, false));
  }

  /**
   * Issue 14, the cpu-policy phase's end: the swap back to the policy before the serving one (a
   * canary rolled back; the fault matrix's phase ending) parses nothing and reuses that policy's
   * compiled rules, with the data it comes with; a policy two swaps back is compiled again. Each
   * swap serves exactly its bundle's answers.
   */
  @Test
  void issue14_aSwapBackToThePolicyBeforeReusesItsCompiledRules() throws Exception {
    Path folder = dir.resolve("back");
    writeFolder(folder, twoModules("d1", "good", "one"));
    BundleManager m = polling(folder);
    assertThat(m.pollAll()).isTrue();
    writeFolder(folder, twoModules("d1", "expensive", "one"));
    assertThat(m.pollAll()).isTrue();
    assertThat(moduleOf(holder.current().orElseThrow())).isEqualTo("expensive");
    assertThat(lastLoad()).isEqualTo(loadCounts(1, 3, false));

    writeFolder(folder, twoModules("d2", "good", "one")); // back, with new data
    assertThat(m.pollAll()).isTrue();
    assertThat(moduleOf(holder.current().orElseThrow())).isEqualTo("good");
    assertThat(holder.current().orElseThrow().policy().evaluate("swap/data_rev", ObjectValue.EMPTY))
        .contains(StringValue.of("d2"));
    assertThat(lastLoad()).as("nothing parsed, rules reused").isEqualTo(loadCounts(0, 4, true));

    writeFolder(folder, twoModules("d2", "expensive", "one")); // and forth again
    assertThat(m.pollAll()).isTrue();
    assertThat(moduleOf(holder.current().orElseThrow())).isEqualTo("expensive");
    assertThat(lastLoad()).isEqualTo(loadCounts(0, 4, true));

    writeFolder(folder, twoModules("d2", "third", "one"));
    assertThat(m.pollAll()).isTrue();
    writeFolder(folder, twoModules("d2", "good", "one")); // two swaps back: compiled again
    assertThat(m.pollAll()).isTrue();
    assertThat(moduleOf(holder.current().orElseThrow())).isEqualTo("good");
    assertThat(lastLoad()).isEqualTo(loadCounts(1, 3, false));
  }

  /** The module's answer of {@link #twoModules}'s policy, whatever the data says. */
  private static String moduleOf(ActivePolicy p) throws Exception {
    ObjectValue o =
        (ObjectValue) p.policy().evaluate("swap/answer", ObjectValue.EMPTY).orElseThrow();
    return ((StringValue) o.get("module").orElseThrow()).value();
  }

  /**
   * Two modules under root {@code swap}: policy.rego answering with {@code rev} (and the data's
   * revision), lib.rego with {@code lib}; data.json holding {@code dataRev}.
   */
  private static SortedMap<String, byte[]> twoModules(String dataRev, String rev, String lib) {
    SortedMap<String, byte[]> m =
        files(
            dataRev,
            "swap",
            "package swap\n\nanswer := {\"module\": \""
                + rev
                + "\", \"data\": data.swap.rev}\n\ndata_rev := data.swap.rev\n");
    m.put(
        "swap/lib.rego",
        ("package swap\n\nlib := \"" + lib + "\"\n").getBytes(StandardCharsets.UTF_8));
    return m;
  }

  /** The load of the last activation: parsed, reused, compiled rules reused (times left out). */
  private List<Object> lastLoad() {
    BundleManager.Load l = null;
    for (BundleManager.Event e : events) {
      if (e instanceof BundleManager.Activated a) {
        l = a.load();
      }
    }
    assertThat(l).as("an activation").isNotNull();
    return loadCounts(l.parsed(), l.reused(), l.compileReused());
  }

  private static List<Object> loadCounts(long parsed, long reused, boolean compileReused) {
    return List.of(parsed, reused, compileReused);
  }

  /** A manager of one local bundle source (a folder or a tarball) at {@code path}. */
  private BundleManager polling(Path path) {
    return new BundleManager(
        List.of(
            new LocalBundleSource(path, BundleLoader.Options.defaults(), Duration.ofMillis(10))),
        holder,
        EngineOptions.defaults(),
        events::add);
  }

  /** Writes a bundle's files under {@code folder}: the paths written. */
  private static List<Path> writeFolder(Path folder, SortedMap<String, byte[]> files)
      throws IOException {
    List<Path> out = new ArrayList<>();
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      Path p = folder.resolve(f.getKey());
      Files.createDirectories(p.getParent());
      Files.write(p, f.getValue());
      out.add(p);
    }
    return out;
  }

  @Test
  void start_pollsInTheBackgroundUntilClosed() throws Exception {
    serve(revision("r1"), "\"bg1\"");
    try (BundleManager m = manager(BundleLoader.Options.defaults(), url("swap.tar.gz"))) {
      m.start();
      waitFor(() -> activeRevision().equals("r1"));
      serve(revision("r2"), "\"bg2\"");
      waitFor(() -> activeRevision().equals("r2"));
    }
    assertThat(answer(holder.current().orElseThrow())).isEqualTo("r2");
  }

  private static void waitFor(java.util.function.BooleanSupplier cond) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!cond.getAsBoolean() && System.nanoTime() < until) {
      Thread.sleep(20);
    }
    assertThat(cond.getAsBoolean()).as("condition within 30 s").isTrue();
  }

  @Test
  void readFiles_isUsedForRawAccess() throws Exception {
    Path tgz = dir.resolve("x.tar.gz");
    Files.write(tgz, BundleWriter.toBytes(revision("r1")));
    assertThat(BundleLoader.readFiles(tgz, BundleLimits.defaults())).containsKey(".manifest");
  }
}
