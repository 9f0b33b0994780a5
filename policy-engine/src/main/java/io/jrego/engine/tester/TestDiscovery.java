package io.jrego.engine.tester;

import io.jrego.engine.RegoError;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds test rules ({@code test_*}, and {@code todo_test_*} to skip) in module sources by their
 * heads: a rule head starts a line, as {@code opa fmt} writes it. Each name counts once per package
 * (incremental definitions are one test), at its first definition.
 */
final class TestDiscovery {

  private static final Pattern PACKAGE =
      Pattern.compile("^package\\s+([A-Za-z_][A-Za-z0-9_.\\[\\]\"-]*)", Pattern.MULTILINE);
  private static final Pattern HEAD =
      Pattern.compile("^((?:todo_)?test_[A-Za-z0-9_]*)\\s*(\\()?", Pattern.MULTILINE);

  private TestDiscovery() {}

  /**
   * A test rule found in a module.
   *
   * @param packagePath {@code data.} and the package
   * @param name the rule name
   * @param function the head takes arguments, so the rule cannot be evaluated as a test
   * @param location the first definition's head
   */
  record TestRule(String packagePath, String name, boolean function, RegoError.Location location) {
    boolean todo() {
      return name.startsWith("todo_");
    }
  }

  static List<TestRule> find(Map<String, String> modules) {
    Map<String, TestRule> found = new LinkedHashMap<>();
    modules.forEach(
        (file, src) -> {
          Matcher pm = PACKAGE.matcher(src);
          if (!pm.find()) {
            return;
          }
          String pkg = "data." + pm.group(1);
          Matcher m = HEAD.matcher(src);
          while (m.find()) {
            if (m.start() < pm.start()) {
              continue;
            }
            String name = m.group(1);
            int row = lineOf(src, m.start());
            found.putIfAbsent(
                pkg + "." + name,
                new TestRule(
                    pkg,
                    name,
                    m.group(2) != null,
                    new RegoError.Location(file, row, 1, lineText(src, m.start()))));
          }
        });
    return new ArrayList<>(found.values());
  }

  private static int lineOf(String src, int offset) {
    int row = 1;
    for (int i = 0; i < offset; i++) {
      if (src.charAt(i) == '\n') {
        row++;
      }
    }
    return row;
  }

  private static String lineText(String src, int offset) {
    int end = src.indexOf('\n', offset);
    return src.substring(offset, end < 0 ? src.length() : end);
  }
}
