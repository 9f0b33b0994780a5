package io.jrego.server.decisionlog;

import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.RuleInfo;
import io.jrego.engine.base.QueryOptions;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.value.ObjectValue;
import java.util.List;

/**
 * Which of the decision log's rules ({@code system.log.drop}, {@code mask}, {@code default_mask}) a
 * policy can define, worked out once per compiled policy: most bundles define none, and evaluating
 * three undefined documents for every event was a large part of the logger's cost. A document can
 * be defined only by a rule at its path, below it (a partial object) or above it (a rule whose
 * value holds it), or by the bundle's data; with no such rule, one lookup of the path in the data
 * settles it.
 */
final class LogRules {

  private final PreparedPolicy policy;
  private final boolean[] defined;

  private LogRules(PreparedPolicy policy, boolean[] defined) {
    this.policy = policy;
    this.defined = defined;
  }

  /** The answer for {@code policy} and {@code paths} ({@code system/log/mask} form). */
  static LogRules of(PreparedPolicy policy, List<String> paths) {
    boolean[] defined = new boolean[paths.size()];
    List<RuleInfo> rules = policy.rules();
    for (int i = 0; i < paths.size(); i++) {
      defined[i] = mayDefine(policy, rules, paths.get(i));
    }
    return new LogRules(policy, defined);
  }

  // identity on purpose: one compiled policy, not an equal one
  @SuppressWarnings("ReferenceEquality")
  boolean isFor(PreparedPolicy p) {
    return p == policy;
  }

  /** Whether the {@code i}-th path may be defined (false: it is undefined for every input). */
  boolean mayDefine(int i) {
    return defined[i];
  }

  private static boolean mayDefine(PreparedPolicy policy, List<RuleInfo> rules, String path) {
    String ref = "data." + path.replace('/', '.');
    for (RuleInfo r : rules) {
      String p = r.path();
      if (p.equals(ref) || p.startsWith(ref + ".") || ref.startsWith(p + ".")) {
        return true;
      }
    }
    try {
      // no rule can make it: only data can, and data does not depend on the input
      return policy.evaluate(path, ObjectValue.EMPTY, QueryOptions.none()).isPresent();
    } catch (RegoException | RuntimeException e) {
      return true; // cannot tell: evaluate per event, as before
    }
  }
}
