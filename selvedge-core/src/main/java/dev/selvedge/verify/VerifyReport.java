package dev.selvedge.verify;

import dev.selvedge.contract.model.Policy;
import dev.selvedge.contract.model.Severity;
import dev.selvedge.evidence.EvidenceReport;
import dev.selvedge.evidence.Tool;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The outcome of {@link Verifier#verify}: every finding (waived ones included, marked), the policy
 * that was applied, and the inputs it was computed from.
 *
 * @param project project name
 * @param workingDir absolute project directory; finding files are relative to it
 * @param services service names in contract order (the text report groups by them)
 * @param inputs files read, paths relative to the project directory
 * @param rules every registered rule, in registry order
 * @param severities the effective severity of every rule ({@code off} = not run)
 * @param failOn findings at or above this severity fail the run unless waived
 * @param intervalFloor the healthcheck interval floor in force
 * @param waivers the policy's waivers
 * @param findings findings grouped by service, then by location
 */
public record VerifyReport(
    String project,
    String workingDir,
    List<String> services,
    List<EvidenceReport.Input> inputs,
    List<Rule> rules,
    Map<String, Severity> severities,
    Severity failOn,
    Duration intervalFloor,
    List<Policy.Waiver> waivers,
    List<Finding> findings) {

  public VerifyReport {
    project = project == null ? "" : project;
    workingDir = workingDir == null ? "" : workingDir;
    services = List.copyOf(services);
    inputs = List.copyOf(inputs);
    rules = List.copyOf(rules);
    severities = Collections.unmodifiableMap(new LinkedHashMap<>(severities));
    Objects.requireNonNull(failOn, "failOn");
    Objects.requireNonNull(intervalFloor, "intervalFloor");
    waivers = List.copyOf(waivers);
    findings = List.copyOf(findings);
  }

  /** True when no finding that is not waived is at or above {@link #failOn()}. */
  public boolean passed() {
    return findings.stream().noneMatch(f -> f.fails(failOn));
  }

  /** The findings that make the run fail. */
  public List<Finding> failing() {
    return findings.stream().filter(f -> f.fails(failOn)).toList();
  }

  /** Findings of one rule, waived or not. */
  public List<Finding> findings(String rule) {
    return findings.stream().filter(f -> f.rule().equals(rule)).toList();
  }

  /** How many findings {@code waiver} covered; 0 means it is stale. */
  public int matched(Policy.Waiver waiver) {
    return (int) findings.stream().filter(f -> waiver.equals(f.waivedBy())).count();
  }

  public EvidenceReport.Summary summary() {
    return EvidenceReport.Summary.of(findings, failOn);
  }

  /** The report as an evidence envelope of kind {@code verify}, stamped with {@code clock}. */
  public EvidenceReport<Finding> toEvidence(Tool tool, Clock clock) {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("healthcheck_interval_floor", Durations.format(intervalFloor));
    List<EvidenceReport.WaiverEntry> entries = new ArrayList<>();
    for (Policy.Waiver w : waivers) {
      entries.add(new EvidenceReport.WaiverEntry(w.rule(), w.service(), w.reason(), matched(w)));
    }
    return new EvidenceReport<>(
        EvidenceReport.Kind.VERIFY,
        tool,
        Instant.now(clock),
        project,
        inputs,
        new EvidenceReport.PolicySummary(failOn, severities, settings),
        summary(),
        findings,
        entries);
  }
}
