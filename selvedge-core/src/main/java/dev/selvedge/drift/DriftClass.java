package dev.selvedge.drift;

import dev.selvedge.contract.model.Severity;

/**
 * The class of a drift finding (see docs/drift.md for when each applies).
 *
 * <ul>
 *   <li>{@link #MISSING}: the upper layer has it, the lower does not.
 *   <li>{@link #STALE}: the lower layer holds another version of the same artifact (image, digest,
 *       reported application version) or has not settled yet; rolling forward fixes it.
 *   <li>{@link #CONTRADICTED}: both have the key with different values, or the runtime state
 *       contradicts the contract (stopped, unhealthy); someone has to decide which side is right.
 *   <li>{@link #EXTRA}: the lower layer has something the upper does not name (orphans).
 *   <li>{@link #BLOCKED_EXTERNAL}: a dependency owned by someone else is unreachable; reported, not
 *       counted as our drift.
 *   <li>{@link #DEFAULTED}: a variable {@code .env.example} declares is not set on the host, and
 *       every use of it in the contract gives a default, which Compose applies; reported, not
 *       counted as drift.
 * </ul>
 */
public enum DriftClass {
  MISSING("missing", Severity.ERROR),
  STALE("stale", Severity.ERROR),
  CONTRADICTED("contradicted", Severity.ERROR),
  EXTRA("extra", Severity.ERROR),
  BLOCKED_EXTERNAL("blocked_external", Severity.NOTE),
  DEFAULTED("defaulted", Severity.NOTE);

  private final String id;
  private final Severity severity;

  DriftClass(String id, Severity severity) {
    this.id = id;
    this.severity = severity;
  }

  /** The wire name. */
  public String id() {
    return id;
  }

  /** Error for drift of ours, note for {@link #BLOCKED_EXTERNAL} and {@link #DEFAULTED}. */
  public Severity severity() {
    return severity;
  }

  /**
   * Whether a finding of this class is drift of this stack (everything but blocked_external and
   * defaulted): only drift turns the pill yellow and makes the exit code 1.
   */
  public boolean isDrift() {
    return this != BLOCKED_EXTERNAL && this != DEFAULTED;
  }
}
