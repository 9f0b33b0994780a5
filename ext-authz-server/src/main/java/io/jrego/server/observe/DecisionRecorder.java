package io.jrego.server.observe;

import java.util.function.UnaryOperator;

/**
 * Where a service hands each decision once it has answered: the decision log and the tracer. Must
 * not block or throw: it runs on the thread that answered the check.
 */
@FunctionalInterface
public interface DecisionRecorder {

  /** Records one decision. */
  void record(DecisionEvent event);

  /** A recorder that records nothing; services skip making events for it. */
  static DecisionRecorder none() {
    return Nothing.INSTANCE;
  }

  /** The recorder {@link #none()} returns. */
  enum Nothing implements DecisionRecorder {
    INSTANCE;

    @Override
    public void record(DecisionEvent event) {}
  }

  /**
   * A recorder that first passes each event through {@code tracer} (which makes the decision's span
   * and returns the event with its ids in {@link DecisionEvent#traceContext()}) and then hands it
   * to {@code log}, so the log event names the span.
   */
  static DecisionRecorder traced(UnaryOperator<DecisionEvent> tracer, DecisionRecorder log) {
    return e -> log.record(tracer.apply(e));
  }
}
