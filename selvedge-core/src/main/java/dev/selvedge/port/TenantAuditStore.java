package dev.selvedge.port;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The history of cross-tenant audits (the server's scheduled and on-demand runs): each run's
 * evidence JSON (kind {@code tenant-audit}, fingerprints only), kept so the latest findings can be
 * shown and compared with earlier ones.
 */
public interface TenantAuditStore {

  /**
   * One audit run.
   *
   * @param id assigned by the store, increasing
   * @param trigger {@code schedule} or {@code request:<key name>}
   * @param result {@code clean}, {@code findings} or {@code unreadable}
   * @param findings how many findings
   * @param evidence the evidence JSON text
   */
  record AuditRun(
      long id, Instant at, String trigger, String result, int findings, String evidence) {
    public AuditRun {
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(trigger, "trigger");
      Objects.requireNonNull(result, "result");
      Objects.requireNonNull(evidence, "evidence");
    }
  }

  /** Keeps a run; its id is assigned (the given one is ignored). */
  AuditRun add(AuditRun run);

  /** The newest run. */
  Optional<AuditRun> latest();

  /** One run by id. */
  Optional<AuditRun> find(long id);

  /**
   * Runs newest first, at most {@code limit}, with ids below {@code before} (null: from the
   * newest).
   */
  List<AuditRun> list(int limit, Long before);

  /**
   * Removes the runs recorded before {@code cutoff}, except the newest run (the latest findings
   * stay shown however old they are).
   *
   * @return how many were removed
   */
  int removeBefore(Instant cutoff);
}
