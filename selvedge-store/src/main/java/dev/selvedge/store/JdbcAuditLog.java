package dev.selvedge.store;

import dev.selvedge.port.AuditLog;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * The audit trail in the {@code audit_event} table, append-only (V8's triggers): rows are only
 * inserted, and removed only by {@link #purge}, through {@link AuditPass}. Values longer than their
 * column are cut (marked with an ellipsis) rather than lose the event.
 */
final class JdbcAuditLog implements AuditLog {
  private static final String COLUMNS =
      "id, at, actor, source, action, node, host, project, service, target, before_value,"
          + " after_value, outcome, request_id, detail";

  private final Db db;

  JdbcAuditLog(Db db) {
    this.db = db;
  }

  @Override
  public void record(Event e) {
    db.call(
        "record '" + e.action() + "' in the audit log",
        h -> {
          insert(h, e);
          return null;
        });
  }

  private static void insert(Handle h, Event e) {
    h.createUpdate(
            "INSERT INTO audit_event (at, actor, source, action, node, host, project, service,"
                + " target, before_value, after_value, outcome, request_id, detail) VALUES (:at,"
                + " :actor, :source, :action, :node, :host, :project, :service, :target, :before,"
                + " :after, :outcome, :request_id, :detail)")
        .bind("at", Db.timestamp(e.at()))
        .bind("actor", clip(e.actor(), 512))
        .bind("source", clip(e.source(), 255))
        .bind("action", clip(e.action(), 255))
        .bind("node", clip(e.node(), 255))
        .bind("host", clip(e.host(), 512))
        .bind("project", clip(e.project(), 255))
        .bind("service", clip(e.service(), 255))
        .bind("target", clip(e.target(), 1024))
        .bind("before", clip(e.before(), 1024))
        .bind("after", clip(e.after(), 1024))
        .bind("outcome", clip(e.outcome(), 64))
        .bind("request_id", clip(e.requestId(), 64))
        .bind("detail", e.detail())
        .execute();
  }

  static String clip(String value, int max) {
    if (value == null || value.length() <= max) {
      return value;
    }
    return value.substring(0, max - 1) + "…";
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
                    "SELECT "
                        + COLUMNS
                        + " FROM audit_event WHERE host = :host AND project = :project"
                        + " ORDER BY id DESC LIMIT :limit")
                .bind("host", host)
                .bind("project", project)
                .bind("limit", limit)
                .map(JdbcAuditLog::row)
                .list());
  }

  @Override
  public List<Event> find(AuditLog.Query q) {
    List<String> where = new ArrayList<>();
    if (q.actor() != null) {
      where.add("actor = :actor");
    }
    if (q.node() != null) {
      where.add("node = :node");
    }
    if (q.stack() != null) {
      where.add("project = :stack");
    }
    if (q.action() != null) {
      where.add("action = :action");
    }
    if (q.since() != null) {
      where.add("at >= :since");
    }
    if (q.until() != null) {
      where.add("at < :until");
    }
    if (q.beforeId() != null) {
      where.add("id < :before_id");
    }
    String sql =
        "SELECT "
            + COLUMNS
            + " FROM audit_event"
            + (where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where))
            + " ORDER BY id DESC LIMIT :limit";
    return db.call(
        "read the audit log",
        h -> {
          org.jdbi.v3.core.statement.Query query = h.createQuery(sql).bind("limit", q.limit());
          if (q.actor() != null) {
            query.bind("actor", q.actor());
          }
          if (q.node() != null) {
            query.bind("node", q.node());
          }
          if (q.stack() != null) {
            query.bind("stack", q.stack());
          }
          if (q.action() != null) {
            query.bind("action", q.action());
          }
          if (q.since() != null) {
            query.bind("since", Db.timestamp(q.since()));
          }
          if (q.until() != null) {
            query.bind("until", Db.timestamp(q.until()));
          }
          if (q.beforeId() != null) {
            query.bind("before_id", q.beforeId());
          }
          return query.map(JdbcAuditLog::row).list();
        });
  }

  @Override
  public Purged purge(Instant cutoff, Instant at, String actor, String source) {
    Vendor vendor = db.vendor();
    return db.call(
        "remove audit events older than " + cutoff,
        h ->
            h.inTransaction(
                tx -> {
                  AuditPass.open(tx, vendor, AuditPass.RETENTION);
                  int removed =
                      tx.createUpdate("DELETE FROM audit_event WHERE at < :cutoff")
                          .bind("cutoff", Db.timestamp(cutoff))
                          .execute();
                  AuditPass.close(tx, vendor, AuditPass.RETENTION);
                  Event run =
                      new Event(
                          0,
                          at,
                          actor,
                          source,
                          RETENTION,
                          null,
                          null,
                          null,
                          null,
                          null,
                          null,
                          null,
                          "done",
                          null,
                          "removed " + removed + " events older than " + Db.micros(cutoff));
                  insert(tx, run);
                  return new Purged(removed, Db.micros(cutoff), run);
                }));
  }

  private static Event row(ResultSet rs, StatementContext ctx) throws SQLException {
    return new Event(
        rs.getLong("id"),
        Db.instant(rs, "at"),
        rs.getString("actor"),
        rs.getString("source"),
        rs.getString("action"),
        rs.getString("node"),
        rs.getString("host"),
        rs.getString("project"),
        rs.getString("service"),
        rs.getString("target"),
        rs.getString("before_value"),
        rs.getString("after_value"),
        rs.getString("outcome"),
        rs.getString("request_id"),
        rs.getString("detail"));
  }
}
