package io.jrego.loadtests;

import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.service.auth.v3.OkHttpResponse;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gRPC limit: a Check server that answers every request with the same allow, on the stack and
 * settings jrego's {@code io.jrego.server.grpc.CheckServer} uses (grpc-java on Netty (shaded), a
 * fixed pool of max(2, CPUs) threads with a 4096-deep queue, 4 MiB largest request, the same
 * keep-alive policy). It parses the request (gRPC does) but maps nothing and evaluates nothing.
 *
 * <p>{@code java -cp load-tests/target/benchmarks.jar io.jrego.loadtests.NoopCheckServer PORT}
 * (port 0 for any); prints {@code listening PORT} once serving, runs until killed.
 */
public final class NoopCheckServer {

  private NoopCheckServer() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
    int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
    AtomicInteger n = new AtomicInteger();
    ThreadPoolExecutor executor =
        new ThreadPoolExecutor(
            threads,
            threads,
            60,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(4096),
            r -> {
              Thread t = new Thread(r, "noop-check-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    Server server =
        NettyServerBuilder.forAddress(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), port),
                InsecureServerCredentials.create())
            .permitKeepAliveTime(10, TimeUnit.SECONDS)
            .permitKeepAliveWithoutCalls(true)
            .executor(executor)
            .maxInboundMessageSize(4 * 1024 * 1024)
            .addService(new Allow())
            .build()
            .start();
    System.out.println("listening " + server.getPort());
    System.out.flush();
    Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow));
    server.awaitTermination();
  }

  private static final class Allow extends AuthorizationGrpc.AuthorizationImplBase {
    private static final CheckResponse OK =
        CheckResponse.newBuilder()
            .setStatus(com.google.rpc.Status.newBuilder().setCode(0))
            .setOkResponse(OkHttpResponse.getDefaultInstance())
            .build();

    @Override
    public void check(CheckRequest request, StreamObserver<CheckResponse> out) {
      out.onNext(OK);
      out.onCompleted();
    }
  }
}
