package io.jrego.server.decisionlog;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.value.ObjectValue;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSinkTest {

  @TempDir Path dir;

  @Test
  void rotatesBySizeAndKeepsABoundedNumberOfFiles() throws Exception {
    Path log = dir.resolve("logs/decisions.jsonl");
    FileSink sink = new FileSink(log, 1000, 3);
    List<String> written = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      String line = "{\"decision_id\":\"" + String.format("%036d", i) + "\"}";
      written.add(line);
      sink.write(ObjectValue.EMPTY, line.getBytes(StandardCharsets.UTF_8));
    }
    sink.close(System.nanoTime());
    try (Stream<Path> files = Files.list(log.getParent())) {
      assertThat(files.map(p -> p.getFileName().toString()).sorted())
          .containsExactly(
              "decisions.jsonl", "decisions.jsonl.1", "decisions.jsonl.2", "decisions.jsonl.3");
    }
    List<String> kept = new ArrayList<>();
    for (String name :
        List.of("decisions.jsonl.3", "decisions.jsonl.2", "decisions.jsonl.1", "decisions.jsonl")) {
      Path f = log.resolveSibling(name);
      assertThat(Files.size(f)).isLessThanOrEqualTo(1000);
      kept.addAll(Files.readAllLines(f));
    }
    // the newest events, in order, nothing torn
    assertThat(kept).isEqualTo(written.subList(written.size() - kept.size(), written.size()));
    assertThat(kept.size()).isGreaterThan(60);
  }

  @Test
  void appendsToAnExistingFile() throws Exception {
    Path log = dir.resolve("d.jsonl");
    Files.writeString(log, "{\"old\":1}\n");
    FileSink sink = new FileSink(log, 1 << 20, 1);
    sink.write(ObjectValue.EMPTY, "{\"new\":2}".getBytes(StandardCharsets.UTF_8));
    sink.close(System.nanoTime());
    assertThat(Files.readAllLines(log)).containsExactly("{\"old\":1}", "{\"new\":2}");
  }
}
