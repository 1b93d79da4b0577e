package dev.selvedge.evidence;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.selvedge.contract.model.Severity;

/**
 * One finding in an evidence file. Every kind of report (verify, drift) has its own finding record;
 * they share these fields so the envelope can summarize them, and each writes its own JSON fields.
 * Implementations must never carry a secret value.
 */
public interface EvidenceFinding {
  /** The rule or check that produced the finding, a stable id. */
  String rule();

  /** The effective severity, never {@link Severity#OFF}. */
  Severity severity();

  /** The service concerned, or null for the whole project. */
  String service();

  /** Why the finding is waived, or null when it is not. */
  String waiverReason();

  /** Writes this finding's fields into {@code node}, in schema order. */
  void writeJson(ObjectNode node);
}
