package io.jrego.server.tls;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.tls.workload.SpiffeWorkloadAPIGrpc;
import io.jrego.server.tls.workload.X509SVID;
import io.jrego.server.tls.workload.X509SVIDRequest;
import io.jrego.server.tls.workload.X509SVIDResponse;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Keeps one {@code SpiffeWorkloadAPI/FetchX509SVID} stream open to the SPIFFE agent and hands every
 * SVID it sends to {@link SvidTls}, which checks it as it checks files and serves it from the next
 * handshake on.
 *
 * <p>The first SVID of the response is used (the Workload API sends the default one first);
 * federated bundles and revocation lists are not read. A response that fails the checks is refused
 * and counted, and the SVID before stays. When the stream breaks (the agent restarts, the socket
 * goes away) the last good SVID stays in use and the stream is opened again after an exponential
 * back-off with jitter, from {@link #MIN_BACKOFF} up to {@link #MAX_BACKOFF}; the break is counted
 * ({@code jrego_svid_stream_failures_total}), logged, and shown in {@code /ready} until a new SVID
 * arrives.
 */
final class WorkloadApiClient implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger("io.jrego.server.tls");

  /**
   * The header every Workload API call must carry, so that a proxy cannot forward one by chance.
   */
  private static final Metadata.Key<String> SECURITY_HEADER =
      Metadata.Key.of("workload.spiffe.io", Metadata.ASCII_STRING_MARSHALLER);

  static final Duration MIN_BACKOFF = Duration.ofMillis(100);
  static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

  private final WorkloadApi api;
  private final SvidTls tls;
  private final ServerMetrics metrics;
  private final Clock clock;
  private final EventLoopGroup loop;
  private final ManagedChannel channel;
  private final ScheduledExecutorService retries;
  private final CompletableFuture<Void> first = new CompletableFuture<>();
  private volatile boolean closed;
  private volatile String lastError = "no answer yet";
  private Duration backoff = MIN_BACKOFF;
  private ClientCallStreamObserver<X509SVIDRequest> call;

  private WorkloadApiClient(WorkloadApi api, SvidTls tls, ServerMetrics metrics, Clock clock) {
    this.api = api;
    this.tls = tls;
    this.metrics = metrics;
    this.clock = clock;
    this.loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    this.channel =
        NettyChannelBuilder.forAddress(new DomainSocketAddress(api.socket().toString()))
            .channelType(EpollDomainSocketChannel.class)
            .eventLoopGroup(loop)
            .usePlaintext()
            .intercept(MetadataUtils.newAttachHeadersInterceptor(securityHeader()))
            .build();
    this.retries =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "jrego-workload-api");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Opens the stream and waits, at most the API's start timeout, for a first SVID that passes the
   * checks.
   *
   * @throws SvidException naming the socket and why no SVID came
   */
  static WorkloadApiClient start(WorkloadApi api, SvidTls tls, ServerMetrics metrics, Clock clock)
      throws SvidException {
    api.checkSocket();
    if (!Epoll.isAvailable()) {
      throw new SvidException(
          api.address()
              + ": the Workload API's Unix socket needs Netty's epoll transport, unavailable here: "
              + Epoll.unavailabilityCause());
    }
    WorkloadApiClient client = new WorkloadApiClient(api, tls, metrics, clock);
    metrics.svidSource("workload_api");
    client.open();
    try {
      client.first.get(api.startTimeout().toMillis(), TimeUnit.MILLISECONDS);
      return client;
    } catch (TimeoutException | ExecutionException e) {
      client.close();
      throw new SvidException(
          api.address()
              + ": no usable X.509 SVID within "
              + api.startTimeout().toMillis()
              + " ms: "
              + client.lastError);
    } catch (InterruptedException e) {
      client.close();
      Thread.currentThread().interrupt();
      throw new SvidException(api.address() + ": interrupted while waiting for the first SVID");
    }
  }

  private static Metadata securityHeader() {
    Metadata m = new Metadata();
    m.put(SECURITY_HEADER, "true");
    return m;
  }

  private synchronized void open() {
    if (closed) {
      return;
    }
    SpiffeWorkloadAPIGrpc.newStub(channel)
        .fetchX509SVID(X509SVIDRequest.getDefaultInstance(), new Stream());
  }

  private final class Stream implements ClientResponseObserver<X509SVIDRequest, X509SVIDResponse> {

    @Override
    public void beforeStart(ClientCallStreamObserver<X509SVIDRequest> requests) {
      synchronized (WorkloadApiClient.this) {
        call = requests;
      }
    }

    @Override
    public void onNext(X509SVIDResponse response) {
      received(response);
    }

    @Override
    public void onError(Throwable t) {
      Status s = Status.fromThrowable(t);
      broken(
          "the stream broke: "
              + s.getCode()
              + (s.getDescription() == null ? "" : " (" + s.getDescription() + ")"));
    }

    @Override
    public void onCompleted() {
      broken("the agent ended the stream");
    }
  }

  private void received(X509SVIDResponse response) {
    if (response.getSvidsCount() == 0) {
      refused(api.address() + ": a response without an X.509 SVID");
      return;
    }
    X509SVID svid = response.getSvids(0);
    String where = api.address() + " (SVID " + svid.getSpiffeId() + ")";
    try {
      SvidMaterial m =
          SvidMaterial.fromDer(
              svid.getX509Svid().toByteArray(),
              svid.getX509SvidKey().toByteArray(),
              svid.getBundle().toByteArray(),
              clock.instant(),
              tls.nextAlias(),
              new SvidMaterial.Origin(
                  where + " x509_svid", where + " x509_svid_key", where + " bundle"));
      tls.serve(m);
      synchronized (this) {
        backoff = MIN_BACKOFF;
      }
      metrics.svidStreamUp();
      first.complete(null);
      LOG.log(
          Level.INFO,
          "SVID from the Workload API: {0}, valid until {1}",
          m.spiffeId(),
          m.notAfter().toString());
    } catch (SvidException e) {
      refused(e.getMessage());
    }
  }

  private void refused(String why) {
    lastError = why;
    metrics.svidReload("refused");
    LOG.log(Level.WARNING, "SVID from the Workload API refused (the current SVID stays): {0}", why);
  }

  private void broken(String why) {
    if (closed) {
      return;
    }
    Duration wait;
    synchronized (this) {
      call = null;
      wait = backoff;
      backoff =
          backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0
              ? MAX_BACKOFF
              : backoff.multipliedBy(2);
    }
    lastError = api.address() + ": " + why;
    metrics.svidStreamDown(lastError, clock.instant());
    LOG.log(
        Level.WARNING,
        "SPIFFE Workload API {0}; the current SVID stays, retrying in about {1} ms",
        lastError,
        wait.toMillis());
    // jitter: between half and all of the back-off, so that replicas do not retry in step
    long millis =
        wait.toMillis() / 2 + ThreadLocalRandom.current().nextLong(wait.toMillis() / 2 + 1);
    try {
      var unused = retries.schedule(this::open, millis, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closing
    }
  }

  @Override
  public void close() {
    ClientCallStreamObserver<X509SVIDRequest> open;
    synchronized (this) {
      closed = true;
      open = call;
      call = null;
    }
    if (open != null) {
      open.cancel("jrego is stopping", null);
    }
    retries.shutdownNow();
    channel.shutdownNow();
    try {
      channel.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
  }
}
