package io.jrego.server.decisionlog;

import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import java.io.PrintStream;
import java.time.Clock;
import java.time.temporal.ChronoUnit;

/**
 * Events as JSON lines, the way OPA's {@code decision_logs.console} writes them through its logger:
 * the event's fields at the top level beside {@code level: info}, {@code msg: Decision Log}, {@code
 * time} and {@code type: openpolicyagent.org/decision_logs}, keys sorted.
 */
final class ConsoleSink implements Sink {

  private final PrintStream out;
  private final Clock clock;

  ConsoleSink(PrintStream out, Clock clock) {
    this.out = out;
    this.clock = clock;
  }

  @Override
  public void write(ObjectValue event, byte[] json) {
    ObjectValue line =
        event
            .with(StringValue.of("level"), StringValue.of("info"))
            .with(StringValue.of("msg"), StringValue.of("Decision Log"))
            .with(
                StringValue.of("time"),
                StringValue.of(
                    Timestamps.rfc3339Nano(clock.instant().truncatedTo(ChronoUnit.SECONDS))))
            .with(StringValue.of("type"), StringValue.of("openpolicyagent.org/decision_logs"));
    out.println(Json.write(line));
  }

  @Override
  public void idle() {
    out.flush();
  }

  @Override
  public void close(long deadlineNanos) {
    out.flush();
  }
}
