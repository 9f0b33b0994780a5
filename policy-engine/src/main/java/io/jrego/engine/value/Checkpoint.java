package io.jrego.engine.value;

import java.util.Arrays;
import java.util.Comparator;

/**
 * The running evaluation's limit check, for the few operations of the value model whose cost grows
 * faster than their input and that no evaluation step separates: sorting a large set or object
 * (done lazily, wherever it is first iterated, compared or printed) and the {@code sort} builtin.
 * The evaluator installs its check for the duration of a query on its thread; outside a query
 * nothing is checked.
 */
public final class Checkpoint {

  // One slot per thread, kept for the thread's life: installing a check is a ThreadLocal read and
  // a store, with no map entry made and removed per query.
  private static final ThreadLocal<Runnable[]> CURRENT =
      ThreadLocal.withInitial(() -> new Runnable[1]);

  /** Arrays shorter than this are sorted without checks: they take microseconds. */
  private static final int CHECKED_SORT_MIN = 1 << 12;

  private Checkpoint() {}

  /**
   * Makes {@code check} this thread's limit check; it ends the evaluation by throwing.
   *
   * @return the check it replaces (null for none), for {@link #restore}
   */
  public static Runnable install(Runnable check) {
    Runnable[] slot = CURRENT.get();
    Runnable outer = slot[0];
    slot[0] = check;
    return outer;
  }

  /** Puts back the check {@link #install} returned. */
  public static void restore(Runnable outer) {
    CURRENT.get()[0] = outer;
  }

  /** Sorts {@code values} in OPA's order, running this thread's check every 4096 comparisons. */
  public static void sort(Value[] values) {
    Runnable check = values.length < CHECKED_SORT_MIN ? null : CURRENT.get()[0];
    if (check == null) {
      Arrays.sort(values, Values::compare);
      return;
    }
    Arrays.sort(
        values,
        new Comparator<Value>() {
          private int compared;

          @Override
          public int compare(Value a, Value b) {
            if ((++compared & 4095) == 0) {
              check.run();
            }
            return Values.compare(a, b);
          }
        });
  }
}
