package dev.selvedge.fleet.audit;

import java.time.Instant;
import java.util.List;

/**
 * What a cross-tenant audit found on a fleet.
 *
 * @param generatedAt when it ran
 * @param fleetFile the fleet file it read
 * @param nodes the nodes audited, in the fleet file's order
 * @param projects the {@code audit.projects} globs in force
 * @param findings in node order
 * @param unreadable what could not be read: the audit is incomplete
 */
public record AuditReport(
    Instant generatedAt,
    String fleetFile,
    List<String> nodes,
    List<String> projects,
    List<AuditFinding> findings,
    List<Unreadable> unreadable) {
  public AuditReport {
    nodes = List.copyOf(nodes);
    projects = List.copyOf(projects);
    findings = List.copyOf(findings);
    unreadable = List.copyOf(unreadable);
  }

  /** A node (stack null) or a node's stack that could not be read. */
  public record Unreadable(String node, String stack, String reason) {}

  /** The outcome: {@code clean} (exit 0), {@code findings} (1), {@code unreadable} (2, wins). */
  public String result() {
    if (!unreadable.isEmpty()) {
      return "unreadable";
    }
    return findings.isEmpty() ? "clean" : "findings";
  }

  public int exitCode() {
    return switch (result()) {
      case "clean" -> 0;
      case "findings" -> 1;
      default -> 2;
    };
  }
}
