package io.jrego.server.grpc;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.jrego.engine.Carry;
import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.RuleInfo;
import io.jrego.engine.base.QueryOptions;
import io.jrego.engine.value.Value;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.body.Redactions;
import io.jrego.server.budget.BudgetGate;
import io.jrego.server.decide.Decider;
import io.jrego.server.decide.Kind;
import io.jrego.server.decide.Outcome;
import io.jrego.server.envoy.CheckException;
import io.jrego.server.envoy.DecisionMapper;
import io.jrego.server.envoy.InputMapper;
import io.jrego.server.envoy.PhaseDecision;
import io.jrego.server.envoy.PhaseDecisionMapper;
import io.jrego.server.observe.DecisionRecorder;
import io.jrego.server.policy.ActivePolicy;
import io.jrego.server.policy.PolicyFact;
import io.jrego.server.policy.PolicyHolder;
import io.jrego.server.process.CheckedDecision;
import io.jrego.server.process.Phase;
import io.jrego.server.process.PhaseRunner;
import io.jrego.server.process.ProcessStream;
import io.jrego.server.route.Route;
import io.jrego.server.route.RouteTable;
import java.lang.System.Logger.Level;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

/**
 * Envoy's {@code envoy.service.ext_proc.v3.ExternalProcessor/Process}, on the same port, policy and
 * metrics as Check: each stream (one HTTP request and its response) is a {@link ProcessStream},
 * whose phases the {@link Decider} core evaluates at {@code <process path>/request} and {@code
 * <process path>/response}. Which of the two rules a policy defines is read once per activated
 * policy, before it serves ({@link PolicyFact}); a phase without its rule is not evaluated, and
 * Envoy is told not to send it.
 */
