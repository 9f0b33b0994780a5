package io.jrego.server.policy;

import io.jrego.engine.value.ObjectValue;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The input documents of the last few checks, so that a new policy can be evaluated on real
 * requests before it serves them (see {@code PolicyWarmUp}): a policy swap otherwise sends the
 * first requests after it through an evaluator the JIT compiler has not seen yet.
 *
 * <p>Two rings of {@link #CAPACITY} each: one for checks that Envoy sent, one for the made-up
 * checks of the start-up warm-up (which include the rare and refused shapes). Inputs are kept in
 * memory only, never written anywhere, and each is dropped when {@link #CAPACITY} newer ones have
 * come; inputs of requests over {@link #MAX_REQUEST_BYTES} are not kept. The cost on the check path
 * is one atomic increment and one array store.
 */
public final class RecentInputs {

  /**
   * The largest check request (serialised) whose input is kept: 64 inputs of at most this much hold
   * a few megabytes at worst, where a few 4 MiB bodies would fill a small heap.
   */
  public static final int MAX_REQUEST_BYTES = 16 * 1024;

  /** How many inputs each ring keeps. */
  public static final int CAPACITY = 32;

  private final Ring real = new Ring();
  private final Ring warmUp = new Ring();

  /** Keeps the input of a check that Envoy sent. */
  public void offer(ObjectValue input) {
    real.offer(input);
  }

  /** Keeps the input of one of the start-up warm-up's made-up checks. */
  public void offerWarmUp(ObjectValue input) {
    warmUp.offer(input);
  }

  /** The inputs kept, the real ones first (newest first), then the warm-up's. */
  public List<ObjectValue> snapshot() {
    List<ObjectValue> out = new ArrayList<>(2 * CAPACITY);
    real.addTo(out);
    warmUp.addTo(out);
    return out;
  }

  private static final class Ring {
    private final AtomicReferenceArray<ObjectValue> slots = new AtomicReferenceArray<>(CAPACITY);
    private final AtomicInteger next = new AtomicInteger();

    void offer(ObjectValue input) {
      slots.lazySet(Math.floorMod(next.getAndIncrement(), CAPACITY), input);
    }

    void addTo(List<ObjectValue> out) {
      int end = next.get();
      for (int i = 1; i <= CAPACITY; i++) {
        ObjectValue v = slots.get(Math.floorMod(end - i, CAPACITY));
        if (v != null) {
          out.add(v);
        }
      }
    }
  }
}
