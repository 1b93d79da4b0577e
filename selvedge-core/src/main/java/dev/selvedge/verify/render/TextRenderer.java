package dev.selvedge.verify.render;

import dev.selvedge.evidence.EvidenceReport;
import dev.selvedge.verify.Finding;
import dev.selvedge.verify.VerifyReport;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A verify report as text for a terminal or a CI log: findings grouped by service (project-wide
 * ones first), one line each with severity, rule, {@code file:line} and message, the fix hint (and
 * waiver reason) indented below, then a summary line.
 *
 * <pre>
 * api
 *   error    image-floating-tag  compose.yaml:4  image 'nginx:latest' uses the floating tag 'latest'
 *            hint: Pin a release tag, e.g. nginx:&lt;version&gt;, ideally with its digest.
 *
 * FAILED: 1 error, 0 warnings, 0 notes, 0 waived (fails on error)
 * </pre>
 */
public final class TextRenderer {
  private static final String PROJECT = "(project)";
  private static final String INDENT = "           ";

  private TextRenderer() {}

  public static String render(VerifyReport report) {
    StringBuilder out = new StringBuilder();
    out.append("selvedge verify: project ")
        .append(report.project().isEmpty() ? "(unnamed)" : report.project())
        .append(", ")
        .append(count(report.services().size(), "service"))
        .append('\n');

    Map<String, List<Finding>> groups = new LinkedHashMap<>();
    for (Finding f : report.findings()) {
      groups
          .computeIfAbsent(f.service() == null ? PROJECT : f.service(), k -> new ArrayList<>())
          .add(f);
    }
    for (Map.Entry<String, List<Finding>> g : groups.entrySet()) {
      out.append('\n').append(g.getKey()).append('\n');
      for (Finding f : g.getValue()) {
        line(out, f);
      }
    }
    if (groups.isEmpty()) {
      out.append("\nno findings\n");
    }

    EvidenceReport.Summary s = report.summary();
    out.append('\n')
        .append(s.passed() ? "PASSED" : "FAILED")
        .append(": ")
        .append(count(s.errors(), "error"))
        .append(", ")
        .append(count(s.warnings(), "warning"))
        .append(", ")
        .append(count(s.notes(), "note"))
        .append(", ")
        .append(s.waived())
        .append(" waived (fails on ")
        .append(report.failOn().id())
        .append(")\n");
    return out.toString();
  }

  private static void line(StringBuilder out, Finding f) {
    String label = f.waived() ? "waived" : f.severity().id();
    out.append("  ").append(pad(label, 8)).append(' ').append(f.rule());
    if (f.waived()) {
      out.append(" (").append(f.severity().id()).append(')');
    }
    if (!f.location().isEmpty()) {
      out.append("  ").append(f.location());
    }
    out.append("  ").append(f.message()).append('\n');
    if (!f.hint().isEmpty()) {
      out.append(INDENT).append("hint: ").append(f.hint()).append('\n');
    }
    if (f.waived()) {
      out.append(INDENT).append("waived: ").append(f.waiverReason()).append('\n');
    }
  }

  private static String pad(String s, int width) {
    return s.length() >= width ? s : s + " ".repeat(width - s.length());
  }

  private static String count(int n, String noun) {
    return dev.selvedge.Words.count(n, noun);
  }
}
