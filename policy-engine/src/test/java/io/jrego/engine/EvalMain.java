package io.jrego.engine;

import io.jrego.engine.value.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Debug helper: {@code EvalMain <query> [module.rego...]} prints the query's results. */
final class EvalMain {

  private EvalMain() {}

  public static void main(String[] args) throws Exception {
    Rego.Builder b = Rego.builder().printSink(System.out::println);
    Optional<io.jrego.engine.value.Value> input = Optional.empty();
    boolean json = false;
    for (int i = 1; i < args.length; i++) {
      if (args[i].equals("--json")) {
        json = true;
      } else if (args[i].equals("--v0")) {
        b.regoVersion(RegoVersion.V0);
      } else if (args[i].startsWith("input=")) {
        input = Optional.of(Json.parse(Files.readString(Path.of(args[i].substring(6)))));
      } else if (args[i].endsWith(".json")) {
        b.data(Json.parse(Files.readString(Path.of(args[i]))));
      } else {
        b.module(args[i], Files.readString(Path.of(args[i])));
      }
    }
    try {
      for (PreparedPolicy.QueryResult r : b.compile().query(args[0], input)) {
        System.out.println(json ? Json.write(r.expressions().get(0)) : r.toString());
      }
    } catch (RegoException e) {
      System.out.println(e.getMessage());
    }
  }
}
