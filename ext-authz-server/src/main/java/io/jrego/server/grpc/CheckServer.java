package io.jrego.server.grpc;

import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.grpc.BindableService;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.buffer.UnpooledByteBufAllocator;
import io.grpc.netty.shaded.io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.jrego.server.decide.LongEvaluations;
import io.jrego.server.policy.PolicyHolder;
import io.jrego.server.tls.SvidException;
import io.jrego.server.tls.SvidTls;
import io.jrego.server.tls.TlsConfig;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The gRPC server: Envoy's Authorization service, its ExternalProcessor service (ext_proc), {@code
 * grpc.health.v1.Health} and, when asked, server reflection, on a bounded executor. The calls open
 * at once, the largest message and the request bytes waiting for a thread are bounded by the heap
 * ({@link RequestLimits}); {@link RequestGate} refuses the excess with RESOURCE_EXHAUSTED.
 *
 * <p>Health is NOT_SERVING until {@link #serve} (which may first warm the server up) and a policy
 * is active, then SERVING; {@link #shutdown()} turns it NOT_SERVING for good, stops accepting
 * calls, lets the checks in flight finish for the grace period, then cancels what is left. Checks
 * are answered whatever health says.
 */
public final class CheckServer implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger("io.jrego.server.grpc");

  /**
   * The stack of a check thread. Mapping and evaluation walk values recursively, and a request body
   * may nest {@code Json.MAX_DEPTH} levels; some walks ({@code yaml.marshal}, the response's
   * metadata) overflow the JVM's default 1 MiB there while still interpreted. 8 MiB holds every
   * walk at that depth, compiled or not; it is address space, committed only as far as used.
   */
  static final long STACK_BYTES = 8L << 20;

  /**
   * gRPC logs a WARNING with a stack trace for every message it refuses to read (over the size
   * limit, or over {@link RequestGate}'s); a flood would fill the log. {@link RequestGate}'s
   * refusals are counted in the metrics instead. Held here so the level set stays (the JDK keeps
   * loggers weakly).
   */
  private static final java.util.logging.Logger REFUSED_READS =
      java.util.logging.Logger.getLogger("io.grpc.netty.shaded.io.grpc.netty.NettyServerStream");

  static {
    REFUSED_READS.setLevel(java.util.logging.Level.SEVERE);
  }

  /**
   * How the server runs.
   *
   * @param address where to listen
   * @param maxRecvBytes the largest request accepted, lowered where the heap cannot hold it ({@link
   *     RequestLimits})
   * @param threads checks evaluated at once; 0 for four times the number of processors (at least 8)
   * @param queueCapacity checks waiting for a thread before new ones are refused
   *     (RESOURCE_EXHAUSTED), lowered where the heap cannot hold them
   * @param reflection whether to offer gRPC server reflection
   * @param shutdownGrace how long checks in flight may take to finish on shutdown
   * @param warmUp the most {@link #serve()} runs made-up checks before reporting SERVING (it stops
   *     earlier once the JIT compiler has settled); zero for none
   * @param tls mutual TLS with a SPIFFE SVID on a TCP address, only allowed callers; empty for
   *     plaintext
   * @param maxConnections connections open at once on the port ({@link ConnectionLimit}); 0 to
   *     derive it from the heap ({@link RequestLimits#maxConnections})
   * @param deadlines when a connection that holds one of those slots without using it is closed
   */
  public record Config(
      ListenAddress address,
      int maxRecvBytes,
      int threads,
      int queueCapacity,
      boolean reflection,
      Duration shutdownGrace,
      Duration warmUp,
      Optional<TlsConfig> tls,
      int maxConnections,
      ConnectionDeadlines deadlines) {

    /** Checks that TLS is asked for on a TCP address only. */
    public Config {
      Objects.requireNonNull(deadlines, "deadlines");
      if (maxConnections < 0) {
        throw new IllegalArgumentException("--max-connections must not be negative");
      }
      if (tls.isPresent() && !(address instanceof ListenAddress.Tcp)) {
        throw new IllegalArgumentException(
            "mTLS needs a TCP address; a Unix socket is reached through the file system: "
                + address);
      }
    }

    /**
     * A builder for a server on {@code address}; every other setting starts at {@code jrego
     * serve}'s default.
     */
    public static Builder builder(ListenAddress address) {
      return new Builder(address);
    }

    /**
     * Builds a {@link Config}; {@link #build()} checks the settings as the record's constructor
     * does.
     */
    public static final class Builder {
      private final ListenAddress address;
      private int maxRecvBytes = 4 << 20;
      private int threads;
      private int queueCapacity = 4096;
      private boolean reflection;
      private Duration shutdownGrace = Duration.ofSeconds(10);
      private Duration warmUp = Duration.ZERO;
      private Optional<TlsConfig> tls = Optional.empty();
      private int maxConnections;
      private ConnectionDeadlines deadlines = ConnectionDeadlines.DEFAULTS;

      private Builder(ListenAddress address) {
        this.address = Objects.requireNonNull(address, "address");
      }

      /** The largest request accepted; default 4 MiB. */
      public Builder maxRecvBytes(int bytes) {
        this.maxRecvBytes = bytes;
        return this;
      }

      /** Checks evaluated at once; default 0 (derived from the processors). */
      public Builder threads(int n) {
        this.threads = n;
        return this;
      }

      /** Checks waiting for a thread; default 4096. */
      public Builder queueCapacity(int n) {
        this.queueCapacity = n;
        return this;
      }

      /** Whether to offer gRPC server reflection; default false. */
      public Builder reflection(boolean on) {
        this.reflection = on;
        return this;
      }

      /** How long checks in flight may take on shutdown; default 10 s. */
      public Builder shutdownGrace(Duration grace) {
        this.shutdownGrace = Objects.requireNonNull(grace);
        return this;
      }

      /** The most warm-up before SERVING; default none. */
      public Builder warmUp(Duration most) {
        this.warmUp = Objects.requireNonNull(most);
        return this;
      }

      /** Mutual TLS; default plaintext. */
      public Builder tls(Optional<TlsConfig> config) {
        this.tls = Objects.requireNonNull(config);
        return this;
      }

      /** Connections open at once; default 0 (derived from the heap). */
      public Builder maxConnections(int n) {
        this.maxConnections = n;
        return this;
      }

      /**
       * When an idle or half-open connection is closed; default {@link
       * ConnectionDeadlines#DEFAULTS}.
       */
      public Builder deadlines(ConnectionDeadlines d) {
        this.deadlines = Objects.requireNonNull(d);
        return this;
      }

      /**
       * The configuration.
       *
       * @throws IllegalArgumentException if TLS is asked for on a Unix socket or the connection
       *     limit is negative
       */
      public Config build() {
        return new Config(
            address,
            maxRecvBytes,
            threads,
            queueCapacity,
            reflection,
            shutdownGrace,
            warmUp,
            tls,
            maxConnections,
            deadlines);
      }
    }
  }

  private final Server server;
  private final HealthStatusManager health = new HealthStatusManager();
  private final ThreadPoolExecutor executor;
  private final RequestLimits limits;
  private final RequestGate gate;
  private final List<EventLoopGroup> loops;
  private final Duration grace;
  private final Config config;
  private final AuthorizationService service;
  private final Optional<ExternalProcessorService> process;
  private final PolicyHolder policies;
  private final AtomicBoolean draining = new AtomicBoolean();
  private final AtomicBoolean serving = new AtomicBoolean();
  private volatile Duration warmedUpFor = Duration.ZERO;
  private volatile Thread afterReady;
  private final Optional<SvidTls> tls;
  private final Optional<ConnectionLimit> connections;

  private CheckServer(
      ServerBuilder<?> builder,
      Config config,
      AuthorizationService service,
      Optional<ExternalProcessorService> process,
      PolicyHolder policies,
      List<EventLoopGroup> loops,
      Optional<SvidTls> tls,
      Optional<ConnectionLimit> connections,
      String threadName,
      List<BindableService> extra) {
    this.loops = loops;
    this.connections = connections;
    this.tls = tls;
    this.grace = config.shutdownGrace();
    this.config = config;
    this.service = service;
    this.process = process;
    this.policies = policies;
    int threads = threadCount(config.threads());
    this.limits =
        RequestLimits.forHeap(
            Runtime.getRuntime().maxMemory(),
            threads,
            config.maxRecvBytes(),
            config.queueCapacity());
    if (limits.maxMessageBytes() < config.maxRecvBytes()
        || limits.maxCalls() < threads + config.queueCapacity()) {
      LOG.log(
          Level.INFO,
          "request limits lowered to fit a heap of {0} bytes: messages up to {1} bytes (asked"
              + " {2}), {3} calls open (asked {4})",
          Runtime.getRuntime().maxMemory(),
          limits.maxMessageBytes(),
          config.maxRecvBytes(),
          limits.maxCalls(),
          threads + config.queueCapacity());
    }
    AtomicInteger n = new AtomicInteger();
    // unbounded, yet never longer than the calls RequestGate lets in: one task per call at a time
    this.executor =
        new ThreadPoolExecutor(
            threads,
            threads,
            60,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            r -> {
              Thread t = new Thread(null, r, threadName + n.incrementAndGet(), STACK_BYTES);
              t.setDaemon(true);
              return t;
            });
    for (String name : serviceNames()) {
      health.setStatus(name, ServingStatus.NOT_SERVING);
    }
    process.ifPresent(
        p ->
            builder.addService(
                ServerInterceptors.intercept(
                    // its messages read without the fields only the request headers' are read for
                    ProcessRequests.reading(p.bindService()),
                    new ErrorBoundary(p.metrics(), Optional::empty))));
    extra.forEach(builder::addService);
    process.ifPresent(p -> p.offload(executor, new TransportLoops(loops)::current));
    this.gate = new RequestGate(limits, executor, service.metrics(), service::overloadDenial);
    service.metrics().requestGauges(gate::openCalls, gate::heldBytes);
    LongEvaluations pacing = service.config().pacing();
    service
        .metrics()
        .longEvaluationMeters(
            pacing::longTotal,
            pacing::sparedTotal,
            pacing::refusedTotal,
            pacing::running,
            pacing::waiting);
    service.metrics().longEvaluationCpuMeters(pacing::candidateCpuNanos, pacing::longCpuNanos);
    service.metrics().longEvaluationRecallMeter(pacing::recalledTotal);
    if (builder instanceof NettyServerBuilder netty) {
      // What the bytes a call holds really take (RequestGate counts them): a fixed flow-control
      // window (auto-tuning grows it to 8 MiB) bounds what a connection's calls that have not
      // started yet hold. Each DATA frame gRPC keeps is a slice of the buffer it was read into,
      // and keeps all of it; frames of many calls share such buffers. Reads of at most
      // READ_BYTES bound what one frame keeps, and unpooled heap buffers are freed with the last
      // frame (a pooled chunk stays allocated while any message read into it waits: under a
      // flood, pooled direct memory ran out although the messages waiting fitted the budget).
      // A connection holds one of --max-connections' slots from its accept: one that never
      // finishes its TLS and HTTP/2 handshake, or stays open without calls, is closed
      // (ConnectionDeadlines), so a client cannot keep every slot by opening and idling.
      netty
          .handshakeTimeout(config.deadlines().handshake().toMillis(), TimeUnit.MILLISECONDS)
          .maxConnectionIdle(config.deadlines().idle().toMillis(), TimeUnit.MILLISECONDS)
          .maxConcurrentCallsPerConnection(limits.maxCalls())
          .flowControlWindow(NettyServerBuilder.DEFAULT_FLOW_CONTROL_WINDOW)
          .withChildOption(ChannelOption.ALLOCATOR, new UnpooledByteBufAllocator(false))
          .withChildOption(
              ChannelOption.RECVBUF_ALLOCATOR,
              new AdaptiveRecvByteBufAllocator(64, 1024, RequestGate.READ_BYTES));
    }
    builder
        .directExecutor() // a call's start picks its executor in the gate, on the transport thread
        .callExecutor(gate)
        .addStreamTracerFactory(gate)
        .maxInboundMessageSize(limits.maxMessageBytes())
        .addService(
            ServerInterceptors.intercept(
                service, new ErrorBoundary(service.metrics(), service::internalErrorDenial)))
        .addService(health.getHealthService());
    if (config.reflection()) {
      builder.addService(ProtoReflectionServiceV1.newInstance());
    }
    builder.intercept(new Peers());
    tls.ifPresent(t -> builder.intercept(t.authorizer()));
    builder.intercept(gate); // added last, so it runs first
    this.server = builder.build();
  }

  /** The services health reports on: the server as a whole and each service it offers. */
  private List<String> serviceNames() {
    List<String> names = new ArrayList<>(List.of("", AuthorizationGrpc.SERVICE_NAME));
    if (process.isPresent()) {
      names.add(ExternalProcessorGrpc.SERVICE_NAME);
    }
    return names;
  }

  /**
   * The check threads for a configured count: itself, or for 0 four times the processors (at least
   * 8).
   *
   * <p>More threads than processors add no throughput to checks that only compute, but a thread
   * that an expensive evaluation holds (up to {@code --eval-timeout}) is lost to every check queued
   * behind it. With threads to spare the cores are shared between the expensive evaluations and the
   * cheap checks that arrive meanwhile, instead of the cheap ones waiting (load-tests/README.md,
   * "Fault matrix", the cpu-policy phase).
   */
  public static int threadCount(int configured) {
    return configured > 0
        ? configured
        : Math.max(8, 4 * Runtime.getRuntime().availableProcessors());
  }

  /**
   * Starts a server on {@code config.address()}, not yet SERVING: call {@link #serve}.
   *
   * @throws IOException if the address cannot be bound
   */
  public static CheckServer start(
      Config config, AuthorizationService service, PolicyHolder policies) throws IOException {
    return start(config, service, Optional.empty(), policies, "jrego-check-", List.of());
  }

  /**
   * Starts a server offering Check and ext_proc's Process on {@code config.address()}, not yet
   * SERVING: call {@link #serve}.
   *
   * @throws IOException if the address cannot be bound
   */
  public static CheckServer start(
      Config config,
      AuthorizationService service,
      ExternalProcessorService process,
      PolicyHolder policies)
      throws IOException {
    return start(config, service, process, policies, List.of());
  }

  /**
   * As {@link #start(Config, AuthorizationService, ExternalProcessorService, PolicyHolder)}, also
   * offering {@code extra} services on the same port (Envoy's rate-limit service).
   */
  public static CheckServer start(
      Config config,
      AuthorizationService service,
      ExternalProcessorService process,
      PolicyHolder policies,
      List<BindableService> extra)
      throws IOException {
    return start(config, service, Optional.of(process), policies, "jrego-check-", extra);
  }

  /** The throwaway copy {@link WarmUp} drives. */
  static CheckServer startCopy(
      Config config,
      AuthorizationService service,
      Optional<ExternalProcessorService> process,
      PolicyHolder policies)
      throws IOException {
    return start(config, service, process, policies, "jrego-warm-up-", List.of());
  }

  private static CheckServer start(
      Config config,
      AuthorizationService service,
      Optional<ExternalProcessorService> process,
      PolicyHolder policies,
      String threadName,
      List<BindableService> extra)
      throws IOException {
    List<EventLoopGroup> loops = new ArrayList<>();
    Optional<SvidTls> tls = Optional.empty();
    if (config.tls().isPresent()) {
      try {
        tls = Optional.of(SvidTls.start(config.tls().get(), service.metrics()));
      } catch (SvidException e) {
        throw new IOException("mTLS: " + e.getMessage(), e);
      }
    }
    ConnectionLimit limit =
        new ConnectionLimit(
            RequestLimits.maxConnections(Runtime.getRuntime().maxMemory(), config.maxConnections()),
            service.metrics());
    NettyServerBuilder b;
    switch (config.address()) {
      case ListenAddress.Tcp tcp -> {
        // the transport gRPC would pick, on event loops of its own, so that the listening
        // socket can carry the connection limit in its pipeline
        boolean epoll = Epoll.isAvailable();
        // daemon threads, as gRPC's own shared event loops
        EventLoopGroup boss =
            new MultiThreadIoEventLoopGroup(
                1,
                new DefaultThreadFactory("jrego-grpc-accept", true),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        EventLoopGroup workers =
            new MultiThreadIoEventLoopGroup(
                0,
                new DefaultThreadFactory("jrego-grpc-io", true),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        loops.add(boss);
        loops.add(workers);
        Supplier<ServerChannel> channels =
            limit.on(epoll ? EpollServerSocketChannel::new : NioServerSocketChannel::new);
        b =
            NettyServerBuilder.forAddress(
                    tcp.socketAddress(),
                    tls.isPresent() ? tls.get().credentials() : InsecureServerCredentials.create())
                .channelFactory(channels::get)
                .bossEventLoopGroup(boss)
                .workerEventLoopGroup(workers);
      }
      case ListenAddress.Unix unix -> {
        if (!Epoll.isAvailable()) {
          throw new IOException(
              "Unix domain sockets need Netty's epoll transport, unavailable here: "
                  + Epoll.unavailabilityCause());
        }
        Files.deleteIfExists(unix.path());
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(EpollIoHandler.newFactory());
        loops.add(boss);
        loops.add(workers);
        Supplier<ServerChannel> channels = limit.on(EpollServerDomainSocketChannel::new);
        b =
            NettyServerBuilder.forAddress(new DomainSocketAddress(unix.path().toString()))
                .channelFactory(channels::get)
                .bossEventLoopGroup(boss)
                .workerEventLoopGroup(workers);
      }
    }
    b.permitKeepAliveTime(10, TimeUnit.SECONDS).permitKeepAliveWithoutCalls(true);
    try {
      return new CheckServer(
              b,
              config,
              service,
              process,
              policies,
              loops,
              tls,
              Optional.of(limit),
              threadName,
              extra)
          .start();
    } catch (IOException | RuntimeException e) {
      tls.ifPresent(SvidTls::close);
      for (EventLoopGroup g : loops) {
        g.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
      }
      throw e;
    }
  }

  /** A server on any builder (tests use an in-process one), not yet SERVING. */
  public static CheckServer start(
      ServerBuilder<?> builder, Config config, AuthorizationService service, PolicyHolder policies)
      throws IOException {
    return new CheckServer(
            builder,
            config,
            service,
            Optional.empty(),
            policies,
            List.of(),
            Optional.empty(),
            Optional.empty(),
            "jrego-check-",
            List.of())
        .start();
  }

  /**
   * Runs made-up checks through a copy of this server for up to the configured warm-up (none when
   * zero or no policy is active yet), then reports SERVING whenever a policy is active, until
   * {@link #shutdown()}. Blocks during the warm-up. With {@link WarmUpSwitches#afterReady()} on
   * (the default), after a warm-up its rare requests run again a few times in the first minutes, on
   * a thread of their own ({@link WarmUpAfterReady}).
   */
  public void serve() {
    Duration warmUp = config.warmUp();
    if (!warmUp.isZero() && policies.current().isPresent() && !draining.get()) {
      WarmUp.Result r = WarmUp.run(config, service, process, policies, warmUp);
      warmedUpFor = r.took();
      LOG.log(
          Level.INFO,
          "warmed up with {0} made-up checks and {1} ext_proc streams {2} in {3} ms{4}",
          r.checks(),
          r.streams(),
          r.how(),
          r.took().toMillis(),
          r.settled() ? "" : " (JIT still compiling at the end of the budget)");
      if (WarmUpSwitches.CURRENT.afterReady()) {
        afterReady =
            WarmUpAfterReady.start(
                config,
                service.forWarmUp(),
                process.map(ExternalProcessorService::forWarmUp),
                policies,
                WarmUpAfterReady.ROUNDS,
                WarmUpAfterReady.FIRST,
                draining::get);
      }
    }
    if (serving.compareAndSet(false, true)) {
      policies.onActivate(
          p -> {
            if (!draining.get()) {
              for (String name : serviceNames()) {
                health.setStatus(name, ServingStatus.SERVING);
              }
            }
          });
    }
  }

  /** How long {@link #serve}'s warm-up ran; zero before it or without one. */
  public Duration warmUpTook() {
    return warmedUpFor;
  }

  /** Whether {@link #serve} has finished its warm-up and the server follows the policy. */
  public boolean serving() {
    return serving.get();
  }

  private CheckServer start() throws IOException {
    server.start();
    return this;
  }

  /** The TCP port listened on (useful with port 0), or -1 for a Unix socket or in-process. */
  public int port() {
    return server.getListenSockets().stream()
        .filter(InetSocketAddress.class::isInstance)
        .map(a -> ((InetSocketAddress) a).getPort())
        .findFirst()
        .orElse(-1);
  }

  /** The limits on requests this server applies, after fitting them to the heap. */
  RequestLimits limits() {
    return limits;
  }

  /** Calls open now, on a check thread or waiting for one. */
  int openCalls() {
    return gate.openCalls();
  }

  /** The connection limit of a socket server; empty in-process. */
  Optional<ConnectionLimit> connections() {
    return connections;
  }

  /** The health service's state holder. */
  public HealthStatusManager health() {
    return health;
  }

  /** Whether {@link #shutdown()} has begun. */
  public boolean draining() {
    return draining.get();
  }

  /** How long cancelled checks get to stop, and the transport to close, after the grace period. */
  static final Duration CANCEL_WAIT = Duration.ofSeconds(2);

  /**
   * Drains and stops: health NOT_SERVING, no new calls, checks in flight get the grace period, then
   * ext_proc streams still open end with {@code UNAVAILABLE}, and whatever is left is cancelled:
   * the calls are closed and the check threads interrupted, which ends their evaluations at the
   * evaluator's next checkpoint ({@code eval_cancel_error}). Returns within the grace period plus a
   * few seconds even if a check never stops (a builtin stuck in one long call): that thread is left
   * behind, for the process's exit to end. Idempotent; a second call waits, as long, for the first.
   */
  public void shutdown() {
    if (!draining.compareAndSet(false, true)) {
      awaitTermination(grace.plus(CANCEL_WAIT.multipliedBy(3)));
      return;
    }
    health.enterTerminalState();
    Thread rounds = afterReady;
    if (rounds != null) {
      rounds.interrupt();
    }
    server.shutdown();
    try {
      boolean stopped = server.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS);
      int streams = stopped ? 0 : process.map(ExternalProcessorService::failOpenStreams).orElse(0);
      if (streams > 0) {
        // answers still streaming end with UNAVAILABLE before the transport closes, so Envoy
        // fails their requests now rather than waiting for the route's timeout
        LOG.log(Level.WARNING, "{0} ext_proc streams still open: ended UNAVAILABLE", streams);
        stopped = server.awaitTermination(CANCEL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      }
      if (!stopped) {
        LOG.log(
            Level.WARNING,
            "{0} checks still running after {1}: cancelling them",
            executor.getActiveCount(),
            grace);
        server.shutdownNow();
        executor.shutdownNow();
        server.awaitTermination(CANCEL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (!executor.awaitTermination(CANCEL_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
          LOG.log(
              Level.WARNING,
              "{0} checks did not stop when cancelled; leaving them to the process exit",
              executor.getActiveCount());
        }
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    } finally {
      executor.shutdownNow();
      for (EventLoopGroup g : loops) {
        g.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
      }
      tls.ifPresent(SvidTls::close);
    }
  }

  /** Waits at most {@code limit} for the server to terminate. */
  private void awaitTermination(Duration limit) {
    try {
      server.awaitTermination(limit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Blocks until the server has terminated. */
  public void awaitTermination() {
    try {
      server.awaitTermination();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    shutdown();
  }
}
