package io.jrego.engine.format;

import java.util.Map;

/** A builtin OPA writes with an infix operator: its symbol and how many operands it takes. */
record Infix(String symbol, int arity) {

  private static final Map<String, Infix> BY_NAME =
      Map.ofEntries(
          Map.entry("equal", new Infix("==", 2)),
          Map.entry("neq", new Infix("!=", 2)),
          Map.entry("lt", new Infix("<", 2)),
          Map.entry("lte", new Infix("<=", 2)),
          Map.entry("gt", new Infix(">", 2)),
          Map.entry("gte", new Infix(">=", 2)),
          Map.entry("plus", new Infix("+", 2)),
          Map.entry("minus", new Infix("-", 2)),
          Map.entry("mul", new Infix("*", 2)),
          Map.entry("div", new Infix("/", 2)),
          Map.entry("rem", new Infix("%", 2)),
          Map.entry("and", new Infix("&", 2)),
          Map.entry("or", new Infix("|", 2)),
          Map.entry("eq", new Infix("=", 2)),
          Map.entry("assign", new Infix(":=", 2)),
          Map.entry("internal.member_2", new Infix("in", 2)),
          Map.entry("internal.member_3", new Infix("in", 3)));

  /** The infix form of the builtin {@code name}, or null when it has none. */
  static Infix of(String name) {
    return BY_NAME.get(name);
  }

  boolean isMember() {
    return symbol.equals("in");
  }
}
