package io.jrego.server.grpc;

import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.grpc.stub.StreamObserver;
import io.jrego.server.policy.PolicyHolder;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * The warm-up's rare requests ({@link WarmUpRefusals}, the failing checks) and a round of {@link
 * LimitedEvaluations}, again at a few times after ready, on a thread of their own: each round over
 * a new loopback connection to a new throwaway copy of the server (as {@link WarmUp}'s, with the
 * quiet Check service: no metrics, no decision log), in-process if the copy cannot listen.
 *
 * <p>Why: the warm-up before ready is short (500 ms by default, 76 checks in the fault matrix), so
 * each rare request runs there once, while the methods it goes through are still interpreted and
 * record no profile. The JIT then compiles the check path from legitimate traffic alone, with the
 * rare branches at zero, and the first hostile request of a kind sets off the traps where they
 * were: in the fault matrix (session 13) every hostile phase's first seconds deoptimised 24-78
 * methods on the replica the hostile client connects to, half of them in Netty's and gRPC's
 * connection and framing paths (a new client connection, messages over many frames, gRPC's refusal
 * of an oversized message), the rest in input mapping, the body parsers, the outcome switch and
 * protobuf's error status (load-tests/README.md, "Fault matrix"). A round run while the check path
 * is profiled puts the rare branches in its profiles; one run after it is compiled sets the traps
 * off here, at a time of our choosing, and the code compiled again keeps the branches. The new
 * connection and the requests' sizes take the transport's paths, which in-process calls do not.
 *
 * <p>Bounded: {@link #ROUNDS} rounds, at {@link #FIRST} after ready and then at twice the time of
 * the one before (2, 4, 8, ... 128 s): close together while the check path is first profiled, and
 * on through C2's compile wave, which at a low request rate takes minutes (about 150 s at 150
 * checks/s in the fault matrix): a profile kept from any round holds for every later compile. Each
 * round is about twenty requests, most refused after a few bytes, and a server start and stop on
 * loopback. Ends early when the server drains. A policy that calls a non-deterministic builtin
 * ({@code http.send}, ...) is not evaluated by them ({@link #repeatable}). On unless {@code
 * -Djrego.warmUp.afterReady=false} ({@link WarmUpSwitches}).
 */
final class WarmUpAfterReady {

  private static final System.Logger LOG = System.getLogger("io.jrego.server.grpc");

  /** Rounds after ready: the last at 64 times {@link #FIRST}. */
  static final int ROUNDS = 7;

  /** When the first round runs after ready. */
  static final Duration FIRST = Duration.ofSeconds(2);

  /** Calls in flight at once over the round's connection. */
  private static final int OUTSTANDING = 4;

  private WarmUpAfterReady() {}

  /**
   * The requests of one round: the rare ones, with the 64 KB gzip stream whatever {@link
   * WarmUpSwitches#longGzip()} says (the start-up warm-up's budget is not at stake here) and the
   * last one just over {@code maxMessage}, and the checks {@code quiet} fails on purpose.
   */
  static List<CheckRequest> requests(AuthorizationService quiet, int maxMessage) {
    CheckRequest chat = WarmUpSamples.checks().getFirst();
    WarmUpSwitches s = WarmUpSwitches.CURRENT;
    List<CheckRequest> out =
        new ArrayList<>(
            WarmUpRefusals.samples(
                chat, maxMessage + WarmUp.OVER_LIMIT, new WarmUpSwitches(true, s.cover(), true)));
    quiet.warmUpFailure().ifPresent(secret -> out.addAll(WarmUpRefusals.failing(chat, secret)));
    return List.copyOf(out);
  }

  /**
   * {@code requests} and, before the last, a JSON object of names no earlier round sent ({@link
   * WarmUpRefusals#newNames}, numbered {@code round}).
   */
  static List<CheckRequest> withNewNames(List<CheckRequest> requests, int round) {
    List<CheckRequest> out = new ArrayList<>(requests);
    out.add(
        Math.max(0, out.size() - 1),
        WarmUpRefusals.newNames(WarmUpSamples.checks().getFirst(), round));
    return List.copyOf(out);
  }

  /**
   * Whether the active policy may be evaluated on the made-up requests again: it calls no
   * non-deterministic builtin. Why: such a policy may reach outside its input, and {@code
   * http.send} would make an HTTP call per made-up request at a time no caller asked for; the
   * rounds leave such a policy alone (the limited evaluations, on a module of their own, still
   * run). False while no policy is active.
   */
  static boolean repeatable(PolicyHolder policies) {
    return policies.current().map(p -> p.policy().nondeterministicCalls().isEmpty()).orElse(false);
  }

  /**
   * Starts the rounds on a daemon thread: the first after {@code first}, each later one at twice
   * the time of the one before, at most {@code rounds}, none once {@code stopped} says so or the
   * thread is interrupted; each round's checks only while {@link #repeatable} says so of {@code
   * policies}.
   *
   * @param config the real server's settings: each round's copy is made from them as {@link
   *     WarmUp}'s is
   */
  static Thread start(
      CheckServer.Config config,
      AuthorizationService quiet,
      Optional<ExternalProcessorService> quietProcess,
      PolicyHolder policies,
      int rounds,
      Duration first,
      BooleanSupplier stopped) {
    return Thread.ofPlatform()
        .daemon()
        .name("jrego-warm-up-after-ready")
        .start(
            () -> {
              try {
                int maxMessage = WarmUp.maxMessage(config);
                CheckServer.Config copy = WarmUp.copyOf(config, maxMessage);
                List<CheckRequest> requests = requests(quiet, maxMessage);
                AtomicInteger done = new AtomicInteger();
                run(
                    rounds,
                    first,
                    stopped,
                    () ->
                        round(
                            copy,
                            quiet,
                            policies,
                            repeatable(policies)
                                ? withNewNames(requests, done.getAndIncrement())
                                : List.of(),
                            maxMessage,
                            repeatable(policies) ? quietProcess : Optional.empty()));
              } catch (RuntimeException e) {
                // a warm-up that cannot run leaves the server as it was, serving
                LOG.log(Level.WARNING, "warm-up after ready did not run: {0}", e.toString());
              }
            });
  }

  /** Runs {@code round} {@code rounds} times on the calling thread; returns how many ran. */
  static int run(int rounds, Duration first, BooleanSupplier stopped, Runnable round) {
    int done = 0;
    Duration wait = first;
    try {
      while (done < rounds) {
        Thread.sleep(wait);
        wait = done == 0 ? first : wait.multipliedBy(2);
        if (stopped.getAsBoolean()) {
          break;
        }
        round.run();
        done++;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    LOG.log(Level.DEBUG, "warm-up after ready: {0} rounds", done);
    return done;
  }

  /**
   * One round: each request once over a new connection to a new copy of the server made with {@code
   * copy}, in-process if the copy cannot listen; then the limited evaluations. Never throws.
   * Returns how the requests went: {@code "over loopback gRPC"} or {@code "in-process"}. With
   * {@code quietProcess}, also {@link #staleCarries}.
   */
  static String round(
      CheckServer.Config copy,
      AuthorizationService quiet,
      PolicyHolder policies,
      List<CheckRequest> requests,
      int maxMessage,
      Optional<ExternalProcessorService> quietProcess) {
    String how = "over loopback gRPC";
    try {
      if (!requests.isEmpty()) {
        overTheWire(copy, quiet, policies, requests);
      }
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.DEBUG, "warm-up after ready, in-process: {0}", e.toString());
      // in-process a message over the limit is not refused, only decided at length: left out
      inProcess(quiet, requests.stream().filter(r -> r.getSerializedSize() <= maxMessage).toList());
      how = "in-process";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
    quietProcess.ifPresent(WarmUpAfterReady::staleCarries);
    LimitedEvaluations.round();
    return how;
  }

  /**
   * The made-up streams of {@link WarmUpSamples#staleCarries}, in-process on {@code quietProcess}
   * (a warm-up copy: its counts are its own): one reads an entry of Check's decision that a swap
   * made stale and evaluates again, one finds ext_authz's namespace without an entry. In the fault
   * matrix every stream used Check's decision until the cpu-policy swap, whose first streams met
   * entries of the policy before and threw out the compiled code for taking the other way ({@code
   * CheckedDecision.mismatch@8}, the evaluation's options). Never throws.
   */
  static void staleCarries(ExternalProcessorService quietProcess) {
    for (List<ProcessingRequest> stream : WarmUpSamples.staleCarries()) {
      try {
        StreamObserver<ProcessingRequest> s = quietProcess.process(new WarmUp.Discard<>());
        stream.forEach(s::onNext);
        s.onCompleted();
      } catch (RuntimeException e) {
        LOG.log(Level.DEBUG, "warm-up after ready, stream: {0}", e.toString());
      }
    }
  }

  private static void overTheWire(
      CheckServer.Config copy,
      AuthorizationService quiet,
      PolicyHolder policies,
      List<CheckRequest> requests)
      throws IOException, InterruptedException {
    List<byte[]> calls =
        requests.stream()
            .filter(r -> r.getSerializedSize() <= WarmUp.MAX_SENT)
            .map(r -> LoopbackCalls.framed(List.of(r.toByteArray())))
            .toList();
    try (CheckServer server = CheckServer.startCopy(copy, quiet, Optional.empty(), policies)) {
      // as Envoy sends them, then as a grpc-java client straight to the port (its own connection)
      for (LoopbackCalls.Client shape : LoopbackCalls.Client.values()) {
        try (LoopbackCalls client = new LoopbackCalls(server.port(), shape)) {
          client.run(
              "/" + AuthorizationGrpc.getCheckMethod().getFullMethodName(),
              calls,
              OUTSTANDING,
              new Once(calls.size()));
        }
      }
    }
  }

  /** Each request once, called directly: no transport. */
  static void inProcess(AuthorizationService quiet, List<CheckRequest> requests) {
    for (CheckRequest r : requests) {
      try {
        quiet.check(r, new WarmUp.Discard<>());
      } catch (RuntimeException e) {
        LOG.log(Level.DEBUG, "warm-up after ready: {0}", e.toString());
      }
    }
  }

  /** Says stop once {@code n} calls were sent: {@link LoopbackCalls#run} asks before each. */
  private static final class Once implements BooleanSupplier {
    private final int n;
    private int asked;

    Once(int n) {
      this.n = n;
    }

    @Override
    public boolean getAsBoolean() {
      return asked++ >= n;
    }
  }
}
