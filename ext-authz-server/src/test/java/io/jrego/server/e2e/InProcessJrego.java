package io.jrego.server.e2e;

import io.jrego.engine.base.RegoException;
import io.jrego.engine.bundle.BundleException;
import io.jrego.server.JregoServer;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.budget.BudgetGate;
import io.jrego.server.budget.BudgetMetrics;
import io.jrego.server.budget.BudgetStore;
import io.jrego.server.grpc.AuthorizationService;
import io.jrego.server.grpc.CheckServer;
import io.jrego.server.grpc.ExternalProcessorService;
import io.jrego.server.grpc.ListenAddress;
import io.jrego.server.observe.DecisionRecorder;
import io.jrego.server.policy.PolicyHolder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A {@link JregoServer} started in the test's JVM, set up as the end-to-end tests share it: gRPC on
 * a free loopback port with two check threads, a queue of 1024 and a 2 s shutdown grace, no
 * warm-up, no admin server, the default Check and ext_proc settings, no budgets, no decision
 * recorder. A test changes only what it is about, then {@link #start(Running)} adds the server to
 * the test's {@link Running}, so it stops after the Envoy that calls it and before the upstream and
 * stores started earlier. Tests in other packages start it with {@link #start()} and stop it
 * themselves.
 */
public final class InProcessJrego {

  private final PolicyHolder policies;
  private final CheckServer.Config.Builder server =
      CheckServer.Config.builder(new ListenAddress.Tcp("127.0.0.1", 0))
          .threads(2)
          .queueCapacity(1024)
          .shutdownGrace(Duration.ofSeconds(2));
  private AuthorizationService.Config check = AuthorizationService.Config.defaults();
  private ExternalProcessorService.Config process = ExternalProcessorService.Config.defaults();
  private Optional<Duration> evalTimeout = Optional.empty();
  private Optional<BudgetGate> budgets = Optional.empty();
  private DecisionRecorder recorder = DecisionRecorder.none();
  private ServerMetrics metrics; // null: new ones at the start
  private Optional<InetSocketAddress> admin = Optional.empty();

  private InProcessJrego(PolicyHolder policies) {
    this.policies = policies;
  }

  /** jrego serving the bundle folder, read and compiled now. */
  public static InProcessJrego serving(Path bundle) throws BundleException, RegoException {
    PolicyHolder policies = new PolicyHolder();
    policies.activate(JregoServer.load(bundle));
    return new InProcessJrego(policies);
  }

  /** jrego serving the shipped {@code rego-policies/ai-gateway} alone (without ai-guards). */
  public static InProcessJrego servingAiGateway() throws BundleException, RegoException {
    return serving(EnvoyRunner.REPO.resolve("rego-policies/ai-gateway"));
  }

  /** jrego serving whatever {@code policies} holds (filled by a bundle manager, or not yet). */
  public static InProcessJrego serving(PolicyHolder policies) {
    return new InProcessJrego(policies);
  }

  /** Changes the gRPC server's settings (threads, queue, grace, warm-up, TLS). */
  public InProcessJrego server(Consumer<CheckServer.Config.Builder> change) {
    change.accept(server);
    return this;
  }

  public InProcessJrego check(AuthorizationService.Config config) {
    this.check = config;
    return this;
  }

  /**
   * How long one check may take, whatever {@link #check} says: the end-to-end tests that are not
   * about timeouts give a cold test JVM more than the default 200 ms.
   */
  public InProcessJrego evalTimeout(Duration timeout) {
    this.evalTimeout = Optional.of(timeout);
    return this;
  }

  public InProcessJrego process(ExternalProcessorService.Config config) {
    this.process = config;
    return this;
  }

  /** Reserves and settles the token budgets decisions ask for in {@code store}. */
  public InProcessJrego budgets(BudgetStore store) {
    this.budgets = Optional.of(new BudgetGate(store, new BudgetMetrics(new SimpleMeterRegistry())));
    return this;
  }

  public InProcessJrego recorder(DecisionRecorder recorder) {
    this.recorder = recorder;
    return this;
  }

  /**
   * Counts into {@code metrics}, made beforehand so that what happens before the start (a bundle
   * refused at the first poll) is counted too.
   */
  public InProcessJrego metrics(ServerMetrics metrics) {
    this.metrics = metrics;
    return this;
  }

  /** Serves the admin endpoints too, on a free loopback port ({@link JregoServer#adminPort()}). */
  public InProcessJrego admin() {
    this.admin = Optional.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    return this;
  }

  /** Starts the servers; the caller stops them. */
  public JregoServer start() throws IOException {
    return JregoServer.start(
        policies,
        metrics == null ? new ServerMetrics() : metrics,
        server.build(),
        evalTimeout.map(check::withEvalTimeout).orElse(check),
        process,
        admin,
        budgets,
        recorder);
  }

  /** Starts the servers and adds them to {@code running}, which stops them. */
  JregoServer start(Running running) throws IOException {
    return running.add(start());
  }
}
