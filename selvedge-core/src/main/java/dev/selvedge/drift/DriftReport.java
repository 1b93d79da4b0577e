package dev.selvedge.drift;

import dev.selvedge.contract.model.Severity;
import dev.selvedge.evidence.EvidenceReport;
import dev.selvedge.evidence.Tool;
import dev.selvedge.status.StackStatus;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The outcome of {@link DriftChecker#check}: the findings in report order (project-wide first, then
 * services in contract order, orphans last; within a service by layer), what could not be read, and
 * the status of every service and of the stack. Holds no secret value.
 *
 * @param layers the layers that were read, in order: {@code repo}, {@code host}, {@code container},
 *     {@code app}
 * @param services the services compared, in contract order
 * @param inputs the files read, by content hash
 */
public record DriftReport(
    String project,
    Instant checkedAt,
    List<String> layers,
    List<String> services,
    List<EvidenceReport.Input> inputs,
    List<DriftFinding> findings,
    List<Unread> unread,
    StackStatus status) {

  public DriftReport {
    project = project == null ? "" : project;
    Objects.requireNonNull(checkedAt, "checkedAt");
    layers = List.copyOf(layers);
    services = List.copyOf(services);
    inputs = List.copyOf(inputs);
    findings = List.copyOf(findings);
    unread = List.copyOf(unread);
    Objects.requireNonNull(status, "status");
  }

  /** How a drift run ends, and its exit code. */
  public enum Outcome {
    /** Every layer read, no drift (blocked_external findings allowed): exit 0. */
    IN_SYNC(0),
    /** At least one drift finding: exit 1, even when some part could not be read. */
    DRIFTED(1),
    /** No drift found, but something could not be read or reached: exit 2. */
    UNREADABLE(2);

    private final int exitCode;

    Outcome(int exitCode) {
      this.exitCode = exitCode;
    }

    public int exitCode() {
      return exitCode;
    }
  }

  /** Whether any finding is drift of ours (blocked_external is not). */
  public boolean drifted() {
    return findings.stream().anyMatch(f -> f.kind().isDrift());
  }

  /** No drift and nothing unread. */
  public boolean inSync() {
    return !drifted() && unread.isEmpty();
  }

  public Outcome outcome() {
    if (drifted()) {
      return Outcome.DRIFTED;
    }
    return unread.isEmpty() ? Outcome.IN_SYNC : Outcome.UNREADABLE;
  }

  /** The findings of one service (null = project-wide). */
  public List<DriftFinding> findings(String service) {
    return findings.stream().filter(f -> Objects.equals(f.service(), service)).toList();
  }

  /** The findings of one class. */
  public List<DriftFinding> findings(DriftClass kind) {
    return findings.stream().filter(f -> f.kind() == kind).toList();
  }

  /**
   * The counts of the envelope: errors are drift findings, notes blocked_external ones; {@code
   * passed} is {@link #inSync()}, so it matches exit 0.
   */
  public EvidenceReport.Summary summary() {
    EvidenceReport.Summary s = EvidenceReport.Summary.of(findings, Severity.ERROR);
    return new EvidenceReport.Summary(inSync(), s.errors(), s.warnings(), s.notes(), s.waived());
  }

  /** The report as an evidence envelope of kind {@code drift}, stamped with {@code clock}. */
  public EvidenceReport<DriftFinding> toEvidence(Tool tool, Clock clock) {
    Map<String, Severity> classes = new LinkedHashMap<>();
    for (DriftClass c : DriftClass.values()) {
      classes.put(c.id(), c.severity());
    }
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("layers", String.join(",", layers));
    return new EvidenceReport<>(
        EvidenceReport.Kind.DRIFT,
        tool,
        Instant.now(clock),
        project,
        inputs,
        new EvidenceReport.PolicySummary(Severity.ERROR, classes, settings),
        summary(),
        findings,
        List.of());
  }
}
