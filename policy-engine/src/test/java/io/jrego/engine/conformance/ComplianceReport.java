package io.jrego.engine.conformance;

import io.jrego.engine.conformance.CaseRunner.Outcome;
import io.jrego.engine.conformance.CaseRunner.Status;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The tally of a compliance run: per topic, and the failing and skipped cases with reasons. */
record ComplianceReport(List<Outcome> outcomes) {

  ComplianceReport {
    outcomes = List.copyOf(outcomes);
  }

  long count(Status s) {
    return outcomes.stream().filter(o -> o.status() == s).count();
  }

  /** {@code N passed, N failed, N skipped}. */
  String summary() {
    return count(Status.PASSED)
        + " passed, "
        + count(Status.FAILED)
        + " failed, "
        + count(Status.SKIPPED)
        + " skipped";
  }

  /** The report as Markdown: a per-topic table, then the failing and the skipped cases. */
  String toMarkdown(String casesDir) {
    Map<String, Map<Status, Long>> byTopic = new TreeMap<>();
    for (Outcome o : outcomes) {
      byTopic
          .computeIfAbsent(o.c().topic(), t -> new EnumMap<>(Status.class))
          .merge(o.status(), 1L, Long::sum);
    }
    StringBuilder sb = new StringBuilder();
    sb.append("# OPA compliance run\n\n");
    sb.append("Cases: `").append(casesDir).append("`\n\n");
    sb.append("**").append(summary()).append("**\n\n");
    sb.append("| topic | passed | failed | skipped |\n|---|---:|---:|---:|\n");
    byTopic.forEach(
        (topic, n) ->
            sb.append("| ")
                .append(topic)
                .append(" | ")
                .append(n.getOrDefault(Status.PASSED, 0L))
                .append(" | ")
                .append(n.getOrDefault(Status.FAILED, 0L))
                .append(" | ")
                .append(n.getOrDefault(Status.SKIPPED, 0L))
                .append(" |\n"));
    sb.append("\n## Failing cases (").append(count(Status.FAILED)).append(")\n\n");
    appendCases(sb, Status.FAILED);
    sb.append("\n## Skipped cases (").append(count(Status.SKIPPED)).append(")\n\n");
    appendCases(sb, Status.SKIPPED);
    return sb.toString();
  }

  private void appendCases(StringBuilder sb, Status status) {
    for (Outcome o : outcomes) {
      if (o.status() == status) {
        sb.append("- `")
            .append(o.c().key())
            .append("` ")
            .append(o.c().note().replace('\n', ' '))
            .append(": ")
            .append(Scorer.firstLine(o.detail()).replace('\n', ' '))
            .append('\n');
      }
    }
  }
}
