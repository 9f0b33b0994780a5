package io.jrego.server.decisionlog;

import io.jrego.engine.value.ObjectValue;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Events as JSON lines in a file, rotated by size: when the next event would take {@code PATH} past
 * {@code maxBytes}, {@code PATH.1} becomes {@code PATH.2} and so on, {@code PATH} becomes {@code
 * PATH.1}, and at most {@code maxFiles} rotated files are kept. Flushed whenever the logger's queue
 * runs empty.
 */
final class FileSink implements Sink {

  private final Path path;
  private final long maxBytes;
  private final int maxFiles;
  private OutputStream out;
  private long size;

  FileSink(Path path, long maxBytes, int maxFiles) throws IOException {
    if (maxBytes < 1) {
      throw new IllegalArgumentException("decision log file size must be positive: " + maxBytes);
    }
    if (maxFiles < 0) {
      throw new IllegalArgumentException("rotated file count must not be negative: " + maxFiles);
    }
    this.path = path;
    this.maxBytes = maxBytes;
    this.maxFiles = maxFiles;
    Path parent = path.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    open();
  }

  private void open() throws IOException {
    out =
        new BufferedOutputStream(
            Files.newOutputStream(path, StandardOpenOption.CREATE, StandardOpenOption.APPEND),
            64 * 1024);
    size = Files.size(path);
  }

  @Override
  public void write(ObjectValue event, byte[] json) throws IOException {
    if (size > 0 && size + json.length + 1 > maxBytes) {
      rotate();
    }
    out.write(json);
    out.write('\n');
    size += json.length + 1;
  }

  private void rotate() throws IOException {
    out.close();
    if (maxFiles == 0) {
      Files.delete(path);
    } else {
      Files.deleteIfExists(rotated(maxFiles));
      for (int i = maxFiles - 1; i >= 1; i--) {
        if (Files.exists(rotated(i))) {
          Files.move(rotated(i), rotated(i + 1), StandardCopyOption.REPLACE_EXISTING);
        }
      }
      Files.move(path, rotated(1), StandardCopyOption.REPLACE_EXISTING);
    }
    open();
  }

  private Path rotated(int n) {
    return path.resolveSibling(path.getFileName() + "." + n);
  }

  @Override
  public void idle() throws IOException {
    out.flush();
  }

  @Override
  public void close(long deadlineNanos) throws IOException {
    out.close();
  }
}
