package io.jrego.server.grpc;

import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.jrego.server.policy.PolicyHolder;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The warm-up's rare requests ({@link WarmUpRefusals}, the failing check) and a round of {@link
 * LimitedEvaluations}, again a few times in the first minute after ready, on a thread of their own,
 * through the warm-up's quiet copy of the Check service (no metrics, no decision log), in-process.
 *
 * <p>Why: the warm-up before ready is short (500 ms by default), so each rare request runs there
 * once or twice, while the methods it goes through are still interpreted or in code that does not
 * yet record which branches are taken. The profiles the JIT compiles from then have those branches
 * at zero, and the first hostile request of a kind sets off the traps where they were: in the fault
 * matrix, body's first second deoptimised 27-33 methods on a replica and cpu-policy's swap second
 * had 101-115 ms at p99 (load-tests/README.md, "Session 9 rounds"). Run again while the check path
 * is being profiled and compiled under real traffic, the rare branches are in the profiles; run
 * after it is compiled, the traps fire here, at a time of our choosing, rather than under an
 * attack.
 *
 * <p>Bounded: {@link #ROUNDS} rounds, at {@link #FIRST} after ready and then at twice the time of
 * the one before (2, 4, 8, 16 and 32 s): close together while the check path is profiled, and one
 * after C2 has compiled most of it; each about twenty requests. Ends early when the server drains.
 * A policy that calls a non-deterministic builtin ({@code http.send}, ...) is not evaluated by them
 * ({@link #repeatable}). Off unless {@code -Djrego.warmUp.afterReady=true} ({@link
 * WarmUpSwitches}).
 */
final class WarmUpAfterReady {

  private static final System.Logger LOG = System.getLogger("io.jrego.server.grpc");

  /** Rounds after ready: the last at 16 times {@link #FIRST}. */
  static final int ROUNDS = 5;

  /** When the first round runs after ready. */
  static final Duration FIRST = Duration.ofSeconds(2);

  private WarmUpAfterReady() {}

  /**
   * The requests of one round: the rare ones without the oversized chat (which only gRPC's deframer
   * refuses; in-process it would be a 4 MiB chat) and the check {@code quiet} fails on purpose.
   */
  static List<CheckRequest> requests(AuthorizationService quiet) {
    CheckRequest chat = WarmUpSamples.checks().getFirst();
    // the last is a chat of the size asked, left out: any size that makes a chat will do
    List<CheckRequest> rare = WarmUpRefusals.samples(chat, 1024);
    List<CheckRequest> out = new ArrayList<>(rare.subList(0, rare.size() - 1));
    quiet.warmUpFailure().ifPresent(secret -> out.add(WarmUpRefusals.failing(chat, secret)));
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
   */
  static Thread start(
      AuthorizationService quiet,
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
                run(quiet, requests(quiet), rounds, first, stopped, () -> repeatable(policies));
              } catch (RuntimeException e) {
                // a warm-up that cannot run leaves the server as it was, serving
                LOG.log(Level.WARNING, "warm-up after ready did not run: {0}", e.toString());
              }
            });
  }

  /**
   * Runs the rounds on the calling thread, each with {@code requests} only when {@code repeatable}
   * says so at its start; returns how many ran.
   */
  static int run(
      AuthorizationService quiet,
      List<CheckRequest> requests,
      int rounds,
      Duration first,
      BooleanSupplier stopped,
      BooleanSupplier repeatable) {
    int done = 0;
    Duration wait = first;
    try {
      while (done < rounds) {
        Thread.sleep(wait);
        wait = done == 0 ? first : wait.multipliedBy(2);
        if (stopped.getAsBoolean()) {
          break;
        }
        round(quiet, repeatable.getAsBoolean() ? requests : List.of());
        done++;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    LOG.log(Level.DEBUG, "warm-up after ready: {0} rounds", done);
    return done;
  }

  /** One round: each request once, then the limited evaluations. Never throws. */
  static void round(AuthorizationService quiet, List<CheckRequest> requests) {
    for (CheckRequest r : requests) {
      try {
        quiet.check(r, new WarmUp.Discard<>());
      } catch (RuntimeException e) {
        LOG.log(Level.DEBUG, "warm-up after ready: {0}", e.toString());
      }
    }
    LimitedEvaluations.round();
  }
}
