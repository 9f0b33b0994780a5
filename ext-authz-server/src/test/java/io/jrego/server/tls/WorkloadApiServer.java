package io.jrego.server.tls;

import com.google.protobuf.ByteString;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.jrego.server.tls.workload.SpiffeWorkloadAPIGrpc;
import io.jrego.server.tls.workload.X509SVID;
import io.jrego.server.tls.workload.X509SVIDRequest;
import io.jrego.server.tls.workload.X509SVIDResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.CertificateEncodingException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A SPIFFE Workload API server on a Unix socket, as SPIRE's agent is one to jrego: it refuses calls
 * without the {@code workload.spiffe.io: true} header, sends each {@code FetchX509SVID} stream the
 * current SVID at once and every SVID {@link #push}ed after, and can break its streams.
 */
final class WorkloadApiServer implements AutoCloseable {

  private static final Metadata.Key<String> HEADER =
      Metadata.Key.of("workload.spiffe.io", Metadata.ASCII_STRING_MARSHALLER);

  private final Server server;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final Set<ServerCallStreamObserver<X509SVIDResponse>> streams =
      ConcurrentHashMap.newKeySet();
  private volatile X509SVIDResponse current;

  /** Streams opened, and calls refused for want of the security header. */
  final AtomicInteger opened = new AtomicInteger();

  final AtomicInteger withoutHeader = new AtomicInteger();

  private WorkloadApiServer(Path socket) throws IOException {
    boss = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    workers = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    server =
        NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
            .channelType(EpollServerDomainSocketChannel.class)
            .bossEventLoopGroup(boss)
            .workerEventLoopGroup(workers)
            .addService(ServerInterceptors.intercept(new Service(), new RequireHeader()))
            .build()
            .start();
  }

  static WorkloadApiServer start(Path socket) throws IOException {
    return new WorkloadApiServer(socket);
  }

  /** Sends every open stream (and every stream opened later) this SVID and bundle. */
  void push(SvidPki.Issued svid, String spiffeId, SvidPki... bundle) throws Exception {
    push(response(svid, spiffeId, bundle));
  }

  void push(X509SVIDResponse response) {
    current = response;
    for (ServerCallStreamObserver<X509SVIDResponse> s : streams) {
      synchronized (s) {
        if (!s.isCancelled()) {
          s.onNext(response);
        }
      }
    }
  }

  /** Ends every open stream with UNAVAILABLE, as an agent going away does. */
  void breakStreams() {
    for (ServerCallStreamObserver<X509SVIDResponse> s : streams) {
      synchronized (s) {
        s.onError(Status.UNAVAILABLE.withDescription("agent going away").asRuntimeException());
      }
    }
    streams.clear();
  }

  static X509SVIDResponse response(SvidPki.Issued svid, String spiffeId, SvidPki... bundle)
      throws CertificateEncodingException {
    ByteArrayOutputStream cas = new ByteArrayOutputStream();
    for (SvidPki ca : bundle) {
      cas.writeBytes(ca.ca().getEncoded());
    }
    return X509SVIDResponse.newBuilder()
        .addSvids(
            X509SVID
                .newBuilder()
                .setSpiffeId(spiffeId)
                .setX509Svid(ByteString.copyFrom(svid.cert().getEncoded()))
                .setX509SvidKey(ByteString.copyFrom(svid.keys().getPrivate().getEncoded()))
                .setBundle(ByteString.copyFrom(cas.toByteArray())))
        .build();
  }

  @Override
  public void close() {
    try {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }

  private final class Service extends SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIImplBase {
    @Override
    public void fetchX509SVID(X509SVIDRequest request, StreamObserver<X509SVIDResponse> responses) {
      ServerCallStreamObserver<X509SVIDResponse> s =
          (ServerCallStreamObserver<X509SVIDResponse>) responses;
      opened.incrementAndGet();
      s.setOnCancelHandler(() -> streams.remove(s));
      synchronized (s) {
        streams.add(s);
        X509SVIDResponse now = current;
        if (now != null) {
          s.onNext(now);
        }
      }
    }
  }

  /** SPIRE's agent answers a call without the header with INVALID_ARGUMENT. */
  private final class RequireHeader implements ServerInterceptor {
    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
      if (!"true".equals(headers.get(HEADER))) {
        withoutHeader.incrementAndGet();
        call.close(
            Status.INVALID_ARGUMENT.withDescription("security header missing from request"),
            new Metadata());
        return new ServerCall.Listener<>() {};
      }
      return next.startCall(call, headers);
    }
  }
}
