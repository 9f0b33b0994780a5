package io.jrego.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The warm-up's end with C1 alone ({@link WarmUp.Drained}): it ends after idle compiler threads at
 * three looks in a row, each at least the look interval after the one before, on a made-up clock
 * and made-up compiler states (no timing); and {@link JitActivity#compilers()} tells a C1-only JVM
 * from a tiered one.
 */
class WarmUpDrainedTest {

  private static final Duration EVERY = Duration.ofMillis(10);

  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final Deque<Boolean> busy = new ArrayDeque<>();
  private final AtomicInteger looks = new AtomicInteger();

  private WarmUp.Drained drained() {
    return new WarmUp.Drained(
        3,
        EVERY,
        now::get,
        () -> {
          looks.incrementAndGet();
          return busy.removeFirst();
        });
  }

  private void later(long millis) {
    now.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
  }

  @Test
  void threeIdleLooksInARowEndIt() {
    WarmUp.Drained d = drained();
    busy.addAll(List.of(false, false, false));
    assertThat(d.settled()).isFalse();
    later(10);
    assertThat(d.settled()).isFalse();
    later(10);
    assertThat(d.settled()).isTrue();
    assertThat(d.hasSettled()).isTrue();
    later(10);
    assertThat(d.settled()).as("settled stays settled, without another look").isTrue();
    assertThat(looks).hasValue(3);
  }

  @Test
  void askingBetweenLooksDoesNotLook() {
    WarmUp.Drained d = drained();
    busy.addAll(List.of(false, false, false));
    assertThat(d.settled()).isFalse();
    for (int i = 0; i < 20; i++) {
      later(0);
      assertThat(d.settled()).isFalse();
    }
    later(9);
    assertThat(d.settled()).as("9 ms after the first look: still one look").isFalse();
    assertThat(looks).hasValue(1);
    later(1);
    assertThat(d.settled()).isFalse();
    later(10);
    assertThat(d.settled()).isTrue();
    assertThat(looks).hasValue(3);
  }

  @Test
  void aBusyLookStartsTheCountAgain() {
    WarmUp.Drained d = drained();
    busy.addAll(List.of(false, false, true, false, false, false));
    for (int i = 0; i < 5; i++) {
      assertThat(d.settled()).as("look %d", i + 1).isFalse();
      later(10);
    }
    assertThat(d.settled()).isTrue();
    assertThat(d.hasSettled()).isTrue();
    assertThat(looks).hasValue(6);
  }

  @Test
  void aCompilerAlwaysBusyNeverEndsIt() {
    WarmUp.Drained d = drained();
    for (int i = 0; i < 100; i++) {
      busy.add(true);
      assertThat(d.settled()).isFalse();
      later(10);
    }
    assertThat(d.hasSettled()).isFalse();
  }

  @Test
  void thisTieredJvmHasC2() {
    // the tests' JVM runs the JIT's tiered default (surefire does not stop it at C1)
    assertThat(JitActivity.compilers()).hasValueSatisfying(c -> assertThat(c.c1Alone()).isFalse());
  }

  @Test
  void aJvmStoppedAtC1HasC1Alone() throws Exception {
    assertThat(compilersOf("-XX:TieredStopAtLevel=1")).contains("c1Alone=true");
    assertThat(compilersOf("-XX:TieredStopAtLevel=4")).contains("c1Alone=false");
  }

  /** What {@link JitActivity#compilers()} says in a new JVM started with {@code flag}. */
  private static String compilersOf(String flag) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                flag,
                "-cp",
                System.getProperty("java.class.path"),
                PrintCompilers.class.getName())
            .redirectErrorStream(true)
            .start();
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).as("the JVM ends").isTrue();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }

  /** Prints this JVM's {@link JitActivity#compilers()}. */
  static final class PrintCompilers {
    public static void main(String[] args) {
      System.out.println(JitActivity.compilers());
    }
  }
}
