package io.jrego.engine.builtins;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.builtins.spi.BuiltinRegistry;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code io.jrego.engine.builtins} holds namespace files only: every class in it but the table
 * ({@code StandardBuiltins}) registers builtins of its own through a static {@code
 * register(BuiltinRegistry)}, and {@code StandardBuiltins} calls it. Helpers the namespace classes
 * share live in sub-packages ({@code operand}, {@code regex}, {@code net}, ...).
 */
class NamespaceFilesTest {

  @Test
  void everyClassRegistersBuiltinsOfItsOwn() throws Exception {
    Path dir =
        Path.of(StandardBuiltins.class.getProtectionDomain().getCodeSource().getLocation().toURI())
            .resolve("io/jrego/engine/builtins");
    List<String> classes;
    try (Stream<Path> s = Files.list(dir)) {
      classes =
          s.map(p -> p.getFileName().toString())
              .filter(n -> n.endsWith(".class") && !n.contains("$"))
              .map(n -> n.substring(0, n.length() - ".class".length()))
              .filter(n -> !n.equals("StandardBuiltins"))
              .sorted()
              .toList();
    }
    assertThat(classes).hasSizeGreaterThan(20);
    BuiltinRegistry all = StandardBuiltins.registry();
    for (String name : classes) {
      Class<?> c = Class.forName("io.jrego.engine.builtins." + name);
      Method register = c.getDeclaredMethod("register", BuiltinRegistry.class);
      assertThat(Modifier.isStatic(register.getModifiers())).as(name + ".register").isTrue();
      register.setAccessible(true);
      BuiltinRegistry own = new BuiltinRegistry();
      register.invoke(null, own);
      assertThat(own.all()).as("builtins " + name + " registers").isNotEmpty();
      assertThat(all.all().keySet())
          .as("the standard table has " + name + "'s")
          .containsAll(own.all().keySet());
    }
  }
}
