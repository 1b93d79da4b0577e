package dev.selvedge.store;

import dev.selvedge.port.AuditLog;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import org.jdbi.v3.core.statement.StatementContext;

/** The audit trail in the {@code audit_event} table. */
final class JdbcAuditLog implements AuditLog {
  private final Db db;

  JdbcAuditLog(Db db) {
    this.db = db;
  }

  @Override
  public void record(Event e) {
    db.call(
        "record '" + e.action() + "' of '" + e.project() + "' on " + e.host() + " in the audit log",
        h ->
            h.createUpdate(
                    "INSERT INTO audit_event (at, actor, host, project, service, action, target,"
                        + " outcome, detail) VALUES (:at, :actor, :host, :project, :service,"
                        + " :action, :target, :outcome, :detail)")
                .bind("at", Db.timestamp(e.at()))
                .bind("actor", e.actor())
                .bind("host", e.host())
                .bind("project", e.project())
                .bind("service", e.service())
                .bind("action", e.action())
                .bind("target", e.target())
                .bind("outcome", e.outcome())
                .bind("detail", e.detail())
                .execute());
  }

  @Override
  public List<Event> recent(String host, String project, int limit) {
    if (limit <= 0) {
      return List.of();
    }
    return db.call(
        "read the audit log of '" + project + "' on " + host,
        h ->
            h.createQuery(
                    "SELECT id, at, actor, host, project, service, action, target, outcome, detail"
                        + " FROM audit_event WHERE host = :host AND project = :project"
                        + " ORDER BY id DESC LIMIT :limit")
                .bind("host", host)
                .bind("project", project)
                .bind("limit", limit)
                .map(JdbcAuditLog::row)
                .list());
  }

  private static Event row(ResultSet rs, StatementContext ctx) throws SQLException {
    return new Event(
        rs.getLong("id"),
        Db.instant(rs, "at"),
        rs.getString("actor"),
        rs.getString("host"),
        rs.getString("project"),
        rs.getString("service"),
        rs.getString("action"),
        rs.getString("target"),
        rs.getString("outcome"),
        rs.getString("detail"));
  }
}
