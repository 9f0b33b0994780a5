package io.jrego.server;

import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.bundle.Bundle;
import io.jrego.engine.bundle.BundleException;
import io.jrego.engine.bundle.BundleLoader;
import io.jrego.server.admin.AdminServer;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.budget.BudgetGate;
import io.jrego.server.budget.RateLimits;
import io.jrego.server.grpc.AuthorizationService;
import io.jrego.server.grpc.CheckServer;
import io.jrego.server.grpc.ExternalProcessorService;
import io.jrego.server.grpc.RateLimitService;
import io.jrego.server.observe.DecisionRecorder;
import io.jrego.server.policy.ActivePolicy;
import io.jrego.server.policy.PolicyHolder;
import io.jrego.server.process.CheckedDecision;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A running jrego: the policy compiled from a bundle folder, the gRPC server (Check and ext_proc's
 * Process) and the HTTP admin server. What {@code jrego serve} starts, and what tests start
 * in-process.
 */
public final class JregoServer implements AutoCloseable {

  /**
   * The rule that maps a rate-limit descriptor to budgets, when jrego serves Envoy's rate-limit
   * service ({@link RateLimits}): {@code data.envoy.ratelimit.limits}.
   */
  public static final String RATE_LIMIT_PATH = "envoy/ratelimit/limits";

  private final PolicyHolder policies;
  private final CheckServer grpc;
  private final Optional<AdminServer> admin;
  private final ServerMetrics metrics;

  private JregoServer(
      PolicyHolder policies, CheckServer grpc, Optional<AdminServer> admin, ServerMetrics metrics) {
    this.policies = policies;
    this.grpc = grpc;
    this.admin = admin;
    this.metrics = metrics;
  }

  /** The metrics, for reporting bundle activations and refusals. */
  public ServerMetrics metrics() {
    return metrics;
  }

  /**
   * Loads and compiles the bundle, then starts the servers.
   *
   * @param bundleFolder the bundle to serve
   * @param server where and how the gRPC server runs
   * @param check how checks are answered
   * @param adminAddress where the admin server listens, or empty for none
   * @throws BundleException if the bundle cannot be read
   * @throws RegoException if it does not compile
   * @throws IOException if an address cannot be bound
   */
  public static JregoServer start(
      Path bundleFolder,
      CheckServer.Config server,
      AuthorizationService.Config check,
      Optional<InetSocketAddress> adminAddress)
      throws BundleException, RegoException, IOException {
    ActivePolicy policy = load(bundleFolder);
    PolicyHolder policies = new PolicyHolder();
    policies.activate(policy);
    return start(policies, server, check, adminAddress);
  }

  /**
   * Starts the servers on a policy holder that may still be empty (a bundle still being fetched):
   * until a policy is active, {@code /ready} answers 503 and checks fail as without a policy.
   *
   * @throws IOException if an address cannot be bound
   */
  public static JregoServer start(
      PolicyHolder policies,
      CheckServer.Config server,
      AuthorizationService.Config check,
      Optional<InetSocketAddress> adminAddress)
      throws IOException {
    return start(policies, new ServerMetrics(), server, check, adminAddress);
  }

  /**
   * As {@link #start(PolicyHolder, CheckServer.Config, AuthorizationService.Config, Optional)},
   * with metrics made beforehand, so a bundle refused before the servers start (the first poll) is
   * still counted and shown by {@code /ready}.
   *
   * @throws IOException if an address cannot be bound
   */
  public static JregoServer start(
      PolicyHolder policies,
      ServerMetrics metrics,
      CheckServer.Config server,
      AuthorizationService.Config check,
      Optional<InetSocketAddress> adminAddress)
      throws IOException {
    return start(
        policies,
        metrics,
        server,
        check,
        ExternalProcessorService.Config.defaults(),
        adminAddress,
        Optional.empty(),
        DecisionRecorder.none());
  }

