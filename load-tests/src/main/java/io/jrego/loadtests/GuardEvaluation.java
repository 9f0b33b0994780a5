package io.jrego.loadtests;

import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * The AI guards' detection quality in one command: runs {@link InjectionEval} (precision, recall
 * and false-positive rate per category, language, obfuscation and source for prompt injection) and
 * then {@link PiiEvaluation} on its held-out test split (per entity type and language for PII and
 * secrets), prints both tables and writes both results files.
 *
 * <pre>
 * ./mvnw -q -pl load-tests -am package -DskipTests
 * java -cp load-tests/target/benchmarks.jar io.jrego.loadtests.GuardEvaluation [ROOT]
 * </pre>
 *
 * {@code ROOT} is the repository root (default: the working directory). It writes {@code
 * load-tests/results/injection-eval.md} and {@code load-tests/results/pii-DATE.md}, in the formats
 * the two evaluations write on their own.
 */
public final class GuardEvaluation {

  private GuardEvaluation() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 1) {
      throw new IllegalArgumentException(
          "usage: GuardEvaluation [ROOT], got " + args.length + " arguments");
    }
    Path root = Path.of(args.length > 0 ? args[0] : ".");
    System.out.println("# Prompt injection\n");
    InjectionEval.main(new String[] {root.toString()});
    System.out.println("\n# PII and secrets\n");
    Path pii = root.resolve("load-tests/results/pii-" + LocalDate.now(ZoneOffset.UTC) + ".md");
    PiiEvaluation.main(
        new String[] {
          "--corpus", root.resolve("load-tests/corpora/pii").toString(), "--out", pii.toString()
        });
  }
}
