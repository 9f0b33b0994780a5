package io.jrego.server.bundle;

import io.jrego.engine.ModuleCache;
import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.base.RegoError;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.base.RegoVersion;
import io.jrego.engine.bundle.Bundle;
import io.jrego.engine.bundle.BundleException;
import io.jrego.engine.bundle.BundleLimits;
import io.jrego.engine.bundle.Composition;
import io.jrego.server.ProcessGuard;
import io.jrego.server.policy.ActivePolicy;
import io.jrego.server.policy.PolicyHolder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Keeps the served policy in step with its bundle sources. Each source is polled on its own
 * schedule; when one brings a new bundle, all sources' latest good bundles are checked for
 * overlapping roots, compiled together and activated in one atomic swap of the {@link
 * PolicyHolder}. A bundle that fails to fetch, unpack, parse, verify or compile, or overlaps
 * another, is refused: the last good policy stays active and the failure goes to the listener.
 *
 * <p>No policy is activated until every source has brought a bundle once: a policy made of some of
 * the bundles could allow what the missing ones would deny (one bundle may read another's data), so
 * until then the holder stays empty, checks fail as without a policy, {@link #awaiting()} names the
 * sources still missing and each bundle that arrives meanwhile is reported as {@link Waiting}. The
 * first activation composes them all in one swap; after it, each source swaps on its own.
 */
public final class BundleManager implements AutoCloseable {

  /** What happened to a bundle, for logs and metrics. */
  public sealed interface Event {
    /** The source it concerns. */
    String source();
  }

  /**
   * A new policy is active.
   *
   * @param load what loading it took
   */
  public record Activated(String source, ActivePolicy policy, Load load) implements Event {}

  /**
   * What one activation's load took on the bundle thread, for the log: the swap's own seconds.
   *
   * @param read fetching and reading the bundle that came (the package check of its modules
   *     included)
   * @param compile composing and compiling the policy and preparing its decisions
   * @param parsed modules parsed in this load
   * @param reused modules found parsed: by this load's package check, or unchanged since the policy
   *     it replaces ({@link ModuleCache})
   * @param compileReused whether compiled rules were reused: those of the policy it replaces (no
   *     module changed: a swap of data alone) or of the one before it (a swap back)
   */
  public record Load(
      Duration read, Duration compile, long parsed, long reused, boolean compileReused) {}

  /**
   * A bundle was refused, or could not be fetched; the last good policy stays.
   *
   * @param reason which sort of failure, a metric label: {@code fetch}, {@code invalid}, {@code
   *     limit}, {@code signature}, {@code compile}, {@code conflict} (overlapping roots) or {@code
   *     error} (an exception or {@link Error} no check anticipated, such as a {@link
   *     StackOverflowError})
   * @param at when it happened
   */
  public record Failed(String source, String reason, String message, Instant at) implements Event {}

  /**
   * A new policy was evaluated on recent inputs before activation ({@link PolicyWarmUp}); sent
   * before its {@link Activated}. Failures are counted here and never stop the activation.
   */
  public record WarmedUp(String source, PolicyWarmUp.Result result) implements Event {}

  /**
   * A source brought a bundle before the others did, so nothing is activated yet ({@link
   * BundleManager}).
   *
   * @param revision the bundle it brought, held until the others arrive
   * @param missing the sources still to bring their first bundle, in configured order
   */
  public record Waiting(String source, String revision, List<String> missing) implements Event {
    public Waiting {
      missing = List.copyOf(missing);
    }
  }

  /** Roots of two bundles overlap. */
  static final String CONFLICT = "conflict";

  /** Does not compile. */
  static final String COMPILE = "compile";

  /** An exception or Error while loading that no check anticipated. */
  static final String ERROR = "error";

  private final List<BundleSource> sources;
  private final PolicyHolder holder;
  private final EngineOptions engine;
  private final Consumer<Event> listener;

  /**
   * The active bundles; before the first activation, the latest each source brought so far (not yet
   * known to compile together).
   */
  private final Map<String, Bundle> good = new LinkedHashMap<>();

  private final List<String> names;
  private boolean activatedOnce;
  private volatile boolean holdBack = true;
  private volatile List<String> awaiting;
  private volatile Optional<Failed> lastFailure = Optional.empty();
  private volatile ScheduledExecutorService scheduler;
  private volatile boolean closed;
  private volatile Optional<PolicyWarmUp> warmUp = Optional.empty();

  /**
   * The most characters of Rego the policy before the serving one may have for its compile to be
   * kept ({@link ModuleCache}): an eighth of what a bundle may have, so that slot's compiled rules
   * (about 50 times their source, {@link BundleLimits#maxModuleBytes}) take at most about a
   * twentieth of the heap beside the serving policy's (with serve's 128 MiB heap: 128 KiB of Rego,
   * about 6 MiB compiled; the shipped bundles have 20 KiB).
   */
  static final long PREVIOUS_MAX_CHARS = BundleLimits.defaults().maxModuleBytes() / 8;

  /**
   * The serving policy's parsed modules and compiled rules, for the next load to reuse, those of
   * the policy before it when small (a swap back), and what a load under way parsed: its package
   * check and its compile share one parse. Kept on activation, dropped on every other outcome, so
   * it holds no more than the serving policy and one small previous compile do.
   */
  private final ModuleCache modules = new ModuleCache(PREVIOUS_MAX_CHARS);

  public BundleManager(
      List<BundleSource> sources,
      PolicyHolder holder,
      EngineOptions engine,
      Consumer<Event> listener) {
    if (sources.isEmpty()) {
      throw new IllegalArgumentException("at least one bundle source is needed");
    }
    this.sources = List.copyOf(sources);
    this.holder = Objects.requireNonNull(holder);
    this.engine = Objects.requireNonNull(engine);
    this.listener = Objects.requireNonNull(listener);
    this.names = this.sources.stream().map(BundleSource::name).distinct().toList();
    this.awaiting = names;
  }

  /**
   * Activates whatever good bundles there are as each source arrives, as before the first
   * activation held them back: for workload routes, where each route decides with its own bundle
   * and fails closed on its own ({@code no_policy}) while that bundle is missing, so one workload's
   * bundle that never loads does not keep the others closed. Call before the first poll.
   */
  public void activateEachSourceAsItArrives() {
    holdBack = false;
    awaiting = List.of();
  }

  /**
   * The sources that have not yet brought a good bundle while no policy of this manager has been
   * activated, in configured order; empty from the first activation on.
   */
  public List<String> awaiting() {
    return awaiting;
  }

  /**
   * Evaluates every new policy with {@code w} before activating it; none by default. The first
   * policy is warmed too, though it has only the samples there are (none before any check).
   */
  public void warmUpWith(PolicyWarmUp w) {
    this.warmUp = Optional.of(w);
  }

  /** The latest refusal, empty until one happens; cleared by the next activation. */
  public Optional<Failed> lastFailure() {
    return lastFailure;
  }

  /**
   * Polls every source once, activating if any brought a new bundle. What {@link #start} repeats;
   * tests and startup call it directly.
   *
   * @return whether a new policy was activated
   */
  public boolean pollAll() {
    boolean activated = false;
    for (BundleSource s : sources) {
      activated |= poll(s);
    }
    return activated;
  }

  /**
   * Polls one source and activates what it brings, if it is good. Every failure is reported, an
   * {@link Error} included, and the last good policy stays; an {@link Error} that leaves the JVM
   * unusable (running out of memory) also goes to {@link ProcessGuard}, which ends the process when
   * {@code jrego serve} installed it.
   */
  synchronized boolean poll(BundleSource source) {
    try {
      return pollOnce(source);
    } catch (RuntimeException | Error e) {
      if (closed) {
        return false; // interrupted by close(): not the bundle's failure
      }
      fail(source.name(), ERROR, source.name() + ": " + describe(e));
      ProcessGuard.caught("bundle " + source.name(), e);
      return false;
    }
  }

  private boolean pollOnce(BundleSource source) {
    try {
      return pollOnce(source, System.nanoTime(), modules.parsedTotal(), modules.reusedTotal());
    } finally {
      modules.dropPending(); // after an activation, kept already: nothing pending
    }
  }

  private boolean pollOnce(BundleSource source, long start, long parsedBefore, long reusedBefore) {
    Optional<Bundle> fresh;
    try {
      fresh = source.poll(modules);
    } catch (BundleSourceException e) {
      fail(source.name(), e.reason(), e.getMessage());
      return false;
    }
    long read = System.nanoTime();
    if (fresh.isEmpty()) {
      rehearse();
      return false;
    }
    Map<String, Bundle> next = new LinkedHashMap<>();
    for (BundleSource s : sources) {
      if (s == source) {
        next.put(s.name(), fresh.get());
      } else if (good.containsKey(s.name())) {
        next.put(s.name(), good.get(s.name()));
      }
    }
    if (holdBack && !activatedOnce) {
      // kept even if the composition below fails: which bundle is at fault is not known, and a
      // new version of any of them tries again
      good.put(source.name(), fresh.get());
      awaiting = names.stream().filter(n -> !good.containsKey(n)).toList();
      if (!awaiting.isEmpty()) {
        tell(new Waiting(source.name(), fresh.get().revision(), awaiting));
        return false;
      }
    }
    try {
      long compilesReused = modules.compilesReusedTotal();
      ActivePolicy policy = compile(next);
      // the decisions the checks under the policy it replaces asked for, prepared here and not by
      // the first check under the new one (Decisions)
      holder.current().ifPresent(policy::prepareLike);
      Load load =
          new Load(
              Duration.ofNanos(read - start),
              Duration.ofNanos(System.nanoTime() - read),
              modules.parsedTotal() - parsedBefore,
              modules.reusedTotal() - reusedBefore,
              modules.compilesReusedTotal() > compilesReused);
      warm(source.name(), policy);
      holder.activate(policy);
      modules.keep();
      good.clear();
      good.putAll(next);
      activatedOnce = true;
      lastFailure = Optional.empty();
      tell(new Activated(source.name(), policy, load));
      return true;
    } catch (BundleSourceException e) {
      fail(source.name(), e.reason(), e.getMessage());
      return false;
    } catch (RegoException e) {
      StringBuilder sb =
          new StringBuilder(
              activatedOnce || !holdBack
                  ? source.name() + ": does not compile:"
                  : String.join(" + ", next.keySet()) + ": do not compile together:");
      for (RegoError re : e.errors()) {
        sb.append('\n').append(re.describe());
      }
      fail(source.name(), COMPILE, sb.toString());
      return false;
    }
  }

  /**
   * How many polls that bring nothing new rehearse a swap ({@link PolicyWarmUp#rehearse}) after the
   * first activation: the first minute or so of polling, when the server is new.
   */
  static final int REHEARSALS = 16;

  private int rehearsalsLeft = REHEARSALS;

  /** How many rehearsals are left ({@link #REHEARSALS} at first). */
  synchronized int rehearsalsLeft() {
    return rehearsalsLeft;
  }

  /**
   * On one of the first {@link #REHEARSALS} polls that brought nothing, goes through a swap's
   * reading and evaluating with the active policy ({@link PolicyWarmUp#rehearse}), so that the
   * JIT's code for it has seen a swap before one comes under load. Needs a warm-up (none when its
   * budget is zero); whatever the rehearsal throws is dropped (the active policy is untouched).
   */
  private void rehearse() {
    Optional<PolicyWarmUp> w = warmUp;
    Optional<ActivePolicy> active = holder.current();
    if (rehearsalsLeft <= 0
        || w.isEmpty()
        || w.get().budget().isZero()
        || active.isEmpty()
        || !activatedOnce) {
      return;
    }
    rehearsalsLeft--;
    try {
      w.get().rehearse(active.get(), List.copyOf(good.values()));
    } catch (RuntimeException | StackOverflowError e) {
      // nothing at stake: the next swap runs its own warm-up and reports what fails there
    }
  }

  /** Runs the warm-up, if any; whatever it throws is reported and the activation goes on. */
  private void warm(String source, ActivePolicy policy) {
    Optional<PolicyWarmUp> w = warmUp;
    if (w.isEmpty() || w.get().budget().isZero()) {
      return;
    }
    PolicyWarmUp.Result result;
    try {
      result = w.get().run(policy);
    } catch (RuntimeException | StackOverflowError e) {
      result =
          new PolicyWarmUp.Result(0, 1, 0, Duration.ZERO, Optional.of("warm-up: " + describe(e)));
    }
    tell(new WarmedUp(source, result));
  }

  /** One line naming an unanticipated failure: its class and message, and where it came from. */
  private static String describe(Throwable e) {
    StackTraceElement[] trace = e.getStackTrace();
    String at = trace.length == 0 ? "" : " at " + trace[0];
    return "unexpected "
        + e.getClass().getName()
        + (e.getMessage() == null ? "" : ": " + e.getMessage())
        + at;
  }

  private void fail(String source, String reason, String message) {
    if (closed) {
      return; // a poll interrupted by close() failed because of it, not because of the bundle
    }
    Failed f = new Failed(source, reason, message, Instant.now());
    lastFailure = Optional.of(f);
    tell(f);
  }

  /** A listener that fails must not undo an activation or stop polling. */
  private void tell(Event e) {
    try {
      listener.accept(e);
    } catch (RuntimeException ignored) {
      // the event is still in lastFailure or the holder
    }
  }

  /**
   * The bundles composed as every command composes them ({@link Composition}): modules named by
   * bundle when there are several, roots disjoint (as OPA requires), data merged.
   */
  private ActivePolicy compile(Map<String, Bundle> bundles)
      throws RegoException, BundleSourceException {
    Composition composed = new Composition(RegoVersion.V1);
    boolean several = bundles.size() > 1;
    List<String> revisions = new ArrayList<>();
    Map<String, String> named = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, Bundle> e : bundles.entrySet()) {
        Bundle bundle = e.getValue();
        composed.bundle(several ? e.getKey() : "", bundle);
        revisions.add(several ? e.getKey() + "=" + bundle.revision() : bundle.revision());
        named.put(e.getKey(), bundle.revision());
      }
    } catch (BundleException e) {
      throw new BundleSourceException(CONFLICT, e.getMessage());
    }
    PreparedPolicy policy = composed.builder(engine).parsedWith(modules).compile();
    return new ActivePolicy(
        policy,
        String.join(",", revisions),
        String.join(",", bundles.keySet()),
        Instant.now(),
        java.util.Collections.unmodifiableMap(named));
  }

  /** Polls each source on its own schedule, on one daemon thread, until {@link #close}. */
  public synchronized void start() {
    if (scheduler != null) {
      return;
    }
    scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "jrego-bundles");
              t.setDaemon(true);
              return t;
            });
    for (BundleSource s : sources) {
      schedule(s);
    }
  }

  private void schedule(BundleSource s) {
    ScheduledExecutorService sch = scheduler;
    if (sch == null || sch.isShutdown()) {
      return;
    }
    try {
      var unused =
          sch.schedule(
              () -> {
                try {
                  poll(s); // reports every failure itself
                } finally {
                  schedule(s);
                }
              },
              s.nextDelay().toMillis(),
              TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closed meanwhile: polling stops
    }
  }

  /**
   * Stops polling: a poll under way is interrupted (a download ends at once) and its result
   * discarded. Does not wait for it, so shutting down never blocks on a bundle.
   */
  @Override
  public void close() {
    closed = true;
    ScheduledExecutorService s = scheduler;
    if (s != null) {
      s.shutdownNow();
    }
  }
}