  /**
   * As {@link #start(PolicyHolder, ServerMetrics, CheckServer.Config, AuthorizationService.Config,
   * Optional)}, with ext_proc's own settings.
   *
   * @throws IOException if an address cannot be bound
   */
  public static JregoServer start(
      PolicyHolder policies,
      ServerMetrics metrics,
      CheckServer.Config server,
      AuthorizationService.Config check,
      ExternalProcessorService.Config process,
      Optional<InetSocketAddress> adminAddress)
      throws IOException {
    return start(
        policies,
        metrics,
        server,
        check,
        process,
        adminAddress,
        Optional.empty(),
        DecisionRecorder.none());
  }

  /**
   * As {@link #start(PolicyHolder, ServerMetrics, CheckServer.Config, AuthorizationService.Config,
   * ExternalProcessorService.Config, Optional)}, reserving the token budgets decisions ask for in
   * {@code budgets}' store and handing every decision of Check and Process to {@code recorder}
   * (decision logs, tracing).
   *
   * @throws IOException if an address cannot be bound
   */
  public static JregoServer start(
      PolicyHolder policies,
      ServerMetrics metrics,
      CheckServer.Config server,
      AuthorizationService.Config check,
      ExternalProcessorService.Config process,
      Optional<InetSocketAddress> adminAddress,
      Optional<BudgetGate> budgets,
      DecisionRecorder recorder)
      throws IOException {
    policies.onActivate(metrics::activated);
    metrics.bindJvmMetrics();
    // Check writes its decision for the streams only once ext_proc has seen one Envoy forwarded
    // ext_authz's metadata to (by default): a Check-only deployment pays nothing for it
    CheckedDecision.Gate carrying = new CheckedDecision.Gate(process.carrying());
    AuthorizationService service =
        new AuthorizationService(policies, metrics, check, budgets, recorder)
            .carryDecisionsTo(process.processPath(), carrying);
    ExternalProcessorService processor =
        new ExternalProcessorService(policies, metrics, check, process, recorder, budgets)
            .opens(carrying);
    List<io.grpc.BindableService> extra = new java.util.ArrayList<>();
    budgets.ifPresent(
        b -> extra.add(new RateLimitService(policies, new RateLimits(b, RATE_LIMIT_PATH))));
    CheckServer grpc = CheckServer.start(server, service, processor, policies, extra);
    Optional<AdminServer> admin = Optional.empty();
    try {
      if (adminAddress.isPresent()) {
        admin =
            Optional.of(
                AdminServer.start(
                    adminAddress.get(), policies, metrics, () -> !grpc.serving(), grpc::draining));
      }
    } catch (IOException e) {
      grpc.shutdown();
      throw e;
    }
    grpc.serve();
    return new JregoServer(policies, grpc, admin, metrics);
  }

  /** Reads and compiles a bundle folder into a policy ready to activate. */
  public static ActivePolicy load(Path bundleFolder) throws BundleException, RegoException {
    Bundle bundle = BundleLoader.load(bundleFolder);
    PreparedPolicy compiled = bundle.compile(EngineOptions.defaults());
    return ActivePolicy.oneBundle(
        compiled, bundle.revision(), bundleFolder.toString(), Instant.now());
  }

  /** The active policy's holder, for swapping policies. */
  public PolicyHolder policies() {
    return policies;
  }

  /** The gRPC port (with port 0 in the address, the one picked). */
  public int grpcPort() {
    return grpc.port();
  }

  /** How long the warm-up before SERVING ran (zero without one). */
  public Duration warmUpTook() {
    return grpc.warmUpTook();
  }

  /** The admin port, or -1 without an admin server. */
  public int adminPort() {
    return admin.map(AdminServer::port).orElse(-1);
  }

  /** Drains and stops the gRPC server (see {@link CheckServer#shutdown()}), then the admin one. */
  public void shutdown() {
    grpc.shutdown();
    admin.ifPresent(AdminServer::close);
    metrics.close();
  }

  /** Blocks until the gRPC server has stopped. */
  public void awaitTermination() {
    grpc.awaitTermination();
  }

  @Override
  public void close() {
    shutdown();
  }
}
