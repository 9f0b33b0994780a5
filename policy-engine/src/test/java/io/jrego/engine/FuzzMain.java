package io.jrego.engine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Debug helper: mutates a policy at random and reports exceptions that are not RegoExceptions. */
final class FuzzMain {

  private FuzzMain() {}

  public static void main(String[] args) throws Exception {
    String src = Files.readString(Path.of(args[0]));
    int n = Integer.parseInt(args[1]);
    Random rnd = new Random(7);
    String alphabet = "{}[]()\"`$:=|&,;.\n _xin0-+*/%<>!#";
    int crashes = 0;
    for (int i = 0; i < n; i++) {
      StringBuilder sb = new StringBuilder(src);
      int edits = 1 + rnd.nextInt(4);
      for (int e = 0; e < edits; e++) {
        int pos = rnd.nextInt(sb.length());
        if (rnd.nextBoolean()) {
          sb.deleteCharAt(pos);
        } else {
          sb.insert(pos, alphabet.charAt(rnd.nextInt(alphabet.length())));
        }
      }
      try {
        PreparedPolicy p = Rego.builder().module("f.rego", sb.toString()).compile();
        p.evaluate("envoy/authz/allow", io.jrego.engine.value.ObjectValue.EMPTY);
      } catch (RegoException ok) {
        if (ok.code().equals("eval_internal_error")
            || (ok.code().equals("rego_unsafe_var_error")
                && ok.getMessage().contains("cannot unify"))) {
          crashes++;
          if (crashes <= 5) {
            System.out.println("INTERNAL " + ok.getMessage());
          }
        }
      } catch (Throwable t) {
        crashes++;
        if (crashes <= 5) {
          System.out.println("CRASH " + t);
          for (StackTraceElement s : t.getStackTrace()) {
            if (s.getClassName().startsWith("io.jrego")) {
              System.out.println("   at " + s);
            }
          }
        }
      }
    }
    System.out.println(crashes + " crashes in " + n);
  }
}