public final class ExternalProcessorService
    extends ExternalProcessorGrpc.ExternalProcessorImplBase {

  private static final System.Logger LOG = System.getLogger("io.jrego.server.process");
  private static final AtomicBoolean MALFORMED_LOGGED = new AtomicBoolean();

  /**
   * What ext_proc adds to Check's configuration.
   *
   * @param processPath the root of the phase rules: {@code <processPath>/request} and {@code
   *     <processPath>/response} under {@code data}
   * @param strategy how response bodies travel between Envoy and jrego
   * @param maxBodyBytes the largest request body, buffered response body or SSE event
   * @param maxHold the most answer text held back for one choice of an SSE stream, in characters
   * @param carrying when Check writes its decision for the streams ({@link CheckedDecision})
   */
  public record Config(
      String processPath,
      ProcessStream.Strategy strategy,
      int maxBodyBytes,
      int maxHold,
      CheckedDecision.Carrying carrying) {
    public Config {
      Objects.requireNonNull(strategy);
      Objects.requireNonNull(carrying);
      // "envoy.process", "/envoy/process/" and "envoy/process" name the same rules
      processPath = processPath.replace('.', '/').replaceAll("^/+|/+$", "");
      if (processPath.isEmpty()) {
        throw new IllegalArgumentException("the process path must name a package, got nothing");
      }
      if (maxBodyBytes < 1) {
        throw new IllegalArgumentException("max body bytes must be positive, got " + maxBodyBytes);
      }
      if (maxHold < 1) {
        throw new IllegalArgumentException("stream max hold must be positive, got " + maxHold);
      }
    }

    /** With Check's decision carried as {@link CheckedDecision.Carrying#AUTO} decides. */
    public Config(
        String processPath, ProcessStream.Strategy strategy, int maxBodyBytes, int maxHold) {
      this(processPath, strategy, maxBodyBytes, maxHold, CheckedDecision.Carrying.AUTO);
    }

    /**
     * {@code envoy/process}, full duplex, 1 MiB bodies, 16 Ki characters held, Check's decision
     * carried once a stream shows Envoy forwards it.
     */
    public static Config defaults() {
      ProcessStream.Config d = ProcessStream.Config.defaults();
      return new Config("envoy/process", d.strategy(), d.maxBodyBytes(), d.maxHold());
    }
  }

  /**
   * Which phase rules one policy defines, and how costly each phase has been: a phase's message is
   * decided where it arrives once the phase is known to be cheap ({@link PhaseCost}, {@link
   * StreamLane}). Never for a policy that calls a non-deterministic builtin ({@code inline} false):
   * {@code http.send} waits on the network using no CPU, so its cost in CPU says nothing of how
   * long it would hold the transport thread.
   */
  private record Rules(
      boolean request,
      boolean response,
      boolean inline,
      PhaseCost requestCost,
      PhaseCost responseCost) {

    /** The rules under {@code processPath} ({@code envoy/process}) in {@code p}. */
    static Rules of(ActivePolicy p, String processPath) {
      String root = processPath.replace('/', '.');
      return new Rules(
          defines(p.policy(), root, "request"),
          defines(p.policy(), root, "response"),
          p.policy().nondeterministicCalls().isEmpty(),
          new PhaseCost(),
          new PhaseCost());
    }

    PhaseCost cost(Phase phase) {
      return phase == Phase.REQUEST ? requestCost : responseCost;
    }

    boolean cheap(Phase phase) {
      return inline && cost(phase).cheap();
    }
  }

  private final PolicyHolder policies;
  private final Decider decider;
  private final Config config;
  private final boolean dryRun;
  private final ProcessStream.Config streams;
  private final PhaseDecisionMapper mapper;
  private final Optional<RouteTable> routes;
  // what streams read of each policy, computed before it serves (shared with the warm-up's copy)
  private final PolicyFact<StreamFacts> facts;
  private final Optional<BudgetGate> budgets;
  private final AuthorizationService.Config check;
  private final Set<GrpcSink> open = ConcurrentHashMap.newKeySet();
  private volatile Executor threads;
  private volatile Supplier<Optional<Executor>> loop = Optional::empty;
  private final StreamLane.Times times;
  // opened by a request phase that finds ext_authz's namespace forwarded; null: none to open
  private volatile CheckedDecision.Gate gate;

  /**
   * @param check Check's configuration, whose input options, dry-run, on-error, error status and
   *     deadline apply to the phases too
   */
  public ExternalProcessorService(
      PolicyHolder policies,
      ServerMetrics metrics,
      AuthorizationService.Config check,
      Config config) {
    this(policies, metrics, check, config, DecisionRecorder.none());
  }

  /** A service that hands every phase's decision to {@code recorder} (decision logs, tracing). */
  public ExternalProcessorService(
      PolicyHolder policies,
      ServerMetrics metrics,
      AuthorizationService.Config check,
      Config config,
      DecisionRecorder recorder) {
    this(policies, metrics, check, config, recorder, Optional.empty());
  }

  /**
   * A service that also settles the token reservations Check made in {@code budgets} from each
   * request's response (see {@link ProcessStream}); not in dry-run.
   */
  public ExternalProcessorService(
      PolicyHolder policies,
      ServerMetrics metrics,
      AuthorizationService.Config check,
      Config config,
      DecisionRecorder recorder,
      Optional<BudgetGate> budgets) {
    this(policies, metrics, check, config, recorder, budgets, null);
  }

  /** With {@code facts} the real service's (a warm-up copy), or null to make them (the service). */
  private ExternalProcessorService(
      PolicyHolder policies,
      ServerMetrics metrics,
      AuthorizationService.Config check,
      Config config,
      DecisionRecorder recorder,
      Optional<BudgetGate> budgets,
      PolicyFact<StreamFacts> facts) {
    boolean announce = facts == null;
    this.policies = policies;
    this.check = check;
    this.budgets = check.dryRun() ? Optional.empty() : budgets;
    this.decider = new Decider(metrics, check.evalTimeout(), !announce, recorder, check.pacing());
    this.config = config;
    this.routes = check.routes().forProcess();
    this.dryRun = check.dryRun();
    this.streams =
        new ProcessStream.Config(
            config.strategy(),
            config.maxBodyBytes(),
            config.maxHold(),
            check.onError(),
            check.errorStatus(),
            check.input());
    this.mapper = new PhaseDecisionMapper(dryRun);
    this.times = messageTimes(metrics);
    if (!announce) {
      this.facts = facts;
      return;
    }
    Optional<RouteTable> table = this.routes;
    String path = config.processPath();
    InputMapper.Options input = check.input();
    this.facts = policies.fact("ext_proc rules", p -> StreamFacts.of(p, path, table, input));
    metrics.expectChecks("ext_proc", "request", true);
    metrics.expectChecks("ext_proc", "response", true);
    metrics.expectChecks("ext_proc", "stream", false);
    metrics.expectCheckedDecisions();
    policies.onActivate(
        p -> {
          Rules r = this.facts.of(p).rules();
          LOG.log(
              Level.INFO,
              "ext_proc: revision {0} defines {1}",
              p.revision(),
              r.request() || r.response()
                  ? (r.request() ? "data." + dotted() + ".request " : "")
                      + (r.response() ? "data." + dotted() + ".response" : "")
                  : "no data." + dotted() + " rule: Process passes every request unchanged");
        });
  }

  /**
   * A copy for {@link WarmUp}'s made-up streams: the same policy and settings, metrics of its own,
   * no decision records, no budgets settled, nothing logged.
   */
  ExternalProcessorService forWarmUp() {
    return new ExternalProcessorService(
        policies,
        new ServerMetrics(),
        check,
        config,
        DecisionRecorder.none(),
        Optional.empty(),
        facts);
  }

  /**
   * Opens {@code gate} (Check then writes its decision for the streams, {@link CheckedDecision})
   * when a stream's request phase finds ext_authz's metadata namespace forwarded by Envoy. The
   * warm-up's copy opens nothing.
   */
  public ExternalProcessorService opens(CheckedDecision.Gate gate) {
    this.gate = gate;
    return this;
  }

  /** Where phases are counted. */
  ServerMetrics metrics() {
    return decider.metrics();
  }

  /**
   * Each message kind's {@code jrego_process_message_seconds} series on both kinds of thread,
   * registered here so that recording registers nothing.
   */
  private static StreamLane.Times messageTimes(ServerMetrics metrics) {
    Map<ProcessingRequest.RequestCase, LongConsumer> transport =
        new EnumMap<>(ProcessingRequest.RequestCase.class);
    Map<ProcessingRequest.RequestCase, LongConsumer> check =
        new EnumMap<>(ProcessingRequest.RequestCase.class);
    for (ProcessingRequest.RequestCase c : ProcessingRequest.RequestCase.values()) {
      if (c != ProcessingRequest.RequestCase.REQUEST_NOT_SET) {
        String name = c.name().toLowerCase(Locale.ROOT);
        transport.put(c, metrics.processMessage(name, "transport"));
        check.put(c, metrics.processMessage(name, "check"));
      }
    }
    return (message, onTransport, nanos) -> {
      LongConsumer t = (onTransport ? transport : check).get(message);
      if (t != null) {
        t.accept(nanos);
      }
    };
  }

  private String dotted() {
    return config.processPath().replace('/', '.');
  }

  /**
   * What streams read of one policy: the phase rules under the process path, those under each
   * route's process path (with routes), and the {@link CheckedDecision#token token} a carried
   * decision must have to be used (null when the policy does not define the request rule: no stream
   * then reads a carried decision). Computed when the policy is activated ({@link PolicyFact}); a
   * fresh {@link PhaseCost} per policy, as before.
   */
  private record StreamFacts(Rules rules, Map<String, Rules> routes, String token) {
    static StreamFacts of(
        ActivePolicy p, String processPath, Optional<RouteTable> table, InputMapper.Options input) {
      Rules rules = Rules.of(p, processPath);
      Map<String, Rules> routes = new HashMap<>();
      if (table.isPresent()) {
        for (Route r : table.get().routes()) {
          routes.putIfAbsent(r.path(), Rules.of(p, r.path()));
        }
      }
      String token = rules.request() ? CheckedDecision.token(p.policy(), input) : null;
      return new StreamFacts(rules, Collections.unmodifiableMap(routes), token);
    }

    /** The phase rules of a route's process path ({@code processPath}). */
    Rules route(ActivePolicy p, String processPath) {
      Rules r = routes.get(processPath);
      // every route of the table is in routes: computed here only for a path outside it
      return r != null ? r : Rules.of(p, processPath);
    }
  }

  private static boolean defines(PreparedPolicy policy, String root, String phase) {
    String path = "data." + root + "." + phase;
    for (RuleInfo rule : policy.rules()) {
      if (rule.path().equals(path) || rule.path().startsWith(path + ".")) {
        return true;
      }
    }
    return false;
  }

  /**
   * Where messages that are not {@link ProcessStream#light light} run: the check threads, when the
   * server's gate runs ext_proc calls on the transport thread ({@link RequestGate}). Until set, or
   * for a caller that is not a gRPC server call (tests), every message runs where it arrives.
   */
  void offload(Executor threads) {
    this.threads = threads;
  }

  /**
   * As {@link #offload(Executor)}, on a transport with event loops: {@code loop} gives the one
   * running the thread a stream starts on, where the stream asks for its next message after the
   * answers so far are flushed ({@link StreamLane}).
   */
  void offload(Executor threads, Supplier<Optional<Executor>> loop) {
    this.loop = loop;
    this.threads = threads;
  }

  @Override
  public StreamObserver<ProcessingRequest> process(StreamObserver<ProcessingResponse> out) {
    GrpcSink sink = new GrpcSink(out);
    ProcessStream stream =
        new ProcessStream(new Runner(policies.current()), streams, sink, budgets);
    open.add(sink);
    Executor pool = threads;
    StreamLane lane =
        pool != null && out instanceof ServerCallStreamObserver<ProcessingResponse> call
            ? new StreamLane(stream, call, pool, t -> died(sink, t), loop.get(), times)
            : null;
    Runnable closed =
        () -> {
          open.remove(sink);
          stream.onClosed();
        };
    if (out instanceof ServerCallStreamObserver<ProcessingResponse> call) {
      call.setOnCancelHandler(lane == null ? closed : () -> lane.end(closed));
    }
    if (lane != null) {
      lane.start();
    }
    return new StreamObserver<>() {
      @Override
      public void onNext(ProcessingRequest r) {
        if (lane == null) {
          stream.onMessage(r);
        } else {
          lane.message(r);
        }
      }

      @Override
      public void onError(Throwable t) {
        if (lane == null) {
          closed.run();
        } else {
          lane.end(closed);
        }
      }

      @Override
      public void onCompleted() {
        Runnable completed =
            () -> {
              closed.run();
              sink.complete();
            };
        if (lane == null) {
          completed.run();
        } else {
          lane.end(completed);
        }
      }
    };
  }

  /** A message handled on a check thread threw: counted and logged, the stream fails. */
  private void died(GrpcSink sink, Throwable t) {
    metrics().check("ext_proc", "stream", "error", "internal", 0);
    metrics().errorCaught("check", t);
    LOG.log(Level.ERROR, "ext_proc stream died by {0}", t.toString());
    sink.fail(Status.INTERNAL.withDescription("internal: " + t.getClass().getSimpleName()));
  }

  /**
   * Ends every open stream with {@code UNAVAILABLE}, as a server that stops must: Envoy then fails
   * each request at once (a 500 before the response began, a reset after) instead of waiting for
   * answers that will never come. Called by {@link CheckServer#shutdown()} before the transport
   * closes. Returns how many streams were open.
   */
  int failOpenStreams() {
    int n = 0;
    for (Iterator<GrpcSink> it = open.iterator(); it.hasNext(); n++) {
      GrpcSink sink = it.next();
      it.remove();
      sink.fail(Status.UNAVAILABLE.withDescription("jrego is shutting down"));
    }
    return n;
  }

  /**
   * Sends to the gRPC stream; once it is closed or cancelled, sends nothing more. Synchronized: the
   * shutdown fails streams from its own thread.
   */
  private static final class GrpcSink implements ProcessStream.Sink {
    private final StreamObserver<ProcessingResponse> out;
    private boolean closed;

    GrpcSink(StreamObserver<ProcessingResponse> out) {
      this.out = out;
    }

    synchronized void complete() {
      if (closed) {
        return;
      }
      closed = true;
      try {
        out.onCompleted();
      } catch (RuntimeException e) {
        // already closed
      }
    }

    @Override
    public synchronized void send(ProcessingResponse response) {
      if (closed) {
        return;
      }
      try {
        out.onNext(response);
      } catch (RuntimeException e) {
        closed = true; // Envoy went away
      }
    }

    @Override
    public synchronized void fail(Status status) {
      if (closed) {
        return;
      }
      closed = true;
      try {
        out.onError(status.asRuntimeException());
      } catch (RuntimeException e) {
        // already gone
      }
    }
  }

  /** One stream's view of the core: the policy as it was when the stream began. */
  private final class Runner implements PhaseRunner {
    private final Optional<ActivePolicy> policy;
    private final String requestedBy = Peers.current();
    // the response phase's input is the request phase's with another `phase` and a `response`
    // (ProcessStream): rules that read neither are not evaluated again for it
    private final Carry carry = Carry.across("phase", "response");
    // what the stream reads of its policy (null: none active)
    private final StreamFacts known;
    // with routes: none until route() picks the stream's route, so nothing runs unrouted
    private Rules phases;
    private Route route;
    // Check's decision for this request when it applies (checked()): both phases read it
    private List<String> checkedPath;
    private Value checkedDecision;

    Runner(Optional<ActivePolicy> policy) {
      this.policy = policy;
      this.known = policy.isPresent() ? facts.of(policy.get()) : null;
      this.phases = routes.isPresent() || known == null ? null : known.rules();
    }

    @Override
    public boolean routed() {
      return routes.isPresent();
    }

    /**
     * Picks the stream's route from the caller's identity at its request headers. A stream no route
     * takes is refused by the core ({@code unknown_workload}, as Check is); one whose route's
     * bundle is not active fails as {@code no_policy}. Only a refusal maps the whole input here; a
     * routed stream maps it once, in its phase.
     */
    @Override
    public Optional<Outcome<PhaseDecision>> route(
        io.jrego.engine.value.ObjectValue identity, Input input) {
      if (routes.isEmpty() || policy.isEmpty()) {
        return Optional.empty();
      }
      long start = System.nanoTime();
      Optional<Route> chosen = routes.get().select(identity);
      if (chosen.isEmpty()) {
        return Optional.of(decide(routes.get(), Phase.REQUEST, input, start));
      }
      Route r = chosen.get();
      if (r.bundle().isPresent() && !policy.get().bundles().containsKey(r.bundle().get())) {
        return Optional.of(decide(table(r, Phase.REQUEST), Phase.REQUEST, input, start));
      }
      route = r;
      phases = known.route(policy.get(), r.path());
      return Optional.empty();
    }

    @Override
    public boolean hasPolicy() {
      return policy.isPresent();
    }

    @Override
    public boolean defines(Phase phase) {
      return phases != null && (phase == Phase.REQUEST ? phases.request() : phases.response());
    }

    @Override
    public boolean cheap(Phase phase) {
      return phases != null && phases.cheap(phase);
    }

    /**
     * Takes Check's decision when it was made by this policy at this server's decision path for the
     * same body, and the stream is not routed; counts what it found ({@code
     * jrego_ext_proc_checked_total}).
     */
    @Override
    public void checked(CheckedDecision.Found found, ByteString body) {
      CheckedDecision.Gate g = gate;
      if (g != null && !(found instanceof CheckedDecision.Found.Absent a && !a.forwarded())) {
        g.forwarded();
      }
      String result =
          switch (found) {
            case CheckedDecision.Found.Absent a -> "absent";
            case CheckedDecision.Found.Malformed m -> malformed(m.why());
            case CheckedDecision.Found.Entry e -> take(e.decision(), body);
          };
      decider.metrics().checkedDecision(result);
    }

    private String take(CheckedDecision d, ByteString body) {
      if (policy.isEmpty() || route != null || check.routes().routing()) {
        return "routed";
      }
      Optional<String> mismatch =
          d.mismatch(known.token(), check.routes().routes().get(0).path(), body);
      if (mismatch.isPresent()) {
        return mismatch.get();
      }
      try {
        checkedDecision = d.decision();
      } catch (RuntimeException e) {
        return malformed(CheckedDecision.KEY + ".decision is not JSON: " + e.getMessage());
      }
      checkedPath = d.pathKeys();
      return "used";
    }

    private String malformed(String why) {
      if (!decider.quiet() && MALFORMED_LOGGED.compareAndSet(false, true)) {
        LOG.log(
            Level.WARNING,
            "ext_proc: Check''s decision in the forwarded metadata cannot be read ({0}); "
                + "evaluating it again (logged once)",
            why);
      }
      return "malformed";
    }

    @Override
    public Outcome<PhaseDecision> run(Phase phase, Input input) {
      RouteTable table =
          route == null
              ? RouteTable.single(config.processPath() + "/" + phase.id())
              : table(route, phase);
      if (phases == null) {
        return decide(table, phase, input, System.nanoTime());
      }
      PhaseCost cost = phases.cost(phase);
      long from = cost.now();
      try {
        return decide(table, phase, input, System.nanoTime());
      } finally {
        cost.ended(from);
      }
    }

    /** The one routed route that answers {@code phase} of a stream {@code r} took. */
    private static RouteTable table(Route r, Phase phase) {
      return RouteTable.of(
          List.of(
              new Route(
                  r.name(),
                  r.bundle(),
                  r.path() + "/" + phase.id(),
                  Route.Match.ANY,
                  r.processPath())));
    }

    private Outcome<PhaseDecision> decide(RouteTable table, Phase phase, Input input, long start) {
      boolean request = phase == Phase.REQUEST;
      return decider.decide(
          policy,
          table,
          request ? Kind.REQUEST : Kind.RESPONSE,
          new Decider.Call<PhaseDecision>() {
            @Override
            public io.jrego.engine.value.ObjectValue input(long deadline) throws CheckException {
              return input.build(deadline);
            }

            @Override
            public PhaseDecision answer(Value decision, String decisionId) throws CheckException {
              return mapper.map(decision, decisionId, request);
            }

            @Override
            public String requestedBy() {
              return requestedBy;
            }

            @Override
            public Carry carry() {
              return carry;
            }

            @Override
            public QueryOptions options(QueryOptions base) {
              return checkedDecision == null ? base : base.with(checkedPath, checkedDecision);
            }

            @Override
            public Decider.Verdict verdict(Value decision, PhaseDecision answer)
                throws CheckException {
              boolean allowed = DecisionMapper.isAllowed(decision);
              return new Decider.Verdict(
                  answer.allowed() ? "allow" : "deny", dryRun && !allowed ? "dry_run" : "policy");
            }
          },
          start);
    }

    @Override
    public void failed(Phase phase, CheckException error) {
      decider.failedHere(
          phase == Phase.REQUEST ? Kind.REQUEST : Kind.RESPONSE, error, "-", System.nanoTime());
    }

    @Override
    public void headersHeld(long totalNanos, long handlingNanos) {
      decider.metrics().headersHeld(totalNanos, handlingNanos);
    }

    @Override
    public void found(Phase phase, List<Redactions.Hit> hits) {
      for (Redactions.Hit h : hits) {
        decider
            .metrics()
            .piiFound(
                phase.id(),
                h.type().id(),
                h.action().name().toLowerCase(java.util.Locale.ROOT),
                h.count());
      }
    }
  }
}
