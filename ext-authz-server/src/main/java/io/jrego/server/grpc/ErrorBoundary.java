package io.jrego.server.grpc;

import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.jrego.server.ProcessGuard;
import io.jrego.server.admin.ServerMetrics;
import java.lang.System.Logger.Level;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The last line around every call: an {@link Error} that escapes the Check service (a {@link
 * StackOverflowError} in a library, an {@link AssertionError}, a {@link LinkageError}) is counted
 * ({@code jrego_checks_total{result="error",reason="internal"}} and {@code jrego_errors_total}),
 * logged on one line, and answered as an internal failure: the configured denial under {@code
 * --on-error=deny}, else gRPC INTERNAL, so Envoy fails closed as its configuration says. The worker
 * thread lives on. A fatal error (out of memory) goes to {@link ProcessGuard}.
 */
final class ErrorBoundary implements ServerInterceptor {

  private static final System.Logger LOG = System.getLogger("io.jrego.server.check");

  private final ServerMetrics metrics;
  private final Supplier<Optional<CheckResponse>> denial;

  /**
   * @param denial the answer to give instead of failing the call, if the server is configured to
   *     deny on errors
   */
  ErrorBoundary(ServerMetrics metrics, Supplier<Optional<CheckResponse>> denial) {
    this.metrics = metrics;
    this.denial = denial;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    long start = System.nanoTime();
    ServerCall.Listener<Q> inner;
    try {
      inner = next.startCall(call, headers);
    } catch (Error e) {
      answer(call, e, start);
      return new ServerCall.Listener<>() {};
    }
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(inner) {
      @Override
      public void onMessage(Q message) {
        try {
          super.onMessage(message);
        } catch (Error e) {
          answer(call, e, start);
        }
      }

      @Override
      public void onHalfClose() {
        try {
          super.onHalfClose();
        } catch (Error e) {
          answer(call, e, start);
        }
      }

      @Override
      public void onCancel() {
        try {
          super.onCancel();
        } catch (Error e) {
          answer(call, e, start);
        }
      }

      @Override
      public void onComplete() {
        try {
          super.onComplete();
        } catch (Error e) {
          answer(call, e, start);
        }
      }

      @Override
      public void onReady() {
        try {
          super.onReady();
        } catch (Error e) {
          answer(call, e, start);
        }
      }
    };
  }

  @SuppressWarnings("unchecked") // R is CheckResponse for Check, the only method a denial answers
  private <R> void answer(ServerCall<?, R> call, Error e, long start) {
    try {
      boolean check = call.getMethodDescriptor().getFullMethodName().endsWith("/Check");
      metrics.check(
          check ? "ext_authz" : "ext_proc",
          check ? "check" : "stream",
          "error",
          "internal",
          System.nanoTime() - start);
      metrics.errorCaught("check", e);
      LOG.log(
          Level.ERROR,
          "check died by {0} ({1})",
          ProcessGuard.describe(e),
          call.getMethodDescriptor().getFullMethodName());
    } finally {
      ProcessGuard.caught("check", e);
    }
    try {
      Optional<CheckResponse> deny =
          call.getMethodDescriptor().getFullMethodName().endsWith("/Check")
              ? denial.get()
              : Optional.empty();
      if (deny.isPresent()) {
        call.sendHeaders(new Metadata());
        call.sendMessage((R) deny.get());
        call.close(Status.OK, new Metadata());
      } else {
        call.close(
            Status.INTERNAL.withDescription("internal: " + e.getClass().getSimpleName()),
            new Metadata());
      }
    } catch (IllegalStateException alreadyAnswered) {
      // the service answered before the error: nothing more to send
    }
  }
}
