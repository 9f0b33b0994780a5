package io.jrego.server.grpc;

import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.grpc.Context;
import io.grpc.stub.ServerCallStreamObserver;
import io.jrego.server.process.ProcessStream;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * Runs one ext_proc stream's messages in order, each where it costs least: a {@link
 * ProcessStream#light light} one on the transport thread that received it, the others on the check
 * threads; of an SSE piece whose first answer text the held response headers wait for, the {@link
 * ProcessStream#head head} is judged where it arrives and only the rest goes to a check thread. The
 * call's flow control asks for one message at a time, and for the next only once the last is
 * handled, so a stream never has more than one message waiting and never two running.
 *
 * <p>Why: most of an ext_proc message's cost was the hand-off to a check thread and back (a thread
 * woken for the message, the transport's event loop woken for the answer), not the work; answering
 * the request headers, holding a JSON answer's headers or passing an SSE piece on needs neither.
 * Evaluations, scans of larger bodies and budget stores stay off the transport thread, which other
 * calls on the same connection share, with one exception bounded in CPU: a phase whose recent
 * evaluations have each used at most {@link PhaseCost#BOUND_NANOS} ({@link PhaseCost}), of a policy
 * that calls no non-deterministic builtin ({@code http.send} waits using no CPU), is decided where
 * its message arrives: the response phase at a streamed answer's headers, the request phase at a
 * request body and the response phase at a JSON answer's body of at most {@link
 * ProcessStream#INLINE_BODY_BYTES} (the body edit after the decision is bounded by its size). The
 * response headers wait in Envoy for the answer, so there the two hand-offs were the largest part
 * of jrego's share of the answer's first byte after the evaluation itself; a request body and a
 * small JSON answer wait in Envoy too, and each hand-off there is a check thread woken and the
 * transport's event loop woken for the answer (load-tests/README.md, ext_proc).
 *
 * <p>gRPC flushes answers in a task it queues on the transport's event loop, and a message asked
 * for at once on that loop is handed over before that task runs when the same network read holds
 * it. So after a light message that answered headers, the next is asked for in a task of the loop,
 * behind the flush: with many SSE pieces in one read (an answer Envoy had buffered), the held
 * response headers and the first answer text would otherwise wait until every piece was filtered.
 * After any other light message the next is asked for at once, so that the answers to the pieces of
 * one read leave together: flushing each on its own cut SSE throughput through Envoy.
 */
final class StreamLane {

  private final ProcessStream stream;
  private final ServerCallStreamObserver<?> call;
  private final Executor threads;
  private final Consumer<Throwable> died;
  private final Optional<Executor> loop;
  private final Times times;

  /** Where the time of each message, from its arrival to the end of its handling, is recorded. */
  interface Times {
    /** Records nothing. */
    Times NONE = (message, transport, nanos) -> {};

    /**
     * Records one message handled.
     *
     * @param transport handled on the transport thread it arrived on (else on a check thread)
     */
    void handled(ProcessingRequest.RequestCase message, boolean transport, long nanos);
  }

  /** Guarded by this: a message is being handled on a check thread. */
  private boolean busy;

  /** Guarded by this: the end of the stream, to run once the busy message is handled. */
  private Runnable pendingEnd;

  /**
   * @param died what to do when a message handled on a check thread throws (the transport thread's
   *     own failures go to the {@link ErrorBoundary} around the call)
   * @param loop the event loop of the transport thread the call runs on, where the next message is
   *     asked for after a light one that answered headers; empty: always at once (tests)
   */
  StreamLane(
      ProcessStream stream,
      ServerCallStreamObserver<?> call,
      Executor threads,
      Consumer<Throwable> died,
      Optional<Executor> loop) {
    this(stream, call, threads, died, loop, Times.NONE);
  }

  /** As above, recording each message's time in {@code times}. */
  StreamLane(
      ProcessStream stream,
      ServerCallStreamObserver<?> call,
      Executor threads,
      Consumer<Throwable> died,
      Optional<Executor> loop,
      Times times) {
    this.stream = stream;
    this.call = call;
    this.threads = threads;
    this.died = died;
    this.loop = loop;
    this.times = times;
    call.disableAutoRequest();
  }

  /** Asks for the first message. */
  void start() {
    call.request(1);
  }

  /** A message arrived (transport thread); it is the only one asked for. */
  void message(ProcessingRequest r) {
    long arrived = System.nanoTime();
    ProcessingRequest.RequestCase kind = r.getRequestCase();
    ProcessingRequest now = r;
    boolean answered = false;
    if (!stream.light(r)) {
      now = stream.head(r);
      answered = stream.answeredHeaders();
      if (!stream.light(now)) {
        ProcessingRequest rest = now;
        synchronized (this) {
          busy = true;
        }
        threads.execute(Context.current().wrap(() -> heavy(rest, kind, arrived)));
        return;
      }
    }
    stream.onMessage(now);
    times.handled(kind, true, System.nanoTime() - arrived);
    if (loop.isPresent() && (answered || stream.answeredHeaders())) {
      loop.get().execute(() -> call.request(1)); // behind the flush of the headers' answer
    } else {
      call.request(1);
    }
  }

  private void heavy(ProcessingRequest r, ProcessingRequest.RequestCase kind, long arrived) {
    try {
      stream.onMessage(r);
      times.handled(kind, false, System.nanoTime() - arrived);
    } catch (RuntimeException | StackOverflowError e) {
      died.accept(e);
    } finally {
      Runnable end;
      synchronized (this) {
        busy = false;
        end = pendingEnd;
        pendingEnd = null;
      }
      if (end != null) {
        end.run();
      } else {
        call.request(1);
      }
    }
  }

  /** The stream ended (completed, failed or cancelled): {@code end} runs after the busy message. */
  void end(Runnable end) {
    synchronized (this) {
      if (busy) {
        Runnable before = pendingEnd;
        pendingEnd =
            before == null
                ? end
                : () -> {
                  before.run();
                  end.run();
                };
        return;
      }
    }
    end.run();
  }
}
