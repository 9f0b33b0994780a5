package io.jrego.server.grpc;

import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The caller's side of a service method called directly (no channel): records what the service sent
 * back, so a test can assert on the responses, the error and whether the call completed.
 *
 * @param <T> the response message
 */
public final class RecordingObserver<T> implements StreamObserver<T> {

  private final List<T> responses = new CopyOnWriteArrayList<>();
  private final List<Throwable> errors = new CopyOnWriteArrayList<>();
  private final CompletableFuture<T> first = new CompletableFuture<>();
  private volatile boolean completed;

  /** Calls {@code check} on {@code service} and returns its response, or null if it sent none. */
  public static CheckResponse check(AuthorizationService service, CheckRequest request) {
    RecordingObserver<CheckResponse> r = new RecordingObserver<>();
    service.check(request, r);
    return r.responses.isEmpty() ? null : r.responses.getLast();
  }

  @Override
  public void onNext(T value) {
    responses.add(value);
    first.complete(value);
  }

  @Override
  public void onError(Throwable t) {
    errors.add(t);
    first.completeExceptionally(t);
  }

  @Override
  public void onCompleted() {
    completed = true;
  }

  /** The responses sent, in order. */
  public List<T> responses() {
    return List.copyOf(responses);
  }

  /** The errors the call ended with (at most one from a well-behaved service). */
  public List<Throwable> errors() {
    return List.copyOf(errors);
  }

  /** Done with the first response, or with the error if the call failed before one. */
  public CompletableFuture<T> firstResponse() {
    return first;
  }

  /**
   * Forgets the responses recorded so far, for a test that looks at a long stream one step at a
   * time; the errors, {@link #firstResponse()} and {@link #completed()} are about the whole call
   * and stay.
   */
  public void clear() {
    responses.clear();
  }

  public boolean completed() {
    return completed;
  }
}
