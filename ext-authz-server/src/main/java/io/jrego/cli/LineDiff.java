package io.jrego.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * A unified diff of two texts by lines, with three lines of context, as {@code diff -u} prints it.
 * It finds a longest common subsequence by dynamic programming, which is enough for policy files;
 * past {@link #MAX_CELLS} it shows the whole file replaced instead.
 */
final class LineDiff {

  static final long MAX_CELLS = 25_000_000L;
  private static final int CONTEXT = 3;

  private LineDiff() {}

  /** The diff from {@code before} to {@code after}, headed with {@code name}; empty if equal. */
  static String unified(String name, String before, String after) {
    List<String> a = lines(before);
    List<String> b = lines(after);
    List<Character> ops = ops(a, b); // ' ' keep, '-' delete, '+' insert
    StringBuilder sb = new StringBuilder();
    sb.append("--- ").append(name).append('\n').append("+++ ").append(name).append('\n');
    List<String> texts = new ArrayList<>();
    int ia = 0;
    int ib = 0;
    List<int[]> pos = new ArrayList<>(); // line numbers before each op
    for (char op : ops) {
      pos.add(new int[] {ia, ib});
      switch (op) {
        case ' ' -> {
          texts.add(" " + a.get(ia));
          ia++;
          ib++;
        }
        case '-' -> {
          texts.add("-" + a.get(ia));
          ia++;
        }
        default -> {
          texts.add("+" + b.get(ib));
          ib++;
        }
      }
    }
    int i = 0;
    boolean any = false;
    while (i < ops.size()) {
      if (ops.get(i) == ' ') {
        i++;
        continue;
      }
      int start = Math.max(0, i - CONTEXT);
      int end = i;
      int lastChange = i;
      while (end < ops.size()) {
        if (ops.get(end) != ' ') {
          lastChange = end;
        } else if (end - lastChange > 2 * CONTEXT) {
          break;
        }
        end++;
      }
      end = Math.min(ops.size(), lastChange + CONTEXT + 1);
      int countA = 0;
      int countB = 0;
      for (int k = start; k < end; k++) {
        char c = ops.get(k);
        countA += c != '+' ? 1 : 0;
        countB += c != '-' ? 1 : 0;
      }
      int[] p0 = pos.get(start);
      sb.append("@@ -")
          .append(range(p0[0], countA))
          .append(" +")
          .append(range(p0[1], countB))
          .append(" @@\n");
      for (int k = start; k < end; k++) {
        sb.append(texts.get(k)).append('\n');
      }
      any = true;
      i = end;
    }
    return any ? sb.toString() : "";
  }

  private static String range(int startIndex, int count) {
    int first = count == 0 ? startIndex : startIndex + 1;
    return count == 1 ? String.valueOf(first) : first + "," + count;
  }

  private static List<String> lines(String s) {
    List<String> out = new ArrayList<>(List.of(s.split("\n", -1)));
    if (!out.isEmpty() && out.get(out.size() - 1).isEmpty()) {
      out.remove(out.size() - 1);
    }
    return out;
  }

  private static List<Character> ops(List<String> a, List<String> b) {
    int n = a.size();
    int m = b.size();
    List<Character> ops = new ArrayList<>();
    if ((long) n * m > MAX_CELLS) {
      a.forEach(x -> ops.add('-'));
      b.forEach(x -> ops.add('+'));
      return ops;
    }
    int[][] lcs = new int[n + 1][m + 1];
    for (int i = n - 1; i >= 0; i--) {
      for (int j = m - 1; j >= 0; j--) {
        lcs[i][j] =
            a.get(i).equals(b.get(j))
                ? lcs[i + 1][j + 1] + 1
                : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    int i = 0;
    int j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a.get(i).equals(b.get(j))) {
        ops.add(' ');
        i++;
        j++;
      } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
        ops.add('-');
        i++;
      } else {
        ops.add('+');
        j++;
      }
    }
    return ops;
  }
}
