package dev.selvedge.store;

import dev.selvedge.port.TenantAuditStore;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.statement.StatementContext;

/** The cross-tenant audit's runs in the {@code tenant_audit} table (V13). */
final class JdbcTenantAuditStore implements TenantAuditStore {
  private static final String COLUMNS = "id, at, run_by, result, findings, evidence";

  private final Db db;

  JdbcTenantAuditStore(Db db) {
    this.db = db;
  }

  @Override
  public AuditRun add(AuditRun run) {
    long id =
        db.call(
            "keep a cross-tenant audit",
            h ->
                h.createUpdate(
                        "INSERT INTO tenant_audit (at, run_by, result, findings, evidence)"
                            + " VALUES (:at, :by, :result, :findings, :evidence)")
                    .bind("at", Db.timestamp(run.at()))
                    .bind("by", run.trigger())
                    .bind("result", run.result())
                    .bind("findings", run.findings())
                    .bind("evidence", run.evidence())
                    .executeAndReturnGeneratedKeys("id")
                    .mapTo(Long.class)
                    .one());
    return new AuditRun(id, run.at(), run.trigger(), run.result(), run.findings(), run.evidence());
  }

  @Override
  public Optional<AuditRun> latest() {
    return list(1, null).stream().findFirst();
  }

  @Override
  public Optional<AuditRun> find(long id) {
    return db.call(
        "read a cross-tenant audit",
        h ->
            h.createQuery("SELECT " + COLUMNS + " FROM tenant_audit WHERE id = :id")
                .bind("id", id)
                .map(JdbcTenantAuditStore::row)
                .findOne());
  }

  @Override
  public List<AuditRun> list(int limit, Long before) {
    return db.call(
        "list cross-tenant audits",
        h ->
            h.createQuery(
                    "SELECT "
                        + COLUMNS
                        + " FROM tenant_audit"
                        + (before == null ? "" : " WHERE id < :before")
                        + " ORDER BY id DESC LIMIT :limit")
                .bind("before", before == null ? 0L : before)
                .bind("limit", Math.max(1, limit))
                .map(JdbcTenantAuditStore::row)
                .list());
  }

  @Override
  public int removeBefore(Instant cutoff) {
    return db.call(
        "remove old cross-tenant audits",
        h ->
            h.createUpdate(
                    "DELETE FROM tenant_audit WHERE at < :cutoff"
                        + " AND id < (SELECT MAX(id) FROM tenant_audit)")
                .bind("cutoff", Db.timestamp(cutoff))
                .execute());
  }

  private static AuditRun row(ResultSet rs, StatementContext ctx) throws SQLException {
    return new AuditRun(
        rs.getLong("id"),
        Db.instant(rs, "at"),
        rs.getString("run_by"),
        rs.getString("result"),
        rs.getInt("findings"),
        rs.getString("evidence"));
  }
}
