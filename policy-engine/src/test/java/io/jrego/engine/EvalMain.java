package io.jrego.engine;

import io.jrego.engine.value.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Debug helper: {@code EvalMain <query> [module.rego...]} prints the query's results. */
final class EvalMain {

  private EvalMain() {}

  public static void main(String[] args) throws Exception {
    Rego.Builder b = TestBuiltins.with(Rego.builder()).printSink(System.out::println);
    for (int i = 1; i < args.length; i++) {
      if (args[i].endsWith(".json")) {
        b.data(Json.parse(Files.readString(Path.of(args[i]))));
      } else {
        b.module(args[i], Files.readString(Path.of(args[i])));
      }
    }
    try {
      for (PreparedPolicy.QueryResult r : b.compile().query(args[0], Optional.empty())) {
        System.out.println(r);
      }
    } catch (RegoException e) {
      System.out.println(e.getMessage());
    }
  }
}
