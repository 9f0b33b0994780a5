package io.jrego.engine;

import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.Set;

/**
 * Rule values one evaluation of a policy hands on to a later evaluation of the same policy whose
 * input differs from the first's only at some top-level keys: the two processing phases of one
 * request, whose inputs differ in {@code phase} and {@code response} alone. A rule the later
 * evaluation needs is not evaluated again when it was evaluated before and its value cannot depend
 * on those keys: it reads the input only through references whose first key is a constant outside
 * them, calls only deterministic builtins, no {@code print}, and has no {@code with}, nor has
 * anything it refers to or calls. So the later evaluation's result is the one it would compute
 * alone; only the work (and a {@code print} of a rule not re-run, which no carried rule has) is
 * saved.
 *
 * <p>Values pass only between evaluations of the same {@link PreparedPolicy} instance, and only
 * when the later input is an object holding the very same values (the same objects, or equal ones)
 * as the earlier at every key outside the changing ones, and with the same documents replaced
 * ({@code QueryOptions.with}, equal paths and values): otherwise the later evaluation starts
 * afresh. Queries with coverage recording do not carry (a carried rule would not be marked).
 *
 * <p>Not thread-safe: one evaluation at a time. Two evaluations on different threads need a
 * happens-before between them (a stream's messages handed from one thread to the next have one).
 */
public final class Carry {

  private final Set<String> changing;
  private Object owner;
  private ObjectValue input;
  private Object values;
  private Object replaced;

  private Carry(Set<String> changing) {
    this.changing = Set.copyOf(changing);
  }

  /** A carry between evaluations whose inputs may differ at {@code keys} (top-level keys). */
  public static Carry across(String... keys) {
    return new Carry(Set.of(keys));
  }

  /** The top-level input keys the evaluations may differ at. */
  public Set<String> changing() {
    return changing;
  }

  /** Whether an earlier evaluation left values. */
  public boolean holdsValues() {
    return values != null;
  }

  /**
   * What an evaluation by {@code by} with {@code next} and the documents {@code replaced} may
   * reuse: the values left by the last evaluation, if it was by the same policy with the same
   * replacements and its input agrees with {@code next} outside the changing keys; else null.
   */
  Object valuesFor(Object by, Value next, Object replaced) {
    if (values == null
        || owner != by
        || !(next instanceof ObjectValue n)
        || input == null
        || !this.replaced.equals(replaced)) {
      return null;
    }
    for (Value k : input.keys()) {
      if (!changed(k) && !same(input.getOrNull(k), n.getOrNull(k))) {
        return null;
      }
    }
    for (Value k : n.keys()) {
      if (!changed(k) && !input.containsKey(k)) {
        return null;
      }
    }
    return values;
  }

  /**
   * Keeps what an evaluation by {@code by} of {@code in}, with the documents {@code replaced}
   * ({@code QueryOptions.with}), computed, for the next one.
   */
  void keep(Object by, Value in, Object replaced, Object computed) {
    if (!(in instanceof ObjectValue o)) {
      return;
    }
    owner = by;
    input = o;
    this.replaced = replaced;
    values = computed;
  }

  private boolean changed(Value key) {
    return key instanceof StringValue s && changing.contains(s.value());
  }

  private static boolean same(Value a, Value b) {
    return a == b || (a != null && a.equals(b));
  }
}
