package io.jrego.server.grpc;

import com.google.protobuf.MessageLite;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.jrego.server.policy.PolicyHolder;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * Gets the Check and ext_proc paths compiled before a server reports SERVING, so Envoy's first
 * calls (deadline often 0.5 s or less) do not meet an interpreter, and the JIT compiler does not
 * compete with traffic for the CPU for the first minute. The same run, longer, is the training run
 * the AOT cache is recorded from ({@code bin/serve-jvm.sh}), so the cache's profiles are of this
 * traffic too.
 *
 * <p>The made-up calls ({@link WarmUpSamples}: chat, MCP and retrieval requests; for ext_proc whole
 * streams with JSON and server-sent-event answers) run through a throwaway copy of the server (same
 * executor settings, on 127.0.0.1 with a port of its own, services with discarded metrics and no
 * logging) over real HTTP/2 connections ({@link LoopbackCalls}), checks and (with a budget of
 * {@link #STREAMS_FROM} or more) streams at the same time: Netty, gRPC, protobuf, input mapping,
 * the policy, decision mapping, body edits. Running only the mapping and the policy in-process is
 * not enough: the classes the transport loads later invalidate what the JIT compiled under the
 * assumption that they did not exist (class-hierarchy deoptimisation), and the transport is half of
 * what gets compiled. Among the checks go the rarer requests of {@link WarmUpRefusals} and, every
 * {@link #LIMITED_EVERY} checks, evaluations that end at the engine's limits ({@link
 * LimitedEvaluations}), and two checks the copy fails on purpose, past their deadline in mapping
 * and in evaluation (the failed-check paths: the deadline's checks, error status or error denial),
 * so that what hostile traffic does first is not compiled as a trap.
 *
 * <p>It stops at the budget, or earlier once the JIT has settled: two windows of 500 ms in a row in
 * which the compiler worked less than 5% of the time ({@link JitActivity}). Whatever the budget,
 * each ordinary made-up check (and, with streams, each made-up stream) is sent once ({@link
 * #ONE_PASS}): on a cold JVM sharing its cores (a replica restarting beside the one taking its
 * traffic) starting the copy and its connection took more than the default 500 ms, and the warm-up
 * reported SERVING after running no check at all. If the copy cannot listen, the checks run
 * in-process instead.
 */
final class WarmUp {

  private static final System.Logger LOG = System.getLogger("io.jrego.server.grpc");

  /** Checks in flight at once: enough to keep every executor thread busy. */
  private static final int OUTSTANDING = 8;

  /** A window is quiet when the compiler worked less than this share of it. */
  private static final double SETTLED_SHARE = 0.05;

  private static final Duration WINDOW = Duration.ofMillis(500);

  private static final int QUIET_WINDOWS = 2;

  /** ext_proc streams in flight at once. */
  private static final int OUTSTANDING_STREAMS = 4;

  /** How far over the server's message limit the oversized rare request is. */
  static final int OVER_LIMIT = 1024;

  /** Checks sent per round of {@link LimitedEvaluations} (the first round comes first). */
  static final int LIMITED_EVERY = 32;

  /**
   * The calls sent whatever the budget says: the ordinary made-up checks (or streams) once each,
   * which load and link the classes of the whole path a real check takes. Session 19's fault
   * matrix: a replica restarted under load used its 500 ms budget starting the copy (1,176 ms in
   * all), ran 0 checks, and its first real checks took up to 112 ms (p99) against 3.5-8.4 ms before
   * the kill.
   */
  static final int ONE_PASS = WarmUpSamples.checks().size();

  /** At least this many checks, whatever the JIT says: it compiles nothing until code is hot. */
  private static final int MIN_CHECKS = 5_000;

  /** At least this many ext_proc streams (each about ten messages), whatever the JIT says. */
  private static final int MIN_STREAMS = 1_000;

  /**
   * The shortest budget whose warm-up also runs ext_proc streams. A shorter one (the default 500
   * ms) gives all of it to the check path: measured, sharing 500 ms with streams left more of
   * Check's code to compile under the first traffic and made ready later
   * (load-tests/results/footprint-2026-12-05-1325.md); the streams' profiles still come from the
   * AOT cache's training run, which warms up for 6 s.
   */
  static final Duration STREAMS_FROM = Duration.ofSeconds(2);

  private WarmUp() {}

  /** What a warm-up did, for the log. */
  record Result(long checks, long streams, Duration took, boolean settled, String how) {}

  /**
   * Runs made-up checks and ext_proc streams on a throwaway copy of a server for up to {@code
   * budget}.
   *
   * @param config the real server's settings (threads, queue, message size)
   * @param service the real server's Check service; the copy shares its policy and configuration
   * @param process the real server's ext_proc service, if it has one (then streams run too)
   * @param policies the active policy
   */
  static Result run(
      CheckServer.Config config,
      AuthorizationService service,
      Optional<ExternalProcessorService> process,
      PolicyHolder policies,
      Duration budget) {
    long start = System.nanoTime();
    long deadline = start + budget.toNanos();
    Settling jit = new Settling();
    AuthorizationService quiet = service.forWarmUp();
    Optional<ExternalProcessorService> quietProcess =
        budget.compareTo(STREAMS_FROM) >= 0
            ? process.map(ExternalProcessorService::forWarmUp)
            : Optional.empty();
    AtomicLong streams = new AtomicLong();
    int maxMessage = maxMessage(config);
    CheckServer.Config copy = copyOf(config, maxMessage);
    long checks;
    String how;
    try (CheckServer server = CheckServer.startCopy(copy, quiet, quietProcess, policies)) {
      Thread streaming = null;
      if (quietProcess.isPresent()) {
        streaming =
            Thread.ofPlatform()
                .daemon()
                .name("jrego-warm-up-streams")
                .start(() -> streams.set(streamsOverTheWire(server.port(), deadline)));
      }
      try {
        checks = overTheWire(quiet, server.port(), maxMessage, deadline, jit);
      } finally {
        if (streaming != null) {
          streaming.join();
        }
      }
      how = "over loopback gRPC";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      checks = 0;
      how = "interrupted";
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.DEBUG, "warm-up server unavailable, warming up in-process: {0}", e.toString());
      checks = inProcess(quiet, quietProcess, streams, maxMessage, deadline, jit);
      how = "in-process";
    }
    return new Result(
        checks, streams.get(), Duration.ofNanos(System.nanoTime() - start), jit.settled, how);
  }

  /**
   * The real server's message limit, fitted to the heap as the real server fits it: the copy has
   * fewer threads, so the heap would allow it more.
   */
  static int maxMessage(CheckServer.Config config) {
    return RequestLimits.forHeap(
            Runtime.getRuntime().maxMemory(),
            CheckServer.threadCount(config.threads()),
            config.maxRecvBytes(),
            config.queueCapacity())
        .maxMessageBytes();
  }

  /**
   * The throwaway copy's settings: 127.0.0.1 with a port of its own, the real server's message
   * limit ({@code maxMessage}) and queue, {@link #threads} check threads, plaintext.
   */
  static CheckServer.Config copyOf(CheckServer.Config config, int maxMessage) {
    return CheckServer.Config.builder(new ListenAddress.Tcp("127.0.0.1", 0))
        .maxRecvBytes(maxMessage)
        .threads(threads(config.threads()))
        .queueCapacity(config.queueCapacity())
        .shutdownGrace(Duration.ofSeconds(1))
        .build();
  }

  /**
   * The copy's check threads: the real server's, but no more than the processors. Made-up checks
   * only compute, so more threads would not warm up faster; they would take a larger share of the
   * cores from whatever shares them (another replica on the same machine taking the traffic while
   * this one restarts).
   */
  static int threads(int configured) {
    return Math.min(
        CheckServer.threadCount(configured),
        Math.max(1, Runtime.getRuntime().availableProcessors()));
  }

  /**
   * The largest message sent over the wire: this client ignores HTTP/2 flow control, so what it has
   * in flight must fit the server's window ({@link CheckServer}'s, 1 MiB) with room for the other
   * calls outstanding.
   */
  static final int MAX_SENT = NettyServerBuilder.DEFAULT_FLOW_CONTROL_WINDOW * 3 / 4;

  /**
   * Checks over loopback HTTP/2, among them one just over the server's message limit ({@code
   * maxMessage}), which gRPC's deframer refuses with RESOURCE_EXHAUSTED as it does a client's
   * oversized request; left out when it is over {@link #MAX_SENT} (a heap large enough for a limit
   * that high).
   */
  private static long overTheWire(
      AuthorizationService quiet, int port, int maxMessage, long deadline, Settling jit)
      throws IOException, InterruptedException {
    List<byte[]> calls =
        checks(quiet, maxMessage).stream()
            .filter(c -> c.getSerializedSize() <= MAX_SENT)
            .map(c -> LoopbackCalls.framed(List.of(c.toByteArray())))
            .toList();
    try (LoopbackCalls client = new LoopbackCalls(port)) {
      return client.run(
          "/" + AuthorizationGrpc.getCheckMethod().getFullMethodName(),
          calls,
          OUTSTANDING,
          LimitedEvaluations.every(LIMITED_EVERY, new Stop(deadline, jit, MIN_CHECKS, ONE_PASS)));
    }
  }

  /**
   * One round of made-up checks: the samples, the rare requests of {@link WarmUpRefusals} (the last
   * just over {@code maxMessage}), and the checks that {@code quiet} fails on purpose ({@link
   * AuthorizationService.MadeUpFailure}).
   */
  static List<CheckRequest> checks(AuthorizationService quiet, int maxMessage) {
    List<CheckRequest> out =
        new ArrayList<>(WarmUpRefusals.mixedInto(WarmUpSamples.checks(), maxMessage + OVER_LIMIT));
    CheckRequest chat = out.getFirst();
    quiet.warmUpFailure().ifPresent(secret -> out.addAll(WarmUpRefusals.failing(chat, secret)));
    return List.copyOf(out);
  }

  /** Whole ext_proc streams on a connection of their own; 0 if the copy does not answer them. */
  private static long streamsOverTheWire(int port, long deadline) {
    List<byte[]> calls =
        WarmUpSamples.streams().stream()
            .map(s -> LoopbackCalls.framed(s.stream().map(MessageLite::toByteArray).toList()))
            .toList();
    try (LoopbackCalls client = new LoopbackCalls(port)) {
      return client.run(
          "/" + ExternalProcessorGrpc.getProcessMethod().getFullMethodName(),
          calls,
          OUTSTANDING_STREAMS,
          new Stop(deadline, new Settling(), MIN_STREAMS, calls.size()));
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.DEBUG, "warm-up streams failed: {0}", e.toString());
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }

  /**
   * Goes on for the first {@code pass} calls whatever the time; then stops at the deadline, or once
   * {@code least} calls ran and the JIT has settled.
   */
  static final class Stop implements BooleanSupplier {
    private final long deadline;
    private final Settling jit;
    private final int least;
    private final int pass;
    private long asked;

    Stop(long deadline, Settling jit, int least, int pass) {
      this.deadline = deadline;
      this.jit = jit;
      this.least = least;
      this.pass = pass;
    }

    @Override
    public boolean getAsBoolean() {
      if (++asked <= pass) {
        return false;
      }
      return System.nanoTime() >= deadline || (asked >= least && jit.settled());
    }
  }

  /** Checks, and a stream after every few checks, called directly: no transport. */
  private static long inProcess(
      AuthorizationService quiet,
      Optional<ExternalProcessorService> process,
      AtomicLong streams,
      int maxMessage,
      long deadline,
      Settling jit) {
    List<CheckRequest> checks = checks(quiet, maxMessage);
    List<List<ProcessingRequest>> samples = WarmUpSamples.streams();
    BooleanSupplier stop =
        LimitedEvaluations.every(LIMITED_EVERY, new Stop(deadline, jit, MIN_CHECKS, ONE_PASS));
    long n = 0;
    while (!stop.getAsBoolean()) {
      quiet.check(checks.get((int) (n % checks.size())), new Discard<>());
      if (process.isPresent() && n % 4 == 0) {
        StreamObserver<ProcessingRequest> s = process.get().process(new Discard<>());
        samples.get((int) (streams.getAndIncrement() % samples.size())).forEach(s::onNext);
        s.onCompleted();
      }
      n++;
    }
    return n;
  }

  /** Drops whatever a call answers (the warm-up rounds after ready use it too). */
  static final class Discard<T> implements StreamObserver<T> {
    @Override
    public void onNext(T value) {}

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}
  }

  /** Settled once the compiler did almost nothing for {@link #QUIET_WINDOWS} windows in a row. */
  static final class Settling {
    private final JitActivity jit = new JitActivity();
    private long windowStart = System.nanoTime();
    private long workAtWindowStart = jit.nanos();
    private int quietWindows;
    private boolean settled;

    /** Checked often; looks at the compiler once per window. */
    boolean settled() {
      if (settled || !jit.supported()) {
        return settled;
      }
      long now = System.nanoTime();
      long elapsed = now - windowStart;
      if (elapsed < WINDOW.toNanos()) {
        return false;
      }
      long work = jit.nanos();
      boolean quiet = work - workAtWindowStart < elapsed * SETTLED_SHARE;
      quietWindows = quiet ? quietWindows + 1 : 0;
      settled = quietWindows >= QUIET_WINDOWS;
      windowStart = now;
      workAtWindowStart = work;
      return settled;
    }
  }
}
