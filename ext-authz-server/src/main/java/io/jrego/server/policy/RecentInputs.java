package io.jrego.server.policy;

import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.LongSupplier;

/**
 * Input documents of recent checks, so that a new policy can be evaluated on real requests before
 * it serves them (see {@code PolicyWarmUp}): a policy swap otherwise sends the first requests after
 * it through an evaluator the JIT compiler has not seen yet.
 *
 * <p>Two rings of {@link #CAPACITY} each: one for checks that Envoy sent, one for the made-up
 * checks of the start-up warm-up (which include the rare and refused shapes). Inputs are kept in
 * memory only, never written anywhere, and each is dropped when {@link #CAPACITY} newer ones have
 * come; inputs of requests over {@link #MAX_REQUEST_BYTES} are not kept.
 *
 * <p>Each input is kept as its JSON bytes, one array, not as the tree of values the check built:
 * the serial collector copies every young object still reachable at each young collection, and 32
 * input trees (thousands of small objects) held by the ring were copied at every one of them, which
 * doubled the pause of each. The check path keeps at most one input per {@link #INTERVAL} ({@link
 * #due}), so writing the JSON costs a handful of checks a second, and the other checks one clock
 * read.
 */
public final class RecentInputs {

  /**
   * The largest check request (serialised) whose input is kept: 64 inputs of at most this much hold
   * a few megabytes at worst, where a few 4 MiB bodies would fill a small heap.
   */
  public static final int MAX_REQUEST_BYTES = 16 * 1024;

  /** How many inputs each ring keeps. */
  public static final int CAPACITY = 32;

  /**
   * The least time between two inputs the check path keeps ({@link #due}): the ring then holds the
   * last few seconds of traffic.
   */
  public static final Duration INTERVAL = Duration.ofMillis(100);

  private final Ring real = new Ring();
  private final Ring warmUp = new Ring();
  private final LongSupplier clock;
  private final long intervalNanos;
  private final AtomicLong lastDue;

  /** Inputs kept at most once per {@link #INTERVAL} on the check path. */
  public RecentInputs() {
    this(System::nanoTime, INTERVAL);
  }

  RecentInputs(LongSupplier clock, Duration interval) {
    this.clock = clock;
    this.intervalNanos = interval.toNanos();
    this.lastDue = new AtomicLong(clock.getAsLong() - intervalNanos);
  }

  /**
   * Whether the calling check should keep its input ({@link #offer}): true for one caller at most
   * once per {@link #INTERVAL}.
   */
  public boolean due() {
    long now = clock.getAsLong();
    long last = lastDue.get();
    return now - last >= intervalNanos && lastDue.compareAndSet(last, now);
  }

  /** Keeps the input of a check that Envoy sent. */
  public void offer(ObjectValue input) {
    real.offer(Json.writeBytes(input));
  }

  /** Keeps the input of one of the start-up warm-up's made-up checks. */
  public void offerWarmUp(ObjectValue input) {
    warmUp.offer(Json.writeBytes(input));
  }

  /** The inputs kept, the real ones first (newest first), then the warm-up's. */
  public List<ObjectValue> snapshot() {
    List<ObjectValue> out = new ArrayList<>(2 * CAPACITY);
    real.addTo(out);
    warmUp.addTo(out);
    return out;
  }

  private static final class Ring {
    private final AtomicReferenceArray<byte[]> slots = new AtomicReferenceArray<>(CAPACITY);
    private final AtomicInteger next = new AtomicInteger();

    void offer(byte[] json) {
      slots.lazySet(Math.floorMod(next.getAndIncrement(), CAPACITY), json);
    }

    void addTo(List<ObjectValue> out) {
      int end = next.get();
      for (int i = 1; i <= CAPACITY; i++) {
        byte[] json = slots.get(Math.floorMod(end - i, CAPACITY));
        if (json != null) {
          out.add((ObjectValue) Json.parse(json));
        }
      }
    }
  }
}
