package io.jrego.engine.compiler;

import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A node of the rule tree: the path under {@code data}, the rules whose ground head ends here, and
 * child nodes by key. Built once by the compiler, read-only afterwards.
 */
public final class RuleNode {

  private static final Pattern IDENT = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private final List<Value> path;
  private final Map<Value, RuleNode> children = new LinkedHashMap<>();
  private final List<CompiledRule> rules = new ArrayList<>();
  private final int id;
  private boolean hasFunctions;
  private boolean isPackage;

  RuleNode(List<Value> path, int id) {
    this.path = List.copyOf(path);
    this.id = id;
  }

  public List<Value> path() {
    return path;
  }

  public Map<Value, RuleNode> children() {
    return children;
  }

  /** Non-function rules whose ground head is this node; default rules included. */
  public List<CompiledRule> rules() {
    return rules;
  }

  /** A dense id for per-query caches. */
  public int id() {
    return id;
  }

  /** Whether functions are defined at this node (it then has no document value). */
  public boolean hasFunctions() {
    return hasFunctions;
  }

  /**
   * Orders the children by key, as OPA visits them when it evaluates a whole document (so the first
   * error raised there is OPA's).
   */
  void sortChildren() {
    if (children.size() < 2) {
      return;
    }
    List<Map.Entry<Value, RuleNode>> sorted = new ArrayList<>(children.entrySet());
    sorted.sort(Map.Entry.comparingByKey());
    children.clear();
    sorted.forEach(e -> children.put(e.getKey(), e.getValue()));
  }

  void markFunctions() {
    hasFunctions = true;
  }

  /** Whether a module declares this node as its package (it then always has a value). */
  public boolean isPackage() {
    return isPackage;
  }

  void markPackage() {
    isPackage = true;
  }

  /** {@code data.a.b["c d"]}. */
  public static String pathString(List<Value> path) {
    StringBuilder sb = new StringBuilder("data");
    for (Value v : path) {
      if (v instanceof StringValue s && IDENT.matcher(s.value()).matches()) {
        sb.append('.').append(s.value());
      } else {
        sb.append('[').append(v).append(']');
      }
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return pathString(path);
  }
}
