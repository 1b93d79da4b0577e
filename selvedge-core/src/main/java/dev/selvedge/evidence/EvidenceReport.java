package dev.selvedge.evidence;

import dev.selvedge.contract.model.Severity;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The envelope of an evidence file ({@code selvedge.evidence/v1}, see docs/evidence-schema.md): who
 * produced it, when, from which inputs, under which policy, the outcome and the findings. {@code
 * kind} says which report it is; the findings are that kind's records.
 *
 * @param <F> the finding record of this kind of report
 */
public record EvidenceReport<F extends EvidenceFinding>(
    Kind kind,
    Tool tool,
    Instant generatedAt,
    String project,
    List<Input> inputs,
    PolicySummary policy,
    Summary summary,
    List<F> findings,
    List<WaiverEntry> waivers) {

  /** The schema id written into every evidence file; bump the suffix on incompatible changes. */
  public static final String SCHEMA = "selvedge.evidence/v1";

  public EvidenceReport {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(tool, "tool");
    Objects.requireNonNull(generatedAt, "generatedAt");
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(summary, "summary");
    project = project == null ? "" : project;
    inputs = inputs == null ? List.of() : List.copyOf(inputs);
    findings = findings == null ? List.of() : List.copyOf(findings);
    waivers = waivers == null ? List.of() : List.copyOf(waivers);
  }

  /** Which check produced the report. */
  public enum Kind {
    VERIFY,
    DRIFT;

    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** A file the report was made from, by content hash (never by content). */
  public record Input(String path, String role, String sha256) {}

  /**
   * The policy in force: the failing threshold, the effective severity of every rule, and other
   * settings by name (for verify {@code healthcheck_interval_floor}).
   */
  public record PolicySummary(
      Severity failOn, Map<String, Severity> rules, Map<String, String> settings) {
    public PolicySummary {
      Objects.requireNonNull(failOn, "failOn");
      rules = rules == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(rules));
      settings =
          settings == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(settings));
    }
  }

  /**
   * The outcome. The counts are of findings that are not waived; {@code waived} counts the waived
   * ones, whatever their severity.
   */
  public record Summary(boolean passed, int errors, int warnings, int notes, int waived) {

    /** Counts {@code findings}; the report passes when none un-waived is at or above failOn. */
    public static Summary of(List<? extends EvidenceFinding> findings, Severity failOn) {
      int errors = 0;
      int warnings = 0;
      int notes = 0;
      int waived = 0;
      boolean passed = true;
      for (EvidenceFinding f : findings) {
        if (f.waiverReason() != null) {
          waived++;
          continue;
        }
        switch (f.severity()) {
          case ERROR -> errors++;
          case WARNING -> warnings++;
          case NOTE -> notes++;
          case OFF -> {}
        }
        if (f.severity().atLeast(failOn)) {
          passed = false;
        }
      }
      return new Summary(passed, errors, warnings, notes, waived);
    }
  }

  /** A waiver of the policy and how many findings it covered (0 = stale, worth removing). */
  public record WaiverEntry(String rule, String service, String reason, int matched) {}
}
