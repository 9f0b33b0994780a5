package io.jrego.server.grpc;

import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.grpc.Context;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.envoy.Reason;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Keeps the memory that calls hold within {@link RequestLimits}, refusing the excess with
 * RESOURCE_EXHAUSTED (as gRPC refuses a message over its size limit) and counting it ({@code
 * jrego_checks_total{result="error",reason="overloaded"}} and {@code
 * jrego_requests_refused_total{limit}}). With {@code --on-error=deny} a Check refused for the
 * number of calls is answered with a denial instead ({@link AuthorizationService#overloadDenial}),
 * without reading its message; one refused for its bytes cannot be, as gRPC ends the call while
 * reading it.
 *
 * <p>Two limits, both applied on the transport thread before a check thread is involved:
 *
 * <ul>
 *   <li><b>calls</b>: gRPC asks {@link #getExecutor} for each new call's executor; a call gets the
 *       check threads only with a permit, at most {@code maxCalls} at once, released when the call
 *       ends. A call without one runs its start inline, where {@link #interceptCall} closes it
 *       before any message is requested. An ext_proc stream with a permit runs on the transport
 *       thread and hands its heavy messages to the check threads one at a time ({@link
 *       StreamLane}). The check threads' queue thus never holds more than one task per permitted
 *       call, and never refuses one.
 *   <li><b>bytes</b>: gRPC's deframer reports the bytes of each message as it reads them to the
 *       stream's tracer ({@link #newServerStreamTracer}), each read counted with the buffer it
 *       keeps ({@link #READ_OVERHEAD}); they count as held until a check thread takes the message
 *       ({@code onMessage}) or the call ends. A read that would take the total past {@code
 *       maxHeldBytes} throws RESOURCE_EXHAUSTED there, which gRPC turns into the end of that call
 *       with that status, as it does for its own size limit.
 * </ul>
 *
 * <p>gRPC refuses a message over {@code maxMessageBytes} itself, and says nothing of it: the call
 * ends RESOURCE_EXHAUSTED, and Envoy fails the request, or cuts an answer it has begun to send. The
 * gate sees that end ({@link Held#streamClosed}), counts it ({@code
 * jrego_requests_refused_total{limit="message"}}) and logs a warning naming the limit and how to
 * raise it, at most once per {@link #MESSAGE_LOG_INTERVAL_NANOS}.
 */
final class RequestGate extends ServerStreamTracer.Factory
    implements ServerCallExecutorSupplier, ServerInterceptor {

  /** The most a socket read takes in: what one DATA frame gRPC keeps can hold on to. */
  static final int READ_BYTES = 16 << 10;

  /**
   * What a read of a message's bytes holds beyond those bytes: gRPC keeps each frame as a slice of
   * the buffer it arrived in, up to a read and the partial frame before it.
   */
  static final long READ_OVERHEAD = 2L * READ_BYTES;

  /** Marks a refused call's headers between {@link #getExecutor} and {@link #interceptCall}. */
  private static final Metadata.Key<String> REFUSED =
      Metadata.Key.of("jrego-internal-refused", Metadata.ASCII_STRING_MARSHALLER);

  /** The start of gRPC's description of a message over its inbound size limit. */
  static final String OVERSIZED = "gRPC message exceeds maximum size";

  /** At most one warning for oversized messages in this interval; every one is counted. */
  static final long MESSAGE_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

  private static final System.Logger LOG = System.getLogger("io.jrego.server.grpc");

  private static final Context.Key<Held> HELD = Context.key("jrego-request-bytes");

  /** Where a refused call starts: on the transport thread, only to be closed. */
  private static final Executor INLINE = Runnable::run;

  /** Where an ext_proc stream runs its light messages: on the transport thread. */
  private static final Executor TRANSPORT = Runnable::run;

  private static final String PROCESS =
      ExternalProcessorGrpc.getProcessMethod().getFullMethodName();

  private final RequestLimits limits;
  private final Executor threads;
  private final ServerMetrics metrics;
  private final Function<String, Optional<CheckResponse>> denial;
  private final Semaphore permits;
  private final AtomicLong heldBytes = new AtomicLong();
  private final AtomicLong lastOversizedLog = new AtomicLong(System.nanoTime() - (1L << 62));

  RequestGate(
      RequestLimits limits,
      Executor threads,
      ServerMetrics metrics,
      Function<String, Optional<CheckResponse>> denial) {
    this.limits = limits;
    this.threads = threads;
    this.metrics = metrics;
    this.denial = denial;
    this.permits = new Semaphore(limits.maxCalls());
    metrics.expectRequestsRefused("calls", "bytes", "message");
  }

  /** Calls open now, on a check thread or waiting for one. */
  int openCalls() {
    return limits.maxCalls() - permits.availablePermits();
  }

  /** Bytes of messages received and not yet taken by a check thread. */
  long heldBytes() {
    return heldBytes.get();
  }

  @Override
  public <Q, R> Executor getExecutor(ServerCall<Q, R> call, Metadata headers) {
    headers.discardAll(REFUSED); // never the caller's to set
    if (permits.tryAcquire()) {
      // an ext_proc stream hands its heavy messages to the check threads itself (StreamLane)
      return call.getMethodDescriptor().getFullMethodName().equals(PROCESS) ? TRANSPORT : threads;
    }
    headers.put(REFUSED, "calls");
    return INLINE;
  }

  @Override
  @SuppressWarnings("unchecked") // a Check call's responses are CheckResponses
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (headers.containsKey(REFUSED)) {
      String method = call.getMethodDescriptor().getFullMethodName();
      count(method, "calls");
      String why =
          Reason.OVERLOADED.code()
              + ": "
              + limits.maxCalls()
              + " calls are open (running or waiting for a check thread), the most this"
              + " server's heap allows";
      Optional<CheckResponse> deny =
          method.endsWith("/Check") ? denial.apply(why) : Optional.empty();
      if (deny.isPresent()) {
        call.sendHeaders(new Metadata());
        call.sendMessage((R) deny.get());
        call.close(Status.OK, new Metadata());
      } else {
        call.close(Status.RESOURCE_EXHAUSTED.withDescription(why), new Metadata());
      }
      return new ServerCall.Listener<>() {};
    }
    AtomicBoolean released = new AtomicBoolean();
    Runnable release =
        () -> {
          if (released.compareAndSet(false, true)) {
            permits.release();
          }
        };
    Held held = HELD.get();
    ServerCall.Listener<Q> inner;
    try {
      inner = next.startCall(call, headers);
    } catch (RuntimeException | Error e) {
      release.run();
      throw e;
    }
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(inner) {
      @Override
      public void onMessage(Q message) {
        if (held != null) {
          held.taken();
        }
        super.onMessage(message);
      }

      @Override
      public void onComplete() {
        try {
          super.onComplete();
        } finally {
          release.run();
        }
      }

      @Override
      public void onCancel() {
        try {
          super.onCancel();
        } finally {
          release.run();
        }
      }
    };
  }

  /**
   * A call ended because gRPC refused its message for size: counted, and logged with the limit and
   * what raises it (at most once per {@link #MESSAGE_LOG_INTERVAL_NANOS}).
   */
  private void oversized(String method, String description) {
    metrics.requestRefused("message");
    long now = System.nanoTime();
    long last = lastOversizedLog.get();
    if (now - last < MESSAGE_LOG_INTERVAL_NANOS || !lastOversizedLog.compareAndSet(last, now)) {
      return;
    }
    LOG.log(
        Level.WARNING,
        "refused a {0} message over this server''s limit of {1} bytes ({2}); the call ends"
            + " RESOURCE_EXHAUSTED, so Envoy fails the request, or cuts an answer it has begun."
            + " The limit is --max-recv-msg-size, lowered to fit the heap (a sixteenth of it"
            + " shared by the check threads): raise it with a larger heap (-Xmx in"
            + " JREGO_JAVA_OPTS) or fewer --threads, or keep Envoy''s body pieces below it"
            + " (per_connection_buffer_limit_bytes, envoy-config/README.md). Counted in"
            + " jrego_requests_refused_total'{'limit=\"message\"'}'",
        method.substring(method.lastIndexOf('/') + 1),
        limits.maxMessageBytes(),
        description);
  }

  private void count(String method, String limit) {
    boolean check = method.endsWith("/Check");
    metrics.check(
        check ? "ext_authz" : "ext_proc", check ? "check" : "stream", "error", "overloaded", 0);
    metrics.requestRefused(limit);
  }

  @Override
  public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
    return new Held(fullMethodName);
  }

  /** One call's bytes: messages read and not yet taken, and the one being read. */
  private final class Held extends ServerStreamTracer {
    private final String method;
    private final ArrayDeque<Long> read = new ArrayDeque<>();
    private long held;
    private long reading;
    private boolean closed;

    Held(String method) {
      this.method = method;
    }

    @Override
    public Context filterContext(Context context) {
      return context.withValue(HELD, this);
    }

    /** Bytes of the message being read arrived (transport thread). */
    @Override
    public void inboundWireSize(long wire) {
      long bytes = wire + READ_OVERHEAD;
      synchronized (this) {
        if (closed) {
          return;
        }
        held += bytes;
        reading += bytes;
      }
      long total = heldBytes.addAndGet(bytes);
      if (total > limits.maxHeldBytes()) {
        count(method, "bytes");
        throw Status.RESOURCE_EXHAUSTED
            .withDescription(
                Reason.OVERLOADED.code()
                    + ": requests waiting for a check thread hold "
                    + (total - bytes)
                    + " bytes; this server's heap allows "
                    + limits.maxHeldBytes())
            .asRuntimeException();
      }
    }

    /** A whole message was read; it waits for the call's thread (transport thread). */
    @Override
    public synchronized void inboundMessageRead(
        int seqNo, long optionalWireSize, long optionalUncompressedSize) {
      read.add(reading);
      reading = 0;
    }

    /** The call's thread took the oldest message: its bytes are no longer waiting. */
    void taken() {
      long bytes;
      synchronized (this) {
        Long first = read.poll();
        if (first == null || closed) {
          return;
        }
        bytes = first;
        held -= bytes;
      }
      heldBytes.addAndGet(-bytes);
    }

    @Override
    public void streamClosed(Status status) {
      long bytes;
      synchronized (this) {
        closed = true;
        bytes = held;
        held = 0;
        read.clear();
      }
      heldBytes.addAndGet(-bytes);
      String description = status.getDescription();
      if (status.getCode() == Status.Code.RESOURCE_EXHAUSTED
          && description != null
          && description.startsWith(OVERSIZED)) {
        oversized(method, description);
      }
    }
  }
}
