package dev.selvedge.drift.render;

import dev.selvedge.drift.DriftClass;
import dev.selvedge.drift.DriftFinding;
import dev.selvedge.drift.DriftReport;
import dev.selvedge.drift.Unread;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A drift report as text: findings grouped by service (project-wide first), one line each with
 * class, layers and key, the message below with expected and actual, then what was not read and a
 * summary line.
 *
 * <pre>
 * selvedge drift: project shop, 2 services, layers repo, host, container, app
 *
 * api
 *   contradicted  host/container  environment.DB_PASSWORD
 *       DB_PASSWORD of container shop-api-1 differs from the host contract
 *       expected: hmac-sha256:1f0c...  actual: hmac-sha256:77ab...
 *
 * DRIFTED: 1 finding (1 contradicted)
 * </pre>
 */
public final class DriftTextRenderer {
  private static final String PROJECT = "(project)";
  private static final String INDENT = "      ";

  private DriftTextRenderer() {}

  public static String render(DriftReport report) {
    StringBuilder out = new StringBuilder();
    out.append("selvedge drift: project ")
        .append(report.project().isEmpty() ? "(unnamed)" : report.project())
        .append(", ")
        .append(count(report.services().size(), "service"))
        .append(", layers ")
        .append(String.join(", ", report.layers()))
        .append('\n');

    Map<String, List<DriftFinding>> groups = new LinkedHashMap<>();
    for (DriftFinding f : report.findings()) {
      groups
          .computeIfAbsent(f.service() == null ? PROJECT : f.service(), k -> new ArrayList<>())
          .add(f);
    }
    for (Map.Entry<String, List<DriftFinding>> g : groups.entrySet()) {
      out.append('\n').append(g.getKey()).append('\n');
      for (DriftFinding f : g.getValue()) {
        out.append("  ")
            .append(f.kind().id())
            .append("  ")
            .append(f.layer().id())
            .append("  ")
            .append(f.key())
            .append('\n');
        out.append(INDENT).append(f.message()).append('\n');
        if (f.expected() != null || f.actual() != null) {
          out.append(INDENT)
              .append("expected: ")
              .append(f.expected() == null ? "(nothing)" : f.expected())
              .append("  actual: ")
              .append(f.actual() == null ? "(nothing)" : f.actual())
              .append('\n');
        }
      }
    }
    if (!report.unread().isEmpty()) {
      out.append("\nnot read\n");
      for (Unread u : report.unread()) {
        out.append("  ")
            .append(u.service() == null ? PROJECT : u.service())
            .append("  ")
            .append(u.layer().id())
            .append("  ")
            .append(u.key())
            .append(": ")
            .append(u.reason())
            .append('\n');
      }
    }
    if (groups.isEmpty() && report.unread().isEmpty()) {
      out.append("\nno drift\n");
    }
    out.append('\n').append(summary(report)).append('\n');
    return out.toString();
  }

  /** {@code IN SYNC: ...}, {@code DRIFTED: ...} or {@code UNREADABLE: ...}. */
  static String summary(DriftReport report) {
    Map<DriftClass, Integer> counts = new EnumMap<>(DriftClass.class);
    for (DriftFinding f : report.findings()) {
      counts.merge(f.kind(), 1, Integer::sum);
    }
    int drift = 0;
    List<String> parts = new ArrayList<>();
    for (Map.Entry<DriftClass, Integer> e : counts.entrySet()) {
      if (e.getKey().isDrift()) {
        drift += e.getValue();
        parts.add(e.getValue() + " " + e.getKey().id());
      }
    }
    String head =
        switch (report.outcome()) {
          case IN_SYNC -> "IN SYNC";
          case DRIFTED -> "DRIFTED";
          case UNREADABLE -> "UNREADABLE";
        };
    StringBuilder b = new StringBuilder(head).append(": ").append(count(drift, "finding"));
    if (!parts.isEmpty()) {
      b.append(" (").append(String.join(", ", parts)).append(')');
    }
    for (Map.Entry<DriftClass, Integer> e : counts.entrySet()) {
      if (!e.getKey().isDrift()) {
        b.append(", ").append(e.getValue()).append(' ').append(e.getKey().id());
      }
    }
    if (!report.unread().isEmpty()) {
      b.append(", ").append(report.unread().size()).append(" not read");
    }
    return b.toString();
  }

  static String count(int n, String noun) {
    return dev.selvedge.Words.count(n, noun);
  }
}
