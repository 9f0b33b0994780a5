package io.jrego.engine.eval;

import io.jrego.engine.base.RegoError;
import io.jrego.engine.base.RegoError.Location;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The queries an evaluator is in, for an error's stack trace as OPA reports it: the query itself
 * (id 0), then each rule or function body, comprehension, negated expression and {@code every}
 * domain or body entered below it, numbered in the order evaluation entered them, each with the
 * expression it is at.
 *
 * <p>Queries are popped only when they return normally: an error leaves the stack as it was where
 * it was raised, so the outermost catch ({@link #frames}) reads it whole and no frame on the way
 * needs a handler. Two arrays, not a frame object per query, so entering a rule body allocates
 * nothing.
 */
final class QueryStack {
  private int[] ids = new int[16];
  private Location[] at = new Location[16];
  private int top = -1;
  private int next;

  /** Starts a new evaluation: only the query itself, at {@code location}. */
  void reset(Location location) {
    top = -1;
    next = 0;
    push(location);
  }

  /** Enters a query below the current one, at {@code location} until its body moves on. */
  void push(Location location) {
    if (++top == ids.length) {
      ids = Arrays.copyOf(ids, top * 2);
      at = Arrays.copyOf(at, top * 2);
    }
    ids[top] = next++;
    at[top] = location;
  }

  /** Leaves the current query. */
  void pop() {
    top--;
  }

  /** The expression the current query is at. */
  Location at() {
    return at[top];
  }

  /** Moves the current query to {@code location} (null: stays where it is). */
  void at(Location location) {
    if (location != null) {
      at[top] = location;
    }
  }

  /** The stack, innermost first. */
  List<RegoError.Frame> frames() {
    List<RegoError.Frame> out = new ArrayList<>(top + 1);
    for (int i = top; i >= 0; i--) {
      out.add(new RegoError.Frame(ids[i], at[i]));
    }
    return out;
  }
}
