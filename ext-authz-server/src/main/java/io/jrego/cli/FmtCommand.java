package io.jrego.cli;

import io.jrego.engine.base.RegoError;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.base.RegoVersion;
import io.jrego.engine.format.RegoFormatter;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jrego fmt}: formats Rego files in OPA's canonical layout, byte for byte what {@code opa
 * fmt} writes. Files and folders (every {@code .rego} file below, in name order) are formatted to
 * stdout; {@code -w} writes them back, {@code -l} lists the ones that would change, {@code -d}
 * shows a unified diff, {@code --fail} exits 2 at the first file that would change, {@code --v0-v1}
 * reads Rego v0 (with {@code --v1-compatible}: v1) and writes syntax both v0 and v1 accept, after
 * refusing, with OPA's errors, what v1 cannot express. With no path it formats stdin to stdout. As
 * in OPA, the first file that does not parse stops the run (exit 2; 1 for stdin and for a path that
 * does not exist).
 */
@Command(
    name = "fmt",
    mixinStandardHelpOptions = true,
    description = "Format Rego source files as opa fmt does.")
public final class FmtCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(arity = "0..*", paramLabel = "PATH", description = "files or folders; none: stdin")
  List<Path> paths = new ArrayList<>();

  @Option(
      names = {"-w", "--write"},
      description = "overwrite each file that is not formatted")
  boolean write;

  @Option(
      names = {"-l", "--list"},
      description = "only list the files that would change")
  boolean list;

  @Option(
      names = {"-d", "--diff"},
      description = "only show a unified diff of the changes")
  boolean diff;

  @Option(names = "--fail", description = "exit 2 when a file would change")
  boolean fail;

  @Option(names = "--v0-compatible", description = "read and write Rego v0 (pre-1.0 syntax)")
  boolean v0Compatible;

  @Option(
      names = "--v0-v1",
      description =
          "read Rego v0 and write syntax both v0 and v1 accept (if, contains, :=, import rego.v1)")
  boolean v0v1;

  @Option(
      names = "--v1-compatible",
      description = "with --v0-v1: read Rego v1 (not v0) and write syntax both v0 and v1 accept")
  boolean v1Compatible;

  @Option(
      names = "--drop-v0-imports",
      description = "drop the rego.v1 and future.keywords imports Rego v1 does not need")
  boolean dropV0Imports;

  private PrintWriter out;
  private PrintWriter err;

  /** A file that does not parse or cannot be read or written: the run stops with this code. */
  private static final class Stop extends Exception {
    private static final long serialVersionUID = 1L;
    private final int code;

    Stop(int code, String message) {
      super(message, null, false, false);
      this.code = code;
    }
  }

  @Override
  public Integer call() {
    out = spec.commandLine().getOut();
    err = spec.commandLine().getErr();
    try {
      if (paths.isEmpty()) {
        return stdin();
      }
      for (Path p : paths) {
        if (!Files.exists(p)) {
          throw new Stop(1, "lstat " + p + ": no such file or directory");
        }
        for (Path f : regoFiles(p)) {
          int rc = file(f);
          if (rc != 0) {
            return rc;
          }
        }
      }
      return 0;
    } catch (Stop s) {
      err.println(s.getMessage());
      return s.code;
    } finally {
      out.flush();
      err.flush();
    }
  }

  private int stdin() throws Stop {
    String src;
    try {
      InputStream in = System.in;
      src = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new Stop(1, "failed to read stdin: " + e.getMessage());
    }
    try {
      out.print(format("stdin", src));
      return 0;
    } catch (RegoException e) {
      throw new Stop(1, describe(e));
    }
  }

  private int file(Path f) throws Stop {
    String src;
    try {
      src = Files.readString(f);
    } catch (IOException e) {
      throw new Stop(2, "failed to open file: " + e.getMessage());
    }
    String formatted;
    try {
      formatted = format(f.toString(), src);
    } catch (RegoException e) {
      throw new Stop(2, "failed to format Rego source file: " + describe(e));
    }
    boolean changed = !formatted.equals(src);
    if (!changed) {
      if (!list && !diff && !write) {
        out.print(formatted);
      }
      return 0;
    }
    if (list) {
      out.println(f);
    } else if (diff) {
      out.print(LineDiff.unified(f.toString(), src, formatted));
    }
    if (fail) {
      out.flush();
      err.println("unexpected diff");
      return 2;
    }
    if (write) {
      try {
        Files.writeString(f, formatted);
      } catch (IOException e) {
        throw new Stop(2, "failed to write " + f + ": " + e.getMessage());
      }
    } else if (!list && !diff) {
      out.print(formatted);
    }
    return 0;
  }

  private String format(String name, String src) throws RegoException {
    if (v0v1) {
      return v1Compatible
          ? RegoFormatter.formatV1ToV0V1(name, src)
          : RegoFormatter.formatV0ToV1(name, src);
    }
    RegoVersion version = v0Compatible ? RegoVersion.V0 : RegoVersion.V1;
    return RegoFormatter.format(name, src, version, dropV0Imports);
  }

  /** As OPA prints a list of errors: a count, then each with its source line and a caret. */
  private static String describe(RegoException e) {
    List<RegoError> errors = e.errors();
    if (errors.size() == 1) {
      return "1 error occurred: " + errors.get(0).describe();
    }
    return errors.size()
        + " errors occurred:\n"
        + errors.stream().map(RegoError::describe).collect(Collectors.joining("\n"));
  }

  /** {@code p} itself when a file, else every {@code .rego} file below it, in name order. */
  private static List<Path> regoFiles(Path p) throws Stop {
    if (!Files.isDirectory(p)) {
      return p.toString().endsWith(".rego") ? List.of(p) : List.of();
    }
    List<Path> found = new ArrayList<>();
    List<Path> entries;
    try (Stream<Path> s = Files.list(p)) {
      entries =
          s.sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()))
              .toList();
    } catch (IOException e) {
      throw new Stop(2, "failed to list " + p + ": " + e.getMessage());
    }
    for (Path e : entries) {
      // as Go's filepath.Walk: below the path given, names are joined and cleaned (no "./")
      found.addAll(regoFiles(e.normalize()));
    }
    return found;
  }
}
