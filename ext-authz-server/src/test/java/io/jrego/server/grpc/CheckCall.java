package io.jrego.server.grpc;

import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** One empty Check over a real channel, for tests that look only at how the call ended. */
final class CheckCall {

  private CheckCall() {}

  /** The status code a Check on {@code ch} ends with, giving up after {@code deadline}. */
  static Status.Code code(Channel ch, Duration deadline) {
    try {
      AuthorizationGrpc.newBlockingStub(ch)
          .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
          .check(CheckRequest.getDefaultInstance());
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }
}
